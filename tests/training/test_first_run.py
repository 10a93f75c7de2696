"""A new user's first minutes: the run says where it writes and how long it
will take, an interrupt loses minutes and says how to go on, a failed run
leaves no empty folder, bad input fails before TensorFlow loads, and
TensorFlow's start-up log stays out of the way."""

import os
import subprocess
import sys

import keras
import pytest
from click.testing import CliRunner

from keras_recipes import config as C
from keras_recipes import rundir
from keras_recipes.cli.main import cli
from keras_recipes.errors import ConfigError, RunInterrupted
from keras_recipes.registry import get_recipe
from keras_recipes.training import callbacks as cb
from keras_recipes.training.trainer import resume, run
from tests_support.cli_driver import DRIVER, TESTS_DIR
from tests_support.toy_data import toy_images


def toy_cfg(toy_recipe, *overrides):
    return C.apply_overrides(get_recipe(toy_recipe).config(),
                             ["runtime.verbose=2", "runtime.precision=float32", *overrides])


class _Interrupt(keras.callbacks.Callback):
    """Ctrl-C after batch `batch` of epoch `epoch` (0-based)."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.at = (epoch, batch)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise KeyboardInterrupt


def test_run_names_its_folder_first_and_estimates_the_whole_run(toy_recipe, tmp_path, capsys):
    run(toy_cfg(toy_recipe, "train.epochs=3"), tmp_path / "r", data=toy_images())
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"run directory: {tmp_path / 'r'} (writing)"
    assert "epoch 1/3 took" in out and "the 2 left take about" in out


def test_the_estimate_is_a_line_of_its_own_after_the_progress_bar(toy_recipe, tmp_path, capfd):
    """Keras' progress bar writes an epoch's last line after the callbacks'
    on_epoch_end; the estimate waits for the next epoch so it is not glued to it."""
    run(toy_cfg(toy_recipe, "train.epochs=2", "runtime.verbose=1"), tmp_path / "r", data=toy_images())
    lines = capfd.readouterr().out.replace("\r", "\n").splitlines()
    estimate = [line for line in lines if "took" in line]
    assert len(estimate) == 1 and estimate[0].startswith("epoch 1/2 took ")
    assert "the last one takes about" in estimate[0]
    assert lines[lines.index(estimate[0]) + 1].startswith("Epoch 2/2")


def test_interrupt_before_the_first_backup_removes_the_new_folder(toy_recipe, tmp_path):
    with pytest.raises(RunInterrupted, match="before the first backup.*removed .*nothing to resume"):
        run(toy_cfg(toy_recipe, "train.backup_minutes=0"), tmp_path / "r", data=toy_images(),
            callbacks=[_Interrupt(epoch=0, batch=0)])
    assert not (tmp_path / "r").exists()


def test_interrupt_within_an_epoch_keeps_a_timed_backup_and_resumes(toy_recipe, tmp_path):
    """backup_minutes ~ 0 backs up after every batch: the interrupt in the
    second epoch leaves a backup of that epoch, and resume finishes the run."""
    cfg = toy_cfg(toy_recipe, "train.epochs=3", "train.batch_size=4", "train.backup_minutes=1e-9")
    with pytest.raises(RunInterrupted, match=rf"recipes resume {tmp_path / 'r'}.*resumes in epoch 2"):
        run(cfg, tmp_path / "r", data=toy_images(), callbacks=[_Interrupt(epoch=1, batch=2)])
    assert cb.backup_epoch(tmp_path / "r") == 1
    metrics = resume(tmp_path / "r", data=toy_images())
    epochs = [int(line.split(",")[0]) for line in
              (tmp_path / "r" / rundir.HISTORY).read_text().splitlines()[1:]]
    assert epochs == [0, 1, 2] and metrics["epochs"] == 3


def test_timed_backup_in_a_resumed_epoch_records_that_epoch(tmp_path):
    from keras_recipes.rundir.backups import BackupStore

    store = BackupStore(tmp_path / "b")
    backup = cb.RunBackup(store, every_seconds=1e-9)
    backup.set_model(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]))
    backup.on_epoch_begin(5)
    backup.on_train_batch_end(0)
    assert (store.newest()["epoch"], store.newest()["batch"]) == (5, 1)


def test_a_run_that_fails_before_training_leaves_no_folder(toy_recipe, tmp_path):
    with pytest.raises(ConfigError, match="data.source is empty"):
        run(toy_cfg(toy_recipe), tmp_path / "r")
    assert not (tmp_path / "r").exists()
    # Nor the `runs/` folder above it that it created (the default run folder's parent).
    with pytest.raises(ConfigError, match="data.source is empty"):
        run(toy_cfg(toy_recipe), tmp_path / "runs" / "r")
    assert not (tmp_path / "runs").exists()


def test_a_failed_run_never_removes_a_folder_it_did_not_create(toy_recipe, tmp_path):
    (tmp_path / "r").mkdir()
    with pytest.raises(ConfigError):
        run(toy_cfg(toy_recipe), tmp_path / "r")
    assert (tmp_path / "r").is_dir()


def test_interrupt_outside_a_run_names_no_placeholder(monkeypatch):
    from keras_recipes.cli import commands

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "list_recipes", interrupted)
    result = CliRunner().invoke(cli, ["list"])
    assert result.exit_code == 130 and "RUN_DIR" not in result.output


def test_verbose_flag_leaves_tensorflow_log_alone(monkeypatch):
    from keras_recipes import _import_hooks

    calls = []
    monkeypatch.setattr(_import_hooks, "quiet_tensorflow_startup", lambda: calls.append(1))
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    assert CliRunner().invoke(cli, ["list"]).exit_code == 0
    assert calls == [1]
    assert CliRunner().invoke(cli, ["-v", "list"]).exit_code == 0
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")  # the user's choice wins
    assert CliRunner().invoke(cli, ["list"]).exit_code == 0
    assert calls == [1]


def test_native_stderr_is_held_back_and_replayed_on_failure(capfd):
    from keras_recipes._import_hooks import native_stderr_held_back

    with native_stderr_held_back():
        os.write(2, b"I0000 noise\n")
    with pytest.raises(RuntimeError):
        with native_stderr_held_back():
            os.write(2, b"E0000 the reason\n")
            raise RuntimeError("import failed")
    err = capfd.readouterr().err
    assert "noise" not in err and "E0000 the reason" in err


def _recipes(tmp_path, *args):
    driver = tmp_path / "driver.py"
    driver.write_text(
        "import atexit, sys\n"
        "atexit.register(lambda: print('tensorflow imported:', 'tensorflow' in sys.modules, "
        "file=sys.stderr))\n" + DRIVER.format(tests=TESTS_DIR))
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, str(driver), *args], env=env, capture_output=True,
                          text=True, timeout=240, cwd=tmp_path)


def test_a_missing_data_folder_fails_before_tensorflow_loads(tmp_path):
    out = _recipes(tmp_path, "run", "cifar-resnet", "--data", str(tmp_path / "nope"))
    assert out.returncode == 2
    assert f"data directory not found: {tmp_path / 'nope'}" in out.stderr
    assert "tensorflow imported: False" in out.stderr


NATIVE_NOISE = ("I0000", "E0000", "W0000", "absl::InitializeLog", "cuInit")


def test_a_real_run_prints_no_tensorflow_startup_log(tmp_path):
    out = _recipes(tmp_path, "run", "toy-cnn", "--smoke", "-q", "--precision", "float32",
                   "--output", str(tmp_path / "r"))
    assert out.returncode == 0, out.stderr[-3000:]
    assert "tensorflow imported: True" in out.stderr
    for noise in NATIVE_NOISE:
        assert noise not in out.stderr + out.stdout, noise
    assert f"run directory: {tmp_path / 'r'} (writing)" in out.stdout
    # Commands that load a finished run initialise TensorFlow's devices with
    # their first op (loading the model): that CUDA probe is held back too.
    out = _recipes(tmp_path, "export", str(tmp_path / "r"), "--format", "keras",
                   "-o", str(tmp_path / "m.keras"))
    assert out.returncode == 0, out.stderr[-3000:]
    for noise in NATIVE_NOISE:
        assert noise not in out.stderr + out.stdout, noise
