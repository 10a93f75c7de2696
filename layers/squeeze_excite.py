"""`SqueezeExcite`: channel attention of Hu et al. 2018 (SENet)."""

import keras
from keras import ops

from . import _utils


@keras.saving.register_keras_serializable(package="keras_recipes")
class SqueezeExcite(keras.layers.Layer):
    """Squeeze-and-excitation: rescales each channel by a learned gate.

    Squeeze: global average pooling gives one value per channel. Excite: a
    1x1 conv to `max(1, int(channels * ratio))` channels, `activation`, a
    1x1 conv back to `channels`, `gate_activation`. The input is multiplied
    by the gate (Hu et al. 2018). The output has the input's shape.

    Args:
        ratio: squeeze channels as a fraction of the input channels, in
            (0, 1]. Defaults to 0.25 (as in EfficientNet); SENet's
            reduction r=16 is `ratio=1/16`.
        activation: activation of the squeeze conv. Defaults to `"relu"`.
        gate_activation: activation of the gate. Defaults to `"sigmoid"`.
        kernel_initializer: of both 1x1 convs. Defaults to `"he_normal"`.
        kernel_regularizer: of both 1x1 convs. Defaults to None.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Example:

    >>> x = keras.random.normal((2, 8, 8, 32))
    >>> se = SqueezeExcite(ratio=0.25)   # 32 -> 8 -> 32 channels
    >>> tuple(se(x).shape)
    (2, 8, 8, 32)
    """

    def __init__(
        self,
        ratio=0.25,
        activation="relu",
        gate_activation="sigmoid",
        kernel_initializer="he_normal",
        kernel_regularizer=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.ratio = _utils.optional_ratio(ratio, "ratio")
        if self.ratio is None:
            raise _utils.ArgumentError(
                f"`ratio` must be a float in (0, 1]. Received: ratio={ratio!r}"
            )
        self.activation = _utils.activation(activation)
        self.gate_activation = _utils.activation(
            gate_activation, "gate_activation"
        )
        self.kernel_initializer = _utils.initializer(
            kernel_initializer, "kernel_initializer"
        )
        self.kernel_regularizer = _utils.regularizer(
            kernel_regularizer, "kernel_regularizer"
        )
        self.data_format = _utils.data_format(data_format)
        if self.data_format == "channels_last":
            self._channel_axis, self._spatial_axes = -1, (1, 2)
        else:
            self._channel_axis, self._spatial_axes = 1, (2, 3)

    def build(self, input_shape):
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise _utils.ArgumentError(
                "SqueezeExcite needs a known number of input channels. "
                f"Received: input_shape={tuple(input_shape)!r}"
            )
        squeeze_channels = max(1, int(channels * self.ratio))
        common = dict(
            kernel_size=1,
            data_format=self.data_format,
            kernel_regularizer=self.kernel_regularizer,
            dtype=self.dtype_policy,
        )
        self.reduce = keras.layers.Conv2D(
            squeeze_channels,
            kernel_initializer=_utils.clone_initializer(
                self.kernel_initializer
            ),
            name="reduce",
            **common,
        )
        self.expand = keras.layers.Conv2D(
            channels,
            kernel_initializer=_utils.clone_initializer(
                self.kernel_initializer
            ),
            name="expand",
            **common,
        )
        pooled_shape = list(input_shape)
        for axis in self._spatial_axes:
            pooled_shape[axis] = 1
        self.reduce.build(tuple(pooled_shape))
        self.expand.build(self.reduce.compute_output_shape(tuple(pooled_shape)))

    def call(self, inputs):
        gate = ops.mean(inputs, axis=self._spatial_axes, keepdims=True)
        gate = self.reduce(gate)
        if self.activation is not None:
            gate = self.activation(gate)
        gate = self.expand(gate)
        if self.gate_activation is not None:
            gate = self.gate_activation(gate)
        return inputs * gate

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "ratio": self.ratio,
                "activation": _utils.serialize_activation(self.activation),
                "gate_activation": _utils.serialize_activation(
                    self.gate_activation
                ),
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "kernel_regularizer": keras.regularizers.serialize(
                    self.kernel_regularizer
                ),
                "data_format": self.data_format,
            }
        )
        return config
