"""Fault injection: preemption signals, a full disk during a backup, a
truncated or corrupt newest backup, a second process on a running run, and a
NaN loss. Each checks that nothing already saved is lost and that resuming
ends where an uninterrupted run ends (weights within 1e-5: the runs are
deterministic, several batches an epoch, so data order and schedule count)."""

import csv
import errno
import json
import os
import signal

import keras
import numpy as np
import pytest
from click.testing import CliRunner

from keras_recipes import config as C
from keras_recipes import rundir
from keras_recipes.cli.main import cli
from keras_recipes.errors import DivergedError, RunLockedError, RunPreempted, RunWriteError
from keras_recipes.registry import get_recipe, unregister_recipe
from keras_recipes.rundir.backups import BackupStore
from keras_recipes.rundir.lock import LOCK, RunLock
from keras_recipes.training.trainer import Trainer, resume, run
from tests_support.toy_data import toy_images
from tests_support.toy_recipe import register_toy

# 64 images, a quarter for validation: 48 to train on, batches of 8, 6 steps an epoch.
OVERRIDES = ["runtime.verbose=0", "runtime.deterministic=true", "train.epochs=3",
             "train.backup_minutes=0", "train.schedule=cosine", "train.momentum=0.9"]
STEPS = 6


@pytest.fixture(scope="module")
def toy():
    name = register_toy()
    yield name
    unregister_recipe(name)


def cfg_of(toy, *extra):
    return C.apply_overrides(get_recipe(toy).config(), [*OVERRIDES, *extra])


def final_weights(run_dir):
    return keras.saving.load_model(run_dir / rundir.FINAL_MODEL).get_weights()


