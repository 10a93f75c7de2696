"""The task contract: what a recipe trains, as opposed to how a run runs.

``Trainer`` owns the run: seeding, precision, distribution strategy, loading
the data, callbacks, ``model.fit``, resume and the run directory, the same
for every recipe. The recipe's :class:`Task` owns what differs between a
classifier, an autoencoder, a VAE, a GAN and a language model, as in Model
Garden's ``base_task`` and KerasHub's tasks. The Trainer calls, in order:

1. ``prepare(splits, files)``: fit preprocessing on the training split
   (a vocabulary) or read it back from the run directory when resuming.
2. ``data_info(splits)``: what ``recipe.build_model(cfg, info)`` learns.
3. ``pipeline_options(splits, training)``: how a batch becomes
   ``(inputs, targets)`` (labels, no labels, noisy -> clean, next characters).
4. ``build(info, augmenter)`` inside the strategy scope: the model ``fit``
   trains (it may override ``train_step``/``compute_loss``) and the
   end-to-end model saved as ``model.keras``/``best.keras``.
5. ``make_optimizer(model, steps_per_epoch)`` (the engine's from
   ``cfg.train`` unless the task needs its own), then
   ``compile_args(optimizer)``: loss, metrics (and optimizers of its own).
6. ``callbacks(write_dir)``: extra per-epoch callbacks (sample grids).

``metric_names()`` (what ``fit`` logs: what ``recipes tune`` may optimise)
is asked before any of these, without TensorFlow.

After training, from a run directory alone (``LoadedRun``), the serving half:

- ``custom_objects()``: the task's own model classes ``load_model`` needs;
- ``describe(run)``: fill in the run's input kind, shape and class names;
- ``evaluate(run, data, ...)``: held-out metrics as an :class:`Evaluation`
  (options of its own, e.g. a GAN's ``classifier``, listed in
  ``evaluate_options``); the engine adds what every evaluation records
  (data, checkpoint, model, precision, time, notes), writes
  ``evaluation.json`` and prints ``format_evaluation(result)``;
- ``predict(run, inputs, ...)``: ranked classes (classifiers);
- ``export_model(run, model)``, ``export_signatures(run, model)``,
  ``export_assets(run)`` and ``export_unsupported(run, format)``: what an
  export holds (``keras_recipes.inference.export``); the engine
  stages, writes every format, checks parity and replaces atomically;
- ``sample(run, n, ...)``: what ``recipes sample`` does;
- ``text_sampler(run, model)``: what ``recipes generate`` streams text from.

Every serving method is declared here: one a task does not offer raises a
RecipeError naming the task, so the engine never asks what a task is.

Classification is the default task (:class:`ClassificationTask`); a recipe
names another with ``register_recipe(..., task=MyTask)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from keras_recipes.errors import RecipeError


@dataclass
class DataInfo:
    """What a recipe's ``build_model(cfg, info)`` knows about its data."""

    kind: str  # "image" | "text"
    num_classes: int
    class_names: List[str] = field(default_factory=list)
    image_shape: Optional[Tuple[int, int, int]] = None
    vocab_size: Optional[int] = None  # actual vocabulary size after adapt
    sequence_length: Optional[int] = None


@dataclass
class RunFiles:
    """Where a task keeps what it learns from the data (a vocabulary), and
    whether to read it back (a resumed run) or write it (the chief)."""

    run_dir: Path
    resume: bool = False
    chief: bool = True


@dataclass
class TaskModels:
    """The model ``fit`` trains and the one a run directory keeps.

    For a classifier they share layers: the serving model adds in-model
    preprocessing (a vectorizer) in front. A GAN trains a two-model wrapper
    and keeps the same wrapper; a task whose trained model is already end to
    end returns it twice.
    """

    train: Any  # keras.Model
    serving: Any  # keras.Model
    # What scores the held-out splits in metrics.json, fed the train model's
    # batches: None is the train model; a classifier with test-time
    # augmentation gives its averaging model, so metrics.json reports what
    # the saved model will do.
    evaluation: Any = None  # keras.Model


