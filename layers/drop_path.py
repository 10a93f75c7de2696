"""`DropPath`: stochastic depth (Huang et al. 2016) for residual branches."""

import keras
from keras import ops

from . import _utils


@keras.saving.register_keras_serializable(package="keras_recipes")
class DropPath(keras.layers.Layer):
    """Drops a residual branch for whole samples at random (stochastic depth).

    In training, each sample's input is zeroed with probability `rate` and
    otherwise scaled by `1 / (1 - rate)`, so the expected output equals the
    input; in inference it is the identity. Apply it to the residual branch
    only, before adding the shortcut: a dropped sample then passes through the
    block unchanged (Huang et al. 2016, "Deep Networks with Stochastic
    Depth"). The random draw uses a `keras.random.SeedGenerator`, so it is a
    fresh draw at every step under `tf.function`, XLA and JAX.

    Args:
        rate: probability of dropping a sample's branch, in [0, 1).
            Defaults to 0.0 (identity).
        seed: optional int seed for reproducible draws.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Example:

    >>> branch = keras.ops.ones((4, 8, 8, 16))
    >>> drop = DropPath(rate=0.5, seed=1)
    >>> bool(keras.ops.all(drop(branch) == branch))  # inference: identity
    True
    >>> y = drop(branch, training=True)  # each sample is all 0 or all 2
    """

    def __init__(self, rate=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _utils.rate(rate, "rate")
        if seed is not None and not _utils.is_int(seed):
            raise _utils.ArgumentError(
                f"`seed` must be None or an integer. Received: seed={seed!r}"
            )
        self.seed = seed
        if self.rate > 0:
            self.seed_generator = keras.random.SeedGenerator(
                seed, name="seed_generator"
            )
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        # One Bernoulli draw per sample, broadcast over the other axes.
        noise_shape = (ops.shape(inputs)[0],) + (1,) * (len(inputs.shape) - 1)
        return keras.random.dropout(
            inputs, self.rate, noise_shape=noise_shape, seed=self.seed_generator
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
