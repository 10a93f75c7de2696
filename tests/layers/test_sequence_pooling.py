"""SequencePooling: masked average / max over the time axis."""

import keras
import numpy as np
import pytest
from layers_harness import assert_value_error, random_inputs, run_layer_checks

from keras_recipes.layers import SequencePooling


@pytest.mark.parametrize("mode, features", [("avg", 6), ("max", 6), ("avg_max", 12)])
def test_layer_checks(tmp_path, mode, features):
    run_layer_checks(
        SequencePooling,
        dict(mode=mode),
        input_shape=(2, 5, 6),
        expected_output_shape=(2, features),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        tmp_path=tmp_path,
    )


def test_padding_is_left_out():
    x = random_inputs((3, 7, 4)) - 2.0  # mostly negative: zeros at padding would win a max
    lengths = np.array([7, 3, 1])
    mask = np.arange(7)[None, :] < lengths[:, None]
    padded = np.where(mask[..., None], x, 0.0).astype("float32")
    y = keras.ops.convert_to_numpy(SequencePooling("avg_max")(padded, mask=mask))
    for row, n in enumerate(lengths):
        np.testing.assert_allclose(y[row, :4], x[row, :n].mean(axis=0), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(y[row, 4:], x[row, :n].max(axis=0), rtol=1e-6)


def test_without_mask_pools_every_step_and_empty_sequence_is_zero():
    x = random_inputs((2, 5, 3))
    y = keras.ops.convert_to_numpy(SequencePooling("max")(x))
    np.testing.assert_allclose(y, x.max(axis=1))
    empty = keras.ops.convert_to_numpy(
        SequencePooling("avg_max")(x, mask=np.zeros((2, 5), dtype=bool)))
    np.testing.assert_array_equal(empty, np.zeros((2, 6)))


def test_reads_the_mask_of_a_masked_recurrent_layer():
    # Embedding(mask_zero) -> Bidirectional(LSTM(return_sequences)): the mask
    # reaches the pooling, so a review's padding does not change its vector.
    inputs = keras.Input((None,), dtype="int64")
    x = keras.layers.Embedding(20, 4, mask_zero=True)(inputs)
    x = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True))(x)
    model = keras.Model(inputs, SequencePooling("avg_max")(x))
    short = np.array([[5, 6, 7, 0, 0, 0, 0, 0]])
    np.testing.assert_allclose(model.predict(short, verbose=0),
                               model.predict(short[:, :3], verbose=0), rtol=1e-5, atol=1e-6)


def test_bad_mode():
    assert_value_error(lambda: SequencePooling("last"), "mode", "last")
