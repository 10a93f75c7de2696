"""`Dirac`: identity ("dirac") initialisation of convolution kernels."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_recipes")
class Dirac(keras.initializers.Initializer):
    """A conv kernel whose first filters pass their input channel through.

    For a kernel of shape `(kh, kw, in, out)`, filter `i < min(in, out)` is
    a one at the centre tap of input channel `i` and zeros elsewhere, so the
    conv starts as an identity on those channels (an implicit residual, as
    in Jordan 2024, "94% on CIFAR-10 in 3.29 Seconds", which applies
    PyTorch's `dirac_` to the first `in` filters); the other filters come
    from `base`. A 1-D shape (a bias) is drawn from `base` alone.

    Args:
        base: initializer of the filters that are not identities. Defaults
            to PyTorch's conv default, uniform in +-1/sqrt(fan_in)
            (`VarianceScaling(1/3, "fan_in", "uniform")`).

    Example:

    >>> conv = keras.layers.Conv2D(8, 3, padding="same", kernel_initializer=Dirac())
    >>> x = keras.random.normal((1, 5, 5, 4))
    >>> y = conv(x)  # channels 0-3 of y equal x at initialisation
    """

    def __init__(self, base=None):
        if base is None:
            base = keras.initializers.VarianceScaling(1.0 / 3.0, "fan_in", "uniform")
        self.base = keras.initializers.get(base)

    def __call__(self, shape, dtype=None):
        kernel = self.base(shape, dtype=dtype)
        if len(shape) < 3:
            return kernel
        *taps, channels_in, channels_out = shape
        identity = ops.eye(channels_in, channels_out, dtype=kernel.dtype)
        centre = ops.ones((), dtype=kernel.dtype)
        for size in taps:  # a one at the centre of each spatial axis
            line = ops.cast(ops.equal(ops.arange(size), size // 2), kernel.dtype)
            centre = ops.multiply(ops.expand_dims(centre, -1), line)
        dirac = ops.multiply(ops.expand_dims(ops.expand_dims(centre, -1), -1), identity)
        is_identity = ops.arange(channels_out) < min(channels_in, channels_out)
        return ops.where(is_identity, dirac, kernel)

    def get_config(self):
        return {"base": keras.initializers.serialize(self.base)}

    @classmethod
    def from_config(cls, config):
        return cls(base=keras.initializers.deserialize(config["base"]))
