"""Shift: the deterministic, reflected translation of test-time crops."""

import keras
import numpy as np
import pytest
from layers_harness import assert_value_error, random_inputs, run_layer_checks

from keras_recipes.layers import Shift


def test_layer_checks(tmp_path):
    run_layer_checks(
        Shift,
        dict(dy=1, dx=-1),
        input_shape=(2, 4, 5, 3),
        expected_output_shape=(2, 4, 5, 3),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        tmp_path=tmp_path,
    )


@pytest.mark.parametrize("dy, dx", [(1, 1), (-1, -1), (0, 2), (-2, 1)])
def test_matches_a_reflected_pad_and_crop(dy, dx):
    x = random_inputs((2, 6, 7, 3))
    padded = np.pad(x, [(0, 0), (abs(dy),) * 2, (abs(dx),) * 2, (0, 0)], mode="reflect")
    top, left = abs(dy) - dy, abs(dx) - dx
    expected = padded[:, top:top + 6, left:left + 7]
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(Shift(dy, dx)(x)), expected)
    # content moves by (dy, dx)
    np.testing.assert_array_equal(expected[:, 2 + dy, 3 + dx], x[:, 2, 3])


def test_integer_pixels_stay_integers():
    pixels = np.arange(2 * 4 * 4 * 1, dtype="uint8").reshape(2, 4, 4, 1)
    inputs = keras.Input((4, 4, 1), dtype="uint8")
    out = keras.Model(inputs, Shift(1, 1)(inputs)).predict(pixels, verbose=0)
    assert out.dtype == np.uint8


def test_bad_offset():
    assert_value_error(lambda: Shift(dy=0.5), "dy", 0.5)
