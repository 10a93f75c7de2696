"""Typed, nested recipe configs with a YAML round trip and dotted overrides.

A recipe's settings are plain dataclasses in five sections (``data``,
``augment``, ``model``, ``train``, ``runtime``). OmegaConf structured configs
give us the type checking, the YAML round trip and the dotted overrides
(``train.epochs=30``); this module only turns its exceptions into one-line
messages a user can act on.

Example:

>>> from keras_recipes.config import RecipeConfig, apply_overrides, to_yaml
>>> cfg = apply_overrides(RecipeConfig(), ["train.epochs=3"])
>>> cfg.train.epochs
3
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional

from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from keras_recipes.choices import OPTIMIZERS, PRECISIONS, SCHEDULES, STRATEGIES
from keras_recipes.errors import ConfigError, ModelBuildError, did_you_mean


@dataclass
class DataConfig:
    """Where the data comes from and how it is fed."""

    source: str = ""  # "tfds:cifar10", "path/to/folder", ...
    kind: str = "image"  # "image" | "text" | "corpus" (one text for a language model)
    data_dir: Optional[str] = None  # TFDS data_dir
    val_fraction: float = 0.1  # carved (stratified, seeded) from train when no val split
    # How: "random" rows, or "blocks": contiguous runs of file names per class,
    # for data whose neighbours are related (aclImdb: one movie's reviews).
    val_split: str = "random"
    # Train on only this many examples (each class keeps its share, seeded,
    # drawn after validation is held out); None: all. Small-data lessons.
    train_examples: Optional[int] = None
    cache: str = "memory"  # "memory" | "none" | a file-cache path prefix
    shuffle_buffer: int = 10_000
    strict: bool = False  # corrupt files: fail instead of skip-and-count
    # Train on images whose colour and size both differ from the recipe's
    # (refused otherwise: e.g. a CIFAR-10 folder for an MNIST recipe).
    convert: bool = False
    # Images.
    image_size: int = 32
    channels: int = 3
    # Per-channel pixel statistics (0-255 scale) for the in-model normalisation;
    # empty means "rescale to [0, 1]".
    mean: List[float] = field(default_factory=list)
    std: List[float] = field(default_factory=list)
    # Text.
    vocab_size: int = 20_000
    sequence_length: int = 200  # tokens per text; characters per window of a corpus
    # What the text vectorizer hands the model: "int" token ids (padded to
    # sequence_length) or a bag of words / n-grams, one column per vocabulary
    # entry ("multi_hot": present or not; "count"), as a sparse tensor.
    text_output: str = "int"
    ngrams: int = 1  # 2: words and word pairs (bigrams) are both vocabulary entries

    def load_options(self, seed: int, **changes) -> dict:
        """The keyword arguments of ``datasets.load_splits`` for this section:
        the one mapping training and inference load data through. ``changes``
        replace some (inference: the trained model's image shape, no
        validation carved from data passed explicitly).

        >>> DataConfig(kind="text").load_options(seed=0)["sequence_length"]
        200
        """
        return {"kind": self.kind, "image_size": self.image_size, "channels": self.channels,
                "val_fraction": self.val_fraction, "val_split": self.val_split, "seed": seed,
                "data_dir": self.data_dir, "strict": self.strict,
                "sequence_length": self.sequence_length, "train_examples": self.train_examples,
                **changes}


@dataclass
class AugmentConfig:
    """Augmentation preset and where it runs."""

    preset: str = "none"  # "none" | "cifar" | "strong" | "digits"
    placement: str = "auto"  # "auto" | "pipeline" (CPU tf.data) | "model" (on device)
    mix: Optional[str] = None  # None | "mixup" | "cutmix" (batch level, soft labels)
    mix_alpha: float = 1.0
    # Options of the preset (keras_recipes.datasets.augmentation); None keeps
    # the preset's own value.
    pad: Optional[int] = None  # pixels of the random shift (pad-and-crop); 0: none
    flip: Optional[bool] = None  # random horizontal flip
    rotate: Optional[float] = None  # digits: largest random rotation, degrees; 0: none
    zoom: Optional[float] = None  # digits: largest random zoom in or out, a fraction; 0: none
    # Test-time augmentation of image classifiers: "flip" averages the
    # prediction over the image and its mirror image, in the saved and
    # exported model too (twice the inference cost); "multicrop" adds the
    # image moved one pixel up-left and down-right, each mirrored too (six
    # views, airbench's: 6x the inference cost).
    test_time: str = "none"  # "none" | "flip" | "multicrop"


@dataclass
class TrainConfig:
    """Optimiser, schedule and loop settings."""

    epochs: int = 10
    batch_size: int = 128  # global batch (per replica x replicas)
    optimizer: str = "sgd"  # "sgd" | "adamw" | "adam" | "rmsprop"
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = False
    # SGD/Adam: L2 penalty on kernels (coupled, as in the papers); AdamW:
    # decoupled decay. Both skip biases and batch-norm parameters.
    weight_decay: float = 0.0
    schedule: str = "constant"  # "constant" | "step" | "cosine" | "onecycle" | "triangular"
    decay_at: List[float] = field(default_factory=lambda: [0.5, 0.75])  # fractions of all steps
    decay_factor: float = 0.1
    warmup_epochs: float = 0.0
    # Warmup as a share of all steps; added to warmup_epochs. A fraction keeps
    # a preset's warmup in proportion when --epochs changes its length.
    warmup_fraction: float = 0.0
    lr_scaling: str = "none"  # "none" | "linear": lr * batch_size / base_batch_size
    base_batch_size: int = 128
    label_smoothing: float = 0.0
    ema: bool = False
    ema_momentum: float = 0.999
    clipnorm: Optional[float] = None
    steps_per_epoch: Optional[int] = None  # cap (None: one pass over the data)
    steps_per_execution: int = 1
    early_stopping_patience: int = 0  # 0: off
    backup_every: int = 0  # 0: back up at every epoch end; N: every N steps
    backup_minutes: float = 5.0  # also back up within an epoch this often; 0: off
    keep_backups: int = 2  # backups kept in backup/; resume falls back to an older one if needed
    monitor: str = "val_accuracy"
    # Record per-layer gradient norms on one fixed training batch at these
    # steps (0: at initialisation) into gradient_norms.json; []: off.
    gradient_norm_steps: List[int] = field(default_factory=list)


@dataclass
class RuntimeConfig:
    """Hardware, precision and reproducibility."""

    precision: str = "auto"
    strategy: str = "auto"
    jit_compile: str = "auto"  # "auto" | "true" | "false"
    gpus: Optional[str] = None  # "0,1": GPUs to use; None: all visible
    seed: int = 1337
    deterministic: bool = False
    verbose: int = 1  # 0 quiet, 1 progress bar, 2 one line per epoch


@dataclass
class RecipeConfig:
    """A whole recipe: the five sections plus the recipe's name."""

    recipe: str = ""
    preset: Optional[str] = None  # the recipe preset the run started from (None: defaults)
    model: Any = None  # the recipe's own model dataclass
    data: DataConfig = field(default_factory=DataConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)


