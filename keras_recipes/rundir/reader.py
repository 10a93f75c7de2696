"""Reading a run directory back: ``read_run`` is the one reader of what a run
wrote (its config, which files it holds, class names, vocabulary, history,
metrics and environment) for evaluate, export, resume, tuning, comparison
and studies. ``config.load_yaml`` parses the YAML underneath, and
``registry.config_from_mapping`` resolves it on the recipe's defaults.

Example:

>>> from keras_recipes.rundir import read_run
>>> run = read_run("runs/r20")
>>> run.finished, run.recipe, run.flat_config()["train.lr"]
(True, 'cifar-resnet', 0.1)
>>> cfg = run.resolve(["runtime.verbose=2"])  # the RecipeConfig it trained with
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional

from keras_recipes import config as config_lib
from keras_recipes.errors import ConfigError, RunDirError
from keras_recipes.rundir import files
from keras_recipes.rundir.plots import read_history


@dataclass(frozen=True)
class SavedRun:
    """What a run directory holds, read once by :func:`read_run`."""

    path: Path
    config: Dict[str, Any]  # config.yaml as saved (nested); {} when there is none
    files: FrozenSet[str]  # the run files present (``files.CONFIG``, ``files.METRICS``, ...)
    class_names: Optional[List[str]]  # class_names.json; None when absent
    vocabulary: Optional[List[str]]  # vocabulary.txt's tokens (no padding/OOV); None when absent
    history: List[dict]  # history.csv rows ([] when absent)
    metrics: Dict[str, Any]  # metrics.json ({} until the run finished or diverged)
    environment: Dict[str, Any]  # environment.json ({} when absent)

    @property
    def recipe(self) -> str:
        return self.metrics.get("recipe") or self.config.get("recipe") or ""

    @property
    def diverged(self) -> bool:
        """Its loss went to NaN: metrics.json records where, and no model was kept."""
        return bool(self.metrics.get("diverged"))

    @property
    def finished(self) -> bool:
        """Training ran to its end (metrics.json and history.csv written)."""
        return {files.METRICS, files.HISTORY} <= self.files and not self.diverged

    def flat_config(self) -> dict:
        """The saved config as ``{dotted key: value}``."""
        return config_lib.flatten(self.config)

    def resolve(self, overrides=()):
        """The :class:`RecipeConfig` the run trained with: the saved values on
        its recipe's defaults (the recipe must be registered), then ``overrides``."""
        from keras_recipes.registry import config_from_mapping

        if files.CONFIG not in self.files:
            raise RunDirError(f"{self.path} is not a run directory (no {files.CONFIG})")
        cfg = config_from_mapping(self.config, source=self.path / files.CONFIG)
        return config_lib.apply_overrides(cfg, overrides)

    def data_config(self) -> config_lib.DataConfig:
        """The saved ``data`` section, engine keys only (a recipe's own keys,
        such as mnist-vae's ``data.binarize``, mean nothing without the recipe);
        the defaults when the run saved no config."""
        known = {f.name for f in dataclasses.fields(config_lib.DataConfig)}
        section = {k: v for k, v in (self.config.get("data") or {}).items() if k in known}
        try:
            return config_lib.merge(config_lib.RecipeConfig(), {"data": section}).data
        except ConfigError as err:
            raise RunDirError(f"cannot read {self.path / files.CONFIG}: {err}") from None


def read_run(path) -> SavedRun:
    """Read the run directory ``path``; RunDirError when it is missing or a
    file it holds cannot be read. What a run has not written yet is empty."""
    path = Path(path)
    if not path.is_dir():
        raise RunDirError(f"run directory not found: {path}")
    present = frozenset(name for name in (files.CONFIG, files.ENVIRONMENT, files.CLASS_NAMES,
                                          files.VOCABULARY, files.HISTORY, files.METRICS)
                        if (path / name).is_file())

    def json_file(name, empty):
        return files.read_json(path / name) if name in present else empty

    names = json_file(files.CLASS_NAMES, None)
    return SavedRun(
        path=path, config=_read_config(path) if files.CONFIG in present else {}, files=present,
        class_names=[str(c) for c in names] if names is not None else None,
        vocabulary=files.read_vocabulary(path) if files.VOCABULARY in present else None,
        history=read_history(path / files.HISTORY), metrics=json_file(files.METRICS, {}),
        environment=json_file(files.ENVIRONMENT, {}))


def _read_config(path: Path) -> dict:
    from omegaconf import OmegaConf

    where = path / files.CONFIG
    try:
        raw = OmegaConf.to_container(config_lib.load_yaml(where), resolve=True)
    except ConfigError as err:
        raise RunDirError(str(err)) from None
    except Exception as err:  # an interpolation that does not resolve, and the like
        raise RunDirError(f"cannot read config file {where}: {str(err).splitlines()[0]}") from None
    if not isinstance(raw, dict):
        raise RunDirError(f"corrupt file {where}: not a mapping")
    return raw
