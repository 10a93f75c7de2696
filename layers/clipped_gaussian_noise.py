"""`ClippedGaussianNoise`: the corruption of a denoising autoencoder."""

import keras
from keras import ops

from . import _utils


@keras.saving.register_keras_serializable(package="keras_recipes")
class ClippedGaussianNoise(keras.layers.Layer):
    """Adds `N(0, stddev^2)` noise and clips to `[clip_min, clip_max]`.

    The input corruption of a denoising autoencoder (Vincent et al. 2008):
    the model sees the noisy image and is trained to return the clean one.
    Clipping keeps the noisy image a valid image (pixels in [0, 1]), as a
    real noisy picture would be. Unlike `keras.layers.GaussianNoise` (a
    regulariser, identity at inference) it corrupts in inference too,
    because a denoiser's validation loss is measured on corrupted inputs as
    well: put it in the model you train, not in the one you serve. The noise
    comes from a `keras.random.SeedGenerator` (fresh at every step; a
    reloaded model restarts the stream of its `seed`).

    Args:
        stddev: standard deviation of the noise, in input units (> 0).
        clip_min, clip_max: the range the noisy values are clipped to;
            `None` for no bound on that side.
        seed: optional int seed for reproducible noise.
        **kwargs: base layer arguments (`name`, `dtype`).

    Example:

    >>> clean = keras.ops.full((2, 28, 28, 1), 0.5)
    >>> noisy = ClippedGaussianNoise(0.4, seed=1)(clean)  # in [0, 1]
    """

    def __init__(self, stddev, clip_min=0.0, clip_max=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = _utils.positive_float(stddev, "stddev")
        for name, value in (("clip_min", clip_min), ("clip_max", clip_max)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise _utils.ArgumentError(f"`{name}` must be None or a number. Received: {name}={value!r}")
        if clip_min is not None and clip_max is not None and not clip_min < clip_max:
            raise _utils.ArgumentError(
                f"`clip_min` must be below `clip_max`. Received: clip_min={clip_min!r}, "
                f"clip_max={clip_max!r}"
            )
        if seed is not None and not _utils.is_int(seed):
            raise _utils.ArgumentError(f"`seed` must be None or an integer. Received: seed={seed!r}")
        self.clip_min = None if clip_min is None else float(clip_min)
        self.clip_max = None if clip_max is None else float(clip_max)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        x = x + keras.random.normal(ops.shape(x), stddev=self.stddev, dtype=self.compute_dtype,
                                    seed=self.seed_generator)
        if self.clip_min is not None:
            x = ops.maximum(x, ops.cast(self.clip_min, x.dtype))
        if self.clip_max is not None:
            x = ops.minimum(x, ops.cast(self.clip_max, x.dtype))
        return x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "clip_min": self.clip_min,
                "clip_max": self.clip_max, "seed": self.seed}
