"""The training engine: one ``Trainer`` runs every recipe.

It owns what recipes never repeat: seeding, precision, distribution strategy,
the data pipeline, compile, ``model.fit`` with callbacks, evaluation and the
run directory. A recipe contributes its default config, ``build_model`` and
its task (``keras_recipes.tasks``: preprocessing, batch preparation, the
models, loss and metrics); the Trainer calls the task's hooks in the order
that module documents.

Example:

>>> from keras_recipes import Trainer, get_recipe
>>> cfg = get_recipe("cifar-resnet").config()
>>> trainer = Trainer(cfg, "runs/my-run", smoke=True)
>>> metrics = trainer.fit()
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import shutil
import time
import warnings
from pathlib import Path

import keras
import tensorflow as tf

from keras_recipes import config as config_lib
from keras_recipes import rundir
from keras_recipes.datasets.paths import require_source
from keras_recipes.errors import (ConfigError, DivergedError, ModelBuildError, RunDirError,
                                  RunInterrupted, RunPreempted, RunWriteError)
from keras_recipes.registry import get_recipe
from keras_recipes.rundir import atomic, plots
from keras_recipes.rundir.backups import BackupStore, describe, state_bytes
from keras_recipes.rundir.hparams import write_hparams
from keras_recipes.rundir.lock import RunLock
from keras_recipes.runtime import environment, hardware
from keras_recipes.runtime.onednn import onednn_state
from keras_recipes.runtime.plan import apply_plan, plan_runtime
from keras_recipes.runtime.strategy import is_chief, worker_id
from keras_recipes.tasks import RunFiles, task_for
from keras_recipes.training import callbacks as callbacks_lib
from keras_recipes.training.preemption import StopRequested, StopSignals

SMOKE_EXAMPLES = 48
SMOKE_BATCH = 8


def smoke_config(cfg: config_lib.RecipeConfig) -> config_lib.RecipeConfig:
    """A couple of steps on tiny data of the right shape: an install check."""
    cfg = dataclasses.replace(cfg)
    cfg.train = dataclasses.replace(cfg.train, epochs=2, steps_per_epoch=None,
                                    batch_size=min(cfg.train.batch_size, SMOKE_BATCH),
                                    lr_scaling="none")
    cfg.data = dataclasses.replace(cfg.data, cache="memory")
    return cfg


def smoke_data(cfg: config_lib.RecipeConfig):
    """The tiny synthetic splits of a smoke run, shaped like ``cfg``'s data."""
    from keras_recipes import datasets

    d = cfg.data
    return datasets.synthetic_splits(
        d.kind, num_examples=SMOKE_EXAMPLES, image_size=d.image_size, channels=d.channels,
        num_classes=10 if d.kind == "image" else 2, seed=cfg.runtime.seed,
        sequence_length=d.sequence_length,
    )