_CHOICES = {
    "data.kind": ("image", "text", "corpus"),  # keras_recipes.datasets.spec.KINDS
    "data.val_split": ("random", "blocks"),  # keras_recipes.datasets.splits.VAL_SPLITS
    "data.text_output": ("int", "multi_hot", "count"),  # keras_recipes.inference.model_inputs
    "augment.preset": ("none", "cifar", "strong", "digits"),  # keras_recipes.datasets.PRESETS
    "augment.placement": ("auto", "pipeline", "model"),
    "augment.mix": (None, "mixup", "cutmix"),
    "augment.test_time": ("none", "flip", "multicrop"),
    "train.optimizer": OPTIMIZERS,
    "train.schedule": SCHEDULES,
    "train.lr_scaling": ("none", "linear"),
    "runtime.precision": PRECISIONS,
    "runtime.strategy": STRATEGIES,
    "runtime.jit_compile": ("auto", "true", "false"),
}


def _as_config_error(err: OmegaConfBaseException, schema) -> ConfigError:
    key = getattr(err, "full_key", None) or "?"
    message = str(err).splitlines()[0]
    if "not in" in message or "Missing key" in message or "Key '" in message:
        known = list(flatten(OmegaConf.to_container(schema)))
        hint = did_you_mean(key, known, cutoff=0.5)
        return ConfigError(f"unknown config key `{key}`{hint}")
    if "could not be converted" in message or "Invalid type" in message:
        node = OmegaConf.select(schema, key, throw_on_missing=False)
        expected = type(node).__name__ if node is not None else "another type"
        ref = _field_type(schema, key)
        if ref is not None:
            expected = ref
        value = getattr(err, "value", None)
        return ConfigError(
            f"config key `{key}` expects {expected}, received {value!r}"
        )
    return ConfigError(f"config key `{key}`: {message}")


