"""``export``: a run's model as a SavedModel, .keras, LiteRT or ONNX artifact
that serves without keras-recipes, checked against the Keras model.

Every artifact takes raw inputs and returns class probabilities::

    format       input                                   output
    saved_model  "image" uint8 [None, H, W, C]           "probabilities" float32 [None, K]
                 or "text" string [None]                 (signature "serving_default")
    keras        the same end-to-end model as a .keras archive
    tflite       "image" uint8 [None, H, W, C]           "probabilities" (signature
                 (text models: not supported)            "serving_default")
    onnx         "image" uint8 [None, H, W, C]           "probabilities"
                 (text models: not supported)

Exports compute in float32: a model trained under mixed precision (float32
variables) is rebuilt with float32 layers and the same weights first, so the
artifact is portable (LiteRT, ONNX and CPUs want float32) and can be checked
to 1e-4. On-device augmentation layers, the identity at inference, are left
out, so the graph holds no random ops. After writing, the artifact is loaded
back with its own runtime (``tf.saved_model.load``, the LiteRT interpreter,
ONNX Runtime) and its outputs on a batch of real inputs (synthetic when the
run's data cannot be read without a download) are compared with the Keras
model's, for the whole batch and for a batch of one; a difference of 1e-4 or
more fails the export and leaves nothing at the output path.

Example:

>>> import keras_recipes as kr
>>> result = kr.export("runs/r20", format="saved_model")
>>> import tensorflow as tf
>>> serve = tf.saved_model.load(str(result.path)).signatures["serving_default"]
>>> serve(image=tf.zeros([2, 32, 32, 3], tf.uint8))["probabilities"].shape
TensorShape([2, 10])
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import json
import logging
import os
import shutil
import warnings
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from keras_recipes.choices import EXPORT_FORMATS
from keras_recipes.inference.data import parity_inputs
from keras_recipes.inference.run import (OUTPUT_KEY, ExportError, LoadedRun, augmentation_layers,
                                         custom_classes, float32_model, load_run,
                                         predict_probabilities, without_augmentation)

FORMATS = EXPORT_FORMATS
DEFAULT_NAMES = {"saved_model": "saved_model", "keras": "model.keras", "tflite": "model.tflite",
                 "onnx": "model.onnx"}
TOLERANCE = 1e-4  # max |exported - keras| on float32 probabilities
PARITY_EXAMPLES = 16
_TEXT_UNSUPPORTED = {
    "tflite": (
        "tflite export is not supported for text models: the in-model TextVectorization needs "
        "TensorFlow string ops (StringLower, StaticRegexReplace, StringSplitV2) that LiteRT runs "
        "only through the Flex delegate, which neither tensorflow's tf.lite.Interpreter nor "
        "ai-edge-litert ships, so the export could not be verified; use --format saved_model"
    ),
    "onnx": (
        "onnx export is not supported for text models: ONNX has no standard ops for the in-model "
        "TextVectorization (StringLower, StaticRegexReplace, StringSplitV2); use --format saved_model"
    ),
}


@dataclasses.dataclass
class ExportResult:
    """What ``export`` wrote and how closely it matches the Keras model."""

    path: Path
    format: str
    input_name: str  # "image" | "text"
    input_dtype: str  # "uint8" | "string"
    input_shape: Tuple[Optional[int], ...]  # (None, H, W, C) | (None,)
    output_key: str
    max_abs_diff: float  # max |exported - keras model (float32)|
    examples: int  # how many inputs the parity check ran
    inputs_from: str  # where those inputs came from
    precision: str  # the policy the run's model was trained under
    notes: List[str] = dataclasses.field(default_factory=list)

    def summary(self) -> str:
        shape = ", ".join("None" if d is None else str(d) for d in self.input_shape)
        lines = [
            f"exported {self.format} to {self.path}",
            f"  input {self.input_name!r}: {self.input_dtype} [{shape}] -> output "
            f"{self.output_key!r}: float32 probabilities",
            f"  parity: max |{self.format} - keras| = {self.max_abs_diff:.2e} < {TOLERANCE:g} on "
            f"batches of {self.examples} and 1: {self.inputs_from}",
        ]
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


def input_spec(run: LoadedRun):
    """The signature's input: uint8 images or strings, any batch size."""
    import tensorflow as tf

    if run.kind == "image":
        return tf.TensorSpec([None, *run.image_shape], tf.uint8, name=run.input_name)
    return tf.TensorSpec([None], tf.string, name=run.input_name)


# -- writers: (float32 model, run, path) -> None ------------------------------------

