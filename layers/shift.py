"""`Shift`: a fixed translation of images, with reflected borders."""

import keras
from keras import ops

from . import _utils


@keras.saving.register_keras_serializable(package="keras_recipes")
class Shift(keras.layers.Layer):
    """Moves every image `dy` pixels down and `dx` right (negative: up /
    left), in training and inference; the uncovered border is the image
    reflected (`ops.pad(..., mode="reflect")`). The deterministic
    counterpart of `RandomTranslation` that test-time augmentation needs,
    as `HorizontalFlip` is to `RandomFlip`. Integer pixels stay integers.

    Args:
        dy, dx: pixels, each in `(-H, H)` / `(-W, W)`.
        **kwargs: base layer arguments (`name`, `dtype`).

    Example:

    >>> images = keras.ops.reshape(keras.ops.arange(9), (1, 3, 3, 1))
    >>> keras.ops.convert_to_numpy(Shift(0, 1)(images))[0, :, :, 0].tolist()
    [[1, 0, 1], [4, 3, 4], [7, 6, 7]]
    """

    def __init__(self, dy=0, dx=0, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("dy", dy), ("dx", dx)):
            if not _utils.is_int(value):
                raise _utils.ArgumentError(f"`{name}` must be an integer. Received: {name}={value!r}")
        self.dy, self.dx = int(dy), int(dx)

    def call(self, inputs):
        dy, dx = self.dy, self.dx
        height, width = inputs.shape[1], inputs.shape[2]
        padded = ops.pad(inputs, [(0, 0), (abs(dy),) * 2, (abs(dx),) * 2, (0, 0)], mode="reflect")
        top, left = abs(dy) - dy, abs(dx) - dx
        return padded[:, top:top + height, left:left + width, :]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "dy": self.dy, "dx": self.dx}
