"""ConvBNReLU: conv -> batch norm -> activation."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from layers_harness import assert_value_error, random_inputs, run_layer_checks

from keras_recipes.layers import ConvBNReLU


# full=True also runs the slower checks (XLA compile, .keras save / reload /
# fit); the variants share their code paths and skip them to stay fast.
@pytest.mark.parametrize(
    "kwargs, output_shape, trainable, full",
    [
        # kernel, gamma, beta (no conv bias before BN)
        (dict(filters=6), (2, 8, 8, 6), 3, True),
        (dict(filters=None, depthwise=True, depth_multiplier=2), (2, 8, 8, 8), 3, True),
        (dict(filters=6, strides=2), (2, 4, 4, 6), 3, False),
        (dict(filters=6, kernel_size=1, padding="valid"), (2, 8, 8, 6), 3, False),
        (dict(filters=6, activation=None, use_bias=True), (2, 8, 8, 6), 4, False),
    ],
    ids=["default", "depthwise", "strided", "1x1_valid", "no_act_bias"],
)
def test_layer_checks(kwargs, output_shape, trainable, full, tmp_path):
    run_layer_checks(
        ConvBNReLU,
        kwargs,
        input_shape=(2, 8, 8, 4),
        expected_output_shape=output_shape,
        expected_num_trainable_weights=trainable,
        expected_num_non_trainable_weights=2,  # moving mean / variance
        tmp_path=tmp_path if full else None,
        check_xla=full,
    )


def test_without_batch_norm_is_conv_with_bias_then_activation(tmp_path):
    run_layer_checks(
        ConvBNReLU,
        dict(filters=6, kernel_size=5, batch_norm=False),
        input_shape=(2, 8, 8, 4),
        expected_output_shape=(2, 8, 8, 6),
        expected_num_trainable_weights=2,  # kernel, bias
        expected_num_non_trainable_weights=0,  # no moving statistics
        tmp_path=tmp_path,
    )
    layer = ConvBNReLU(5, 3, batch_norm=False)
    x = random_inputs((2, 7, 7, 3))
    layer(x)
    assert layer.bn is None and layer.conv.use_bias is True
    assert layer.get_config()["batch_norm"] is False
    reference = keras.Sequential([keras.Input((7, 7, 3)),
                                  keras.layers.Conv2D(5, 3, padding="same", activation="relu")])
    reference.set_weights(layer.get_weights())
    np.testing.assert_allclose(layer(x, training=True), reference(x), atol=1e-5)
    # An explicit use_bias still wins; with BN the default stays bias-free.
    assert ConvBNReLU(5, batch_norm=False, use_bias=False).use_bias is False
    assert ConvBNReLU(5).use_bias is False


def test_matches_conv_bn_relu_stack():
    """Same numbers as Conv2D -> BatchNormalization -> ReLU with its weights."""
    layer = ConvBNReLU(5, 3, strides=2, bn_momentum=0.8, bn_epsilon=1e-3)
    x = random_inputs((2, 9, 9, 3))
    layer(x)
    conv = keras.layers.Conv2D(5, 3, strides=2, padding="same", use_bias=False)
    bn = keras.layers.BatchNormalization(momentum=0.8, epsilon=1e-3)
    reference = keras.Sequential([keras.Input((9, 9, 3)), conv, bn, keras.layers.ReLU()])
    reference.set_weights(layer.get_weights())
    for training in (True, False):
        np.testing.assert_allclose(
            layer(x, training=training), reference(x, training=training), atol=1e-5
        )
    assert layer.conv.use_bias is False
    assert isinstance(layer.conv.kernel_initializer, keras.initializers.HeNormal)


def test_grouped_convolution():
    # Not in the harness: on CPU, TensorFlow runs every eager grouped conv
    # call through a fresh XLA compile, which makes it slow to test there.
    layer = ConvBNReLU(8, groups=2, activation="swish")
    y = layer(random_inputs((2, 5, 5, 4)), training=True)
    assert tuple(y.shape) == (2, 5, 5, 8)
    assert layer.conv.groups == 2 and tuple(layer.conv.kernel.shape) == (3, 3, 2, 8)
    assert ConvBNReLU.from_config(layer.get_config()).get_config() == layer.get_config()


def test_batch_norm_statistics_update_only_in_training():
    layer = ConvBNReLU(4)
    x = random_inputs((4, 6, 6, 3)) + 3.0
    layer(x, training=False)
    mean = layer.bn.moving_mean.numpy().copy()
    layer(x, training=False)
    np.testing.assert_array_equal(layer.bn.moving_mean.numpy(), mean)
    layer(x, training=True)
    assert not np.allclose(layer.bn.moving_mean.numpy(), mean)
    # Training uses batch statistics, inference the moving averages.
    assert not np.allclose(layer(x, training=True), layer(x, training=False))


def test_frozen_layer_has_no_trainable_weights_and_uses_moving_stats():
    layer = ConvBNReLU(4)
    x = random_inputs((4, 5, 5, 3)) + 3.0
    layer(x)
    layer.trainable = False  # e.g. fine-tuning: BN also switches to inference
    assert not layer.trainable_weights and len(layer.non_trainable_weights) == 5
    mean = layer.bn.moving_mean.numpy().copy()
    np.testing.assert_allclose(layer(x, training=True), layer(x, training=False))
    np.testing.assert_array_equal(layer.bn.moving_mean.numpy(), mean)


def test_activation_and_channels_first():
    x = random_inputs((2, 8, 6, 6))
    layer = ConvBNReLU(4, activation="relu6", data_format="channels_first")
    # TensorFlow's CPU kernels are NHWC-only; XLA handles NCHW.
    y = tf.function(lambda t: layer(t, training=True), jit_compile=True)(x)
    assert tuple(y.shape) == (2, 4, 6, 6)
    assert float(keras.ops.max(y)) <= 6.0 and float(keras.ops.min(y)) >= 0.0
    assert layer.bn.axis == 1
    assert ConvBNReLU(4, activation=None).get_config()["activation"] is None
    linear = ConvBNReLU(4, activation=None)(np.moveaxis(x, 1, -1), training=True)
    assert float(keras.ops.min(linear)) < 0.0


def test_kernel_regularizer_adds_loss():
    layer = ConvBNReLU(4, kernel_regularizer=keras.regularizers.L2(1e-2))
    layer(random_inputs((1, 5, 5, 2)))
    assert len(layer.losses) == 1
    revived = ConvBNReLU.from_config(layer.get_config())
    revived(random_inputs((1, 5, 5, 2)))
    assert len(revived.losses) == 1


@pytest.mark.parametrize(
    "kwargs, name, value",
    [
        (dict(filters=-3), "filters", -3),
        (dict(filters=0), "filters", 0),
        (dict(filters=2.5), "filters", 2.5),
        (dict(filters=4, strides=0), "strides", 0),
        (dict(filters=4, kernel_size=(3, 0)), "kernel_size", (3, 0)),
        (dict(filters=4, activation="nope"), "activation", "nope"),
        (dict(filters=4, padding="full"), "padding", "full"),
        (dict(filters=6, groups=4), "groups", 4),
        (dict(filters=4, depthwise=True), "filters", 4),
        (dict(filters=4, bn_momentum=1.5), "bn_momentum", 1.5),
        (dict(filters=4, bn_epsilon=0), "bn_epsilon", 0),
        (dict(filters=4, data_format="NHWC"), "data_format", "NHWC"),
        (dict(filters=4, kernel_initializer="nope"), "kernel_initializer", "nope"),
    ],
)
def test_bad_arguments(kwargs, name, value):
    assert_value_error(lambda: ConvBNReLU(**kwargs), name, value)