@dataclass
class Signature:
    """One named function of an exported SavedModel.

    ``fn`` takes the tensors of ``input_signature`` (a list of
    ``tf.TensorSpec``) and returns a dict of named outputs; ``example`` is a
    list of numpy inputs the export check calls it with.
    """

    fn: Callable
    input_signature: list
    example: list
    # What the artifact must reproduce on ``example`` (None: ``fn`` itself);
    # a classifier exported without its augmentation layers is checked
    # against the whole Keras model.
    reference: Optional[Callable] = None
    example_from: str = "the task's example inputs"  # what the parity check says it ran on


@dataclass
class Evaluation:
    """What a task's ``evaluate`` measured; the engine adds the envelope
    (data, checkpoint, model, precision, wall time, notes, files, summary)
    and writes ``evaluation.json``.

    ``metrics`` are the task's own figures (``examples`` first); ``summary``
    is one line; ``files`` are extra files written (a confusion matrix plot).
    """

    metrics: Dict[str, Any]
    summary: str
    data: str  # what was evaluated, in words ("the test split of ...")
    notes: List[str] = field(default_factory=list)
    files: Dict[str, str] = field(default_factory=dict)


class Task:
    """Base class of a recipe's task; see the module docstring for the order."""

    #: What `recipes list` shows and metrics.json records.
    name = "task"
    #: Keyword options ``evaluate`` accepts besides the common ones (a GAN's
    #: ``classifier``); ``kr.evaluate`` refuses others with a clear error.
    evaluate_options: Tuple[str, ...] = ()
    #: ``(place, why)`` where the task's augmentation must run, ``"model"`` or
    #: ``"pipeline"``; the runtime plan honours it (None: the plan's own rule).
    augmentation_placement: Optional[Tuple[str, str]] = None

    def __init__(self, cfg, recipe=None):
        self.cfg = cfg
        self.recipe = recipe

    # -- training: called by Trainer in this order ------------------------------------
    def prepare(self, splits, files: RunFiles) -> None:
        """Fit preprocessing on ``splits.train`` or read it back (resume)."""

    def data_info(self, splits) -> DataInfo:
        d = self.cfg.data
        info = DataInfo(kind=splits.kind, num_classes=len(splits.class_names),
                        class_names=list(splits.class_names))
        if splits.kind == "image":
            info.image_shape = (d.image_size, d.image_size, d.channels)
        return info

    def pipeline_options(self, splits, training: bool) -> Dict[str, Any]:
        """Extra ``datasets.make_pipeline`` arguments: ``map_fn`` (per batch,
        after augmentation), ``mixer``, ``num_classes`` (one-hot labels)."""
        return {}

    def build(self, info: DataInfo, augmenter=None) -> TaskModels:
        """The models, built by the recipe's ``build_model(cfg, info)``.
        ``augmenter``: the augmentation to run inside the train model, or None
        (none configured, or the plan placed it in the tf.data pipeline)."""
        model = self.recipe.build_model(self.cfg, info)
        return TaskModels(train=model, serving=model)

    def make_optimizer(self, model, steps_per_epoch: int):
        """``(learning-rate schedule, optimizer)`` that train ``model``: the
        engine's from ``cfg.train``; a task whose method needs per-variable
        handling (airbench's bias learning rates) builds its own."""
        from keras_recipes.training.optimizers import make_optimizer, make_schedule

        schedule = make_schedule(self.cfg.train, steps_per_epoch)
        return schedule, make_optimizer(self.cfg.train, schedule, model)

    def compile_args(self, optimizer) -> Dict[str, Any]:
        """``model.compile`` arguments besides jit/steps_per_execution."""
        return {"optimizer": optimizer}

    def metric_names(self) -> tuple:
        """The names ``fit`` logs (``val_`` prefixed on validation data):
        what ``recipes tune --objective`` may optimise. Pure Python."""
        return ("loss",)

    def callbacks(self, write_dir: Path) -> list:
        """Callbacks added after the engine's own (e.g. a sample grid per epoch)."""
        return []

    # -- serving: from a run directory alone -----------------------------------------
    def custom_objects(self) -> dict:
        """Classes ``load_model`` needs besides Keras' and ``keras_recipes.layers``
        (a task's own ``keras.Model`` subclass); imported only when a run loads."""
        return {}

    def describe(self, run) -> None:
        """Check the loaded ``run.model`` and fill in ``run.kind``,
        ``run.image_shape`` and ``run.class_names``."""

    def evaluate(self, run, data=None, *, batch_size: int = 256) -> Evaluation:
        """Held-out metrics of ``run`` on ``data`` (None: the run's own held-out
        split); ``keras_recipes.inference.evaluate`` writes them."""
        raise RecipeError(f"{run.run_dir} is a {self.name} run: it cannot be evaluated "
                          "(`recipes evaluate` knows no metric for this task)")

    def format_evaluation(self, result: dict) -> str:
        """The printed report of ``evaluation.json``'s content (default: its summary)."""
        return result["summary"]

    def predict(self, run, inputs, *, top_k: int = 3, files=None, batch_size: int = 256) -> list:
        """Ranked classes per input (``recipes predict``)."""
        from keras_recipes.inference.run import InputError

        raise InputError(f"{run.run_dir} is a {self.name} run: `recipes predict` is for "
                         "classifiers; see `recipes sample` and `recipes evaluate`")

    def export_model(self, run, model):
        """The float32 ``model`` as the artifact holds it (a .keras archive
        saves it): a task may leave out layers that are the identity at
        inference, which its signatures then skip."""
        return model

    def export_signatures(self, run, model) -> Dict[str, Signature]:
        """The artifact's named functions of ``model`` (the run's whole model;
        also called on the reloaded ``export_model`` of a .keras archive)."""
        from keras_recipes.inference.run import ExportError

        raise ExportError(f"{run.run_dir} is a {self.name} run: it cannot be exported")

    def export_unsupported(self, run, format: str) -> Optional[str]:
        """Why ``run`` cannot be exported as ``format`` (None: it can). A
        task's named signatures go to a SavedModel or a .keras archive; LiteRT
        and ONNX artifacts hold a classifier's one signature."""
        if format in ("saved_model", "keras"):
            return None
        return (f"{self.name} runs export as saved_model or keras; {format} holds a single "
                "classifier signature")

    def export_assets(self, run) -> Dict[str, str]:
        """Files written into a SavedModel's ``assets.extra`` (name -> text)."""
        return {}

    def sample(self, run, n: int, *, output=None, seed: int = 0, verbose: bool = True,
               **options) -> dict:
        """Draw ``n`` samples from a trained run (``recipes sample``); returns
        a dict with a one-line ``summary`` and the ``files`` written."""
        raise RecipeError(
            f"{run.run_dir} is a {self.name} run: it has nothing to sample (`recipes sample` is "
            "for generative recipes)"
        )

    def text_sampler(self, run, model):
        """What ``recipes generate`` streams text from, for the float32 ``model``:
        an object with ``vocabulary``, ``prompt_ids(prompt, unknown)``,
        ``warm_up()`` and ``iter_ids(ids, length, temperature=, top_k=, seed=)``
        (see ``keras_recipes.tasks.recurrent_sampler.RecurrentSampler``)."""
        raise RecipeError(f"{run.run_dir} is a {self.name} run: `recipes generate` samples "
                          "text from language-model runs (e.g. shakespeare-char)")


def task_for(cfg, recipe) -> Task:
    """The task instance of ``recipe`` for the config ``cfg``."""
    return recipe.task(cfg, recipe)
