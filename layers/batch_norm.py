"""`BatchNorm`: Keras' batch normalization, with an optional fused training kernel.

Keras 3 computes a training batch norm from separate ops on every backend:
cast to float32, moments, normalise, scale, shift, cast back, and as many
again for the gradient. A fused kernel (TensorFlow's ``FusedBatchNormV3``:
oneDNN's on CPUs, cuDNN's on GPUs) does the same work in one pass over the
activations and takes bfloat16/float16 inputs directly with float32
statistics, as PyTorch's ``native_batch_norm`` does. Without it, casts and
element-wise ops took about half of a mixed-bfloat16 ResNet-20 step on a CPU
(benchmarks/RESULTS.md, "ResNet-20 against PyTorch").

This module stays backend-neutral (``keras.ops`` only): the kernel is
handed in by whoever knows the backend, ``use_fused_training(kernel)``; the
training engine installs TensorFlow's on the TensorFlow backend
(``keras_recipes.runtime.fused_norm``). Without one, and for inference,
masks, renorm and synchronized statistics, the layer is Keras' own. Weights,
config and saved models are the same either way, and so are the results:
the moving statistics get the batch's biased variance, as Keras computes it.
"""

import keras

# kernel(inputs, gamma, beta, epsilon, data_format) -> (outputs, batch mean, biased batch variance)
_fused_training = None


def use_fused_training(kernel):
    """Run every `BatchNorm`'s training pass on 4-D inputs through ``kernel``
    (None: Keras' own ops); returns the kernel it replaces."""
    global _fused_training
    previous, _fused_training = _fused_training, kernel
    return previous


@keras.saving.register_keras_serializable(package="keras_recipes")
class BatchNorm(keras.layers.BatchNormalization):
    """`keras.layers.BatchNormalization` with the same arguments, weights and
    config; its training pass runs the fused kernel installed with
    `use_fused_training` on 4-D inputs normalised over the first or last
    (channel) axis.

    Example:

    >>> import keras
    >>> from keras_recipes.layers import BatchNorm
    >>> x = keras.random.normal((8, 4, 4, 16))
    >>> y = BatchNorm(momentum=0.9)(x, training=True)
    >>> tuple(y.shape)
    (8, 4, 4, 16)
    """

    def _fused_format(self, inputs, mask):
        """"NHWC"/"NCHW" where a fused kernel applies, else None."""
        if (_fused_training is None or mask is not None or self.renorm or self.synchronized
                or len(inputs.shape) != 4 or not (self.center and self.scale)):
            return None
        return {3: "NHWC", -1: "NHWC", 1: "NCHW"}.get(self.axis)

    def call(self, inputs, training=None, mask=None):
        layout = self._fused_format(inputs, mask) if training and self.trainable else None
        if layout is None:
            return super().call(inputs, training=training, mask=mask)
        inputs = keras.ops.cast(inputs, self.compute_dtype)
        outputs, mean, variance = _fused_training(inputs, self.gamma, self.beta, self.epsilon, layout)
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        return outputs
