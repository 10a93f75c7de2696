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
from keras_recipes.errors import ConfigError, did_you_mean


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
    cache: str = "memory"  # "memory" | "none" | a file-cache path prefix
    shuffle_buffer: int = 10_000
    strict: bool = False  # corrupt files: fail instead of skip-and-count
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
    # Test-time augmentation of image classifiers: "flip" averages the
    # prediction over the image and its mirror image, in the saved and
    # exported model too (twice the inference cost).
    test_time: str = "none"  # "none" | "flip"


@dataclass
class TrainConfig:
    """Optimiser, schedule and loop settings."""

    epochs: int = 10
    batch_size: int = 128  # global batch (per replica x replicas)
    optimizer: str = "sgd"  # "sgd" | "adamw" | "adam"
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = False
    # SGD/Adam: L2 penalty on kernels (coupled, as in the papers); AdamW:
    # decoupled decay. Both skip biases and batch-norm parameters.
    weight_decay: float = 0.0
    schedule: str = "constant"  # "constant" | "step" | "cosine" | "onecycle"
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
    monitor: str = "val_accuracy"


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
    "augment.preset": ("none", "cifar", "strong", "digits"),  # keras_recipes.datasets.PRESETS
    "augment.placement": ("auto", "pipeline", "model"),
    "augment.mix": (None, "mixup", "cutmix"),
    "augment.test_time": ("none", "flip"),
    "train.optimizer": OPTIMIZERS,
    "train.schedule": SCHEDULES,
    "train.lr_scaling": ("none", "linear"),
    "runtime.precision": PRECISIONS,
    "runtime.strategy": STRATEGIES,
    "runtime.jit_compile": ("auto", "true", "false"),
}


def _flat_keys(node, prefix=""):
    keys = []
    for key in node.keys():
        path = f"{prefix}{key}"
        value = node._get_node(key)
        if isinstance(value, DictConfig) and not value._is_none():
            keys.extend(_flat_keys(value, path + "."))
        else:
            keys.append(path)
    return keys


def _as_config_error(err: OmegaConfBaseException, schema) -> ConfigError:
    key = getattr(err, "full_key", None) or "?"
    message = str(err).splitlines()[0]
    if "not in" in message or "Missing key" in message or "Key '" in message:
        known = _flat_keys(schema)
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
    allowed = _CHOICES[key]
    if value not in allowed:
        # YAML spells None as null; show the choices as they must be typed.
        names = ["null" if a is None else str(a) for a in allowed]
        raise ConfigError(f"config key `{key}` must be one of {', '.join(names)}; "
                          f"received {value!r}{did_you_mean(value, names)}")


def _validate(cfg: RecipeConfig) -> RecipeConfig:
    # YAML reads `true`/`false` as booleans; this key is a three-way string.
    cfg.runtime.jit_compile = str(cfg.runtime.jit_compile).lower()
    for key in _CHOICES:
        section, name = key.split(".")
        check_choice(key, getattr(getattr(cfg, section), name))
    if not 0.0 <= cfg.train.warmup_fraction < 1.0:
        raise ConfigError(
            f"config key `train.warmup_fraction` must be in [0, 1); received {cfg.train.warmup_fraction!r}"
        )
    return cfg


def merge(base: RecipeConfig, *others) -> RecipeConfig:
    """Merge dicts / DictConfigs / YAML-loaded mappings into ``base``, type-checked."""
    schema = _structured(base)
    try:
        merged = OmegaConf.merge(schema, *others)
        return _validate(OmegaConf.to_object(merged))
    except OmegaConfBaseException as err:
        raise _as_config_error(err, schema) from None


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


def to_yaml(cfg: RecipeConfig) -> str:
    return OmegaConf.to_yaml(OmegaConf.structured(cfg))


def to_dict(cfg: RecipeConfig) -> dict:
    return OmegaConf.to_container(OmegaConf.structured(cfg), resolve=True)


def save(cfg: RecipeConfig, path) -> Path:
    path = Path(path)
    path.write_text(to_yaml(cfg))
    return path


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
