"""The engine end to end on a toy recipe: run directory, metrics, determinism,
schedules, weight decay, resume."""

import json

import keras
import numpy as np
import pytest

from keras_recipes import config as C
from keras_recipes import rundir
from keras_recipes.errors import ConfigError, RunDirError, RunInterrupted
from keras_recipes.registry import get_recipe
from keras_recipes.training.trainer import Trainer, resume, run
from tests_support.toy_data import toy_images


def toy_cfg(toy_recipe, *overrides):
    cfg = get_recipe(toy_recipe).config()
    return C.apply_overrides(cfg, ["runtime.verbose=0", *overrides])


def test_run_writes_a_complete_run_directory(toy_recipe, tmp_path):
    metrics = run(toy_cfg(toy_recipe), tmp_path / "run", data=toy_images())
    run_dir = tmp_path / "run"
    for name in (rundir.CONFIG, rundir.ENVIRONMENT, rundir.HISTORY, rundir.METRICS,
                 rundir.FINAL_MODEL, rundir.BEST_MODEL, rundir.CURVES, rundir.CLASS_NAMES):
        assert (run_dir / name).is_file(), name
    assert any((run_dir / rundir.LOGS).rglob("*tfevents*"))
    assert not (run_dir / rundir.BACKUP).exists()
    env = json.loads((run_dir / rundir.ENVIRONMENT).read_text())
    assert env["precision"] == "float32" and env["seed"] == 1337 and env["tensorflow"]
    assert set(env["onednn"]) == {"on", "why"}
    assert metrics["epochs"] == 2 and metrics["train_examples_per_s"] > 0
    assert metrics["peak_memory_mb"]["host"] > 100  # TensorFlow alone takes more
    startup = metrics["startup_s"]
    assert set(startup) == {"data", "build", "first_step", "total"} and min(startup.values()) >= 0
    assert startup["total"] == pytest.approx(startup["data"] + startup["build"] + startup["first_step"], abs=0.03)
    assert set(metrics["best"]) >= {"epoch", "val_accuracy", "val_loss"}
    saved = json.loads((run_dir / rundir.METRICS).read_text())
    assert saved["best"]["val_accuracy"] == metrics["best"]["val_accuracy"]
    lines = (run_dir / rundir.HISTORY).read_text().splitlines()
    assert lines[0].startswith("epoch") and len(lines) == 3
    # The saved model takes raw uint8 pixels and reproduces the config.
    model = keras.saving.load_model(run_dir / rundir.FINAL_MODEL)
    assert model.inputs[0].dtype == "uint8"
    assert C.load(run_dir / rundir.CONFIG, get_recipe(toy_recipe).config()).train.epochs == 2


def test_refuses_to_overwrite_a_run(toy_recipe, tmp_path):
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(RunDirError, match="not empty"):
        Trainer(toy_cfg(toy_recipe), tmp_path)


def test_deterministic_runs_give_identical_weights(toy_recipe, tmp_path):
    cfg = toy_cfg(toy_recipe, "runtime.deterministic=true", "augment.preset=cifar")
    weights = []
    for name in ("a", "b"):
        run(cfg, tmp_path / name, data=toy_images())
        model = keras.saving.load_model(tmp_path / name / rundir.FINAL_MODEL)
        weights.append(model.get_weights())
    for w1, w2 in zip(*weights):
        np.testing.assert_array_equal(w1, w2)


@pytest.mark.parametrize("schedule", ["step", "cosine", "onecycle"])
def test_schedules_and_optimizers_train(toy_recipe, tmp_path, schedule):
    cfg = toy_cfg(toy_recipe, f"train.schedule={schedule}", "train.warmup_epochs=1",
                  "train.optimizer=adamw", "train.lr=0.01", "train.weight_decay=0.05",
                  "train.label_smoothing=0.1", "train.ema=true", "train.clipnorm=1.0")
    metrics = run(cfg, tmp_path / "r", data=toy_images())
    assert np.isfinite(metrics["final"]["loss"])