def _field_type(schema, key: str) -> Optional[str]:
    """The declared type of a dotted key, as written in the dataclass."""
    parent_key, _, leaf = key.rpartition(".")
    parent = OmegaConf.select(schema, parent_key) if parent_key else schema
    if not isinstance(parent, DictConfig):
        return None
    cls = OmegaConf.get_type(parent)
    if not dataclasses.is_dataclass(cls):
        return None
    for f in dataclasses.fields(cls):
        if f.name == leaf:
            return f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    return None


def _structured(cfg: RecipeConfig) -> DictConfig:
    node = OmegaConf.structured(cfg)
    OmegaConf.set_struct(node, True)
    return node


def check_choice(key: str, value) -> None:
    """Raise a ConfigError unless ``value`` is one of the choices of ``key``
    (e.g. ``runtime.precision``), with a "did you mean"."""
    check_choice_of(key, value, _CHOICES[key])


def check_choice_of(key: str, value, allowed) -> None:
    """``check_choice`` with the choices given, e.g. a recipe's model settings.

    >>> check_choice_of("model.version", 2, (1, 2))
    """
    if value not in allowed:
        # YAML spells None as null; show the choices as they must be typed.
        names = ["null" if a is None else str(a) for a in allowed]
        raise _error(key)(f"config key `{key}` must be one of {', '.join(names)}; "
                          f"received {value!r}{did_you_mean(value, names)}")


def _error(key: str) -> type:
    """A model setting the model cannot be built with is a ModelBuildError (a
    TrialError too: a search records that trial as failed and goes on)."""
    return ModelBuildError if key.startswith("model.") else ConfigError


# The range of every numeric key, checked when a config is resolved: before
# any data loads, so a bad value fails in a fraction of a second with one line.
# (rule, test); a None value (optional keys) is always allowed.
_POSITIVE = ("> 0", lambda v: v > 0)
_NON_NEGATIVE = (">= 0", lambda v: v >= 0)
_AT_LEAST_1 = (">= 1", lambda v: v >= 1)
_FRACTION = ("in [0, 1)", lambda v: 0 <= v < 1)
_RANGES = {
    "data.val_fraction": _FRACTION,
    "data.shuffle_buffer": _NON_NEGATIVE,
    "data.image_size": _POSITIVE,
    "data.channels": ("1 (grayscale) or 3 (RGB)", lambda v: v in (1, 3)),
    "data.vocab_size": ("> 2 (padding and out-of-vocabulary ids come first)", lambda v: v > 2),
    "data.sequence_length": _POSITIVE,
    "data.train_examples": _POSITIVE,
    "data.ngrams": _AT_LEAST_1,
    "augment.mix_alpha": _POSITIVE,
    "augment.pad": _NON_NEGATIVE,
    "augment.rotate": ("in [0, 180)", lambda v: 0 <= v < 180),
    "augment.zoom": _FRACTION,
    "train.epochs": _AT_LEAST_1,
    "train.batch_size": _POSITIVE,
    "train.lr": _POSITIVE,
    "train.momentum": _FRACTION,
    "train.weight_decay": _NON_NEGATIVE,
    "train.decay_factor": ("in (0, 1]", lambda v: 0 < v <= 1),
    "train.warmup_epochs": _NON_NEGATIVE,
    "train.warmup_fraction": _FRACTION,
    "train.base_batch_size": _POSITIVE,
    "train.label_smoothing": _FRACTION,
    "train.ema_momentum": _FRACTION,
    "train.clipnorm": _POSITIVE,
    "train.steps_per_epoch": _POSITIVE,
    "train.steps_per_execution": _AT_LEAST_1,
    "train.early_stopping_patience": _NON_NEGATIVE,
    "train.backup_every": _NON_NEGATIVE,
    "train.backup_minutes": _NON_NEGATIVE,
    "train.keep_backups": _AT_LEAST_1,
    "runtime.verbose": ("0, 1 or 2", lambda v: v in (0, 1, 2)),
}


