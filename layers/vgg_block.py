"""`VGGBlock`: N conv-BN-activation layers (3x3 by default), then 2x2 max
pooling."""

import keras

from . import _utils
from .conv_bn_relu import ConvBNReLU


@keras.saving.register_keras_serializable(package="keras_recipes")
class VGGBlock(keras.layers.Layer):
    """A VGG stage (Simonyan & Zisserman 2015) with batch normalization.

    `num_convs` x `ConvBNReLU(filters, kernel_size=3)` ("same" padding, stride 1), then
    max pooling with `pool_size` and stride `pool_size`, which halves the
    spatial size by default. `pool_size=None` leaves the pooling out.

    VGG's argument for 3x3 kernels (sec. 2.3): a stack of n 3x3 convs sees
    the same (2n+1)x(2n+1) window as one large filter, with n non-linearities
    instead of one and fewer weights (27C^2 vs 49C^2 for n=3). The other
    side of that comparison is `VGGBlock(C, num_convs=1, kernel_size=7)`.
    `batch_norm=False` gives the original, normalization-free VGG.

    Args:
        filters: channels of every conv.
        num_convs: number of conv layers. Defaults to 2.
        kernel_size: int or tuple of 2 ints, the kernel of every conv.
            Defaults to 3.
        batch_norm: batch normalization after every conv. Defaults to
            True; False gives each conv a bias instead.
        pool_size: int or tuple of 2 ints, or None for no pooling.
            Defaults to 2.
        activation: name of a Keras activation, a callable or None.
            Defaults to `"relu"`.
        kernel_initializer: defaults to `"he_normal"`.
        kernel_regularizer: defaults to None.
        bn_momentum: batch-norm momentum. Defaults to 0.9.
        bn_epsilon: batch-norm epsilon. Defaults to 1e-5.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Example:

    >>> x = keras.random.normal((2, 32, 32, 3))
    >>> tuple(VGGBlock(64, num_convs=2)(x).shape)
    (2, 16, 16, 64)
    >>> tuple(VGGBlock(64, num_convs=1, kernel_size=5)(x).shape)
    (2, 16, 16, 64)
    """

    def __init__(
        self,
        filters,
        num_convs=2,
        kernel_size=3,
        batch_norm=True,
        pool_size=2,
        activation="relu",
        kernel_initializer="he_normal",
        kernel_regularizer=None,
        bn_momentum=0.9,
        bn_epsilon=1e-5,
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = _utils.positive_int(filters, "filters")
        self.num_convs = _utils.positive_int(num_convs, "num_convs")
        self.kernel_size = _utils.int_tuple(kernel_size, "kernel_size")
        self.batch_norm = bool(batch_norm)
        self.pool_size = (
            None
            if pool_size is None
            else _utils.int_tuple(pool_size, "pool_size")
        )
        _utils.set_conv_block_args(
            self, activation, kernel_initializer, kernel_regularizer,
            bn_momentum, bn_epsilon, data_format,
        )

        self.convs = [
            ConvBNReLU(
                self.filters,
                self.kernel_size,
                activation=self.activation,
                batch_norm=self.batch_norm,
                kernel_initializer=_utils.clone_initializer(
                    self.kernel_initializer
                ),
                kernel_regularizer=self.kernel_regularizer,
                bn_momentum=self.bn_momentum,
                bn_epsilon=self.bn_epsilon,
                data_format=self.data_format,
                dtype=self.dtype_policy,
                name=f"conv_bn_relu{i + 1}",
            )
            for i in range(self.num_convs)
        ]
        self.pool = None
        if self.pool_size is not None:
            self.pool = keras.layers.MaxPooling2D(
                self.pool_size,
                data_format=self.data_format,
                dtype=self.dtype_policy,
                name="pool",
            )

    def build(self, input_shape):
        shape = tuple(input_shape)
        for conv in self.convs:
            conv.build(shape)
            shape = conv.compute_output_shape(shape)

    def call(self, inputs, training=None):
        x = inputs
        for conv in self.convs:
            x = conv(x, training=training)
        if self.pool is not None:
            x = self.pool(x)
        return x

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for conv in self.convs:
            shape = conv.compute_output_shape(shape)
        if self.pool is not None:
            shape = self.pool.compute_output_shape(shape)
        return shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "num_convs": self.num_convs,
                "kernel_size": self.kernel_size,
                "batch_norm": self.batch_norm,
                "pool_size": self.pool_size,
            }
        )
        config.update(_utils.conv_block_config(self))
        return config
