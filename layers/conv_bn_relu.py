"""`ConvBNReLU`: 2D convolution -> batch normalization -> activation."""

import keras

from . import _utils
from .batch_norm import BatchNorm


@keras.saving.register_keras_serializable(package="keras_recipes")
class ConvBNReLU(keras.layers.Layer):
    """2D convolution, batch normalization and an activation, as one layer.

    The building block of most CNNs. The convolution has no bias by default
    because the batch normalization that follows subtracts the mean anyway
    (its `beta` plays the bias' role). The default `he_normal` initializer
    suits the default ReLU (He et al. 2015).

    `batch_norm=False` leaves the normalization out (conv -> activation,
    with a bias by default), for the "what does batch norm buy" comparison:
    a plain VGG or LeNet is built from the same layer with one flag.

    Batch-norm defaults are `momentum=0.9, epsilon=1e-5`, the values of the
    Torch code the ResNet papers were trained with (Keras' own defaults are
    0.99 / 1e-3); with 0.9 the moving statistics follow the weights closely
    enough to evaluate well after short schedules.

    Args:
        filters: number of output channels. Must be None when
            `depthwise=True` (the output then has
            `depth_multiplier * input_channels` channels).
        kernel_size: int or tuple of 2 ints. Defaults to 3.
        strides: int or tuple of 2 ints. Defaults to 1.
        padding: `"same"` (default) or `"valid"`.
        groups: number of channel groups of a grouped convolution; must
            divide `filters` and the input channels. Defaults to 1.
        depthwise: use a depthwise convolution (one filter per input
            channel, as in MobileNet) instead of a full one.
        depth_multiplier: output channels per input channel when
            `depthwise=True`. Defaults to 1.
        dilation_rate: int or tuple of 2 ints. Defaults to 1.
        activation: name of a Keras activation, a callable, or None for no
            activation (conv -> BN only). Defaults to `"relu"`.
        batch_norm: whether the batch normalization is there. Defaults to
            True.
        use_bias: whether the convolution has a bias. Defaults to None:
            a bias exactly when there is no batch normalization.
        kernel_initializer: defaults to `"he_normal"`.
        kernel_regularizer: e.g. `keras.regularizers.L2(1e-4)`; defaults to
            None.
        bn_momentum: batch-norm moving-average momentum. Defaults to 0.9.
        bn_epsilon: batch-norm epsilon. Defaults to 1e-5.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Example:

    >>> x = keras.random.normal((2, 32, 32, 3))
    >>> y = ConvBNReLU(16, 3, strides=2)(x)
    >>> tuple(y.shape)
    (2, 16, 16, 16)
    >>> dw = ConvBNReLU(None, 3, depthwise=True, activation="relu6")
    >>> tuple(dw(y).shape)
    (2, 16, 16, 16)
    >>> plain = ConvBNReLU(8, 5, batch_norm=False)  # conv + bias -> ReLU
    >>> _ = plain(y)
    >>> [w.name for w in plain.weights]
    ['kernel', 'bias']
    """

    def __init__(
        self,
        filters,
        kernel_size=3,
        strides=1,
        padding="same",
        groups=1,
        depthwise=False,
        depth_multiplier=1,
        dilation_rate=1,
        activation="relu",
        batch_norm=True,
        use_bias=None,
        kernel_initializer="he_normal",
        kernel_regularizer=None,
        bn_momentum=0.9,
        bn_epsilon=1e-5,
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.depthwise = bool(depthwise)
        if self.depthwise:
            if filters is not None:
                raise _utils.ArgumentError(
                    "`filters` must be None when `depthwise=True` (use "
                    "`depth_multiplier` to choose the output channels). "
                    f"Received: filters={filters!r}"
                )
            self.filters = None
        else:
            self.filters = _utils.positive_int(filters, "filters")
        self.kernel_size = _utils.int_tuple(kernel_size, "kernel_size")
        self.strides = _utils.int_tuple(strides, "strides")
        self.padding = _utils.one_of(padding, "padding", ("same", "valid"))
        self.groups = _utils.positive_int(groups, "groups")
        self.depth_multiplier = _utils.positive_int(
            depth_multiplier, "depth_multiplier"
        )
        self.dilation_rate = _utils.int_tuple(dilation_rate, "dilation_rate")
        if self.depthwise and self.groups != 1:
            raise _utils.ArgumentError(
                "`groups` must be 1 when `depthwise=True`. "
                f"Received: groups={groups!r}"
            )
        if not self.depthwise and self.filters % self.groups:
            raise _utils.ArgumentError(
                f"`groups` must divide `filters` ({self.filters}). "
                f"Received: groups={groups!r}"
            )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise _utils.ArgumentError(
                "`dilation_rate > 1` is not compatible with `strides > 1` "
                f"(strides={self.strides}). "
                f"Received: dilation_rate={dilation_rate!r}"
            )
        self.batch_norm = bool(batch_norm)
        # Without BN nothing else shifts the output, so the conv needs its bias.
        self.use_bias = not self.batch_norm if use_bias is None else bool(use_bias)
        _utils.set_conv_block_args(
            self, activation, kernel_initializer, kernel_regularizer,
            bn_momentum, bn_epsilon, data_format,
        )

        conv_args = dict(
            kernel_size=self.kernel_size,
            strides=self.strides,
            padding=self.padding,
            dilation_rate=self.dilation_rate,
            use_bias=self.use_bias,
            data_format=self.data_format,
            dtype=self.dtype_policy,
            name="conv",
        )
        if self.depthwise:
            self.conv = keras.layers.DepthwiseConv2D(
                depth_multiplier=self.depth_multiplier,
                depthwise_initializer=_utils.clone_initializer(
                    self.kernel_initializer
                ),
                depthwise_regularizer=self.kernel_regularizer,
                **conv_args,
            )
        else:
            self.conv = keras.layers.Conv2D(
                self.filters,
                groups=self.groups,
                kernel_initializer=_utils.clone_initializer(
                    self.kernel_initializer
                ),
                kernel_regularizer=self.kernel_regularizer,
                **conv_args,
            )
        self.bn = None
        if self.batch_norm:
            self.bn = BatchNorm(
                axis=-1 if self.data_format == "channels_last" else 1,
                momentum=self.bn_momentum,
                epsilon=self.bn_epsilon,
                dtype=self.dtype_policy,
                name="bn",
            )

    def build(self, input_shape):
        self.conv.build(input_shape)
        if self.bn is not None:
            self.bn.build(self.conv.compute_output_shape(input_shape))

    def call(self, inputs, training=None):
        x = self.conv(inputs)
        if self.bn is not None:
            x = self.bn(x, training=training)
        if self.activation is not None:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape):
        return self.conv.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "groups": self.groups,
                "depthwise": self.depthwise,
                "depth_multiplier": self.depth_multiplier,
                "dilation_rate": self.dilation_rate,
                "batch_norm": self.batch_norm,
                "use_bias": self.use_bias,
            }
        )
        config.update(_utils.conv_block_config(self))
        return config
