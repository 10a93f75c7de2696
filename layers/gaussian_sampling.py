"""`GaussianSampling`: the reparameterisation trick of a variational autoencoder."""

import keras
from keras import ops

from . import _utils


@keras.saving.register_keras_serializable(package="keras_recipes")
class GaussianSampling(keras.layers.Layer):
    """Draws `z = mean + exp(log_var / 2) * eps` with `eps ~ N(0, I)`.

    The reparameterisation trick (Kingma & Welling 2014, sec. 2.4): the
    sample is a differentiable function of the encoder's `mean` and
    `log_var`, so the gradient of a one-sample ELBO reaches the encoder.
    It samples in training *and* in inference: a VAE's validation loss is a
    one-sample ELBO too. For a deterministic code use `mean` itself. The
    noise comes from a `keras.random.SeedGenerator`: a fresh draw at every
    step under `tf.function`, XLA and JAX. (Keras saves no seed-generator
    state: a reloaded model restarts the stream of its `seed`.)

    Args:
        seed: optional int seed for reproducible draws.
        **kwargs: base layer arguments (`name`, `dtype`).

    Call arguments:
        inputs: `[mean, log_var]`, two tensors of the same shape.

    Example:

    >>> mean = keras.ops.zeros((4, 2))
    >>> log_var = keras.ops.zeros((4, 2))
    >>> z = GaussianSampling(seed=1)([mean, log_var])  # N(0, 1) draws
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and not _utils.is_int(seed):
            raise _utils.ArgumentError(f"`seed` must be None or an integer. Received: seed={seed!r}")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2 or not all(
            isinstance(s, (list, tuple)) for s in input_shape
        ):
            raise _utils.ArgumentError(
                "`GaussianSampling` takes a list `[mean, log_var]` of two tensors. "
                f"Received: input_shape={input_shape!r}"
            )
        if tuple(input_shape[0]) != tuple(input_shape[1]):
            raise _utils.ArgumentError(
                "`mean` and `log_var` must have the same shape. "
                f"Received: input_shape={input_shape!r}"
            )

    def call(self, inputs):
        mean, log_var = inputs
        mean = ops.cast(mean, self.compute_dtype)
        log_var = ops.cast(log_var, self.compute_dtype)
        eps = keras.random.normal(ops.shape(mean), dtype=self.compute_dtype,
                                  seed=self.seed_generator)
        return mean + ops.exp(0.5 * log_var) * eps

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
