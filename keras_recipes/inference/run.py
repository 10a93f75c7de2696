"""What evaluate, predict and export share: loading a run's trained model.

A run directory holds end-to-end models (raw uint8 pixels or raw strings in,
class probabilities out), so serving needs only the model file, the class
names and, to find data, the ``data`` section of config.yaml.

Example:

>>> from keras_recipes.inference.run import load_run
>>> run = load_run("runs/r20", checkpoint="best")
>>> run.kind, run.image_shape, run.class_names[:2]
('image', (32, 32, 3), ['airplane', 'automobile'])
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
import weakref
import zipfile
from pathlib import Path
from typing import List, Optional, Tuple

from keras_recipes import rundir
from keras_recipes.choices import CHECKPOINTS
from keras_recipes.config import DataConfig
from keras_recipes.errors import RecipeError, RunDirError

# Input names of the exported signatures, whatever the model's Input layer is called.
INPUT_NAMES = {"image": "image", "text": "text"}
_LOW_PRECISION = ("mixed_float16", "mixed_bfloat16", "float16", "bfloat16")


class ExportError(RecipeError):
    """An export that cannot be made or that does not match the Keras model."""


class InputError(RecipeError, ValueError):
    """An input to predict (a file, a folder, an array) that cannot be used."""


@dataclasses.dataclass
class LoadedRun:
    """A run's trained model and what serving needs to know about it."""

    run_dir: Path
    model_path: Path
    checkpoint: str  # the checkpoint actually loaded: "best" or "final"
    model: "object"  # keras.Model: raw inputs -> the task's outputs
    precision: str  # "float32" or the mixed policy the model computes in
    data: Optional[DataConfig]  # the config's data section (None: no config.yaml)
    task: "object" = None  # the recipe's Task (ClassificationTask when unknown)
    seed: int = 0
    notes: List[str] = dataclasses.field(default_factory=list)
    # Filled in by the task's describe().
    kind: str = ""  # "image" | "text" | a task's own input kind
    class_names: List[str] = dataclasses.field(default_factory=list)
    image_shape: Optional[Tuple[int, int, int]] = None  # (H, W, C) for image models

    @property
    def input_name(self) -> str:
        return INPUT_NAMES[self.kind]


def model_file(run_dir, checkpoint: str = "best") -> Tuple[Path, str, List[str]]:
    """``(path, checkpoint used, notes)`` of the model to load from ``run_dir``.

    ``best`` falls back to the final model when the run kept no best one (no
    validation data); a run with neither is a RunDirError naming the paths.
    """
    if checkpoint not in CHECKPOINTS:
        raise RecipeError(
            f"unknown checkpoint {checkpoint!r}; choose from {', '.join(CHECKPOINTS)}"
        )
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunDirError(f"run directory not found: {run_dir}")
    best, final = run_dir / rundir.BEST_MODEL, run_dir / rundir.FINAL_MODEL
    if checkpoint == "final":
        if final.is_file():
            return final, "final", []
        raise RunDirError(f"no final model in {run_dir}: {final} is missing (has the run finished?)")
    if best.is_file():
        return best, "best", []
    if final.is_file():
        return final, "final", [f"no {best.name} in {run_dir} (no validation data); using {final.name}"]
    raise RunDirError(
        f"no trained model in {run_dir}: neither {best} nor {final} exists (has the run finished?)"
    )


def _read_config(run_dir: Path):
    """``(DataConfig, seed, task)`` from config.yaml; ``(None, 0, classifier)``
    when there is none.

    The whole config is read when its recipe is registered in this process
    (the task may need its sections); otherwise only the ``data`` section, so
    a run of a user's own, unregistered classifier still serves.
    """
    from keras_recipes.tasks import ClassificationTask

    path = run_dir / rundir.CONFIG
    if not path.is_file():
        return None, 0, ClassificationTask(None)
    from omegaconf import OmegaConf

    from keras_recipes import config as config_lib
    from keras_recipes.errors import UnknownRecipeError
    from keras_recipes.registry import config_from_mapping, get_recipe

    try:
        raw = config_lib.load_yaml(path)
        recipe = get_recipe(str(raw.get("recipe") or ""))
    except UnknownRecipeError:
        recipe = None
    except Exception as err:  # YAML errors, a file that is not a mapping
        raise RunDirError(f"cannot read {path}: {str(err).splitlines()[0]}") from None
    try:
        if recipe is not None:
            cfg = config_from_mapping(raw, source=path)
            return cfg.data, cfg.runtime.seed, recipe.task(cfg, recipe)
        # The engine's keys only: a recipe's own data keys (mnist-vae's
        # data.binarize) mean nothing without the recipe.
        known = {f.name for f in dataclasses.fields(DataConfig)}
        section = {k: v for k, v in (raw.get("data") or {}).items() if k in known}
        data = OmegaConf.merge(OmegaConf.structured(DataConfig), section)
        seed = int(OmegaConf.select(raw, "runtime.seed", default=0) or 0)
        return OmegaConf.to_object(data), seed, ClassificationTask(None)
    except Exception as err:  # schema errors come in many types
        raise RunDirError(f"cannot read {path}: {str(err).splitlines()[0]}") from None