def test_test_split_is_evaluated(toy_recipe, tmp_path):
    from keras_recipes.datasets import load_splits

    x, y = toy_images(80)
    splits = load_splits((x[:64], y[:64]), kind="image", image_size=8, val_fraction=0.25, seed=0)
    test = load_splits((x[64:], y[64:]), kind="image", image_size=8, val_fraction=0.0, seed=0)
    splits.test, splits.counts["test"] = test.train, test.counts["train"]
    metrics = run(toy_cfg(toy_recipe), tmp_path / "r", data=splits)
    assert 0.0 <= metrics["test"]["accuracy"] <= 1.0


def test_resume_a_finished_or_backupless_run_is_a_clear_error(toy_recipe, tmp_path, capsys):
    run(toy_cfg(toy_recipe), tmp_path / "r", data=toy_images())
    capsys.readouterr()
    with pytest.raises(RunDirError, match="already finished"):
        resume(tmp_path / "r", overrides=["runtime.verbose=1"], data=toy_images())
    assert "resuming" not in capsys.readouterr().out  # the error comes first
    (tmp_path / "r" / rundir.METRICS).unlink()
    with pytest.raises(RunDirError, match="no usable backup.*--overwrite"):
        resume(tmp_path / "r", data=toy_images())


def test_resume_continues_from_the_backup(toy_recipe, tmp_path):
    """Simulate a crash after epoch 2 of 4 by running 2 epochs with the backup
    kept, then resume the 4-epoch config: epochs 2 and 3 run, history is whole."""
    from keras_recipes.training import callbacks as cb

    cfg4 = toy_cfg(toy_recipe, "train.epochs=4")
    cfg2 = toy_cfg(toy_recipe, "train.epochs=2")
    trainer = Trainer(cfg2, tmp_path / "r")
    trainer.user_data = toy_images()
    finish = trainer._finish
    trainer._finish = lambda *a: {}  # "crash" before the run is finalised
    trainer.fit()
    assert cb.backup_epoch(tmp_path / "r") == 2
    C.save(cfg4, tmp_path / "r" / rundir.CONFIG)
    metrics = resume(tmp_path / "r", data=toy_images())
    epochs = [int(line.split(",")[0]) for line in
              (tmp_path / "r" / rundir.HISTORY).read_text().splitlines()[1:]]
    assert epochs == [0, 1, 2, 3]
    assert metrics["epochs"] == 4
    del finish


