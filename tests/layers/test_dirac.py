"""Dirac: convolutions that start as identities on their first channels."""

import keras
import numpy as np
import pytest

from keras_recipes.layers import Dirac


@pytest.mark.parametrize("channels_in, filters", [(4, 8), (8, 4), (3, 3)])
def test_the_first_filters_pass_their_channel_through(channels_in, filters):
    conv = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False,
                               kernel_initializer=Dirac())
    x = np.random.default_rng(0).normal(size=(2, 5, 5, channels_in)).astype("float32")
    y = keras.ops.convert_to_numpy(conv(x))
    n = min(channels_in, filters)
    np.testing.assert_allclose(y[..., :n], x[..., :n], atol=1e-6)
    if filters > channels_in:  # the others come from the base initializer
        assert np.abs(conv.kernel.numpy()[..., n:]).max() > 0


def test_base_initializer_and_bias_shapes():
    init = Dirac(base="ones")
    kernel = keras.ops.convert_to_numpy(init((3, 3, 2, 3)))
    assert kernel[1, 1, 0, 0] == 1 and kernel[0, 0, 0, 0] == 0 and kernel[0, 1, 1, 0] == 0
    np.testing.assert_array_equal(kernel[..., 2], 1.0)  # filter 2 >= in: the base's
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(init((4,))), 1.0)


def test_serializes():
    init = Dirac(base=keras.initializers.Constant(0.5))
    revived = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(init))
    assert isinstance(revived, Dirac) and revived.get_config() == init.get_config()
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(revived((1, 1, 1, 2)))[..., 1], 0.5)
