"""Per-layer gradient norms: exact on a model whose gradient is known, and
recorded at the asked steps by the callback and by a run's config."""

import json

import keras
import numpy as np
import pytest

from keras_recipes.training.gradient_norms import GradientNorms, gradient_norms


def linear_model(w):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, use_bias=False, name="lin")])
    model.get_layer("lin").kernel.assign(np.asarray(w, "float32").reshape(3, 1))
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(0.1))
    return model


def test_the_norm_is_the_gradient_of_the_mean_squared_error():
    rng = np.random.default_rng(0)
    x, y, w = rng.normal(size=(16, 3)), rng.normal(size=(16, 1)), np.array([0.5, -1.0, 2.0])
    # d/dw mean((xw - y)^2) = 2/n x^T (xw - y)
    expected = np.linalg.norm(2 / len(x) * x.T @ (x @ w[:, None] - y))
    norms = gradient_norms(linear_model(w), x.astype("float32"), y.astype("float32"))
    assert list(norms) == ["lin"]
    np.testing.assert_allclose(norms["lin"], expected, rtol=1e-5)


def test_weight_decay_penalties_are_left_out():
    """An L2 penalty adds wd * w to the gradient: a floor that would hide vanishing."""
    rng = np.random.default_rng(0)
    x, y, w = rng.normal(size=(16, 3)), rng.normal(size=(16, 1)), np.array([0.5, -1.0, 2.0])
    plain = gradient_norms(linear_model(w), x.astype("float32"), y.astype("float32"))
    decayed = linear_model(w)
    decayed.get_layer("lin").kernel.regularizer = keras.regularizers.L2(10.0)
    assert decayed.losses  # the penalty is there ...
    norms = gradient_norms(decayed, x.astype("float32"), y.astype("float32"))
    np.testing.assert_allclose(norms["lin"], plain["lin"], rtol=1e-6)  # ... and not measured


def test_the_norms_run_from_input_to_output():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, name="first"),
                              keras.layers.Dense(8, name="middle"), keras.layers.Dense(2, name="head")])
    model.compile(loss="mse")
    norms = gradient_norms(model, np.ones((2, 4), "float32"), np.zeros((2, 2), "float32"))
    assert list(norms) == ["first", "middle", "head"]


def test_an_uncompiled_model_is_refused():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="compiled"):
        gradient_norms(model, np.ones((1, 3)), np.ones((1, 1)))


def test_the_callback_records_the_asked_steps_and_keeps_them_across_a_resume(tmp_path):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(32, 3)).astype("float32"), rng.normal(size=(32, 1)).astype("float32")
    model, path = linear_model([1.0, 1.0, 1.0]), tmp_path / "norms.json"
    model.fit(x, y, batch_size=8, epochs=1, verbose=0,
              callbacks=[GradientNorms((x[:8], y[:8]), steps=[0, 2], path=path)])
    saved = json.loads(path.read_text())
    assert saved["layers"] == ["lin"] and sorted(saved["steps"]) == ["0", "2"]
    assert saved["steps"]["0"] != saved["steps"]["2"]  # the weights moved in between
    # A resumed run (its optimizer counts on) adds to the file it finds.
    model.fit(x, y, batch_size=8, epochs=1, verbose=0,
              callbacks=[GradientNorms((x[:8], y[:8]), steps=[0, 2, 6], path=path)])
    assert sorted(json.loads(path.read_text())["steps"]) == ["0", "2", "6"]


def test_a_run_records_them_when_its_config_asks(toy_recipe, tmp_path):
    from keras_recipes import config as C
    from keras_recipes import rundir
    from keras_recipes.registry import get_recipe
    from keras_recipes.training.trainer import run
    from tests_support.toy_data import toy_images

    cfg = C.apply_overrides(get_recipe(toy_recipe).config(),
                            ["runtime.verbose=0", "runtime.precision=float32", "train.epochs=1",
                             "train.gradient_norm_steps=[0,3]"])
    run(cfg, tmp_path / "r", data=toy_images())
    saved = json.loads((tmp_path / "r" / rundir.GRADIENT_NORMS).read_text())
    assert sorted(saved["steps"]) == ["0", "3"] and len(saved["layers"]) == 2  # conv + head