def check_range(key: str, value, rule: str, ok) -> None:
    """Raise the one-line ConfigError of a value out of range, e.g.
    ``config key `train.batch_size` must be > 0; received 0``.

    >>> check_range("model.dropout", 0.2, "in [0, 1)", lambda v: 0 <= v < 1)
    """
    if value is not None and not ok(value):
        raise _error(key)(f"config key `{key}` must be {rule}; received {value!r}")


def check_depth_6n2(depth) -> None:
    """The CIFAR ResNets' and plain nets' depth rule, checked when the config
    is resolved (``keras_recipes.layers`` checks it again when it builds; the
    layers stand alone and import nothing from here)."""
    check_range("model.depth", depth, "6n+2 (20, 32, 44, 56, 110, ...)",
                lambda v: v > 2 and (v - 2) % 6 == 0)


# Model settings that may be 0 (counts of optional extras; imdb-ngram's
# hidden_units=0 is its linear model); every other integer setting of a
# recipe's model (layers, units, filters, sizes) is > 0.
_MODEL_ZERO_OK = ("importance_samples", "hidden_units")


def _check_model(model) -> None:
    """The range rules every recipe's model settings share, by kind of field:
    integers (and lists of them) > 0, dropout rates in [0, 1). A recipe's own
    rules (ResNet's 6n+2) live in its model dataclass's ``__post_init__``."""
    if not dataclasses.is_dataclass(model):
        return
    for f in dataclasses.fields(model):
        value, key = getattr(model, f.name), f"model.{f.name}"
        if "dropout" in f.name:
            check_range(key, value, "in [0, 1)", lambda v: 0 <= v < 1)
        elif isinstance(value, bool):
            continue
        elif f.name in _MODEL_ZERO_OK:
            check_range(key, value, ">= 0", lambda v: v >= 0)
        elif isinstance(value, int):
            check_range(key, value, "> 0", lambda v: v > 0)
        elif isinstance(value, (list, tuple)) and all(isinstance(v, int) for v in value):
            check_range(key, value, "a list of integers > 0", lambda v: all(x > 0 for x in v))


def _validate(cfg: RecipeConfig) -> RecipeConfig:
    # YAML reads `true`/`false` as booleans; this key is a three-way string.
    cfg.runtime.jit_compile = str(cfg.runtime.jit_compile).lower()
    for key in _CHOICES:
        section, name = key.split(".")
        check_choice(key, getattr(getattr(cfg, section), name))
    for key, (rule, ok) in _RANGES.items():
        section, name = key.split(".")
        check_range(key, getattr(getattr(cfg, section), name), rule, ok)
    for step in cfg.train.gradient_norm_steps:
        check_range("train.gradient_norm_steps", step, "a list of steps >= 0", lambda v: v >= 0)
    for at in cfg.train.decay_at:
        check_range("train.decay_at", at, "fractions of all steps in (0, 1)", lambda v: 0 < v < 1)
    d = cfg.data
    for key, stats in (("data.mean", d.mean), ("data.std", d.std)):
        check_range(key, stats, f"empty or {d.channels} value(s), one per channel",
                    lambda v: len(v) in (0, d.channels))
    check_range("data.std", d.std, "> 0 in every channel", lambda v: all(s > 0 for s in v))
    _check_model(cfg.model)
    return cfg


