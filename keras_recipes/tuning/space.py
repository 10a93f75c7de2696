"""Search spaces over a recipe's config keys, parsed and checked before any training.

A space maps dotted config keys to distribution specs::

    train.lr: loguniform(1e-3, 1e-1)      # log-uniform float in [lo, hi]
    train.momentum: uniform(0.8, 0.99)    # uniform float in [lo, hi]
    model.depth: choice(20, 32, 44)       # one of the values (typed by the config field)
    model.width: int(1, 4)                # integer in [lo, hi]; int(lo, hi, step) too
    augment.preset: choice(cifar, strong)

``choice`` values are read as YAML scalars (``null``, ``true``, ``1e-3``,
``'a,b'``) and typed by the config field they go to. Every candidate value
(each choice, both ends of a range) is applied to the config while parsing, so
an unknown key, a wrong type or an invalid value is a one-line
:class:`ConfigError` before the first trial starts.

This module is light: it imports neither TensorFlow nor KerasTuner.

Example:

>>> from keras_recipes import get_recipe
>>> from keras_recipes.tuning.space import parse_space
>>> space = parse_space({"train.lr": "loguniform(0.01, 0.1)"},
...                     get_recipe("cifar-resnet").config())
>>> space["train.lr"].kind
'loguniform'
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Tuple

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from keras_recipes import config as config_lib
from keras_recipes.errors import ConfigError, TrialError, did_you_mean

DISTRIBUTIONS = ("choice", "uniform", "loguniform", "int")
_SPEC = re.compile(r"^\s*([A-Za-z_]\w*)\s*\((.*)\)\s*$", re.DOTALL)
_KT_CHOICE_TYPES = (bool, int, float, str)


class SearchSpaceError(ConfigError):
    """A search-space entry that cannot be searched (syntax, bounds, key, values)."""


@dataclass(frozen=True)
class Param:
    """One searched config key and its distribution.

    ``values`` holds the typed choices (``kind == "choice"``); ``low``,
    ``high`` and ``step`` the range of the other kinds.
    """

    key: str
    kind: str  # one of DISTRIBUTIONS
    spec: str  # the text it was parsed from, for messages and the saved search
    values: Tuple[Any, ...] = ()
    low: float | int | None = None
    high: float | int | None = None
    step: int | None = None

    @property
    def tokens(self) -> Tuple[Any, ...]:
        """What KerasTuner's ``Choice`` holds: the values themselves when they
        are all of one scalar type it supports, else their YAML text."""
        types = {type(v) for v in self.values}
        if len(types) == 1 and types.pop() in _KT_CHOICE_TYPES:
            return self.values
        return tuple(_token(v) for v in self.values)

    def to_config_value(self, sampled):
        """The config value for a value KerasTuner sampled."""
        if self.kind != "choice" or self.tokens == self.values:
            return sampled
        return self.values[self.tokens.index(sampled)]


def _token(value) -> str:
    return json.dumps(value, default=str)


def config_value(cfg, key: str):
    """The value of dotted ``key`` in a RecipeConfig."""
    return functools.reduce(getattr, key.split("."), cfg)


# ``{dotted key: value}`` applied to a config, type-checked like --set.
apply_values = config_lib.merge_values


def _parse_args(key: str, spec: str, text: str) -> list:
    if not text.strip():
        return []
    try:
        parsed = OmegaConf.to_container(OmegaConf.create(f"args: [{text}]"), resolve=False)
    except Exception as err:  # YAML errors come in many types
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise SearchSpaceError(
            f"search space {key}={spec}: cannot read the arguments ({first})"
        ) from None
    return list(parsed["args"])


def _number(key, spec, name, value, *, integer=False):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok and integer and not float(value).is_integer():
        ok = False
    if not ok:
        kind = "an integer" if integer else "a number"
        raise SearchSpaceError(f"search space {key}={spec}: {name} must be {kind}; received {value!r}")
    return int(value) if integer else value


def _check_candidate(base, key: str, spec: str, value):
    """Apply ``value`` to ``key`` of ``base`` and return the typed value the config holds."""
    try:
        cfg = apply_values(base, {key: value})
    except TrialError:  # a model this value cannot build (depth 21): that trial fails, the search goes on
        return value
    except ConfigError as err:
        hint = ""
        if "expects int" in str(err) and spec.lstrip().startswith(("uniform", "loguniform")):
            hint = f"; `{key}` is an integer key, search it with int(lo, hi)"
        raise SearchSpaceError(f"search space {key}={spec}: {err}{hint}") from None
    return config_value(cfg, key)


def parse_param(key: str, spec, base) -> Param:
    """Parse one ``key: spec`` entry and check its candidates against ``base``."""
    key = str(key).strip()
    if not isinstance(spec, str):
        raise SearchSpaceError(
            f"search space {key}: expected a spec such as choice(a, b) or loguniform(lo, hi); "
            f"received {spec!r}"
        )
    match = _SPEC.match(spec)
    if not match:
        raise SearchSpaceError(
            f"search space {key}={spec}: expected choice(a, b, ...), uniform(lo, hi), "
            f"loguniform(lo, hi) or int(lo, hi[, step]); use --set for a fixed value"
        )
    kind, args = match.group(1).lower(), _parse_args(key, spec, match.group(2))
    if kind not in DISTRIBUTIONS:
        hint = did_you_mean(kind, DISTRIBUTIONS)
        raise SearchSpaceError(
            f"search space {key}={spec}: unknown distribution `{kind}` "
            f"(known: {', '.join(DISTRIBUTIONS)}){hint}"
        )
    if kind == "choice":
        if not args:
            raise SearchSpaceError(f"search space {key}={spec}: choice() needs at least one value")
        typed = tuple(_check_candidate(base, key, spec, v) for v in args)
        dupes = sorted({repr(v) for v in typed if typed.count(v) > 1})
        if dupes:
            raise SearchSpaceError(
                f"search space {key}={spec}: duplicate values {', '.join(dupes)}"
            )
        return Param(key, kind, spec, values=typed)

    arity = (2, 3) if kind == "int" else (2,)
    if len(args) not in arity:
        want = "lo, hi[, step]" if kind == "int" else "lo, hi"
        raise SearchSpaceError(
            f"search space {key}={spec}: {kind}() takes ({want}); received {len(args)} argument(s)"
        )
    integer = kind == "int"
    low = _number(key, spec, "lo", args[0], integer=integer)
    high = _number(key, spec, "hi", args[1], integer=integer)
    step = _number(key, spec, "step", args[2], integer=True) if len(args) == 3 else None
    if low >= high:
        raise SearchSpaceError(
            f"search space {key}={spec}: needs lo < hi; received lo={low}, hi={high}"
        )
    if kind == "loguniform" and low <= 0:
        raise SearchSpaceError(
            f"search space {key}={spec}: loguniform needs lo > 0; received lo={low}"
        )
    if step is not None and step <= 0:
        raise SearchSpaceError(f"search space {key}={spec}: step must be > 0; received {step}")
    for end in (low, high):
        typed = _check_candidate(base, key, spec, float(end) if not integer else end)
        if not isinstance(typed, (int, float)) or isinstance(typed, bool):
            raise SearchSpaceError(
                f"search space {key}={spec}: `{key}` holds {type(typed).__name__} values, "
                f"not numbers; search it with choice(...)"
            )
    return Param(key, kind, spec, low=low, high=high, step=step)


def parse_space(entries: Mapping[str, Any], base) -> Dict[str, Param]:
    """Parse ``{dotted key: spec}`` into Params, checked against config ``base``."""
    if not entries:
        raise SearchSpaceError(
            f"recipe {base.recipe!r} declares no search space; pass --space KEY=SPEC "
            f"(e.g. --space 'train.lr=loguniform(1e-3, 1e-1)') or --space-file FILE"
        )
    return {str(k).strip(): parse_param(k, v, base) for k, v in entries.items()}


def space_from_options(items=(), file=None) -> Dict[str, str]:
    """``--space KEY=SPEC`` items on top of a ``--space-file`` mapping (later wins).

    Nested mappings in the file are flattened to dotted keys.
    """
    entries: Dict[str, str] = {}
    if file is not None:
        entries.update(read_space_file(file))
    for item in items:
        key, value = config_lib.parse_override(item)
        entries[key] = value
    return entries


def read_space_file(path) -> Dict[str, Any]:
    """A YAML file mapping dotted config keys (or nested sections) to specs."""
    raw = config_lib.load_yaml(path)
    try:
        data = OmegaConf.to_container(raw, resolve=False)
    except OmegaConfBaseException as err:
        raise SearchSpaceError(f"cannot read search space file {path}: {err}") from None
    if not isinstance(data, dict):
        raise SearchSpaceError(
            f"search space file {Path(path)} must map config keys to specs, "
            f"e.g. `train.lr: loguniform(1e-3, 1e-1)`"
        )
    return config_lib.flatten(data)


