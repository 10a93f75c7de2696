"""VGGBlock: N x ConvBNReLU(3x3) + max pooling."""

import keras
import numpy as np
import pytest
from layers_harness import assert_value_error, random_inputs, run_layer_checks

from keras_recipes.layers import ConvBNReLU, VGGBlock


@pytest.mark.parametrize(
    "kwargs, output_shape, trainable, non_trainable, full",
    [
        (dict(filters=6), (2, 4, 4, 6), 6, 4, True),
        (dict(filters=6, num_convs=3, pool_size=None), (2, 8, 8, 6), 9, 6, False),
        # One large filter instead of a 3x3 stack; VGG without BN (kernel + bias per conv).
        (dict(filters=6, num_convs=1, kernel_size=5), (2, 4, 4, 6), 3, 2, False),
        (dict(filters=6, batch_norm=False), (2, 4, 4, 6), 4, 0, True),
    ],
    ids=["two_convs_pool", "three_convs_no_pool", "one_5x5", "no_batch_norm"],
)
def test_layer_checks(kwargs, output_shape, trainable, non_trainable, full, tmp_path):
    run_layer_checks(
        VGGBlock,
        kwargs,
        input_shape=(2, 8, 8, 3),
        expected_output_shape=output_shape,
        expected_num_trainable_weights=trainable,
        expected_num_non_trainable_weights=non_trainable,
        tmp_path=tmp_path if full else None,  # full: + save / reload / fit, XLA
        check_xla=full,
    )


def test_structure_and_max_pooling():
    block = VGGBlock(4, num_convs=2, pool_size=2, bn_momentum=0.5)
    x = random_inputs((1, 6, 6, 2))
    y = block(x, training=False)
    assert all(isinstance(c, ConvBNReLU) for c in block.convs)
    assert [c.bn.momentum for c in block.convs] == [0.5, 0.5]
    features = keras.ops.convert_to_numpy(block.convs[1](block.convs[0](x)))
    pooled = features.reshape(1, 3, 2, 3, 2, 4).max(axis=(2, 4))
    np.testing.assert_allclose(y, pooled, atol=1e-6)
    assert VGGBlock(4, pool_size=3).compute_output_shape((1, 9, 9, 2)) == (1, 3, 3, 4)


def test_a_3x3_stack_has_fewer_weights_than_one_filter_of_the_same_reach():
    """VGG sec. 2.3: three 3x3 convs see 7x7 with 27C^2 weights, not 49C^2."""
    stack, large = VGGBlock(8, num_convs=3), VGGBlock(8, num_convs=1, kernel_size=7)
    for block in (stack, large):
        block.build((1, 16, 16, 8))
    kernels = [sum(int(np.prod(c.conv.kernel.shape)) for c in b.convs) for b in (stack, large)]
    assert kernels == [27 * 8 * 8, 49 * 8 * 8]
    assert [c.kernel_size for c in large.convs] == [(7, 7)]
    assert large.get_config()["kernel_size"] == (7, 7)
    assert all(c.batch_norm is False for c in VGGBlock(4, batch_norm=False).convs)


@pytest.mark.parametrize(
    "kwargs, name, value",
    [
        (dict(filters=0), "filters", 0),
        (dict(filters=4, num_convs=0), "num_convs", 0),
        (dict(filters=4, pool_size=0), "pool_size", 0),
        (dict(filters=4, kernel_size=0), "kernel_size", 0),
        (dict(filters=4, activation="nope"), "activation", "nope"),
    ],
)
def test_bad_arguments(kwargs, name, value):
    assert_value_error(lambda: VGGBlock(**kwargs), name, value)
