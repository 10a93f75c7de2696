"""BatchNorm: Keras' batch norm, and the same results through a fused training kernel."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from layers_harness import run_layer_checks

from keras_recipes.layers import BatchNorm
from keras_recipes.layers.batch_norm import use_fused_training
from keras_recipes.runtime.fused_norm import tf_fused_batch_norm


@pytest.fixture(params=["keras ops", "fused"])
def kernel(request):
    previous = use_fused_training(tf_fused_batch_norm if request.param == "fused" else None)
    yield request.param
    use_fused_training(previous)


def test_layer_checks(kernel, tmp_path):
    run_layer_checks(BatchNorm, {"momentum": 0.9, "epsilon": 1e-5}, input_shape=(2, 6, 6, 4),
                     expected_output_shape=(2, 6, 6, 4), expected_num_trainable_weights=2,
                     expected_num_non_trainable_weights=2, tmp_path=tmp_path)


@pytest.mark.parametrize("policy, atol", [("float32", 1e-5), ("mixed_bfloat16", 1e-2)])
@pytest.mark.parametrize("axis", [-1, 1])
def test_fused_training_matches_keras(policy, atol, axis):
    """Outputs, gradients and moving statistics of one training step agree
    with keras.layers.BatchNormalization (the bfloat16 tolerance is its
    8-bit mantissa: both round the same float32 result)."""
    keras.mixed_precision.set_global_policy(policy)
    x = np.random.default_rng(0).normal(2, 3, size=(16, 6, 6, 8)).astype("float32")
    results = []
    for layer, fused in ((keras.layers.BatchNormalization(axis=axis), None),
                         (BatchNorm(axis=axis), tf_fused_batch_norm)):
        previous = use_fused_training(fused)
        try:
            layer.build(x.shape)
            inputs = tf.cast(tf.constant(x), layer.compute_dtype)
            with tf.GradientTape() as tape:
                tape.watch(inputs)
                y = layer(inputs, training=True)
                loss = tf.reduce_sum(tf.cast(y, "float32") ** 3)
            grads = tape.gradient(loss, [inputs, layer.gamma, layer.beta])
        finally:
            use_fused_training(previous)
        results.append((y, grads, layer.moving_mean.numpy(), layer.moving_variance.numpy()))
    (y_ref, g_ref, mean_ref, var_ref), (y, g, mean, var) = results
    assert y.dtype == y_ref.dtype == keras.mixed_precision.global_policy().compute_dtype
    np.testing.assert_allclose(np.asarray(tf.cast(y, "float32")), np.asarray(tf.cast(y_ref, "float32")),
                               atol=atol)
    for a, b in zip(g, g_ref):
        a, b = np.asarray(tf.cast(a, "float32")), np.asarray(tf.cast(b, "float32"))
        np.testing.assert_allclose(a, b, atol=atol * np.abs(b).max())
    np.testing.assert_allclose(mean, mean_ref, atol=1e-6)
    np.testing.assert_allclose(var, var_ref, rtol=1e-5)  # the biased variance, as Keras


def test_masks_and_inference_are_keras_own():
    previous = use_fused_training(tf_fused_batch_norm)
    try:
        layer = BatchNorm()
        x = tf.ones((2, 3, 4))  # 3-D: not the fused kernel's
        assert layer._fused_format(x, None) is None
        layer.build((2, 4, 4, 3))
        assert layer._fused_format(tf.ones((2, 4, 4, 3)), None) == "NHWC"
        assert layer._fused_format(tf.ones((2, 4, 4, 3)), tf.ones((2, 4, 4))) is None
    finally:
        use_fused_training(previous)
    assert BatchNorm()._fused_format(tf.ones((2, 4, 4, 3)), None) is None  # no kernel installed
