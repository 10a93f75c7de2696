"""DropPath: per-sample stochastic depth (Huang et al. 2016)."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from layers_harness import assert_value_error, random_inputs, run_layer_checks

from keras_recipes.layers import DropPath


def test_layer_checks(tmp_path):
    run_layer_checks(
        DropPath,
        dict(rate=0.3, seed=7),
        input_shape=(2, 4, 4, 3),
        expected_output_shape=(2, 4, 4, 3),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        expected_num_non_trainable_variables=1,  # the seed generator's state
        tmp_path=tmp_path,
    )


def test_rate_zero_is_stateless_identity():
    layer = DropPath(0.0)
    x = random_inputs((3, 2, 2, 2))
    np.testing.assert_array_equal(layer(x, training=True), x)
    assert not layer.non_trainable_variables


def _sample_factors(y, x):
    """Per-sample y / x, asserting it is one constant per sample."""
    factors = y.reshape(len(y), -1) / x.reshape(len(x), -1)
    np.testing.assert_allclose(factors, factors[:, :1].repeat(factors.shape[1], 1), rtol=1e-6)
    return factors[:, 0]


def test_training_drops_whole_samples_and_rescales():
    x = np.abs(random_inputs((512, 3, 3, 2))) + 0.1
    layer = DropPath(0.25, seed=3)
    np.testing.assert_array_equal(layer(x), x)  # inference: identity
    np.testing.assert_array_equal(layer(x, training=False), x)
    factors = _sample_factors(keras.ops.convert_to_numpy(layer(x, training=True)), x)
    np.testing.assert_allclose(np.unique(factors.round(5)), [0.0, round(1 / 0.75, 5)])
    assert 0.15 < np.mean(factors == 0) < 0.35  # ~rate
    assert abs(factors.mean() - 1.0) < 0.12  # unbiased in expectation


def test_fresh_draws_each_step_under_tf_function_and_xla():
    x = np.ones((64, 2, 2, 1), "float32")
    layer = DropPath(0.5, seed=1)
    for jit in (False, True):
        step = tf.function(lambda t: layer(t, training=True), jit_compile=jit)
        a, b = (keras.ops.convert_to_numpy(step(x))[:, 0, 0, 0] for _ in range(2))
        assert not np.array_equal(a, b), f"same mask twice (jit_compile={jit})"


def test_mixed_precision_dtype(mixed_policy):
    layer = DropPath(0.5)
    y = layer(random_inputs((4, 2, 2, 2)), training=True)
    assert keras.backend.standardize_dtype(y.dtype) == mixed_policy.split("_")[1]


@pytest.mark.parametrize(
    "kwargs, name, value",
    [
        (dict(rate=1.0), "rate", 1.0),
        (dict(rate=-0.5), "rate", -0.5),
        (dict(rate="0.1"), "rate", "0.1"),
        (dict(rate=0.1, seed="x"), "seed", "x"),
    ],
)
def test_bad_arguments(kwargs, name, value):
    assert_value_error(lambda: DropPath(**kwargs), name, value)
