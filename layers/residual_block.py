"""`ResidualBlock`: basic / bottleneck, post- / pre-activation ResNet block."""

import keras
from keras import ops

from . import _utils
from .batch_norm import BatchNorm
from .drop_path import DropPath
from .squeeze_excite import SqueezeExcite

BLOCK_TYPES = ("basic", "bottleneck")
SHORTCUTS = ("projection", "zero_pad")
BOTTLENECK_EXPANSION = 4


@keras.saving.register_keras_serializable(package="keras_recipes")
class ResidualBlock(keras.layers.Layer):
    """A ResNet block: `output = shortcut(x) + branch(x)`.

    Branch (`filters` = F, 3x3 convs use `strides`):

    - `"basic"`: 3x3 conv (F) -> 3x3 conv (F); output has F channels.
    - `"bottleneck"`: 1x1 conv (F) -> 3x3 conv (F) -> 1x1 conv (4F); output
      has 4F channels. The stride is on the 3x3 conv ("ResNet v1.5", as in
      torchvision and KerasHub).

    Layout:

    - `version=1`, post-activation (He et al. 2016a, "Deep Residual
      Learning"): each conv is followed by BN, the activation follows every
      BN but the last, and follows the addition.
    - `version=2`, pre-activation (He et al. 2016b, "Identity Mappings in
      Deep Residual Networks"): BN -> activation precedes every conv; the
      addition is not followed by anything, so the shortcut path stays an
      identity. A model of v2 blocks must end with BN -> activation.

    Shortcut: the identity when the block keeps the shape; otherwise
    `"projection"` (option B: strided 1x1 conv, followed by BN in version 1;
    in version 2 it reads the pre-activated input, as in the paper's code and
    `keras.applications.ResNetV2`) or `"zero_pad"` (option A of the CIFAR
    experiments: take every `strides`-th pixel and zero-pad the new channels;
    no parameters).

    Optional extras on the branch, before the addition: squeeze-and-excitation
    (`se_ratio`, Hu et al. 2018) and stochastic depth (`drop_path_rate`,
    Huang et al. 2016: in training a sample's whole branch is dropped with
    that probability and kept ones are scaled by 1/(1 - rate); in inference
    the branch is always kept).

    Args:
        filters: channels of the branch convs (the output has `filters`, or
            `4 * filters` for bottleneck blocks).
        strides: int or tuple of 2 ints; 2 halves the spatial size.
            Defaults to 1.
        block_type: `"basic"` (default) or `"bottleneck"`.
        version: 1 (post-activation, default) or 2 (pre-activation).
        shortcut: `"projection"` (default) or `"zero_pad"`; used only when
            the shape changes.
        se_ratio: None (default) or squeeze-and-excitation ratio in (0, 1].
        drop_path_rate: stochastic-depth drop probability in [0, 1).
            Defaults to 0.0.
        activation: name of a Keras activation or a callable. Defaults to
            `"relu"`.
        kernel_initializer: of every conv. Defaults to `"he_normal"`.
        kernel_regularizer: of every conv. Defaults to None.
        bn_momentum: batch-norm momentum. Defaults to 0.9.
        bn_epsilon: batch-norm epsilon. Defaults to 1e-5.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Example:

    >>> x = keras.random.normal((2, 32, 32, 16))
    >>> block = ResidualBlock(32, strides=2, shortcut="zero_pad")
    >>> tuple(block(x).shape)
    (2, 16, 16, 32)
    >>> pre_act = ResidualBlock(16, block_type="bottleneck", version=2,
    ...                         se_ratio=0.25, drop_path_rate=0.1)
    >>> tuple(pre_act(x).shape)
    (2, 32, 32, 64)
    """

    def __init__(
        self,
        filters,
        strides=1,
        block_type="basic",
        version=1,
        shortcut="projection",
        se_ratio=None,
        drop_path_rate=0.0,
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
        self.strides = _utils.int_tuple(strides, "strides")
        self.block_type = _utils.one_of(block_type, "block_type", BLOCK_TYPES)
        self.version = _utils.one_of(version, "version", (1, 2))
        self.shortcut = _utils.one_of(shortcut, "shortcut", SHORTCUTS)
        self.se_ratio = _utils.optional_ratio(se_ratio, "se_ratio")
        self.drop_path_rate = _utils.rate(drop_path_rate, "drop_path_rate")
        _utils.set_conv_block_args(
            self, activation, kernel_initializer, kernel_regularizer,
            bn_momentum, bn_epsilon, data_format,
        )
        self._channel_axis = -1 if self.data_format == "channels_last" else 1

        if self.block_type == "basic":
            self.output_filters = self.filters
            specs = [(self.filters, 3, self.strides), (self.filters, 3, 1)]
        else:
            self.output_filters = self.filters * BOTTLENECK_EXPANSION
            specs = [
                (self.filters, 1, 1),
                (self.filters, 3, self.strides),
                (self.output_filters, 1, 1),
            ]
        self.convs = [
            self._conv(f, k, s, name=f"conv{i + 1}")
            for i, (f, k, s) in enumerate(specs)
        ]
        # version 1: norms[i] follows convs[i].
        # version 2: norms[i] precedes convs[i] (norms[0] is the
        # pre-activation of the block input).
        if self.version == 1:
            names = [f"bn{i + 1}" for i in range(len(specs))]
        else:
            names = ["preact_bn"] + [f"bn{i + 1}" for i in range(1, len(specs))]
        self.norms = [self._norm(name) for name in names]
        self.se = None
        if self.se_ratio is not None:
            self.se = SqueezeExcite(
                ratio=self.se_ratio,
                activation=self.activation,
                kernel_initializer=_utils.clone_initializer(
                    self.kernel_initializer
                ),
                kernel_regularizer=self.kernel_regularizer,
                data_format=self.data_format,
                dtype=self.dtype_policy,
                name="se",
            )
        self.drop_path = None
        if self.drop_path_rate > 0:
            self.drop_path = DropPath(
                self.drop_path_rate, dtype=self.dtype_policy, name="drop_path"
            )
        # Set in build(), once the input channels are known.
        self.shortcut_conv = None
        self.shortcut_norm = None
        self._shortcut_mode = None
        self._pad_channels = 0

    def _conv(self, filters, kernel_size, strides, name):
        return keras.layers.Conv2D(
            filters,
            kernel_size,
            strides=strides,
            padding="same",
            use_bias=False,
            kernel_initializer=_utils.clone_initializer(
                self.kernel_initializer
            ),
            kernel_regularizer=self.kernel_regularizer,
            data_format=self.data_format,
            dtype=self.dtype_policy,
            name=name,
        )

    def _norm(self, name):
        return BatchNorm(
            axis=self._channel_axis,
            momentum=self.bn_momentum,
            epsilon=self.bn_epsilon,
            dtype=self.dtype_policy,
            name=name,
        )

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        in_channels = input_shape[self._channel_axis]
        if in_channels is None:
            raise _utils.ArgumentError(
                "ResidualBlock needs a known number of input channels. "
                f"Received: input_shape={input_shape!r}"
            )
        if self.strides == (1, 1) and in_channels == self.output_filters:
            self._shortcut_mode = "identity"
        elif self.shortcut == "projection":
            self._shortcut_mode = "projection"
            self.shortcut_conv = self._conv(
                self.output_filters, 1, self.strides, name="shortcut_conv"
            )
            self.shortcut_conv.build(input_shape)
            if self.version == 1:
                self.shortcut_norm = self._norm("shortcut_bn")
                self.shortcut_norm.build(
                    self.shortcut_conv.compute_output_shape(input_shape)
                )
        else:
            if in_channels > self.output_filters:
                raise _utils.ArgumentError(
                    "`shortcut='zero_pad'` cannot reduce the number of "
                    f"channels (input has {in_channels}, output "
                    f"{self.output_filters}); use shortcut='projection'. "
                    f"Received: shortcut={self.shortcut!r}"
                )
            self._shortcut_mode = "zero_pad"
            self._pad_channels = self.output_filters - in_channels

        shape = input_shape
        for i, conv in enumerate(self.convs):
            if self.version == 2:
                self.norms[i].build(shape)
            conv.build(shape)
            shape = conv.compute_output_shape(shape)
            if self.version == 1:
                self.norms[i].build(shape)
        if self.se is not None:
            self.se.build(shape)

    def _activate(self, x):
        return x if self.activation is None else self.activation(x)

    def _zero_pad(self, x):
        """Option A: strided subsampling, then zero channels appended."""
        sh, sw = self.strides
        if self.data_format == "channels_last":
            if sh > 1 or sw > 1:
                x = x[:, ::sh, ::sw, :]
            paddings = [[0, 0], [0, 0], [0, 0], [0, self._pad_channels]]
        else:
            if sh > 1 or sw > 1:
                x = x[:, :, ::sh, ::sw]
            paddings = [[0, 0], [0, self._pad_channels], [0, 0], [0, 0]]
        if self._pad_channels:
            x = ops.pad(x, paddings)
        return x

    def call(self, inputs, training=None):
        last = len(self.convs) - 1
        if self.version == 1:
            x = inputs
            for i, conv in enumerate(self.convs):
                x = self.norms[i](conv(x), training=training)
                if i < last:
                    x = self._activate(x)
            shortcut_input = inputs
        else:
            preact = self._activate(self.norms[0](inputs, training=training))
            x = preact
            for i, conv in enumerate(self.convs):
                if i > 0:
                    x = self._activate(self.norms[i](x, training=training))
                x = conv(x)
            # A projection reads the normalised input; the identity and the
            # parameter-free zero-pad shortcut keep the raw one (a clean path).
            shortcut_input = (
                preact if self._shortcut_mode == "projection" else inputs
            )

        if self.se is not None:
            x = self.se(x)
        if self.drop_path is not None:
            x = self.drop_path(x, training=training)

        if self._shortcut_mode == "projection":
            shortcut = self.shortcut_conv(shortcut_input)
            if self.shortcut_norm is not None:
                shortcut = self.shortcut_norm(shortcut, training=training)
        elif self._shortcut_mode == "zero_pad":
            shortcut = self._zero_pad(shortcut_input)
        else:
            shortcut = shortcut_input

        x = x + shortcut
        if self.version == 1:
            x = self._activate(x)
        return x

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for conv in self.convs:
            shape = conv.compute_output_shape(shape)
        return shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "strides": self.strides,
                "block_type": self.block_type,
                "version": self.version,
                "shortcut": self.shortcut,
                "se_ratio": self.se_ratio,
                "drop_path_rate": self.drop_path_rate,
            }
        )
        config.update(_utils.conv_block_config(self))
        return config
