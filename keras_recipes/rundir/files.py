"""Run directories: one folder per run holding everything needed to resume,
evaluate and export it.

Layout (files appear as the run progresses)::

    runs/cifar-resnet-20261125T120000Z/
        config.yaml        the resolved config (reproduce with --config)
        environment.json   versions, devices, precision, strategy, seed
        class_names.json   label order shared by train / val / test
        history.csv        per-epoch metrics (CSVLogger)
        metrics.json       final / best / test metrics, wall time, examples/s
        model.keras        final model;  best.keras: best validation model
        backup/            the last train.keep_backups backups for `recipes resume`
        .lock              the pid and host of the process training here
        logs/              TensorBoard
        curves.png         loss and accuracy, train vs validation
        gradient_norms.json per-layer gradient norms (train.gradient_norm_steps)
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from pathlib import Path

from keras_recipes.errors import RunDirError
from keras_recipes.rundir import atomic
from keras_recipes.rundir.lock import LOCK

CONFIG = "config.yaml"
ENVIRONMENT = "environment.json"
CLASS_NAMES = "class_names.json"
VOCABULARY = "vocabulary.txt"
HISTORY = "history.csv"
METRICS = "metrics.json"
FINAL_MODEL = "model.keras"
BEST_MODEL = "best.keras"
BEST_WEIGHTS = "checkpoints/best.weights.h5"
BACKUP = "backup"
LOGS = "logs"
CURVES = "curves.png"
EVALUATION = "evaluation.json"
CONFUSION = "confusion_matrix.png"
EXPORT = "export"
GRADIENT_NORMS = "gradient_norms.json"


def default_run_dir(recipe: str, root: str | os.PathLike = "runs") -> Path:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return Path(root) / f"{recipe}-{stamp}"


def prepare(path, *, overwrite: bool = False) -> Path:
    """Create ``path`` for a new run.

    A non-empty directory is refused unless ``overwrite``; even then only the
    files a run writes are replaced, never anything else of the user's.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise RunDirError(f"run directory {path} exists and is a file")
    if path.is_dir() and any(p.name != LOCK for p in path.iterdir()):  # its own lock is no content
        if not overwrite:
            if (path / METRICS).is_file():
                what = "holds a finished run; pass --overwrite to replace it or choose another --output"
            elif (path / BACKUP).is_dir() and any((path / BACKUP).iterdir()):
                what = (f"holds an unfinished run; `recipes resume {path}` continues it, "
                        "--overwrite starts it again")
            else:
                what = "is not empty; pass --overwrite to reuse it or choose another --output"
            raise RunDirError(f"run directory {path} {what}")
        _remove_run_files(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _remove_run_files(path: Path) -> None:
    import shutil

    for name in (CONFIG, ENVIRONMENT, CLASS_NAMES, VOCABULARY, HISTORY, METRICS,
                 FINAL_MODEL, BEST_MODEL, CURVES, EVALUATION, CONFUSION, GRADIENT_NORMS):
        (path / name).unlink(missing_ok=True)
    for name in (BACKUP, LOGS, "checkpoints", EXPORT):
        if (path / name).is_dir():
            shutil.rmtree(path / name)


def require(path) -> Path:
    """An existing run directory (one with a config.yaml), else a clear error."""
    path = Path(path)
    if not path.is_dir():
        raise RunDirError(f"run directory not found: {path}")
    if not (path / CONFIG).is_file():
        raise RunDirError(f"{path} is not a run directory (no {CONFIG})")
    return path


def require_finished(path) -> Path:
    """A run directory whose training finished (history.csv and metrics.json
    written), else a clear error saying what is missing."""
    path = require(path)
    for name in (METRICS, HISTORY):
        if not (path / name).is_file():
            hint = (f"; continue it with `recipes resume {path}`" if (path / BACKUP).is_dir()
                    else "")
            raise RunDirError(f"{path} is not a finished run (no {name}){hint}")
    return path


def write_vocabulary(path, vocabulary) -> None:
    """TextVectorization's vocabulary, one token a line (padding and OOV first)."""
    atomic.write_text(Path(path) / VOCABULARY, "\n".join(vocabulary))


def read_vocabulary(path) -> list[str]:
    """The tokens of a saved vocabulary without the padding and OOV entries,
    as ``TextVectorization(vocabulary=...)`` takes them. A bag-of-words
    vectorizer (``multi_hot``/``count``) has no padding entry, only the OOV."""
    tokens = (Path(path) / VOCABULARY).read_text(encoding="utf-8").split("\n")
    start = 1 if tokens[:1] == [""] else 0
    return tokens[start + 1:] if tokens[start:start + 1] == ["[UNK]"] else tokens[start:]


def write_json(path, data) -> Path:
    return atomic.write_text(path, json.dumps(_finite(data), indent=2, sort_keys=True, default=str) + "\n")


def _finite(data):
    """NaN and infinities become null: JSON has no such numbers."""
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    return data


def read_json(path):
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise RunDirError(f"missing file: {path}") from None
    except json.JSONDecodeError as err:
        raise RunDirError(f"corrupt file {path}: {err}") from None
