"""The callbacks every run gets, and the small ones Keras lacks."""

from __future__ import annotations

import csv
import json
import math
import time
from pathlib import Path

import keras

from keras_recipes import rundir


class Throughput(keras.callbacks.Callback):
    """Training examples per second per epoch, from batch-end timestamps.

    The first batch of each epoch (and with it compilation and the iterator
    start) is excluded, so the figure is the steady state. Only a clock is
    read per batch: no tensor is fetched, so no host sync is added.
    """

    def __init__(self, batch_size: int):
        super().__init__()
        self.batch_size = batch_size
        self.per_epoch = []
        self.first_step_end = None  # time.time() when the run's first step ended

    def on_epoch_begin(self, epoch, logs=None):
        self._first = None  # (batch index, time) of the epoch's first batch end
        self._last = None

    def on_train_batch_end(self, batch, logs=None):
        # With steps_per_execution=k Keras calls this every k steps, so count
        # steps from the batch index, not from the calls.
        mark = (batch, time.perf_counter())
        if self.first_step_end is None:
            self.first_step_end = time.time()
        if self._first is None:
            self._first = mark
        self._last = mark

    def on_epoch_end(self, epoch, logs=None):
        if self._first and self._last[0] > self._first[0]:
            steps = self._last[0] - self._first[0]
            self.per_epoch.append(steps * self.batch_size / (self._last[1] - self._first[1]))

    @property
    def steady(self) -> float:
        """Examples/s of the epochs after the first (all of them if only one)."""
        values = self.per_epoch[1:] or self.per_epoch
        return sum(values) / len(values) if values else float("nan")


class BackupUnreadable(OSError):
    """The backup exists but cannot be restored (as opposed to any other
    file error during training, e.g. a full disk)."""


class PeriodicBackup(keras.callbacks.BackupAndRestore):
    """BackupAndRestore that also backs up within an epoch every
    ``every_seconds``, so an interrupt in a long epoch loses minutes, not the
    epoch. A resumed run continues from those weights and optimizer state and
    repeats the interrupted epoch's batches from its start (Keras restores
    the epoch, not the batch).

    The time is read on the chief's clock, so use it only where every worker
    saves alone (a multi-worker run must decide to save on every worker at
    the same step: pass ``every_seconds=0`` there).
    """

    def __init__(self, backup_dir, *, every_seconds: float = 0.0, **kwargs):
        super().__init__(backup_dir, **kwargs)
        self.every_seconds = every_seconds
        self._last_save = time.monotonic()

    def on_train_begin(self, logs=None):
        try:
            super().on_train_begin(logs)  # restores the backup, if any
        except OSError as err:
            raise BackupUnreadable(str(err)) from err
        self._last_save = time.monotonic()

    def on_epoch_begin(self, epoch, logs=None):
        # Keras advances its epoch counter only at epoch ends, so a backup
        # within the first epoch of a resumed run would record epoch 0.
        self._current_epoch = epoch

    def _save_model(self):
        super()._save_model()
        self._last_save = time.monotonic()

    def _should_save_on_batch(self, batch):
        if super()._should_save_on_batch(batch):
            return True
        return bool(self.every_seconds) and time.monotonic() - self._last_save >= self.every_seconds


class RunClock(keras.callbacks.Callback):
    """Once the first epoch of this process has ended, print how long the
    whole run will take: a 182-epoch schedule should not surprise anyone.

    The line is printed when the next epoch begins: at an epoch's end Keras
    runs this callback before its progress bar writes the epoch's last line,
    so printing there glued the estimate to the bar.
    """

    def __init__(self, epochs: int, print_fn=print):
        super().__init__()
        self.epochs = epochs
        self.print_fn = print_fn
        self._said = False
        self._estimate = None

    def on_epoch_begin(self, epoch, logs=None):
        if self._estimate is not None:
            self.print_fn(self._estimate)
            self._estimate = None
        self._start = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        if self._said:
            return
        self._said = True
        took = time.monotonic() - self._start
        left = self.epochs - (epoch + 1)
        if left > 0:
            import datetime as dt

            end = dt.datetime.now() + dt.timedelta(seconds=took * left)
            rest = (f"the last one takes about {format_duration(took)}" if left == 1 else
                    f"the {left} left take about {format_duration(took * left)}")
            self._estimate = (f"epoch {epoch + 1}/{self.epochs} took {format_duration(took)}; "
                              f"{rest} (done around {end:%a %H:%M})")