class _Crash(keras.callbacks.Callback):
    """Fails the run after `epoch`'s callbacks (its backup included) ran."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt("simulated crash")


@pytest.mark.parametrize("ema", [False, True])
def test_interrupted_and_resumed_run_ends_where_an_uninterrupted_one_does(toy_recipe, tmp_path, ema,
                                                                          monkeypatch):
    """One batch per epoch, so the data order cannot differ: the resumed run must
    restore weights, optimizer slots (and the EMA), step count and schedule."""
    from keras_recipes.training import callbacks as cb

    cfg = toy_cfg(toy_recipe, "train.epochs=4", "train.batch_size=64", "train.schedule=cosine",
                  "train.optimizer=sgd", "train.momentum=0.9", f"train.ema={str(ema).lower()}",
                  "runtime.deterministic=true")
    run(cfg, tmp_path / "whole", data=toy_images())
    with pytest.raises(RunInterrupted, match="recipes resume"):
        run(cfg, tmp_path / "cut", data=toy_images(), callbacks=[_Crash(1)])
    assert cb.backup_epoch(tmp_path / "cut") == 2
    resume(tmp_path / "cut", data=toy_images())
    whole, cut = (keras.saving.load_model(tmp_path / name / rundir.FINAL_MODEL).get_weights()
                  for name in ("whole", "cut"))
    for a, b in zip(whole, cut):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_l2_weight_decay_skips_biases_and_batch_norm(toy_recipe, tmp_path):
    from keras_recipes.training.optimizers import make_optimizer

    cfg = toy_cfg(toy_recipe, "train.weight_decay=0.01")
    model = get_recipe(toy_recipe).build_model(cfg, _info())
    make_optimizer(cfg.train, 0.1, model)
    decayed = [v.path for v in model.trainable_variables if v.regularizer is not None]
    assert decayed and all("kernel" in p for p in decayed)
    assert len(model.losses) == len(decayed)


@pytest.mark.parametrize("name, cls", [("sgd", "SGD"), ("adam", "Adam"), ("adamw", "AdamW"),
                                       ("rmsprop", "RMSprop")])
def test_every_optimizer_choice_builds_its_keras_optimizer(toy_recipe, name, cls):
    from keras_recipes.training.optimizers import make_optimizer

    cfg = toy_cfg(toy_recipe, f"train.optimizer={name}")
    model = get_recipe(toy_recipe).build_model(cfg, _info())
    assert type(make_optimizer(cfg.train, 0.1, model)).__name__ == cls


def test_step_schedule_divides_at_fractions_of_training():
    from keras_recipes.config import TrainConfig
    from keras_recipes.training.optimizers import make_schedule

    s = make_schedule(TrainConfig(epochs=10, lr=0.1, schedule="step", decay_at=[0.5, 0.75]), 100)
    assert np.isclose(float(s(0)), 0.1) and np.isclose(float(s(600)), 0.01)
    assert np.isclose(float(s(800)), 0.001)


def _info():
    from keras_recipes.tasks import DataInfo

    return DataInfo(kind="image", num_classes=3, image_shape=(8, 8, 3))


def test_empty_source_is_a_clear_error(toy_recipe, tmp_path):
    from keras_recipes.errors import ConfigError

    with pytest.raises(ConfigError, match="data.source is empty.*--data"):
        run(toy_cfg(toy_recipe, "data.source=''"), tmp_path / "r")


def test_a_diverged_run_fails_and_says_so(toy_recipe, tmp_path):
    from keras_recipes.errors import RecipeError

    with pytest.raises(RecipeError, match="diverged.*lower train.lr"):
        run(toy_cfg(toy_recipe, "train.lr=1e30"), tmp_path / "r", data=toy_images())
    assert json.loads((tmp_path / "r" / rundir.METRICS).read_text())["diverged"] is True


def test_file_cache_keeps_one_file_per_split(toy_recipe, tmp_path):
    prefix = tmp_path / "cache" / "toy"
    prefix.parent.mkdir()
    run(toy_cfg(toy_recipe, f"data.cache={prefix}"), tmp_path / "r", data=toy_images())
    names = {p.name.split(".")[0] for p in prefix.parent.iterdir()}
    # One cache per split: with one shared file, validation would read train's.
    assert {"toy-train", "toy-val"} <= names


def test_a_bad_setting_is_a_model_build_error_but_a_bug_in_build_model_surfaces(tmp_path, toy_recipe):
    """ArgumentError (a layer argument out of range) is a setting the user can
    change, e.g. a failed tuning trial; any other error in a recipe's model
    code is a bug and must not be dressed up as one."""
    import dataclasses

    from keras_recipes.datasets import synthetic_splits
    from keras_recipes.errors import ModelBuildError
    from keras_recipes.layers import ArgumentError
    from keras_recipes.registry import _REGISTRY

    recipe = get_recipe(toy_recipe)
    cfg = recipe.config()
    cfg.runtime.verbose = 0
    data = synthetic_splits("image", num_examples=16, image_size=8)
    for raised, expected in ((ArgumentError("`depth` must be 6n+2"), ModelBuildError),
                             (ValueError("a typo in the recipe's code"), ValueError)):
        def build(cfg, info, raised=raised):
            raise raised

        with pytest.MonkeyPatch.context() as patch:
            patch.setitem(_REGISTRY, toy_recipe, dataclasses.replace(recipe, build_model=build))
            with pytest.raises(expected) as caught:
                Trainer(cfg, tmp_path / type(raised).__name__, data=data).fit()
        assert type(caught.value) is expected


def test_augment_options_override_the_preset(toy_recipe, tmp_path):
    cfg = toy_cfg(toy_recipe, "augment.preset=cifar", "augment.pad=2", "augment.flip=false")
    layers = Trainer(cfg, tmp_path / "a").augmentation().layers
    assert [type(layer).__name__ for layer in layers] == ["RandomTranslation"]
    assert layers[0].height_upper == pytest.approx((2.5 - 1e-3) / cfg.data.image_size)
    assert len(Trainer(toy_cfg(toy_recipe, "augment.preset=cifar"), tmp_path / "b").augmentation().layers) == 2
    digits = Trainer(toy_cfg(toy_recipe, "augment.preset=digits", "augment.rotate=5", "augment.zoom=0"),
                     tmp_path / "c").augmentation().layers
    assert [type(layer).__name__ for layer in digits] == ["RandomRotation", "RandomTranslation"]
    assert digits[0].factor == pytest.approx((-5 / 360, 5 / 360))
    for bad, message in ((["augment.preset=cifar", "augment.pad=-1"], "`augment.pad` must be >= 0"),
                         (["augment.preset=digits", "augment.zoom=1.5"], r"`augment.zoom` must be in \[0, 1\)"),
                         (["augment.preset=none", "augment.flip=true"],
                          "unknown option 'flip' for augmentation preset 'none'")):
        with pytest.raises(ConfigError, match=message):
            Trainer(toy_cfg(toy_recipe, *bad), tmp_path / bad[-1]).augmentation()


def test_every_run_reports_a_held_out_metric_and_what_it_was_measured_on(tmp_path, capsys):
    """The headline of metrics.json and of the printed summary: the kept model
    on data it never trained on, named; a test split wins over validation."""
    from keras_recipes.cli.train_commands import report
    from tests_support.serving_runs import train
    from tests_support.toy_data import toy_images

    run_dir = train(tmp_path / "val", "toy-cnn", data=toy_images(32))
    metrics = json.loads((run_dir / rundir.METRICS).read_text())
    held = metrics["held_out"]
    assert held["split"] == "validation" and held["examples"] == 8
    assert held["measured_on"].startswith("8 examples held out of the given data and never trained on")
    assert held["checkpoint"] == "best" and 0 <= held["metrics"]["accuracy"] <= 1
    report(metrics)
    line = capsys.readouterr().out.strip()
    assert line.startswith("held-out accuracy ") and "(best model) on 8 examples held out" in line


def test_one_training_iterator_streams_across_epoch_ends(toy_recipe, tmp_path, monkeypatch):
    """No stall at an epoch's start: fit gets the repeated pipeline and the
    number of steps of one pass, so Keras keeps one iterator (a finite
    dataset gets two new ones per epoch, each refilling the shuffle buffer)."""
    import tensorflow as tf

    seen = {}
    fit = keras.Model.fit

    def spy(model, x=None, **kwargs):
        seen.update(cardinality=int(x.cardinality()), steps=kwargs["steps_per_epoch"])
        return fit(model, x, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy)
    cfg = toy_cfg(toy_recipe, "train.epochs=3", "train.batch_size=10")
    metrics = run(cfg, tmp_path / "r", data=toy_images(48))  # 36 train / 12 val
    # An endless stream (infinite, or unknown after the resume point's skip):
    # never a finite dataset that Keras would re-iterate each epoch.
    assert seen["cardinality"] in (tf.data.INFINITE_CARDINALITY, tf.data.UNKNOWN_CARDINALITY)
    assert seen["steps"] == 4
    assert metrics["epochs"] == 3 and len(plots_rows(tmp_path / "r")) == 3


def plots_rows(run_dir):
    from keras_recipes.rundir import plots

    return plots.read_history(run_dir / rundir.HISTORY)