def _write_saved_model(model, run: LoadedRun, path: Path) -> None:
    """A SavedModel with the task's named functions as its signatures."""
    import keras

    archive = keras.export.ExportArchive()
    archive.track(model)
    for name, signature in run.task.export_signatures(run, model).items():
        archive.add_endpoint(name=name, fn=signature.fn,
                             input_signature=signature.input_signature)
    archive.write_out(str(path), verbose=False)
    if run.task.predicts_classes:
        # TF Serving's place for files that travel with a model: the label order.
        extra = path / "assets.extra"
        extra.mkdir(exist_ok=True)
        (extra / "class_names.json").write_text(json.dumps(run.class_names) + "\n")


def _write_keras(model, run: LoadedRun, path: Path) -> None:
    model.save(path)


def _write_tflite(model, run: LoadedRun, path: Path) -> None:
    import tempfile

    import tensorflow as tf

    with tempfile.TemporaryDirectory(prefix="keras-recipes-tflite-") as tmp:
        saved = Path(tmp) / "saved_model"
        _write_saved_model(model, run, saved)
        converter = tf.lite.TFLiteConverter.from_saved_model(str(saved), signature_keys=["serving_default"])
        try:
            flatbuffer = converter.convert()
        except Exception as err:
            raise ExportError(f"the LiteRT converter failed: {_first_line(err)}") from None
    path.write_bytes(flatbuffer)


def _write_onnx(model, run: LoadedRun, path: Path) -> None:
    import tensorflow as tf
    import tf2onnx

    serve = tf.function(lambda inputs: {OUTPUT_KEY: model(inputs, training=False)},
                        input_signature=[input_spec(run)], autograph=False)
    concrete = serve.get_concrete_function()
    # Freeze first, naming only the real input: `tf2onnx.convert.from_function`
    # would turn tensors the function captures (e.g. Normalization's mean and
    # variance) into extra graph inputs.
    inputs = [concrete.inputs[0].name]
    outputs = [t.name for t in concrete.outputs]
    try:
        with _quiet_tf_logging():
            graph_def = tf2onnx.tf_loader.from_function(concrete, inputs, outputs)
            tf2onnx.convert.from_graph_def(
                graph_def, name=run.run_dir.name, input_names=inputs, output_names=outputs,
                tensors_to_rename={inputs[0]: run.input_name, outputs[0]: OUTPUT_KEY},
                output_path=str(path),
            )
    except Exception as err:
        raise ExportError(f"the ONNX converter (tf2onnx) failed: {_first_line(err)}") from None