def format_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def backup_epoch(run_dir) -> int | None:
    """The epoch a backup resumes from, or None when there is no backup."""
    meta = Path(run_dir) / rundir.BACKUP / "training_metadata.json"
    if not meta.is_file():
        return None
    try:
        return int(json.loads(meta.read_text())["epoch"])
    except (ValueError, KeyError, json.JSONDecodeError):
        return None


def truncate_history(path, epoch: int) -> list[dict]:
    """Keep the history rows of epochs before ``epoch`` (the resume point), so
    an interrupted-and-resumed run has no repeated rows; return them."""
    path = Path(path)
    if not path.is_file():
        return []
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    kept = [r for r in rows if r.get("epoch", "").isdigit() and int(r["epoch"]) < epoch]
    if rows:
        with path.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            writer.writeheader()
            writer.writerows(kept)
    return kept


def best_so_far(rows: list[dict], monitor: str, mode: str) -> float | None:
    values = [float(r[monitor]) for r in rows if r.get(monitor) not in (None, "")]
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return None
    return max(values) if mode == "max" else min(values)


# Metrics where lower is better: losses, errors, distances, nats and bits per
# character. Every other metric (accuracy, PSNR, inception score) is maximised.
_LOWER_IS_BETTER = ("loss", "error", "mse", "mae", "distance", "nats", "bits", "perplexity")


def monitor_mode(monitor: str) -> str:
    """``"min"`` or ``"max"``: which way ``monitor`` improves (one rule for
    checkpoints, early stopping, the best row and tuning objectives)."""
    return "min" if any(word in monitor for word in _LOWER_IS_BETTER) else "max"


def standard(run_dir, train, *, has_val: bool, resume_rows: list[dict], batch_size: int,
             timed_backups: bool = True, verbose: int = 1):
    """The run's callbacks, in the order that keeps history and backup consistent.

    CSVLogger writes an epoch's row before BackupAndRestore saves that epoch,
    so after a crash between the two the extra row is dropped on resume
    (``truncate_history``) rather than leaving a gap. With ``train.ema``,
    SwapEMAWeights puts the averaged weights into the model at the end of each
    epoch for ModelCheckpoint (and back at the next epoch's start); the backup
    is saved before that swap, so a resumed run continues from the raw
    weights with the average still in the optimizer, as an uninterrupted one.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    throughput = Throughput(batch_size)
    callbacks = [
        keras.callbacks.TerminateOnNaN(), throughput,
        keras.callbacks.CSVLogger(str(run_dir / rundir.HISTORY), append=bool(resume_rows)),
        keras.callbacks.TensorBoard(str(run_dir / rundir.LOGS), write_graph=False, profile_batch=0),
        PeriodicBackup(
            str(run_dir / rundir.BACKUP),
            every_seconds=train.backup_minutes * 60 if timed_backups else 0.0,
            save_freq=train.backup_every or "epoch",
            double_checkpoint=True,
            delete_checkpoint=False,  # removed only once every artefact is written
        ),
    ]
    if verbose:
        callbacks.append(RunClock(train.epochs))
    if train.ema:
        callbacks.append(keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
    if has_val:
        mode = monitor_mode(train.monitor)
        (run_dir / rundir.BEST_WEIGHTS).parent.mkdir(parents=True, exist_ok=True)
        callbacks.append(keras.callbacks.ModelCheckpoint(
            str(run_dir / rundir.BEST_WEIGHTS), monitor=train.monitor, mode=mode,
            save_best_only=True, save_weights_only=True,
            initial_value_threshold=best_so_far(resume_rows, train.monitor, mode),
        ))
    if has_val and train.early_stopping_patience > 0:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=train.monitor, mode=monitor_mode(train.monitor),
            patience=train.early_stopping_patience,
        ))
    return callbacks, throughput
