"""`ConvPoolBN`: airbench's conv group, conv -> pool -> BN -> act -> conv -> BN -> act."""

import keras

from . import _utils
from .dirac import Dirac


@keras.saving.register_keras_serializable(package="keras_recipes")
class ConvPoolBN(keras.layers.Layer):
    """Two 3x3 convs with 2x2 max pooling after the first (Jordan 2024,
    "94% on CIFAR-10 in 3.29 Seconds", the network's three conv groups).

    conv (no bias) -> max pool 2 -> BN -> activation -> conv (no bias) -> BN
    -> activation. The convs start as identities on their first channels
    (`Dirac`); batch norm has no learned scale (`scale=False`: the next
    conv's weights can scale), only a learned shift, and a fast-moving
    average (`bn_momentum=0.4`: 60% of each batch's statistics).

    Args:
        filters: channels of both convs.
        activation: defaults to `"gelu"`.
        kernel_initializer: defaults to `Dirac()`.
        bn_momentum: batch-norm momentum. Defaults to 0.4.
        bn_epsilon: batch-norm epsilon. Defaults to 1e-5.
        data_format: `"channels_last"` or `"channels_first"`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Example:

    >>> x = keras.random.normal((2, 16, 16, 24))
    >>> tuple(ConvPoolBN(64)(x).shape)
    (2, 8, 8, 64)
    """

    def __init__(self, filters, activation="gelu", kernel_initializer=None, bn_momentum=0.4,
                 bn_epsilon=1e-5, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = _utils.positive_int(filters, "filters")
        _utils.set_conv_block_args(self, activation, kernel_initializer or Dirac(), None,
                                   bn_momentum, bn_epsilon, data_format)
        axis = -1 if self.data_format == "channels_last" else 1
        common = dict(dtype=self.dtype_policy)
        self.conv1, self.conv2 = (
            keras.layers.Conv2D(self.filters, 3, padding="same", use_bias=False,
                                kernel_initializer=_utils.clone_initializer(self.kernel_initializer),
                                data_format=self.data_format, name=f"conv{i}", **common)
            for i in (1, 2))
        self.pool = keras.layers.MaxPooling2D(2, data_format=self.data_format, name="pool", **common)
        self.norm1, self.norm2 = (
            keras.layers.BatchNormalization(axis=axis, momentum=self.bn_momentum,
                                            epsilon=self.bn_epsilon, scale=False,
                                            name=f"norm{i}", **common)
            for i in (1, 2))

    def build(self, input_shape):
        shape = tuple(input_shape)
        self.conv1.build(shape)
        shape = self.pool.compute_output_shape(self.conv1.compute_output_shape(shape))
        self.norm1.build(shape)
        self.conv2.build(shape)
        self.norm2.build(shape)

    def call(self, inputs, training=None):
        x = self.pool(self.conv1(inputs))
        x = self.activation(self.norm1(x, training=training))
        x = self.activation(self.norm2(self.conv2(x), training=training))
        return x

    def compute_output_shape(self, input_shape):
        return self.pool.compute_output_shape(self.conv1.compute_output_shape(tuple(input_shape)))

    def get_config(self):
        config = {**super().get_config(), "filters": self.filters, **_utils.conv_block_config(self)}
        config.pop("kernel_regularizer")
        return config
