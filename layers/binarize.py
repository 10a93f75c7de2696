"""`Binarize`: images in [0, 1] -> {0, 1} pixels, by threshold or at random."""

import numbers

import keras
from keras import ops

from . import _utils

MODES = ("threshold", "stochastic")


@keras.saving.register_keras_serializable(package="keras_recipes")
class Binarize(keras.layers.Layer):
    """Turns intensities in [0, 1] into binary pixels.

    `mode="threshold"`: 1 where the input is above `threshold`, else 0 (a
    fixed, deterministic binarisation). `mode="stochastic"`: each pixel is
    1 with probability equal to its intensity (Salakhutdinov & Murray 2008),
    a fresh draw at every call, training or not, from a
    `keras.random.SeedGenerator`; re-drawing each epoch ("dynamic
    binarisation") keeps a Bernoulli VAE from overfitting one draw. Either
    mode leaves an already binary image unchanged.

    Args:
        mode: `"threshold"` or `"stochastic"`.
        threshold: the threshold of `mode="threshold"`, in (0, 1).
        seed: optional int seed of `mode="stochastic"`.
        **kwargs: base layer arguments (`name`, `dtype`).

    Example:

    >>> x = keras.ops.convert_to_tensor([[0.2, 0.7]])
    >>> keras.ops.convert_to_numpy(Binarize()(x)).tolist()
    [[0.0, 1.0]]
    """

    def __init__(self, mode="threshold", threshold=0.5, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.mode = _utils.one_of(mode, "mode", MODES)
        if (not isinstance(threshold, numbers.Real) or isinstance(threshold, bool)
                or not 0.0 < threshold < 1.0):
            raise _utils.ArgumentError(
                f"`threshold` must be a number in (0, 1). Received: threshold={threshold!r}"
            )
        if seed is not None and not _utils.is_int(seed):
            raise _utils.ArgumentError(f"`seed` must be None or an integer. Received: seed={seed!r}")
        self.threshold = float(threshold)
        self.seed = seed
        if self.mode == "stochastic":
            self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        if self.mode == "threshold":
            return ops.cast(ops.greater(x, ops.cast(self.threshold, x.dtype)), x.dtype)
        u = keras.random.uniform(ops.shape(x), dtype="float32", seed=self.seed_generator)
        return ops.cast(ops.less(u, ops.cast(x, "float32")), x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "threshold": self.threshold,
                "seed": self.seed}
