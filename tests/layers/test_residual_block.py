"""ResidualBlock: basic / bottleneck, v1 / v2, identity / projection / zero-pad."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from layers_harness import assert_value_error, random_inputs, run_layer_checks

from keras_recipes.layers import DropPath, ResidualBlock, SqueezeExcite

INPUT = (2, 8, 8, 4)


# full=True also runs the slower checks (XLA compile, .keras save / reload /
# fit), full="save" only the latter: v1 basic with option A, and v2
# bottleneck with a projection, SE and drop path (their XLA code is checked
# in test_squeeze_excite.py / test_drop_path.py). test_resnet_cifar.py saves
# and compiles v1 projections.
@pytest.mark.parametrize(
    "kwargs, output_shape, trainable, non_trainable, non_trainable_vars, full",
    [
        # 2 convs + 2 BN (gamma, beta); identity shortcut adds nothing.
        (dict(filters=4), (2, 8, 8, 4), 6, 4, 4, False),
        # Option A: parameter-free, same weights as the identity block.
        (dict(filters=8, strides=2, shortcut="zero_pad"), (2, 4, 4, 8), 6, 4, 4, True),
        # Option B: + 1x1 conv + BN.
        (dict(filters=8, strides=2, shortcut="projection"), (2, 4, 4, 8), 9, 6, 6, False),
        # Pre-activation: BN before each conv, no BN on the projection.
        (dict(filters=8, strides=2, version=2, shortcut="zero_pad"), (2, 4, 4, 8), 6, 4, 4, False),
        (dict(filters=8, strides=2, version=2), (2, 4, 4, 8), 7, 4, 4, False),
        # Bottleneck 1x1-3x3-1x1, 4x expansion; projection conv + BN.
        (dict(filters=2, block_type="bottleneck"), (2, 8, 8, 8), 12, 8, 8, False),
        # + SE (2 convs with bias) + drop path (1 seed-generator state).
        (
            dict(filters=2, strides=2, block_type="bottleneck", version=2,
                 se_ratio=0.5, drop_path_rate=0.2),
            (2, 4, 4, 8), 14, 6, 7, "save",
        ),
    ],
    ids=["identity", "zero_pad", "projection", "v2_zero_pad", "v2_projection",
         "bottleneck", "bottleneck_v2_se_droppath"],
)
def test_layer_checks(kwargs, output_shape, trainable, non_trainable, non_trainable_vars, full,
                      tmp_path):
    run_layer_checks(
        ResidualBlock,
        kwargs,
        input_shape=INPUT,
        expected_output_shape=output_shape,
        expected_num_trainable_weights=trainable,
        expected_num_non_trainable_weights=non_trainable,
        expected_num_non_trainable_variables=non_trainable_vars,
        tmp_path=tmp_path if full else None,
        check_xla=full is True,
    )


def _zero_kernels(block):
    for conv in block.convs:
        conv.kernel.assign(keras.ops.zeros_like(conv.kernel))


def test_zero_pad_shortcut_is_strided_subsample_plus_zero_channels():
    block = ResidualBlock(8, strides=2, shortcut="zero_pad")
    x = np.abs(random_inputs(INPUT))
    block(x)
    _zero_kernels(block)  # branch = BN(0) = beta = 0, so output = relu(shortcut)
    y = keras.ops.convert_to_numpy(block(x, training=False))
    expected = np.concatenate([x[:, ::2, ::2, :], np.zeros((2, 4, 4, 4), "float32")], axis=-1)
    np.testing.assert_allclose(y, expected, atol=1e-6)


def test_identity_shortcut_and_post_vs_pre_activation():
    x = random_inputs(INPUT)
    v1 = ResidualBlock(4)
    v1(x)
    assert v1.shortcut_conv is None and v1.shortcut_norm is None
    _zero_kernels(v1)
    np.testing.assert_allclose(v1(x), np.maximum(x, 0.0), atol=1e-6)  # relu(x + 0)
    v2 = ResidualBlock(4, version=2)
    v2(x)
    _zero_kernels(v2)
    np.testing.assert_allclose(v2(x), x, atol=1e-6)  # x + 0: a clean identity path
    assert [n.name for n in v2.norms] == ["preact_bn", "bn2"]


def test_sublayers_get_distinct_initial_weights():
    block = ResidualBlock(4)
    block(random_inputs(INPUT))
    k1, k2 = (c.kernel.numpy() for c in block.convs)
    assert k1.shape == k2.shape and not np.allclose(k1, k2)


def test_batch_norm_statistics_update_only_in_training():
    block = ResidualBlock(8, strides=2, shortcut="projection")
    x = random_inputs(INPUT) + 2.0
    block(x, training=False)
    stats = [v.numpy().copy() for v in block.non_trainable_weights]
    block(x, training=False)
    for v, s in zip(block.non_trainable_weights, stats):
        np.testing.assert_array_equal(v.numpy(), s)
    block(x, training=True)
    for v, s in zip(block.non_trainable_weights, stats):
        assert not np.allclose(v.numpy(), s), v.path


def test_drop_path_drops_whole_branch_per_sample_in_training_only():
    x = random_inputs((64, 4, 4, 4))
    dropped = ResidualBlock(4, version=2, drop_path_rate=0.5)
    plain = ResidualBlock(4, version=2)
    dropped(x)
    plain(x)
    plain.set_weights(dropped.get_weights())
    assert isinstance(dropped.drop_path, DropPath) and plain.drop_path is None
    # Inference: the branch is always kept, unscaled.
    np.testing.assert_allclose(dropped(x, training=False), plain(x, training=False), atol=1e-6)
    # Training: per sample, the branch is either dropped or scaled by 1/0.5.
    branch = keras.ops.convert_to_numpy(plain(x, training=True)) - x
    out = keras.ops.convert_to_numpy(dropped(x, training=True)) - x
    kept = np.array([np.allclose(o, 2 * b, atol=1e-5) for o, b in zip(out, branch)])
    gone = np.array([np.allclose(o, 0.0, atol=1e-6) for o in out])
    assert np.all(kept | gone)
    assert 10 < kept.sum() < 54  # ~Binomial(64, 0.5)


def test_squeeze_excite_is_applied_on_the_branch():
    block = ResidualBlock(4, se_ratio=0.25)
    block(random_inputs(INPUT))
    assert isinstance(block.se, SqueezeExcite)
    assert block.se.reduce.filters == 1 and block.se.expand.filters == 4


def test_channels_first_matches_channels_last():
    x = random_inputs(INPUT)
    for kwargs in (dict(shortcut="zero_pad"), dict(shortcut="projection"),
                   dict(shortcut="zero_pad", version=2)):
        last = ResidualBlock(8, strides=2, **kwargs)
        first = ResidualBlock(8, strides=2, data_format="channels_first", **kwargs)
        last(x)
        first.build((2, 4, 8, 8))
        assert tuple(first.compute_output_shape((2, 4, 8, 8))) == (2, 8, 4, 4)
        first.set_weights(last.get_weights())
        # TensorFlow's CPU kernels are NHWC-only; XLA handles NCHW.
        y_first = tf.function(lambda t, f=first: f(t, training=False), jit_compile=True)(
            np.transpose(x, (0, 3, 1, 2))
        )
        np.testing.assert_allclose(
            np.transpose(y_first, (0, 2, 3, 1)), last(x, training=False), atol=1e-5
        )


@pytest.mark.parametrize(
    "kwargs, name, value",
    [
        (dict(filters=-1), "filters", -1),
        (dict(filters=4, strides=0), "strides", 0),
        (dict(filters=4, block_type="wide"), "block_type", "wide"),
        (dict(filters=4, shortcut="conv"), "shortcut", "conv"),
        (dict(filters=4, version=3), "version", 3),
        (dict(filters=4, se_ratio=1.5), "se_ratio", 1.5),
        (dict(filters=4, drop_path_rate=1.0), "drop_path_rate", 1.0),
        (dict(filters=4, drop_path_rate=-0.1), "drop_path_rate", -0.1),
        (dict(filters=4, activation="nope"), "activation", "nope"),
    ],
)
def test_bad_arguments(kwargs, name, value):
    assert_value_error(lambda: ResidualBlock(**kwargs), name, value)


def test_zero_pad_cannot_drop_channels():
    block = ResidualBlock(2, shortcut="zero_pad")
    message = assert_value_error(lambda: block.build(INPUT), "shortcut", "zero_pad")
    assert "projection" in message
