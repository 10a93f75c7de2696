"""`SequencePooling`: masked average / max / both over the time axis."""

import keras
from keras import ops

from . import _utils

MODES = ("avg", "max", "avg_max")


@keras.saving.register_keras_serializable(package="keras_recipes")
class SequencePooling(keras.layers.Layer):
    """Pools a sequence `(batch, steps, features)` over its steps, skipping
    masked (padding) steps.

    A recurrent classifier that reads only its last state must carry a long
    review's verdict through hundreds of steps; pooling every step's output
    lets the classifier see all of them (max pooling: Collobert et al. 2011;
    Conneau et al. 2017 for BiLSTM encoders; "concat pooling" of average and
    max: Howard & Ruder 2018).

    Keras' `GlobalMaxPooling1D` ignores the mask, and a masked recurrent
    layer outputs zeros at padding steps, so a max over a padded batch would
    mix those zeros in; this layer leaves padding out of both the average
    and the max. A sequence whose steps are all masked pools to zeros.

    Args:
        mode: `"avg"`, `"max"` or `"avg_max"` (the two concatenated:
            `2 * features` outputs). Defaults to `"avg_max"`.
        **kwargs: base layer arguments (`name`, `dtype`).

    Example:

    >>> x = keras.ops.convert_to_tensor([[[1.0], [-3.0], [0.0]]])
    >>> mask = keras.ops.convert_to_tensor([[True, True, False]])
    >>> keras.ops.convert_to_numpy(SequencePooling("avg_max")(x, mask=mask)).tolist()
    [[-1.0, 1.0]]
    """

    def __init__(self, mode="avg_max", **kwargs):
        super().__init__(**kwargs)
        self.mode = _utils.one_of(mode, "mode", MODES)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        x = inputs
        if mask is None:
            mask = ops.ones(ops.shape(x)[:2], dtype="bool")
        mask = ops.expand_dims(ops.cast(mask, "bool"), -1)
        pooled = []
        if self.mode in ("avg", "avg_max"):
            weights = ops.cast(mask, x.dtype)
            count = ops.maximum(ops.sum(weights, axis=1), ops.cast(1.0, x.dtype))
            pooled.append(ops.sum(x * weights, axis=1) / count)
        if self.mode in ("max", "avg_max"):
            # Padding takes the smallest value of its sequence, so it never wins
            # the max (and no dtype-specific "-inf" is needed).
            lowest = ops.min(x, axis=1, keepdims=True)
            highest = ops.max(ops.where(mask, x, lowest), axis=1)
            any_step = ops.any(mask, axis=1)
            pooled.append(ops.where(any_step, highest, ops.zeros_like(highest)))
        return pooled[0] if len(pooled) == 1 else ops.concatenate(pooled, axis=-1)

    def compute_mask(self, inputs, mask=None):
        return None  # the step axis is gone

    def compute_output_shape(self, input_shape):
        features = input_shape[-1]
        if self.mode == "avg_max" and features is not None:
            features *= 2
        return (input_shape[0], features)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}