def _register_custom_objects():
    """Import what registers the project's serializable layers with Keras."""
    import keras_recipes.layers  # noqa: F401


def _layers_within(layer):
    """``layer`` and, through ``Model.layers``, every layer of the models in it."""
    yield layer
    for child in getattr(layer, "layers", ()):  # a Model (functional, Sequential or subclassed)
        yield from _layers_within(child)


def compute_precision(model) -> str:
    """The low-precision policy some layer computes in, else "float32"."""
    for layer in _layers_within(model):
        name = getattr(getattr(layer, "dtype_policy", None), "name", "float32")
        if name in _LOW_PRECISION:
            return name
    return "float32"


def load_run(run_dir, checkpoint: str = "best") -> LoadedRun:
    """Load a run's model (``best.keras``, else ``model.keras``) and metadata."""
    path, used, notes = model_file(run_dir, checkpoint)
    run_dir = Path(run_dir)
    import keras

    # The config first: it names the task, which knows its own model classes.
    data, seed, task = _read_config(run_dir)
    _register_custom_objects()
    from keras_recipes._import_hooks import quiet_native_log

    try:
        # The first op initialises TensorFlow's devices: on the command line,
        # hold back its CUDA probe's "failed call to cuInit" on GPU-less hosts.
        with quiet_native_log():
            model = keras.saving.load_model(path, custom_objects=task.custom_objects(),
                                            compile=False)
    except Exception as err:
        raise RunDirError(f"cannot load {path}: {str(err).splitlines()[0]}") from None
    run = LoadedRun(run_dir=run_dir, model_path=path, checkpoint=used, model=model,
                    precision=compute_precision(model), data=data, task=task, seed=seed,
                    notes=notes)
    task.describe(run)
    return run


# -- float32 -----------------------------------------------------------------

def _to_float32(node) -> None:
    """Rewrite, in place, every low-precision dtype policy of a model config."""
    if isinstance(node, dict):
        if node.get("class_name") == "DTypePolicy":
            config = node.get("config") or {}
            if config.get("name") in _LOW_PRECISION:
                config["name"] = "float32"
        if node.get("class_name") == "__keras_tensor__":
            config = node.get("config") or {}
            if config.get("dtype") in ("float16", "bfloat16"):
                config["dtype"] = "float32"
        for value in node.values():
            _to_float32(value)
    elif isinstance(node, list):
        for value in node:
            _to_float32(value)


def float32_model(run: LoadedRun):
    """The run's model computing in float32 (itself when it already does).

    A model trained under mixed precision keeps float32 variables, so the
    float32 model is the same architecture with every layer's policy set to
    float32 and the same weights (and TextVectorization vocabulary): we
    rewrite the policies in the ``.keras`` archive's config.json and let
    Keras load the weights and assets as usual.
    """
    if run.precision == "float32":
        return run.model
    import keras

    with tempfile.TemporaryDirectory(prefix="keras-recipes-f32-") as tmp:
        rewritten = Path(tmp) / "model.keras"
        with zipfile.ZipFile(run.model_path) as src, zipfile.ZipFile(rewritten, "w") as dst:
            for item in src.infolist():
                content = src.read(item.filename)
                if item.filename == "config.json":
                    config = json.loads(content)
                    _to_float32(config)
                    content = json.dumps(config).encode("utf-8")
                dst.writestr(item, content)
        return keras.saving.load_model(rewritten, compile=False)