@pytest.fixture(scope="module")
def uninterrupted(toy, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("whole") / "r"
    run(cfg_of(toy), run_dir, data=toy_images())
    return final_weights(run_dir)


def assert_same_weights(run_dir, expected):
    for got, want in zip(final_weights(run_dir), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def history_epochs(run_dir):
    with open(run_dir / rundir.HISTORY) as f:
        return [int(row["epoch"]) for row in csv.DictReader(f)]


def backups(run_dir):
    return [(r["epoch"], r["batch"]) for r in BackupStore(run_dir / rundir.BACKUP).records()]


class _At(keras.callbacks.Callback):
    """Calls ``action(model)`` when batch ``batch`` of epoch ``epoch`` starts,
    in training (``phase="train"``) or in that epoch's validation ("val")."""

    def __init__(self, epoch, batch, action, phase="train"):
        super().__init__()
        self.at, self.action, self.phase, self.done = (epoch, batch), action, phase, False

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def _maybe(self, phase, batch):
        if phase == self.phase and (self.epoch, batch) == self.at and not self.done:
            self.done = True
            self.action(self.model)

    def on_train_batch_begin(self, batch, logs=None):
        self._maybe("train", batch)

    def on_test_batch_begin(self, batch, logs=None):
        self._maybe("val", batch)


def send(sig):
    return lambda model: os.kill(os.getpid(), sig)


# -- preemption --------------------------------------------------------------------------

@pytest.mark.parametrize("sig, epoch, batch, phase, backup_at", [
    (signal.SIGTERM, 0, 2, "train", (0, 3)),  # mid-epoch: a backup of that batch
    (signal.SIGTERM, 1, 5, "train", (2, 0)),  # the epoch's last batch: the epoch-end backup
    (signal.SIGTERM, 1, 0, "val", (2, 0)),  # during validation: the epoch ends first
    (signal.SIGINT, 2, 0, "train", (2, 1)),  # Ctrl-C is the same request
])
def test_a_stop_signal_backs_up_at_the_next_batch_and_resume_ends_where_a_whole_run_does(
        toy, uninterrupted, tmp_path, sig, epoch, batch, phase, backup_at):
    run_dir = tmp_path / "r"
    with pytest.raises(RunPreempted) as stopped:
        run(cfg_of(toy), run_dir, data=toy_images(), callbacks=[_At(epoch, batch, send(sig), phase)])
    message = str(stopped.value)
    assert signal.Signals(sig).name in message and f"`recipes resume {run_dir}`" in message
    assert stopped.value.exit_code == 75
    assert backups(run_dir)[0] == backup_at
    assert not (run_dir / LOCK).exists()
    # Nothing saved is lost: every completed epoch has its row, and the epoch-end
    # backup before the signal is still there (keep_backups=2).
    assert history_epochs(run_dir) == list(range(backup_at[0]))
    if backup_at[0] >= 1 and backup_at[1]:
        assert (backup_at[0], 0) in backups(run_dir)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored
    resume(run_dir, data=toy_images())
    assert history_epochs(run_dir) == [0, 1, 2]
    assert_same_weights(run_dir, uninterrupted)


# -- a full disk -------------------------------------------------------------------------

def test_a_full_disk_during_a_backup_stops_with_one_line_and_keeps_the_previous_backup(
        toy, uninterrupted, tmp_path, monkeypatch):
    """ENOSPC while the backup of epoch 2's end is written: half the file is
    on disk when the write fails, as on a real full disk."""
    run_dir = tmp_path / "r"
    real_save = keras.Model.save_weights

    def save_weights(model, filepath, *args, **kwargs):
        real_save(model, filepath, *args, **kwargs)
        if "e00002-b0000000" in str(filepath):
            with open(filepath, "r+b") as f:
                f.truncate(os.path.getsize(filepath) // 2)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(filepath))

    monkeypatch.setattr(keras.Model, "save_weights", save_weights)
    with pytest.raises(RunWriteError) as failed:
        run(cfg_of(toy), run_dir, data=toy_images())
    message = str(failed.value)
    assert "\n" not in message and failed.value.exit_code == 74
    assert f"cannot write {run_dir / rundir.BACKUP / 'e00002-b0000000.weights.h5'}" in message
    assert "No space left on device" in message and "needs about" in message and "free" in message
    assert "the backup from the end of epoch 1 is intact" in message
    assert f"`recipes resume {run_dir}`" in message
    store = BackupStore(run_dir / rundir.BACKUP)
    assert backups(run_dir) == [(1, 0)] and store.problem(store.newest()) is None
    assert not [p for p in (run_dir / rundir.BACKUP).iterdir() if p.name.startswith(".partial")]
    assert not (run_dir / LOCK).exists()
    monkeypatch.undo()  # space freed
    resume(run_dir, data=toy_images())
    assert history_epochs(run_dir) == [0, 1, 2]
    assert_same_weights(run_dir, uninterrupted)


def test_a_failed_write_of_any_run_file_leaves_the_old_file(tmp_path):
    from keras_recipes.rundir import atomic

    path = tmp_path / "metrics.json"
    rundir.write_json(path, {"a": 1})
    # As the OS reports it, and as HDF5 (Keras' .weights.h5) does: a RuntimeError.
    for error in (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
                  RuntimeError("Disable slist on flush dest failure failed (file write failed: "
                               "errno = 28, error message = 'No space left on device', buf = 0x1)")):
        with pytest.raises(RunWriteError, match=r"cannot write .*metrics.json: No space left on "
                                                r"device \(needs about \d+ bytes, .* free on that disk\)$"):
            with atomic.staged(path) as tmp:
                tmp.write_text("{half")
                raise error
        assert json.loads(path.read_text()) == {"a": 1}
        assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]
    with pytest.raises(RuntimeError, match="a bug"):  # not a write failure: left alone
        with atomic.staged(path) as tmp:
            raise RuntimeError("a bug")


# -- a truncated or corrupt newest backup -------------------------------------------------

def _truncate(path):
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)


def _flip_bytes(path):
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(255 - b for b in data[middle:middle + 64])
    path.write_bytes(bytes(data))


class _Crash(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:  # after that epoch's backup
            raise KeyboardInterrupt


@pytest.mark.parametrize("damage, why", [(_truncate, "is truncated"),
                                         (_flip_bytes, "is corrupt (checksum mismatch)")])
def test_resume_falls_back_to_the_previous_backup_when_the_newest_is_damaged(
        toy, uninterrupted, tmp_path, capsys, damage, why):
    run_dir = tmp_path / "r"
    with pytest.raises(Exception, match="recipes resume"):
        run(cfg_of(toy), run_dir, data=toy_images(), callbacks=[_Crash()])
    assert backups(run_dir) == [(2, 0), (1, 0)]
    damage(run_dir / rundir.BACKUP / "e00002-b0000000.weights.h5")
    capsys.readouterr()
    resume(run_dir, ["runtime.verbose=2"], data=toy_images())
    out = capsys.readouterr().out
    assert f"backup e00002-b0000000.json is unusable: e00002-b0000000.weights.h5 {why}" in out
    assert "using the backup from the end of epoch 1 instead" in out
    assert history_epochs(run_dir) == [0, 1, 2]
    assert_same_weights(run_dir, uninterrupted)


# -- one writer per run ------------------------------------------------------------------

def test_a_second_trainer_on_a_locked_run_is_refused(toy, tmp_path):
    import subprocess
    import sys

    run_dir = tmp_path / "r"
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        run_dir.mkdir()
        (run_dir / LOCK).write_text(json.dumps({"pid": owner.pid, "host": os.uname().nodename,
                                                "since": 0}))
        (run_dir / rundir.CONFIG).write_text(C.to_yaml(cfg_of(toy)))
        for make in (lambda: Trainer(cfg_of(toy), run_dir, overwrite=True),
                     lambda: Trainer(cfg_of(toy), run_dir, resume=True)):
            with pytest.raises(RunLockedError, match=f"in use by pid {owner.pid} on this host"):
                make()
        assert (run_dir / rundir.CONFIG).is_file()  # --overwrite removed nothing
    finally:
        owner.kill()
        owner.wait()
    # Its owner gone, the lock is taken over, saying so.
    messages = []
    lock = RunLock(run_dir, print_fn=messages.append).acquire()
    assert messages == [f"taking over the lock of {run_dir} from pid {owner.pid} on "
                        f"{os.uname().nodename}, which is no longer running"]
    assert json.loads((run_dir / LOCK).read_text())["pid"] == os.getpid()
    lock.release()
    assert not (run_dir / LOCK).exists()


def test_a_lock_from_another_host_is_refused_with_how_to_clear_it(tmp_path):
    (tmp_path / LOCK).write_text(json.dumps({"pid": 1, "host": "elsewhere", "since": 0}))
    with pytest.raises(RunLockedError, match=f"pid 1 on host elsewhere.*delete {tmp_path / LOCK}"):
        RunLock(tmp_path).acquire()


# -- divergence --------------------------------------------------------------------------

def _poison(model):
    kernel = [v for v in model.trainable_weights if "kernel" in v.path][-1]
    kernel.assign(np.full(kernel.shape, np.nan, "float32"))


def test_a_nan_loss_stops_at_that_step_and_keeps_the_last_good_backup(toy, uninterrupted, tmp_path):
    run_dir = tmp_path / "r"
    with pytest.raises(DivergedError) as diverged:
        run(cfg_of(toy), run_dir, data=toy_images(), callbacks=[_At(1, 2, _poison)])
    message = str(diverged.value)
    assert f"loss is nan in epoch 2, batch 3 (step {STEPS + 3})" in message
    assert "train.lr" in message and "precision, float32, is not it" in message
    assert "last good backup (from the end of epoch 1) is kept" in message
    metrics = json.loads((run_dir / rundir.METRICS).read_text())
    assert metrics["diverged"] is True and (metrics["epoch"], metrics["batch"]) == (2, 3)
    assert history_epochs(run_dir) == [0]  # nothing of the broken epoch was written
    assert backups(run_dir) == [(1, 0)]
    resume(run_dir, data=toy_images())  # from the good backup, without the poison
    assert history_epochs(run_dir) == [0, 1, 2]
    assert_same_weights(run_dir, uninterrupted)


# -- exit codes --------------------------------------------------------------------------

@pytest.mark.parametrize("error, code", [(RunPreempted("stopped by SIGTERM"), 75),
                                         (RunWriteError("cannot write x: No space left"), 74),
                                         (RunLockedError("r is in use by pid 1"), 2),
                                         (DivergedError("training diverged"), 2)])
def test_each_stop_has_its_exit_code(toy, monkeypatch, error, code):
    from keras_recipes.training import trainer

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(trainer, "run", fail)
    result = CliRunner().invoke(cli, ["run", toy, "--smoke"])
    assert result.exit_code == code and str(error) in result.output
    assert "Traceback" not in result.output


# -- the real command line: SIGTERM from outside, a second process meanwhile --------------

def test_sigterm_from_outside_stops_the_cli_and_a_second_process_is_refused_meanwhile(
        toy, tmp_path):
    """`recipes run` in its own process, SIGTERM at a random moment after the
    first epoch: while it trains, a second `run --output --overwrite` and a
    `resume` are refused and change nothing; after the signal it exits 75
    with the resume line, and `recipes resume` ends where a whole run does."""
    import random
    import time

    from tests_support.cli_driver import recipes_cli, write_image_folder

    data = write_image_folder(tmp_path / "data", per_class=16)
    run_dir = tmp_path / "r"
    sets = ["--set", "runtime.deterministic=true", "--set", "train.backup_minutes=0",
            "--precision", "float32"]  # `auto` differs between this process and the CLI's
    proc = recipes_cli(tmp_path, "run", toy, "--data", str(data), "--output", str(run_dir),
                       "--epochs", "16", "-q", *sets)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None and not backups(run_dir):
        time.sleep(0.05)
    time.sleep(random.uniform(0, 0.5))
    assert proc.poll() is None, "the run ended before the signal:\n" + proc.stdout.read()
    owner = json.loads((run_dir / LOCK).read_text())
    assert owner["pid"] == proc.pid
    for args in (["run", toy, "--data", str(data), "--output", str(run_dir), "--overwrite"],
                 ["resume", str(run_dir)]):
        refused = CliRunner().invoke(cli, args)
        assert refused.exit_code == 2 and f"in use by pid {proc.pid}" in refused.output, refused.output
    assert (run_dir / rundir.CONFIG).is_file() and backups(run_dir)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 75, out
    assert f"`recipes resume {run_dir}` continues from there" in out
    assert not (run_dir / LOCK).exists()
    stopped_at = backups(run_dir)[0]
    assert history_epochs(run_dir) == list(range(stopped_at[0]))
    resumed = CliRunner().invoke(cli, ["resume", str(run_dir), "-q"])
    assert resumed.exit_code == 0, resumed.output
    assert history_epochs(run_dir) == list(range(16))
    whole = tmp_path / "whole"
    cfg = C.load(run_dir / rundir.CONFIG, get_recipe(toy).config())
    run(cfg, whole)
    assert_same_weights(run_dir, final_weights(whole))


def test_a_second_signal_or_the_grace_period_stops_at_once():
    """Where no batch boundary comes (a stuck input pipeline), the stop is
    bounded: GRACE_S after the first signal, or at a second signal."""
    import time

    from keras_recipes.training.preemption import StopSignals

    for second_signal in (False, True):
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            with StopSignals(grace_s=0.3, print_fn=lambda m: None) as stop:
                os.kill(os.getpid(), signal.SIGTERM)
                while time.monotonic() - started < 10:  # a batch that never ends
                    if second_signal and stop.requested:
                        os.kill(os.getpid(), signal.SIGTERM)
                    time.sleep(0.01)
        assert stop.requested == "SIGTERM"
        assert time.monotonic() - started < (1 if second_signal else 3)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_the_best_weights_are_renamed_into_place_and_a_crashed_writers_half_file_is_removed(
        tmp_path):
    from keras_recipes.rundir import atomic
    from keras_recipes.training.callbacks import PublishBest

    best = tmp_path / "best.weights.h5"
    best.write_bytes(b"previous best")
    stale = tmp_path / f".partial-999999-{best.name}"
    stale.write_bytes(b"half")
    publish = PublishBest(best)
    publish.on_train_begin()
    assert not stale.exists() and best.read_bytes() == b"previous best"
    publish.on_epoch_end(0)  # ModelCheckpoint wrote nothing: no improvement
    assert best.read_bytes() == b"previous best"
    atomic.partial_name(best).write_bytes(b"new best")  # what ModelCheckpoint writes
    publish.on_epoch_end(1)
    assert best.read_bytes() == b"new best" and not atomic.partial_name(best).exists()
