"""Fused batch-norm training kernels for `keras_recipes.layers.BatchNorm`.

On the TensorFlow backend the training engine hands the layers TensorFlow's
``FusedBatchNormV3`` (oneDNN on CPUs, cuDNN on GPUs): one op per batch norm
instead of Keras' casts, moments and element-wise ops. Measured on a 2-core
AVX512-BF16 EPYC: benchmarks/RESULTS.md, "ResNet-20 against PyTorch".
"""

from __future__ import annotations


def tf_fused_batch_norm(inputs, gamma, beta, epsilon, data_format):
    """``(outputs, batch mean, biased batch variance)`` from TensorFlow's fused op."""
    import tensorflow as tf

    outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
        inputs, gamma, beta, epsilon=epsilon, data_format=data_format, is_training=True)
    # The op returns the unbiased variance (n / (n - 1)); Keras keeps the biased one.
    n = tf.cast(tf.size(inputs) // tf.shape(inputs)[1 if data_format == "NCHW" else 3], variance.dtype)
    return outputs, mean, variance * (n - 1.0) / n


def choose_batch_norm(backend: str) -> tuple[bool, str]:
    """``(fused, why)``: whether `BatchNorm` trains with a fused kernel on ``backend``."""
    if backend == "tensorflow":
        return True, ("TensorFlow's FusedBatchNormV3: one op per batch norm, bfloat16/float16 in, "
                      "float32 statistics (Keras' own is ~10 separate ops and casts)")
    return False, f"Keras' own ops (no fused kernel handed to the layers on the {backend} backend)"


def apply_batch_norm(fused: bool) -> None:
    from keras_recipes.layers.batch_norm import use_fused_training

    use_fused_training(tf_fused_batch_norm if fused else None)
