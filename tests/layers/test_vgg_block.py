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
    ],
    ids=["two_convs_pool", "three_convs_no_pool"],
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


@pytest.mark.parametrize(
    "kwargs, name, value",
    [
        (dict(filters=0), "filters", 0),
        (dict(filters=4, num_convs=0), "num_convs", 0),
        (dict(filters=4, pool_size=0), "pool_size", 0),
        (dict(filters=4, activation="nope"), "activation", "nope"),
    ],
)
def test_bad_arguments(kwargs, name, value):
    assert_value_error(lambda: VGGBlock(**kwargs), name, value)
