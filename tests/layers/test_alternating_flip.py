"""AlternatingFlip: each image flipped in every other epoch (the flip schedule)."""

import keras
import numpy as np
from layers_harness import assert_value_error, run_layer_checks

from keras_recipes.layers import AlternatingFlip


def test_layer_checks(tmp_path):
    run_layer_checks(
        AlternatingFlip,
        dict(seed=3),
        input_shape=(2, 4, 5, 3),
        expected_output_shape=(2, 4, 5, 3),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=1,  # the epoch
        tmp_path=tmp_path,
    )


def flipped(layer, images):
    """Which images ``layer`` mirrors in training, as booleans."""
    out = keras.ops.convert_to_numpy(layer(images, training=True))
    mirrored = np.all(out == images[:, :, ::-1], axis=(1, 2, 3))
    unchanged = np.all(out == images, axis=(1, 2, 3))
    assert np.all(mirrored | unchanged)
    return mirrored


def test_every_image_alternates_and_half_are_flipped_each_epoch():
    images = np.random.default_rng(0).integers(0, 256, (400, 8, 8, 3)).astype("uint8")
    layer = AlternatingFlip(seed=1)
    layer.build(images.shape)
    schedule = []
    for epoch in range(4):
        layer.epoch.assign(epoch)
        schedule.append(flipped(layer, images))
    for a, b in zip(schedule, schedule[1:]):
        np.testing.assert_array_equal(a, ~b)  # consecutive epochs: the other way round
    np.testing.assert_array_equal(schedule[0], schedule[2])
    assert 0.4 < schedule[0].mean() < 0.6  # about half in every epoch
    # The coin is the image's own: a shuffled batch gets the same flips.
    order = np.random.default_rng(1).permutation(len(images))
    layer.epoch.assign(0)
    np.testing.assert_array_equal(flipped(layer, images[order]), schedule[0][order])
    # Inference: the identity.
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(images)), images)


def test_the_callback_sets_the_epoch_during_fit():
    images = np.random.default_rng(0).integers(0, 256, (32, 4, 4, 3)).astype("uint8")
    flip = AlternatingFlip(seed=0)
    inputs = keras.Input((4, 4, 3), dtype="uint8")
    x = keras.layers.Flatten()(flip(inputs))
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Rescaling(1 / 255)(x)))
    model.compile("sgd", "mse")
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(float(flip.epoch.numpy()))

    model.fit(images, np.zeros(32), batch_size=16, epochs=3, initial_epoch=1, verbose=0,
              callbacks=[AlternatingFlip.Epochs([flip]), Record()])
    assert seen == [1.0, 1.0, 2.0, 2.0]


def test_bad_seed():
    assert_value_error(lambda: AlternatingFlip(seed=-1), "seed", -1)