@contextlib.contextmanager
def _quiet_tf_logging():
    """Hide TensorFlow's and tf2onnx's INFO/deprecation chatter during a conversion."""
    loggers = [logging.getLogger(name) for name in ("tensorflow", "tf2onnx")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


# -- runners: (path, run) -> callable(raw batch) -> float32 probabilities -----------

def _run_saved_model(path: Path, run: LoadedRun):
    import tensorflow as tf

    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    return lambda x: serve(**{run.input_name: tf.constant(x)})[OUTPUT_KEY].numpy()


def _run_keras(path: Path, run: LoadedRun):
    import keras

    model = keras.saving.load_model(path, compile=False)
    return lambda x: predict_probabilities(model, x)


def tflite_interpreter(path):
    """LiteRT's interpreter (ai-edge-litert) if installed, else TensorFlow's."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter
    with warnings.catch_warnings():  # tf.lite.Interpreter's deprecation notice
        warnings.simplefilter("ignore")
        return Interpreter(model_path=str(path))


def _run_tflite(path: Path, run: LoadedRun):
    runner = tflite_interpreter(path).get_signature_runner("serving_default")
    return lambda x: runner(**{run.input_name: np.asarray(x)})[OUTPUT_KEY]


def _run_onnx(path: Path, run: LoadedRun):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return lambda x: session.run([OUTPUT_KEY], {run.input_name: np.asarray(x)})[0]


_WRITERS = {"saved_model": _write_saved_model, "keras": _write_keras, "tflite": _write_tflite,
            "onnx": _write_onnx}
_RUNNERS = {"saved_model": _run_saved_model, "keras": _run_keras, "tflite": _run_tflite,
            "onnx": _run_onnx}


def _first_line(err) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def check_format(format: str) -> str:
    if format not in FORMATS:
        from keras_recipes.errors import did_you_mean

        hint = did_you_mean(format, FORMATS)
        raise ExportError(f"unknown export format {format!r}; formats: {', '.join(FORMATS)}{hint}")
    return format


def _check_supported(run: LoadedRun, format: str) -> None:
    if run.kind == "text" and format in _TEXT_UNSUPPORTED:
        raise ExportError(_TEXT_UNSUPPORTED[format])
    if format == "onnx":
        missing = [m for m in ("tf2onnx", "onnxruntime") if importlib.util.find_spec(m) is None]
        if missing:
            raise ExportError(
                f"onnx export needs {' and '.join(missing)}: pip install \".[export]\" in the keras-recipes source tree (or pip install onnxruntime tf2onnx onnx)"  # noqa: E501
            )


def _output_path(run: LoadedRun, format: str, output) -> Path:
    path = Path(os.path.expanduser(os.fspath(output))) if output is not None else (
        run.run_dir / "export" / DEFAULT_NAMES[format])
    if format == "saved_model":
        if path.is_file():
            raise ExportError(f"{path} is a file; a SavedModel is a directory")
        if path.is_dir() and any(path.iterdir()) and not (path / "saved_model.pb").is_file():
            raise ExportError(f"{path} is a non-empty directory that is not a SavedModel; "
                              "choose another --output")
    else:
        if path.is_dir():
            raise ExportError(
                f"{path} is a directory; pass a file path, e.g. {path / DEFAULT_NAMES[format]}"
            )
        if format == "keras" and path.suffix != ".keras":
            raise ExportError(f"a .keras archive's file name must end in .keras; received {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def export(run_dir, format: str = "saved_model", output=None, checkpoint: str = "best", *,
           verbose: bool = True) -> ExportResult:
    """Export a run's model to ``format`` and check it against the Keras model.

    Args:
        run_dir: a finished run directory.
        format: one of ``saved_model``, ``keras``, ``tflite``, ``onnx``.
        output: where to write (default ``RUN_DIR/export/saved_model``,
            ``model.keras``, ``model.tflite`` or ``model.onnx``); an earlier
            export there is replaced.
        checkpoint: ``best`` (best validation; the final model when the run
            kept none) or ``final``.
        verbose: print the result and the parity check.

    Returns:
        an ``ExportResult``.

    Raises:
        ExportError: an unknown or unsupported format, or outputs that differ
            from the Keras model by ``TOLERANCE`` or more.
        RunDirError: a run directory without a model.
    """
    check_format(format)
    run = load_run(run_dir, checkpoint)
    if not run.task.predicts_classes:
        from keras_recipes.inference.export_task import export_task

        return export_task(run, format, _output_path(run, format, output), verbose=verbose)
    _check_supported(run, format)
    path = _output_path(run, format, output)
    keras_model = float32_model(run)
    # The artifact leaves out on-device augmentation (the identity at
    # inference); the parity check compares it with the whole Keras model.
    model = without_augmentation(keras_model)
    inputs, inputs_from = parity_inputs(run, PARITY_EXAMPLES)
    reference = predict_probabilities(keras_model, inputs)
    notes = list(run.notes)
    if model is not keras_model:
        notes.append("left out the augmentation layers, the identity at inference: "
                     + ", ".join(layer.name for layer in augmentation_layers(keras_model)))

    staging = path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")
    _remove(staging)
    try:
        _WRITERS[format](model, run, staging)
        exported = _RUNNERS[format](staging, run)
        got, got_one = np.asarray(exported(inputs)), np.asarray(exported(inputs[:1]))
        if got.shape != reference.shape or got_one.shape != reference[:1].shape:
            raise ExportError(
                f"the exported {format} model returns shape {got.shape} (and {got_one.shape} for "
                f"one input); the Keras model {reference.shape}"
            )
        diff = float(max(np.max(np.abs(got - reference)), np.max(np.abs(got_one - reference[:1]))))
        if not diff < TOLERANCE:  # also catches NaN
            raise ExportError(
                f"parity check failed: the exported {format} model differs from the Keras model by "
                f"{diff:.3g} (tolerance {TOLERANCE:g}) on {len(inputs)} {inputs_from}; nothing was "
                f"written to {path}"
            )
        _remove(path)
        os.replace(staging, path)
    finally:
        _remove(staging)

    if run.precision != "float32":
        trained = predict_probabilities(run.model, inputs)
        notes.append(
            f"trained under {run.precision}; exported in float32 (max |float32 - {run.precision}| "
            f"= {float(np.max(np.abs(trained - reference))):.2e}: the rounding of {run.precision}, "
            "not an export error)"
        )
    if format == "keras":
        custom = custom_classes(model)
        if custom:
            notes.append(
                f"this .keras archive uses keras_recipes layers ({', '.join(custom)}): loading it needs "
                "`import keras_recipes.layers`; saved_model, tflite and onnx need nothing but their runtime"
            )
    if format == "saved_model":
        notes.append("label order: assets.extra/class_names.json in the SavedModel directory")
    result = ExportResult(
        path=path, format=format, input_name=run.input_name,
        input_dtype="uint8" if run.kind == "image" else "string",
        input_shape=(None, *run.image_shape) if run.kind == "image" else (None,),
        output_key=OUTPUT_KEY, max_abs_diff=diff, examples=len(inputs), inputs_from=inputs_from,
        precision=run.precision, notes=notes,
    )
    if verbose:
        print(result.summary())
    return result