class Trainer:
    """Train a recipe config into a run directory.

    Args:
        cfg: the resolved recipe config.
        run_dir: where the run's files go (see ``keras_recipes.rundir``).
        data: optional in-memory data (``(x, y)`` arrays, a ``tf.data.Dataset``
            or a ``Splits``) that replaces ``cfg.data.source``.
        smoke: train on tiny synthetic data for a couple of steps.
        resume: continue the run in ``run_dir`` from its last backup.
        overwrite: reuse a non-empty ``run_dir`` (run files only are replaced).
        callbacks: Keras callbacks to run after the run's own (progress,
            history, backup, checkpoints), e.g. a profiler or a custom log.
    """

    def __init__(self, cfg, run_dir, *, data=None, smoke=False, resume=False,
                 overwrite=False, hw: hardware.Hardware | None = None, callbacks=()):
        self.recipe = get_recipe(cfg.recipe)
        self.extra_callbacks = list(callbacks)
        self.cfg = smoke_config(cfg) if smoke else cfg
        self.task = task_for(self.cfg, self.recipe)
        self.global_batch = self.cfg.train.batch_size
        self.smoke = smoke
        self.resume = resume
        self.user_data = data
        self.chief = is_chief()
        self.run_dir = Path(run_dir)
        # A run that fails before it has anything worth keeping removes a
        # folder it created, so failed attempts leave no empty run folders.
        self._created_dir = not resume and self.chief and not self.run_dir.exists()
        # ... and the folders above it that it created (`runs/`).
        self._created_parents = [p for p in self.run_dir.absolute().parents if not p.exists()]
        # One writer per run: the lock comes before anything is read or
        # replaced, so a second process never touches a run in use.
        self._lock = RunLock(self.run_dir, print_fn=self._say)
        if resume:
            rundir.require(self.run_dir)
        if self.chief:
            self._lock.acquire()
        try:
            if resume:
                self._check_resumable()  # before saying "resuming"
            elif self.chief:
                rundir.prepare(self.run_dir, overwrite=overwrite)
            if self.verbose and self.chief:
                print(f"run directory: {self.run_dir} ({'resuming' if resume else 'writing'})")
            self.hw = hw or hardware.detect()
            self._setup_runtime()
        except BaseException:
            self._lock.release()
            raise

    def _say(self, message: str) -> None:
        if self.verbose:
            print(message)

    # -- runtime -----------------------------------------------------------
    def _setup_runtime(self):
        rt = self.cfg.runtime
        keras.utils.set_random_seed(rt.seed)
        if rt.deterministic:
            tf.config.experimental.enable_op_determinism()
        # Every runtime choice, made once (runtime.plan): environment.json records it.
        self.strategy, self.plan = apply_plan(plan_runtime(
            self.cfg, self.hw, keras.backend.backend(),
            augmentation_placement=self.task.augmentation_placement))
        self.hw = self.plan.hardware
        if self.verbose:
            for name, choice in self.plan.rows():
                if name != "augmentation" or self.cfg.augment.preset != "none":
                    print(f"{name}: {choice}")
            if not (self.hw.gpus or self.hw.tpu):
                on, why = onednn_state()
                print(f"oneDNN CPU kernels: {'on' if on else 'off'} ({why})")

    # Views of the plan, by the names the rest of the Trainer reads.
    precision = property(lambda self: self.plan.precision.value)
    strategy_name = property(lambda self: self.plan.strategy.value)
    replicas = property(lambda self: self.plan.replicas.value)
    augment_on_device = property(lambda self: self.plan.augment_on_device.value)
    jit_compile = property(lambda self: self.plan.jit_compile.value)

    @property
    def verbose(self) -> int:
        return self.cfg.runtime.verbose

    # -- data --------------------------------------------------------------
    def load_data(self):
        from keras_recipes import datasets

        d = self.cfg.data
        if self.smoke:
            splits = smoke_data(self.cfg)
        elif self.user_data is not None and isinstance(self.user_data, datasets.Splits):
            splits = self.user_data
        else:
            source = self.user_data if self.user_data is not None else d.source
            if isinstance(source, str):
                require_source(source)
            from keras_recipes.training.data_fit import data_fit_warnings

            for note in data_fit_warnings(self.cfg, source):
                warnings.warn(note, datasets.DataWarning, stacklevel=2)
            try:
                splits = datasets.load_splits(
                    source, progress=self.verbose == 1,
                    **d.load_options(self.cfg.runtime.seed))
            except datasets.DataError:
                raise
            except ValueError as err:  # a data setting out of range, e.g. val_fraction=1
                raise ConfigError(f"data config: {err}") from None
        named = not self.smoke and self.user_data is None
        if self.verbose and not (named and self.verbose == 1):
            print(splits.summary())  # with progress bars on, load_splits printed it
        self._check_class_names(splits.class_names)
        return splits

    def _check_class_names(self, names):
        path = self.run_dir / rundir.CLASS_NAMES
        if self.resume and path.is_file():
            saved = rundir.read_json(path)
            if list(saved) != list(names):
                raise RunDirError(
                    f"class names differ from the run's {path}: saved {saved}, data has {list(names)}"
                )
        elif self.chief:
            rundir.write_json(path, list(names))

    def augmentation(self):
        """The config's augmentation layer (None for preset "none")."""
        from keras_recipes import datasets

        a = self.cfg.augment
        options = {key: value for key, value in (("pad", a.pad), ("flip", a.flip), ("rotate", a.rotate),
                                                 ("zoom", a.zoom)) if value is not None}
        try:
            return datasets.augmentation(a.preset, image_size=self.cfg.data.image_size,
                                         seed=self.cfg.runtime.seed, **options)
        except ValueError as err:  # e.g. augment.pad with preset "none"
            raise ConfigError(f"augment config: {err}") from None

    def pipelines(self, splits, start_batch: int = 0):
        """Batched train / val / test datasets of ``(inputs, targets)``; the
        task says how a batch is prepared (``Task.pipeline_options``). Train
        is an endless stream from batch ``start_batch`` of the run on, in an
        order set by the seed alone, so a resumed run sees the batches an
        uninterrupted one does."""
        from keras_recipes import datasets

        d = self.cfg.data
        augment = None
        if splits.kind == "image" and not self.augment_on_device:
            augment = self.augmentation()

        def cache(split):
            # A file cache needs one file per split, or val/test would read train's.
            return {"none": None, "memory": "memory"}.get(d.cache, f"{d.cache}-{split}")

        def held_out(name):
            ds = getattr(splits, name)
            if ds is None or not splits.counts.get(name):
                return None
            return datasets.make_pipeline(ds, training=False, cache=cache(name),
                                          batch_size=self.global_batch,
                                          **self.task.pipeline_options(splits, training=False))

        train = datasets.make_pipeline(splits.train, training=True, augment=augment,
                                       shuffle_buffer=d.shuffle_buffer, seed=self.cfg.runtime.seed,
                                       cache=cache("train"), batch_size=self.global_batch,
                                       start_batch=start_batch,
                                       **self.task.pipeline_options(splits, training=True))
        return train, held_out("val"), held_out("test")

    def train_stream_at(self, splits):
        """``start_batch -> `` the train pipeline from that batch of the run on."""
        return lambda start_batch: self.pipelines(splits, start_batch)[0]

    # -- model -------------------------------------------------------------
    def build(self, splits, steps_per_epoch: int):
        """Build the task's models and compile inside the strategy scope."""
        from keras_recipes.layers import ArgumentError

        info = self.task.data_info(splits)
        with self.strategy.scope():
            augmenter = None
            if info.kind == "image" and self.augment_on_device:
                augmenter = self.augmentation()
            try:
                models = self.task.build(info, augmenter)
            except ArgumentError as err:  # a setting out of range, e.g. model.depth=21
                raise ModelBuildError(f"cannot build the {self.cfg.recipe} model: {err}") from None
            if self.cfg.augment.test_time != "none" and models.evaluation is None:
                raise ConfigError(f"augment.test_time={self.cfg.augment.test_time}: the "
                                  f"{self.cfg.recipe} recipe's {type(self.task).__name__} has no "
                                  "test-time augmentation (image classifiers have)")
            self.model, self.serving_model = models.train, models.serving
            self.eval_model = models.evaluation or models.train
            t = self.cfg.train
            self.schedule, optimizer = self.task.make_optimizer(self.model, steps_per_epoch)
            self.model.compile(**self.task.compile_args(optimizer), jit_compile=self.jit_compile,
                               steps_per_execution=t.steps_per_execution)
            if self.eval_model is not self.model:  # it only evaluates: its optimizer is never used
                self.eval_model.compile(**self.task.compile_args("sgd"), jit_compile=self.jit_compile)
            if self.strategy_name == "multi_worker" and self.hw.num_workers > 1:
                from keras_recipes.runtime.multi_worker import patch_for_multi_worker

                for model in {id(m): m for m in (self.model, self.eval_model)}.values():
                    patch_for_multi_worker(model)
        return self.model

    # -- the run -----------------------------------------------------------
    def _write_start_files(self, steps_per_epoch: int):
        if not self.chief:
            return
        if not self.resume:
            cfg = self.cfg
            if self.smoke or self.user_data is not None:
                # The data did not come from the config's source: don't let
                # `recipes evaluate` or `--config` silently use that source.
                cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, source=""))
            config_lib.save(cfg, self.run_dir / rundir.CONFIG)
        env = {**environment.collect(self.hw), **self.plan.environment()}
        env.update(seed=self.cfg.runtime.seed, deterministic=self.cfg.runtime.deterministic,
                   jit_compile=self.model.jit_compile,  # as compile() resolved "auto"
                   smoke=self.smoke,
                   global_batch_size=self.global_batch, steps_per_epoch=steps_per_epoch)
        rundir.write_json(self.run_dir / rundir.ENVIRONMENT, env)

    def _restart_hint(self) -> str:
        return (f"start the run again with `recipes run --config {self.run_dir / rundir.CONFIG} "
                f"--output {self.run_dir} --overwrite`")

    def write_dir(self) -> Path:
        """Where the callbacks write: the run directory on the chief. Other
        workers run the same callbacks (their collective ops must match the
        chief's) but write into a private folder on their own machine, so
        only the chief writes the run directory."""
        if self.chief:
            return self.run_dir
        import hashlib
        import tempfile

        key = hashlib.sha1(str(self.run_dir.resolve()).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"keras-recipes-{key}-{worker_id()}"

    def _backups(self) -> BackupStore:
        return BackupStore(self.write_dir() / rundir.BACKUP, keep=self.cfg.train.keep_backups,
                           print_fn=self._say)

    def _check_resumable(self):
        """Before any work: resuming a finished or backup-less run is an error."""
        if self.resume and not self._backups().records():
            if (self.run_dir / rundir.METRICS).is_file():
                raise RunDirError(f"run {self.run_dir} already finished (metrics.json exists); "
                                  f"`recipes evaluate {self.run_dir}` scores it")
            raise RunDirError(f"no usable backup in {self.run_dir / rundir.BACKUP}; {self._restart_hint()}")

    def _restore(self) -> tuple[tuple[int, int], list[dict]]:
        """Load the newest good backup into the built model: ``((epoch,
        batch), history rows before that epoch)``; ``((0, 0), [])`` for a new run."""
        if not self.resume:
            return (0, 0), []
        try:
            with self.strategy.scope():
                record = self._backups().restore(self.model)
        except RunDirError as err:
            raise RunDirError(f"cannot restore the backup in {self.run_dir / rundir.BACKUP} "
                              f"({err}); {self._restart_hint()}") from None
        at = (record["epoch"], record["batch"])
        if at[0] >= self.cfg.train.epochs:
            self._say(f"resuming {self.run_dir}: training is complete, writing its results")
        else:
            self._say(f"resuming {self.run_dir} at epoch {at[0] + 1}/{self.cfg.train.epochs}"
                      + (f", batch {at[1]}" if at[1] else ""))
        if not self.chief:
            return at, []
        return at, callbacks_lib.truncate_history(self.run_dir / rundir.HISTORY, at[0])

    def fit(self) -> dict:
        """Train, evaluate and write the run directory; return metrics.json's content.

        Raises:
            RunPreempted: SIGTERM or SIGINT stopped the run at a batch
                boundary after writing a backup (exit code 75).
            RunInterrupted: a second signal (or Ctrl-C before training)
                stopped it at once, saying how to resume (or that nothing
                was saved yet).
            DivergedError: the loss became NaN or infinite.
            RunWriteError: a run file could not be written (a full disk).
            RunLockedError: (from the constructor) another process trains here.
        """
        try:
            return self._fit()
        except StopRequested as stop:
            raise self._preempted(stop) from None
        except callbacks_lib.Diverged as err:
            raise self._diverged(err) from None
        except KeyboardInterrupt:
            raise self._interrupted() from None
        except RunWriteError as err:
            raise RunWriteError(f"{err}; {self._after_write_error()}") from None
        except BaseException:
            self._remove_if_nothing_to_keep()
            raise
        finally:
            self._lock.release()

    def _after_write_error(self) -> str:
        record = self._backups().newest()
        if record is None:
            return "nothing was saved yet: free space and start the run again"
        return (f"the backup from {describe(record)} is intact: free space, then "
                f"`recipes resume {self.run_dir}`")

    def _preempted(self, stop: StopRequested) -> RunPreempted:
        record = stop.record or self._backups().newest() or {"epoch": 0, "batch": 0}
        return RunPreempted(
            f"stopped by {stop.signal_name} after writing a backup at {describe(record)}; "
            f"`recipes resume {self.run_dir}` continues from there")

    def _interrupted(self) -> RunInterrupted:
        epoch = callbacks_lib.backup_epoch(self.run_dir)
        if epoch is not None:
            return RunInterrupted(
                f"interrupted; `recipes resume {self.run_dir}` continues from the last backup "
                f"(written at the end of each epoch and every {self.cfg.train.backup_minutes:g} "
                f"minutes; it resumes in epoch {epoch + 1})")
        removed = self._remove_if_nothing_to_keep()
        where = f"removed {self.run_dir}" if removed else f"{self.run_dir} holds no backup"
        return RunInterrupted(
            f"interrupted before the first backup (one is written every "
            f"{self.cfg.train.backup_minutes:g} minutes and at each epoch end); {where}, "
            f"so there is nothing to resume: start the run again")

    def _remove_if_nothing_to_keep(self) -> bool:
        """Remove the run folder this run created when it holds no backup
        and no finished result; True if it was removed."""
        if not self._created_dir or not self.run_dir.is_dir():
            return False
        backup = self.run_dir / rundir.BACKUP
        if (backup.is_dir() and any(backup.iterdir())) or (self.run_dir / rundir.METRICS).is_file():
            return False
        shutil.rmtree(self.run_dir, ignore_errors=True)
        for parent in self._created_parents:  # innermost first; only if left empty
            try:
                parent.rmdir()
            except OSError:
                break
        return True

    def _fit(self) -> dict:
        started = time.time()
        if not self.chief and not self.resume:
            shutil.rmtree(self.write_dir(), ignore_errors=True)  # no stale worker backup
        # Data flows through arguments, in the task contract's order.
        splits = self.load_data()
        self.task.prepare(splits, RunFiles(self.run_dir, resume=self.resume, chief=self.chief))
        self._marks = {"started": started, "data": time.time()}
        t = self.cfg.train
        steps = t.steps_per_epoch or max(1, math.ceil(splits.counts["train"] / self.global_batch))
        self.build(splits, steps)
        (epoch, batch), resume_rows = self._restore()
        train_ds, val_ds, test_ds = self.pipelines(splits, start_batch=epoch * steps + batch)
        self._write_start_files(steps)
        self._marks["build"] = time.time()
        # Workers must stop at the same step, which a signal to one cannot
        # arrange: a multi-worker run stops at once, as on SIGKILL.
        signals = StopSignals(print_fn=self._say) if self.hw.num_workers <= 1 else None
        with signals or contextlib.nullcontext() as stop:
            callbacks, throughput = callbacks_lib.standard(
                self.write_dir(), t, has_val=val_ds is not None, resume_rows=resume_rows,
                batch_size=self.global_batch, verbose=self.verbose,
                # Workers must agree on when to save; a clock per worker would not.
                timed_backups=self.hw.num_workers <= 1, stop=stop, resume_at=(epoch, batch),
            )
            callbacks += self.task.callbacks(self.write_dir()) + self.extra_callbacks
            if t.gradient_norm_steps:
                from keras_recipes.training.gradient_norms import GradientNorms

                # The run's first batch, the same one after a resume.
                first = next(iter(self.train_stream_at(splits)(0)))
                callbacks.append(GradientNorms(first, t.gradient_norm_steps,
                                               self.write_dir() / rundir.GRADIENT_NORMS))
            history = self._train(train_ds, val_ds, callbacks, steps, epoch, batch,
                                  self.train_stream_at(splits))
        return self._finish(history, test_ds, throughput, started,
                            self._held_out(splits, val_ds, test_ds))

    def _held_out(self, splits, val_ds, test_ds):
        """``(dataset, what it is)`` the run's headline is measured on: the
        data's test split, else the validation part held out of training,
        else None (data.val_fraction=0 on data without a test split)."""
        d = self.cfg.data
        source = ("the smoke data" if self.smoke else
                  d.source if self.user_data is None else "the given data")
        if test_ds is not None:
            n = splits.counts["test"]
            return test_ds, {"split": "test", "examples": n,
                             "measured_on": f"the test split of {source} ({n:,} examples)"}
        if val_ds is not None:
            n = splits.counts["val"]
            return val_ds, {"split": "validation", "examples": n, "measured_on": (
                f"{n:,} examples held out of {source} and never trained on "
                f"(data.val_fraction={d.val_fraction:g}, seed {self.cfg.runtime.seed})")}
        return None

    def _train(self, train_ds, val_ds, callbacks, steps: int, epoch: int, batch: int, stream_at):
        """``model.fit`` from batch ``batch`` of ``epoch`` on; a resumed run
        that stopped within an epoch first fits that epoch's remaining
        batches (Keras resumes epochs, not batches). Returns the history."""
        t = self.cfg.train
        parts = [(epoch + 1, steps - batch), (t.epochs, steps)] if batch else [(t.epochs, steps)]
        merged = keras.callbacks.History()
        merged.epoch, merged.history = [], {}
        for part, (end, part_steps) in enumerate(parts):
            if epoch >= end or self.model.stop_training:  # nothing left, or early stopping
                break
            if part:  # a new fit reads its dataset anew: the stream from this epoch's start
                train_ds = stream_at(epoch * steps)
            try:
                with self.strategy.scope():
                    history = self.model.fit(
                        train_ds, validation_data=val_ds, epochs=end, initial_epoch=epoch,
                        steps_per_epoch=part_steps, callbacks=callbacks, verbose=self.verbose,
                        shuffle=False,  # tf.data shuffles
                    )
            except Exception as err:  # a callback's write: history.csv, logs/, a checkpoint
                if not atomic.is_write_failure(err):
                    raise
                raise atomic.write_error(getattr(err, "filename", None) or self.run_dir,
                                         err) from None
            merged.epoch += history.epoch
            for key, values in history.history.items():
                merged.history.setdefault(key, []).extend(values)
            epoch = end
        return merged

    def _diverged(self, err: callbacks_lib.Diverged) -> DivergedError:
        """A NaN or infinite loss stopped the run at once: record it in
        metrics.json and say where and why; the backups before it are kept."""
        if self.chief:
            rundir.write_json(self.run_dir / rundir.METRICS, {
                "recipe": self.cfg.recipe, "diverged": True, "epochs": err.epoch + 1,
                "epoch": err.epoch + 1, "batch": err.batch, "step": err.step})
        precision = {
            "mixed_float16": "float16 overflow (try runtime.precision=mixed_bfloat16 or float32)",
            "mixed_bfloat16": "bfloat16 rounding (try runtime.precision=float32)",
        }.get(self.precision, "a numerically unstable model (the precision, float32, is not it)")
        record = self._backups().newest()
        kept = f"; the last good backup (from {describe(record)}) is kept" if record else ""
        return DivergedError(
            f"training diverged: {err}. Likely causes: a learning rate too high (try a lower "
            f"train.lr, train.warmup_epochs or train.clipnorm=1.0), or {precision}{kept}")

    def _startup(self, first_step_end) -> dict:
        """Where the wait before training goes: data (load, split, adapt,
        pipelines), build (model, compile, start files), first step (tracing,
        compilation and the step itself), and their total."""
        m = self._marks
        parts = {"data": m["data"] - m["started"], "build": m["build"] - m["data"]}
        if first_step_end is not None:  # None: a resumed run with nothing left to train
            parts["first_step"] = first_step_end - m["build"]
            parts["total"] = first_step_end - m["started"]
        return {k: round(v, 2) for k, v in parts.items()}

    def _finish(self, history, test_ds, throughput, started, held_out=None) -> dict:
        epochs_run = history.epoch[-1] + 1 if history.epoch else self.cfg.train.epochs
        metrics = {"recipe": self.cfg.recipe, "epochs": epochs_run,
                   "wall_time_s": round(time.time() - started, 2),
                   "train_examples_per_s": round(throughput.steady, 1),
                   "startup_s": self._startup(throughput.first_step_end),
                   "peak_memory_mb": hardware.peak_memory_mb(self.hw.gpus)}
        # Evaluation is a collective op under multi-worker training: every
        # worker runs it, on the final weights, before anything chief-only.
        if test_ds is not None:
            with self.strategy.scope():
                metrics["test_final"] = self.eval_model.evaluate(test_ds, verbose=0, return_dict=True)
            metrics["test"] = metrics["test_final"]
        if not self.chief:
            shutil.rmtree(self.write_dir(), ignore_errors=True)
            return metrics
        rows = plots.read_history(self.run_dir / rundir.HISTORY)
        if rows:
            metrics["final"] = {k: v for k, v in rows[-1].items() if k != "epoch"}
        needed = state_bytes(self.serving_model)
        with atomic.staged(self.run_dir / rundir.FINAL_MODEL, needed_bytes=needed) as tmp:
            self.serving_model.save(tmp)
        best_path = self.run_dir / rundir.BEST_WEIGHTS
        if best_path.is_file():
            monitor = self.cfg.train.monitor
            pick = max if callbacks_lib.monitor_mode(monitor) == "max" else min
            scored = [r for r in rows if isinstance(r.get(monitor), float)]
            if scored:
                metrics["best"] = dict(pick(scored, key=lambda r: r[monitor]))
            self.model.load_weights(best_path)
            with atomic.staged(self.run_dir / rundir.BEST_MODEL, needed_bytes=needed) as tmp:
                self.serving_model.save(tmp)
            if test_ds is not None and self.strategy_name != "multi_worker":
                metrics["test"] = self.eval_model.evaluate(test_ds, verbose=0, return_dict=True)
        if held_out is not None and self.strategy_name != "multi_worker":
            # The model the run keeps, as it serves (test-time augmentation
            # included), on data it never trained on: the run's headline.
            ds, what = held_out
            scores = (metrics["test"] if what["split"] == "test" else
                      self.eval_model.evaluate(ds, verbose=0, return_dict=True))
            metrics["held_out"] = {**what, "checkpoint": "best" if best_path.is_file() else "final",
                                   "metrics": scores}
        if rows:
            plots.plot_curves(rows, self.run_dir / rundir.CURVES)
        rundir.write_json(self.run_dir / rundir.METRICS, metrics)
        write_hparams(self.run_dir, self.cfg, metrics)  # TensorBoard's HParams tab
        shutil.rmtree(self.run_dir / rundir.BACKUP, ignore_errors=True)
        if self.verbose:
            print(f"run directory: {self.run_dir}")
        return metrics


def run(cfg, run_dir=None, **kwargs) -> dict:
    """Train ``cfg`` into ``run_dir`` (default ``runs/<recipe>-<UTC time>``)."""
    run_dir = run_dir or rundir.default_run_dir(cfg.recipe)
    return Trainer(cfg, run_dir, **kwargs).fit()


def resume(run_dir, overrides=(), **kwargs) -> dict:
    """Continue the interrupted run in ``run_dir`` from its last backup.

    ``overrides`` (``key=value``) may change how the run reports, e.g.
    ``runtime.verbose=2``; changing what it trains breaks the resume.
    """
    cfg = rundir.read_run(rundir.require(run_dir)).resolve(overrides)
    return Trainer(cfg, run_dir, resume=True, **kwargs).fit()