def custom_classes(model) -> List[str]:
    """Names of the layer classes of ``model`` that Keras alone cannot load."""
    found = set()

    def walk(node):
        if isinstance(node, dict):
            module = node.get("module")
            if isinstance(module, str) and "class_name" in node and module.split(".")[0] != "keras":
                found.add(node["class_name"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    import keras

    walk(keras.saving.serialize_keras_object(model))
    return sorted(found)


# -- augmentation ----------------------------------------------------------------

# Keras' random augmentation layers return their input at inference. RandomCrop
# does not (it center-crops / resizes when sizes differ), so it is kept.
_AUGMENTATION = ("Random", "RandAugment", "AugMix", "MixUp", "CutMix")


def _is_augmentation(layer) -> bool:
    import keras

    if isinstance(layer, keras.layers.Pipeline):
        return bool(layer.layers) and all(_is_augmentation(sub) for sub in layer.layers)
    name = type(layer).__name__
    return name.startswith(_AUGMENTATION) and name != "RandomCrop"


def augmentation_layers(model) -> list:
    return [layer for layer in model.layers if _is_augmentation(layer)]


def without_augmentation(model):
    """``model`` without its on-device augmentation, sharing the other layers.

    Only for a chain of layers (how ``modeling.image_model`` builds: input ->
    augmentation -> normalisation -> body); any other graph is returned as is.
    Exported graphs then hold no random ops, which ONNX cannot express.
    """
    import keras

    layers = model.layers
    if not augmentation_layers(model) or not _is_chain(model):
        return model
    spec = model.inputs[0]
    x = inputs = keras.Input(batch_shape=spec.shape, dtype=spec.dtype, name=layers[0].name)
    for layer in layers[1:]:
        if not _is_augmentation(layer):
            x = layer(x)
    return keras.Model(inputs, x, name=model.name)


def _is_chain(model) -> bool:
    """Whether each layer of a functional ``model`` is called once, on the
    previous layer's output, and the last one gives the only output (read from
    the public ``get_config``: the graph as the .keras format stores it)."""
    try:
        config = model.get_config()
        entries, outputs = config["layers"], config["output_layers"]
    except (NotImplementedError, KeyError, TypeError):  # not a functional model
        return False
    names = [entry["name"] for entry in entries]
    for previous, entry in zip(names, entries[1:]):
        nodes = entry.get("inbound_nodes") or []
        if len(nodes) != 1 or _called_on(nodes[0]) != [previous]:
            return False
    return _called_on(outputs) == names[-1:]


def _called_on(node) -> list:
    """The layer names a serialized node (or output list) takes tensors from."""
    if isinstance(node, dict):
        history = (node.get("config") or {}).get("keras_history") if node.get(
            "class_name") == "__keras_tensor__" else None
        if history is not None:
            return [history[0]]
        return [name for value in node.values() for name in _called_on(value)]
    if isinstance(node, (list, tuple)):
        if len(node) == 3 and isinstance(node[0], str) and isinstance(node[1], int):
            return [node[0]]  # [layer name, node index, tensor index]
        return [name for value in node for name in _called_on(value)]
    return []


# -- batching ------------------------------------------------------------------

def compiled_inference(model):
    """``model(x, training=False)`` as one compiled graph for every batch size.

    Calling a Keras model eagerly runs it op by op from Python: on a CPU an
    IMDB BiLSTM then evaluates 25-28 reviews/s, where the same model traced
    once runs two orders of magnitude faster. ``reduce_retracing`` keeps one
    graph for the full batches and the smaller last one.
    """
    import tensorflow as tf

    if model not in _COMPILED:
        _COMPILED[model] = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    return _COMPILED[model]


_COMPILED = weakref.WeakKeyDictionary()  # model -> its compiled inference, traced once


def predict_batches(model, inputs, batch_size: int = 256) -> list:
    """``model(x, training=False)`` on numpy ``inputs``, ``batch_size`` at a
    time, through ``compiled_inference``: one output (numpy, or a structure of
    them for several outputs) per batch."""
    import numpy as np
    import tensorflow as tf

    # Compiled even for one input: tracing costs a fraction of a second,
    # while an eager recurrent layer steps through its sequence in Python
    # (seconds for one IMDB review).
    call = compiled_inference(model)
    return [tf.nest.map_structure(np.asarray, call(tf.constant(inputs[start:start + batch_size])))
            for start in range(0, len(inputs), batch_size)]


def predict_probabilities(model, inputs, batch_size: int = 256):
    """float32 probabilities [N, classes] of ``model`` on raw inputs (numpy)."""
    import numpy as np

    out = [np.asarray(batch, np.float32) for batch in predict_batches(model, inputs, batch_size)]
    if not out:
        return np.zeros((0, int(model.outputs[0].shape[-1])), np.float32)
    return np.concatenate(out)

