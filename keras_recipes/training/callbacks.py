"""The callbacks every run gets, and the small ones Keras lacks."""

from __future__ import annotations

import csv
import math
import os
import time
from pathlib import Path

import keras

from keras_recipes import rundir
from keras_recipes.rundir import atomic
from keras_recipes.rundir.backups import BackupStore


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


class Diverged(Exception):
    """The loss became NaN or infinite at ``epoch`` (0-based), ``batch`` batches into it."""

    def __init__(self, epoch: int, batch: int, step: int | None, key: str, value: float):
        at = f" (step {step})" if step is not None else ""
        super().__init__(f"{key} is {value} in epoch {epoch + 1}, batch {batch}{at}")
        self.epoch, self.batch, self.step, self.key, self.value = epoch, batch, step, key, value


def optimizer_step(model) -> int | None:
    """The optimizer's step count (None for models with their own optimizers, e.g. a GAN)."""
    optimizer = getattr(model, "optimizer", None)
    return None if optimizer is None else int(optimizer.iterations)


class RunPosition(keras.callbacks.Callback):
    """Knows where in the run a batch is: a resumed run's first epoch starts
    ``resume_at = (epoch, batch)`` batches in, but Keras counts its batches
    from 0 (that epoch is trained by a fit of its remaining batches)."""

    def __init__(self, resume_at: tuple[int, int] = (0, 0)):
        super().__init__()
        self.resume_at = resume_at
        self.epoch, self.offset = resume_at

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.offset = self.resume_at[1] if epoch == self.resume_at[0] else 0

    def batches_done(self, batch: int) -> int:
        """Batches of the current epoch done after Keras' ``batch`` (0-based) ended."""
        return self.offset + batch + 1


class StopOnDivergence(RunPosition):
    """Raise ``Diverged`` at the first batch whose loss is NaN or infinite.

    Keras' TerminateOnNaN only sets ``stop_training``, so validation, the
    history row and the epoch's backup of the broken weights would follow;
    this stops before any of them, keeping the last good backup.
    """

    def on_train_batch_end(self, batch, logs=None):
        for key, value in (logs or {}).items():
            if key.endswith("loss") and not math.isfinite(float(value)):
                raise Diverged(self.epoch, self.batches_done(batch), optimizer_step(self.model),
                               key, float(value))


class RunBackup(RunPosition):
    """Back up the training state into a ``BackupStore`` at every epoch end,
    every ``every_steps`` batches, every ``every_seconds``, and at the batch
    boundary after a stop signal (``stop``: a ``preemption.StopSignals``),
    then raise ``StopRequested``.

    A backup records the batch it was taken after; a resumed run continues
    from that batch with the data order of an uninterrupted run (the trainer
    feeds the rest of that epoch first). A backup whose weights are not all
    finite is never written: ``Diverged`` is raised instead.

    The time is read on each worker's own clock, so use ``every_seconds``
    only where every worker saves alone (a multi-worker run must save on every
    worker at the same step: pass ``every_seconds=0`` there).
    """

    def __init__(self, store, *, every_steps: int = 0, every_seconds: float = 0.0, stop=None,
                 resume_at: tuple[int, int] = (0, 0)):
        super().__init__(resume_at)
        self.store = store
        self.every_steps = every_steps
        self.every_seconds = every_seconds
        self.stop = stop
        self._last_save = time.monotonic()
        self._steps_since = 0
        self._last_done = resume_at[1]
        self._last_record = None

    def on_train_begin(self, logs=None):
        self._last_save = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        done = self.batches_done(batch)
        # With steps_per_execution=k Keras calls this every k steps.
        self._steps_since += done - self._last_done
        self._last_done = done
        last = batch + 1 >= ((self.params or {}).get("steps") or math.inf)
        if self.stop is not None and self.stop.requested and not last:
            self._stop(self._save(self.epoch, done))
        due_steps = self.every_steps and self._steps_since >= self.every_steps
        due_time = self.every_seconds and time.monotonic() - self._last_save >= self.every_seconds
        if (due_steps or due_time) and not last:  # the epoch end saves it in a moment
            self._save(self.epoch, done)

    def on_epoch_end(self, epoch, logs=None):
        # A stop requested in the epoch's last batch or its validation waits
        # for this backup and the epoch's other callbacks (history row, best
        # model), then stops at the next epoch's start: a resume needs no
        # "epoch trained but not validated" state.
        self._last_record = self._save(epoch + 1, 0)

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)
        self._last_done = self.offset
        if self.stop is not None and self.stop.requested and self._last_record:
            self._stop(self._last_record)

    def _stop(self, record):
        from keras_recipes.training.preemption import StopRequested

        raise StopRequested(self.stop.requested, record)

    def _save(self, epoch: int, batch: int) -> dict:
        import numpy as np

        if not all(np.isfinite(w).all() for w in self.model.get_weights()
                   if np.issubdtype(np.asarray(w).dtype, np.floating)):
            raise Diverged(epoch, batch, optimizer_step(self.model), "a weight", math.nan)
        record = self.store.save(self.model, epoch, batch)
        self._last_save = time.monotonic()
        self._steps_since = 0
        return record


