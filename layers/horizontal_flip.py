"""`HorizontalFlip`: mirrors images left to right, always (not at random)."""

import keras
from keras import ops

from . import _utils


@keras.saving.register_keras_serializable(package="keras_recipes")
class HorizontalFlip(keras.layers.Layer):
    """Mirrors a batch of images left to right, in training and inference.

    Keras' `RandomFlip` flips at random and only in training; this layer is
    the deterministic mirror that test-time augmentation needs: average a
    classifier's prediction over an image and its mirror image (horizontal
    flips are label-preserving for natural images; it is a standard part of
    short CIFAR-10 schedules, e.g. Jordan 2024, "94% on CIFAR-10 in 3.29
    seconds"). Integer pixels stay integers.

    Args:
        data_format: `"channels_last"` (`(batch, H, W, C)`) or
            `"channels_first"`; defaults to `keras.config.image_data_format()`.
        **kwargs: base layer arguments (`name`, `dtype`).

    Example:

    >>> images = keras.ops.convert_to_tensor([[[[1], [2], [3]]]])  # 1x1x3x1
    >>> keras.ops.convert_to_numpy(HorizontalFlip()(images))[0, 0, :, 0].tolist()
    [3, 2, 1]

    Test-time flip averaging of any image classifier:

    >>> classifier = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(),
    ...                                keras.layers.Dense(2, activation="softmax")])
    >>> images = keras.Input((8, 8, 3))
    >>> mirrored = HorizontalFlip()(images)
    >>> averaged = keras.layers.Average()([classifier(images), classifier(mirrored)])
    >>> tta = keras.Model(images, averaged)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _utils.data_format(data_format)
        self.supports_masking = True

    def call(self, inputs):
        axis = -2 if self.data_format == "channels_last" else -1
        return ops.flip(inputs, axis=axis)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
