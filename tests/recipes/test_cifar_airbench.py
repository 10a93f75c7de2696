"""cifar-airbench: the airbench94 method through the engine. A tiny run on
synthetic 32x32 images: the fitted whitening saved with the run, the
six-view test-time model, evaluate/export, and a run resumed mid-epoch
ending where an uninterrupted one does."""

import os
import signal

import keras
import numpy as np
import pytest

from keras_recipes import config as C
from keras_recipes import export, rundir
from keras_recipes.errors import ConfigError, RunPreempted
from keras_recipes.layers import patch_whitening_kernel
from keras_recipes.recipes._airbench import per_step_lr
from keras_recipes.registry import get_recipe
from keras_recipes.training.optimizers import make_schedule
from keras_recipes.training.trainer import resume, run

# 128 images, a quarter held out: 98 to train on (stratified), batches of 32,
# 4 steps an epoch; the averaging starts after epoch 1 (at step 6), then every 2.
OVERRIDES = ["runtime.verbose=0", "runtime.deterministic=true", "runtime.precision=float32",
             "train.epochs=3", "train.batch_size=32", "train.steps_per_epoch=null",
             "train.backup_minutes=0", "data.val_fraction=0.25",
             "data.train_examples=null", "model.whitening_images=64"]


def images(n=128, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    x = rng.integers(0, 200, (n, 32, 32, 3)) + 5 * y[:, None, None, None]
    return x.astype("uint8"), y.astype("int64")


def tiny(*extra):
    return C.apply_overrides(get_recipe("cifar-airbench").config(preset="tiny"),
                             [*OVERRIDES, *extra])


def final_weights(run_dir):
    return keras.saving.load_model(run_dir / rundir.FINAL_MODEL).get_weights()


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("airbench") / "r"
    try:
        metrics = run(tiny(), run_dir, data=images())
    finally:
        keras.mixed_precision.set_global_policy("float32")
    return run_dir, metrics


def test_defaults_are_the_references():
    cfg = get_recipe("cifar-airbench").config()
    t, a = cfg.train, cfg.augment
    assert (t.epochs, t.batch_size, t.lr, t.weight_decay, t.momentum, t.nesterov) == \
        (10, 1024, 11.5, 0.0153, 0.85, True)
    assert t.label_smoothing == 0.2 and t.schedule == "triangular"
    assert per_step_lr(t) == pytest.approx(11.5 / (1 + 1 / 0.15))  # 1.5 at batch 1024
    # Decoupled: half the batch, half the step; the per-example step is the same.
    half = C.apply_overrides(cfg, ["train.batch_size=512"]).train
    assert per_step_lr(half) == pytest.approx(per_step_lr(t) / 2)
    schedule = make_schedule(t, 44)
    assert float(schedule(0)) == pytest.approx(0.2 * t.lr)
    assert float(schedule(int(0.23 * 440))) == pytest.approx(t.lr)
    assert (a.preset, a.pad, a.flip, a.placement, a.test_time) == ("cifar", 2, False, "model",
                                                                  "multicrop")
    assert cfg.model.widths == [64, 256, 256] and cfg.model.bias_lr_scale == 64.0


def test_the_fitted_whitening_is_saved_with_the_run(whole):
    run_dir, _ = whole
    model = keras.saving.load_model(run_dir / rundir.FINAL_MODEL)
    (layer,) = [l for l in model._flatten_layers() if l.name == "whitening"]
    x, _ = images()
    from keras_recipes.datasets import load_splits

    cfg = tiny()
    splits = load_splits(images(), kind="image", image_size=32, val_fraction=0.25,
                         seed=cfg.runtime.seed)
    train = np.concatenate([b for b in splits.train.take(64).map(lambda x, y: x).batch(64)
                            .as_numpy_iterator()])
    mean, std = np.array(cfg.data.mean), np.array(cfg.data.std)
    expected = patch_whitening_kernel((train - mean) / std, 2)
    # (float32 eigenvectors of nearly equal eigenvalues differ in the 4th digit)
    np.testing.assert_allclose(layer.kernel.numpy(), keras.ops.convert_to_numpy(expected),
                               rtol=1e-2, atol=1e-3)
    assert not np.allclose(layer.kernel.numpy(), 0.0, atol=0.1)


def views(x):
    """airbench's six test-time views and their weights."""
    def shift(d):
        padded = np.pad(x, [(0, 0), (1, 1), (1, 1), (0, 0)], mode="reflect")
        return padded[:, 1 - d:33 - d, 1 - d:33 - d]

    crops = [x, shift(-1), shift(1)]
    return [(v, w) for crop, w in zip(crops, (0.25, 0.125, 0.125))
            for v in (crop, crop[:, :, ::-1])]


def test_the_saved_model_averages_six_views(whole):
    run_dir, metrics = whole
    model = keras.saving.load_model(run_dir / rundir.FINAL_MODEL)
    inner = model.get_layer("cifar_airbench_plain")
    assert not [l for l in inner._flatten_layers() if "flip" in l.name or "augment" in l.name]
    x, _ = images(16, seed=1)
    expected = sum(w * np.asarray(inner(v)) for v, w in views(x))
    np.testing.assert_allclose(np.asarray(model(x)), expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(np.asarray(inner(x)), expected, atol=1e-4)
    assert metrics["held_out"]["split"] == "validation"


def test_export_serves_the_six_view_average(whole, tmp_path):
    import tensorflow as tf

    run_dir, _ = whole
    result = export(run_dir, format="saved_model", output=tmp_path / "sm", checkpoint="final",
                    verbose=False)
    serve = tf.saved_model.load(str(result.path)).signatures["serving_default"]
    x, _ = images(8, seed=2)
    expected = np.asarray(keras.saving.load_model(run_dir / rundir.FINAL_MODEL)(x))
    np.testing.assert_allclose(serve(image=tf.constant(x))["probabilities"].numpy(), expected,
                               atol=1e-5)


class _StopAt(keras.callbacks.Callback):
    def __init__(self, epoch, batch):
        super().__init__()
        self.at, self.epoch = (epoch, batch), None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            self.at = None
            os.kill(os.getpid(), signal.SIGTERM)


def test_resumed_mid_epoch_it_ends_where_an_uninterrupted_run_does(whole, tmp_path):
    """Stopped after step 6 (the lookahead copy made there, the whitening
    bias frozen after step 4, flips in their second epoch, the random shifts'
    seed state part of the backup), resumed to step 12."""
    run_dir = tmp_path / "r"
    try:
        with pytest.raises(RunPreempted):
            run(tiny(), run_dir, data=images(), callbacks=[_StopAt(1, 2)])
        resume(run_dir, data=images())
    finally:
        keras.mixed_precision.set_global_policy("float32")
    for got, want in zip(final_weights(run_dir), final_weights(whole[0]), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_pipeline_placement_and_other_optimizers_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="augment.placement=pipeline"):
        run(tiny("augment.placement=pipeline"), tmp_path / "a", data=images())
    with pytest.raises(ConfigError, match="train.optimizer must be sgd"):
        run(tiny("train.optimizer=adamw"), tmp_path / "b", data=images())
    keras.mixed_precision.set_global_policy("float32")


def test_flips_alone_and_auto_placement_train_in_the_model(tmp_path):
    # augment.pad=0 leaves the flips only (no shift layer at all), and
    # placement=auto is the task's required "model" even on a CPU.
    run_dir = tmp_path / "flips"
    run(tiny("augment.pad=0", "augment.placement=auto", "train.epochs=1"), run_dir, data=images())
    env = rundir.read_json(run_dir / rundir.ENVIRONMENT)
    assert env["augment_on_device"] is True and "flips" in env["augment_reason"]


def test_listed_parameter_count_matches_the_built_model():
    from keras_recipes.tasks.base import DataInfo

    recipe = get_recipe("cifar-airbench")
    model = recipe.build_model(recipe.config(), DataInfo(kind="image", num_classes=10,
                                                         image_shape=(32, 32, 3)))
    assert recipe.params == "1.97M"
    assert model.count_params() == pytest.approx(1.97e6, rel=0.01)
