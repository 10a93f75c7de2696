"""HorizontalFlip: the deterministic mirror of test-time augmentation."""

import keras
import numpy as np
import pytest
from layers_harness import assert_value_error, random_inputs, run_layer_checks

from keras_recipes.layers import HorizontalFlip


def test_layer_checks(tmp_path):
    run_layer_checks(
        HorizontalFlip,
        dict(),
        input_shape=(2, 4, 5, 3),
        expected_output_shape=(2, 4, 5, 3),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        tmp_path=tmp_path,
    )


@pytest.mark.parametrize("data_format, axis", [("channels_last", 2), ("channels_first", 3)])
def test_mirrors_the_width_axis_in_training_and_inference(data_format, axis):
    x = random_inputs((2, 3, 4, 5))
    layer = HorizontalFlip(data_format=data_format)
    for training in (False, True):
        y = keras.ops.convert_to_numpy(layer(x, training=training))
        np.testing.assert_array_equal(y, np.flip(x, axis=axis))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(layer(x))), x)


def test_integer_pixels_stay_integers():
    pixels = np.arange(2 * 2 * 3 * 1, dtype="uint8").reshape(2, 2, 3, 1)
    inputs = keras.Input((2, 3, 1), dtype="uint8")
    model = keras.Model(inputs, HorizontalFlip()(inputs))
    out = model.predict(pixels, verbose=0)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, pixels[:, :, ::-1])


def test_bad_data_format():
    assert_value_error(lambda: HorizontalFlip(data_format="nhwc"), "data_format", "nhwc")
