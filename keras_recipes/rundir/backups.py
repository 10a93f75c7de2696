"""The run's backups: the last K training states, each verified before use.

A backup is two files in ``backup/``: the weights with the optimizer state
(``e00003-b0000012.weights.h5``: epoch 3, 12 batches into it) and its record
(``e00003-b0000012.json``: epoch, batch, size and SHA-256 of the weights).
Both are written atomically (``rundir.atomic``), the record last, so a
backup without a record was never finished and is ignored. After a new
backup is complete the oldest beyond ``keep`` are removed, so a failed or
truncated write always leaves the previous good one.

``restore`` checks the newest backup's size and checksum and loads it; when
it is truncated or corrupt it says so and falls back to the one before.

Example:

>>> store = BackupStore("runs/r/backup", keep=2)
>>> store.save(model, epoch=3, batch=12)
>>> store.restore(model)  # {"epoch": 3, "batch": 12, ...}
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from keras_recipes.errors import RunDirError
from keras_recipes.rundir import atomic

# What Keras' BackupAndRestore wrote before: still resumed (from the epoch's start).
_LEGACY_META, _LEGACY_WEIGHTS = "training_metadata.json", "latest.weights.h5"


def describe(record: dict) -> str:
    """Where a backup resumes, for people: "the end of epoch 3" or "epoch 4, batch 12"."""
    if record["batch"] == 0:
        return f"the end of epoch {record['epoch']}" if record["epoch"] else "the start"
    return f"epoch {record['epoch'] + 1}, batch {record['batch']}"


class BackupUnreadable(RunDirError):
    """Backups exist but none can be restored."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def seed_states(model) -> list:
    """The state variables of the model's random layers (in-model augmentation).

    Keras leaves them out of ``save_weights``, so a backup records them
    itself: restored, a resumed run draws the shifts an uninterrupted one
    would draw."""
    return [v for v in model.non_trainable_variables if v.path.endswith("seed_generator_state")]


def state_bytes(model) -> int:
    """The size of the model's weights and optimizer state: what a backup needs on disk."""
    import numpy as np

    variables = list(model.weights)
    if getattr(model, "optimizer", None) is not None:
        variables += list(model.optimizer.variables)
    return int(sum(np.prod(v.shape) * np.dtype(v.dtype).itemsize for v in variables))


class BackupStore:
    """The backups in ``folder``; ``keep`` of them are kept (see the module docstring)."""

    def __init__(self, folder, keep: int = 2, print_fn=print):
        if keep < 1:
            raise ValueError(f"keep must be >= 1, received {keep}")
        self.folder = Path(folder)
        self.keep = keep
        self.print_fn = print_fn

    # -- reading -------------------------------------------------------------
    def records(self) -> list[dict]:
        """Every backup's record, newest first; an unreadable record comes
        with an ``error`` (and sorts by its file name)."""
        found = []
        if not self.folder.is_dir():
            return found
        for path in self.folder.glob("e*-b*.json"):
            try:
                record = json.loads(path.read_text())
                record["epoch"], record["batch"] = int(record["epoch"]), int(record["batch"])
            except (OSError, ValueError, KeyError, TypeError) as err:
                epoch, _, batch = path.stem.partition("-")
                record = {"epoch": int(epoch[1:] or 0), "batch": int(batch[1:] or 0),
                          "error": f"unreadable record {path.name} ({type(err).__name__})"}
            record["record"] = path.name
            found.append(record)
        legacy = self.folder / _LEGACY_META
        if legacy.is_file():
            try:
                epoch = int(json.loads(legacy.read_text())["epoch"])
                found.append({"epoch": epoch, "batch": 0, "weights": _LEGACY_WEIGHTS,
                              "record": _LEGACY_META})
            except (OSError, ValueError, KeyError, TypeError):
                pass
        return sorted(found, key=lambda r: (r["epoch"], r["batch"]), reverse=True)

    def newest(self) -> dict | None:
        """The newest backup's record that could be read (unverified), or None."""
        return next((r for r in self.records() if "error" not in r), None)

    def problem(self, record: dict) -> str | None:
        """Why ``record``'s weights cannot be used (missing, truncated, corrupt), or None."""
        if "error" in record:
            return record["error"]
        path = self.folder / record["weights"]
        if not path.is_file():
            return f"{path.name} is missing"
        if "bytes" in record and path.stat().st_size != record["bytes"]:
            return f"{path.name} is truncated ({path.stat().st_size} of {record['bytes']} bytes)"
        if "sha256" in record and _sha256(path) != record["sha256"]:
            return f"{path.name} is corrupt (checksum mismatch)"
        return None

    def restore(self, model) -> dict | None:
        """Load the newest usable backup into ``model`` (weights and optimizer
        state) and return its record; None when there is no backup. Falls back
        to older backups, saying so; raises ``BackupUnreadable`` when none works."""
        records = self.records()
        failures = []
        for record in records:
            why = self.problem(record)
            if why is None:
                try:
                    if model.optimizer is not None and not model.optimizer.built:
                        model.optimizer.build(model.trainable_variables)  # its slots must exist
                    model.load_weights(self.folder / record["weights"])
                    states = record.get("seed_states", [])
                    for variable, value in zip(seed_states(model), states):
                        variable.assign(value)
                except Exception as err:  # a damaged HDF5 file fails in many ways
                    why = f"{record['weights']} cannot be loaded ({str(err).splitlines()[0]})"
            if why is None:
                if failures:
                    self.print_fn(f"using the backup from {describe(record)} instead")
                return record
            failures.append(why)
            self.print_fn(f"backup {record['record']} is unusable: {why}")
        if failures:
            raise BackupUnreadable("; ".join(failures))
        return None

    # -- writing -------------------------------------------------------------
    def save(self, model, epoch: int, batch: int) -> dict:
        """Write a backup of ``model`` at ``batch`` batches into ``epoch``
        (0-based), then drop the oldest beyond ``keep``; return its record."""
        stem = f"e{epoch:05d}-b{batch:07d}"
        weights = self.folder / f"{stem}.weights.h5"
        previous = self.newest()  # the same model: its backup's size is the best estimate
        needed = (previous or {}).get("bytes") or state_bytes(model)
        with atomic.staged(weights, needed_bytes=needed) as tmp:
            model.save_weights(tmp)
            record = {"epoch": epoch, "batch": batch, "weights": weights.name,
                      "bytes": tmp.stat().st_size, "sha256": _sha256(tmp), "time": time.time(),
                      "seed_states": [v.numpy().tolist() for v in seed_states(model)]}
        atomic.write_text(self.folder / f"{stem}.json", json.dumps(record, indent=1) + "\n")
        self._prune()
        return record

    def _prune(self) -> None:
        kept = [r for r in self.records() if "error" not in r][: self.keep]
        keep = {r["record"] for r in kept} | {r.get("weights") for r in kept}
        for path in self.folder.iterdir():
            stale_partial = path.name.startswith(".partial-") and \
                not path.name.startswith(f".partial-{os.getpid()}-")
            ours = path.name.startswith("e") or path.name in (_LEGACY_META, _LEGACY_WEIGHTS,
                                                              _LEGACY_WEIGHTS + ".bkp",
                                                              _LEGACY_META + ".bkp")
            if stale_partial or (ours and path.name not in keep):
                path.unlink(missing_ok=True)