def merge(base: RecipeConfig, *others) -> RecipeConfig:
    """Merge dicts / DictConfigs / YAML-loaded mappings into ``base``, type-checked."""
    schema = _structured(base)
    try:
        merged = OmegaConf.merge(schema, *others)
        return _validate(OmegaConf.to_object(merged))
    except OmegaConfBaseException as err:
        raise _as_config_error(err, schema) from None


def flatten(tree, prefix: str = "") -> dict:
    """A nested mapping as ``{dotted key: value}``: the one rule for dotted
    keys (compare tables, HParams, tuning records, studies)."""
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def flat_values(cfg: RecipeConfig) -> dict:
    """``cfg`` as ``{dotted key: value}`` (``{"train.lr": 0.1, ...}``)."""
    return flatten(OmegaConf.to_container(OmegaConf.structured(cfg), resolve=True))


def merge_values(base: RecipeConfig, values) -> RecipeConfig:
    """Merge ``{dotted key: value}`` (values as Python objects, e.g. a preset)."""
    nested: dict = {}
    for key, value in values.items():
        *parents, leaf = key.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return merge(base, nested)


def parse_override(item: str) -> tuple[str, str]:
    """Split ``key=value``; a missing ``=`` is a clear error."""
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(
            f"malformed override {item!r}: expected KEY=VALUE, e.g. train.epochs=30"
        )
    return key.strip(), value


def apply_overrides(base: RecipeConfig, overrides) -> RecipeConfig:
    """Apply dotted ``key=value`` overrides (values parsed as YAML scalars)."""
    if not overrides:
        return merge(base)
    pairs = [parse_override(item) for item in overrides]
    dotlist = [f"{key}={value}" for key, value in pairs]
    try:
        patch = OmegaConf.from_dotlist(dotlist)
    except OmegaConfBaseException as err:
        raise ConfigError(f"cannot parse overrides {dotlist}: {err}") from None
    return merge(base, patch)


# Data keys that only one kind of data reads; `recipes show` leaves out the
# ones the recipe's kind never uses (they keep their defaults).
_KIND_ONLY = {
    "image": ("image_size", "channels", "mean", "std"),
    "text": ("vocab_size",),
    "corpus": (),
}
_SEQUENCE_KINDS = ("text", "corpus")  # data.sequence_length


def to_yaml(cfg: RecipeConfig, applicable_only: bool = False) -> str:
    """The config as YAML; ``applicable_only`` leaves out the data keys its
    kind of data never reads (``vocab_size`` for images, ``image_size`` for
    text) and, for text, the image augmentation section. Still a whole config:
    what is left out keeps its default."""
    if not applicable_only:
        return OmegaConf.to_yaml(OmegaConf.structured(cfg))
    tree = to_dict(cfg)
    kind = cfg.data.kind
    unused = {k for other, keys in _KIND_ONLY.items() if other != kind for k in keys}
    if kind not in _SEQUENCE_KINDS:
        unused.add("sequence_length")
    tree["data"] = {k: v for k, v in tree["data"].items() if k not in unused}
    if kind != "image":
        tree.pop("augment")
    return OmegaConf.to_yaml(OmegaConf.create(tree))


def to_dict(cfg: RecipeConfig) -> dict:
    return OmegaConf.to_container(OmegaConf.structured(cfg), resolve=True)


def save(cfg: RecipeConfig, path) -> Path:
    from keras_recipes.rundir.atomic import write_text

    return write_text(path, to_yaml(cfg))


def load_yaml(path) -> DictConfig | ListConfig:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        return OmegaConf.load(path)
    except Exception as err:  # YAML syntax errors come in many types
        raise ConfigError(f"cannot read config file {path}: {err}") from None


def load(path, base: RecipeConfig) -> RecipeConfig:
    """Load a YAML file on top of ``base`` (the recipe's defaults)."""
    return merge(base, load_yaml(path))
