"""`AlternatingFlip`: derandomised horizontal flips that alternate by epoch."""

import keras
import numpy as np
from keras import ops

from . import _utils


@keras.saving.register_keras_serializable(package="keras_recipes")
class AlternatingFlip(keras.layers.Layer):
    """Mirrors each training image in every other epoch (Jordan 2024, "94% on
    CIFAR-10 in 3.29 Seconds", sec. 3.6).

    A random flip shows an image the same way round in two consecutive
    epochs half of the time. Here each image gets a fixed coin (the parity
    of a seeded random subset of its pixels: a function of the image itself,
    so it needs no index and survives shuffling), and is flipped in epoch
    `e` when `coin XOR (e mod 2)`: about half of the images are flipped in
    every epoch, and every image is seen mirrored and unmirrored in each
    pair of epochs. At inference (`training=False`) it is the identity.

    The epoch is a non-trainable weight (`layer.epoch`), saved with the
    model; `AlternatingFlip.Epochs` (a callback) sets it at each epoch start.
    The coin must see the image before any random shift, so the layer comes
    first in the model.

    Args:
        seed: picks the pixel subset (the coins). Defaults to 0.
        **kwargs: base layer arguments (`name`, `dtype`).

    Example:

    >>> flip = AlternatingFlip(seed=1)
    >>> inputs = keras.Input((32, 32, 3), dtype="uint8")
    >>> model = keras.Model(inputs, flip(inputs))
    >>> callback = AlternatingFlip.Epochs([flip])  # model.fit(..., callbacks=[callback])
    """

    def __init__(self, seed=0, **kwargs):
        super().__init__(**kwargs)
        if not _utils.is_int(seed) or seed < 0:
            raise _utils.ArgumentError(
                f"`seed` must be an integer >= 0. Received: seed={seed!r}")
        self.seed = int(seed)

    def build(self, input_shape):
        # A float (a whole number): the weights of a mixed-precision model stay float32.
        self.epoch = self.add_weight(name="epoch", shape=(), dtype="float32", initializer="zeros",
                                     trainable=False)
        # One 0/1 per pixel value: the coin is the parity of the sum of the
        # pixels where the mask is 1 (integers, so exact on any device).
        mask = np.random.RandomState(self.seed).randint(0, 2, size=tuple(input_shape[1:]))
        self._mask = mask.astype("int32")

    def coins(self, images):
        """1 where an image is flipped in even epochs, else 0 (`[batch]` int32)."""
        pixels = ops.cast(ops.round(ops.cast(images, "float32")), "int32")
        total = ops.sum(ops.reshape(pixels * self._mask, (ops.shape(pixels)[0], -1)), axis=1)
        return ops.mod(total, 2)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        odd_epoch = ops.cast(ops.mod(ops.round(self.epoch), 2.0), "int32")
        flip = ops.not_equal(self.coins(inputs), odd_epoch)
        return ops.where(ops.reshape(flip, (-1, 1, 1, 1)), ops.flip(inputs, axis=2), inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}

    class Epochs(keras.callbacks.Callback):
        """Sets the epoch of `layers` (`AlternatingFlip`s) at each epoch start,
        so a resumed run's first epoch flips as the uninterrupted run did."""

        def __init__(self, layers):
            super().__init__()
            self.layers = list(layers)

        def on_epoch_begin(self, epoch, logs=None):
            for layer in self.layers:
                layer.epoch.assign(epoch)
