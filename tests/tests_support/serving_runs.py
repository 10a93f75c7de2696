"""Tiny trained run directories shared by the serving (export / evaluate /
predict) tests of one process."""

import keras

from keras_recipes import rundir
from tests_support.toy_data import toy_images, toy_texts

TEXT_OVERRIDES = ["model.units=4", "model.embed_dim=8", "model.bidirectional=false",
                  "data.vocab_size=200", "data.sequence_length=16", "data.val_fraction=0.25",
                  "train.batch_size=16"]


def train(run_dir, recipe, overrides=(), data=None):
    """Train ``recipe`` for one epoch into ``run_dir`` (the toy recipe is
    registered for the run only); the global precision policy is reset."""
    from keras_recipes import config as C
    from keras_recipes.registry import _REGISTRY, get_recipe, unregister_recipe
    from keras_recipes.training.trainer import run
    from tests_support.toy_recipe import TOY, register_toy

    registered = recipe == TOY and TOY not in _REGISTRY
    if registered:
        register_toy()
    try:
        cfg = C.apply_overrides(get_recipe(recipe).config(),
                                ["runtime.verbose=0", "train.epochs=1", *overrides])
        run(cfg, run_dir, data=data)
    finally:
        keras.mixed_precision.set_global_policy("float32")
        if registered:
            unregister_recipe(TOY)
    return run_dir


def shared_run(tmp_path_factory, name, make):
    """A run directory trained once per test process (reused across modules)."""
    path = tmp_path_factory.getbasetemp() / "serving-runs" / name
    if not (path / rundir.FINAL_MODEL).is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        make(path)
    return path


def image_run(tmp_path_factory):
    return shared_run(tmp_path_factory, "image",
                      lambda p: train(p, "toy-cnn", data=toy_images(32)))


def text_run(tmp_path_factory):
    return shared_run(tmp_path_factory, "text",
                      lambda p: train(p, "imdb-lstm", TEXT_OVERRIDES, data=toy_texts()))


def bf16_run(tmp_path_factory):
    """Mixed bfloat16, augmentation inside the model, mean/std normalisation."""
    overrides = ["runtime.precision=mixed_bfloat16", "augment.placement=model",
                 "augment.preset=cifar", "data.mean=[90.0,100.0,110.0]", "data.std=[50.0,60.0,70.0]"]
    return shared_run(tmp_path_factory, "image-bf16-augment",
                      lambda p: train(p, "toy-cnn", overrides, data=toy_images(32)))