class PublishBest(keras.callbacks.Callback):
    """Rename ModelCheckpoint's file into place once it is complete.

    ModelCheckpoint (listed just before this) writes the best weights to a
    temporary name (``atomic.partial_name(path)``); a crash while it writes
    leaves the previous best intact.
    """

    def __init__(self, path):
        super().__init__()
        self.path = Path(path)
        self.tmp = atomic.partial_name(self.path)

    def on_train_begin(self, logs=None):
        # A half-written file of a process that crashed while writing it.
        for stale in self.path.parent.glob(f".partial-*-{self.path.name}"):
            if stale != self.tmp:
                stale.unlink(missing_ok=True)

    def on_epoch_end(self, epoch, logs=None):
        if self.tmp.is_file():
            os.replace(self.tmp, self.path)


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
    """The epoch (0-based) the newest backup resumes in, or None when there is none."""
    record = BackupStore(Path(run_dir) / rundir.BACKUP).newest()
    return None if record is None else record["epoch"]


def truncate_history(path, epoch: int) -> list[dict]:
    """Keep the history rows of epochs before ``epoch`` (the resume point), so
    an interrupted-and-resumed run has no repeated rows; return them."""
    path = Path(path)
    if not path.is_file():
        return []
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    kept = [r for r in rows if (r.get("epoch") or "").isdigit() and int(r["epoch"]) < epoch]
    if rows:
        with atomic.staged(path) as tmp, tmp.open("w", newline="") as f:
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
             timed_backups: bool = True, verbose: int = 1, stop=None,
             resume_at: tuple[int, int] = (0, 0)):
    """The run's callbacks, in the order that keeps history and backup consistent.

    StopOnDivergence comes first, so a NaN loss stops the run before anything
    of that batch is written. CSVLogger writes an epoch's row before RunBackup
    saves that epoch, so after a crash between the two the extra row is
    dropped on resume (``truncate_history``) rather than leaving a gap. With
    ``train.ema``, SwapEMAWeights puts the averaged weights into the model at
    the end of each epoch for ModelCheckpoint (and back at the next epoch's
    start); the backup is saved before that swap, so a resumed run continues
    from the raw weights with the average still in the optimizer, as an
    uninterrupted one. ``stop`` (``preemption.StopSignals``) and
    ``resume_at`` go to RunBackup.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    throughput = Throughput(batch_size)
    backup = RunBackup(
        BackupStore(run_dir / rundir.BACKUP, keep=train.keep_backups,
                    print_fn=print if verbose else (lambda *a: None)),
        every_steps=train.backup_every,
        every_seconds=train.backup_minutes * 60 if timed_backups else 0.0,
        stop=stop, resume_at=resume_at,
    )
    callbacks = [
        StopOnDivergence(resume_at), throughput,
        # Always append: a new run has no history.csv yet (it gets its header),
        # and a resumed one may fit in two parts (see Trainer._train).
        keras.callbacks.CSVLogger(str(run_dir / rundir.HISTORY), append=True),
        keras.callbacks.TensorBoard(str(run_dir / rundir.LOGS), write_graph=False, profile_batch=0),
        backup,
    ]
    if verbose:
        callbacks.append(RunClock(train.epochs))
    if train.ema:
        callbacks.append(keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
    if has_val:
        mode = monitor_mode(train.monitor)
        best = run_dir / rundir.BEST_WEIGHTS
        best.parent.mkdir(parents=True, exist_ok=True)
        callbacks.append(keras.callbacks.ModelCheckpoint(
            str(atomic.partial_name(best)), monitor=train.monitor, mode=mode,
            save_best_only=True, save_weights_only=True,
            initial_value_threshold=best_so_far(resume_rows, train.monitor, mode),
        ))
        callbacks.append(PublishBest(best))
    if has_val and train.early_stopping_patience > 0:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=train.monitor, mode=monitor_mode(train.monitor),
            patience=train.early_stopping_patience,
        ))
    return callbacks, throughput
