"""`PatchWhitening`: a frozen first convolution that whitens image patches,
and `patch_whitening_kernel`, which fits its kernel to training images."""

import keras
from keras import ops

from . import _utils


_CHUNK = 512  # images per step of the covariance sum


def _patches(x, k):
    """``[N * rows * cols, k*k*C]``: every k x k patch of ``x``, flattened in
    the kernel's ``(kh, kw, C)`` order."""
    rows, cols, channels = x.shape[1] - k + 1, x.shape[2] - k + 1, x.shape[3]
    taps = [x[:, i:i + rows, j:j + cols, :] for i in range(k) for j in range(k)]
    return ops.reshape(ops.stack(taps, axis=3), (-1, k * k * channels))


def patch_whitening_kernel(images, kernel_size=2, epsilon=5e-4):
    """The whitening kernel of `images`' `kernel_size` x `kernel_size` patches.

    Every (valid, stride 1) patch of `images` (`[N, H, W, C]`, already
    normalised) is a vector of `k*k*C` values; their (uncentred) covariance
    has eigenvectors `v_i` and eigenvalues `l_i`. The kernel's filters are
    `v_i / sqrt(l_i + epsilon)`, largest eigenvalue first, followed by their
    negatives (so a ReLU-like activation after it loses no sign): `2*k*k*C`
    filters in all. Convolving with it maps the patches to (nearly)
    uncorrelated unit-variance channels (Jordan 2024, "94% on CIFAR-10 in
    3.29 Seconds", whose first layer this is; Coates & Ng 2011).

    Args:
        images: `[N, H, W, C]` floats (a few thousand images suffice).
        kernel_size: the patch side. Defaults to 2.
        epsilon: added to the eigenvalues, so that near-zero directions are
            not amplified without bound. Defaults to 5e-4.

    Returns:
        a float32 kernel of shape `(k, k, C, 2*k*k*C)` for `Conv2D`/`PatchWhitening`.

    Example:

    >>> images = keras.random.normal((64, 8, 8, 3))
    >>> tuple(patch_whitening_kernel(images).shape)
    (2, 2, 3, 24)
    """
    k = _utils.positive_int(kernel_size, "kernel_size")
    covariance, count = 0.0, 0
    for start in range(0, len(images), _CHUNK):  # a chunk's patches at a time: bounded memory
        patches = _patches(ops.cast(ops.convert_to_tensor(images[start:start + _CHUNK]), "float32"), k)
        covariance = covariance + ops.matmul(ops.transpose(patches), patches)
        count += int(patches.shape[0])
    covariance = covariance / float(count)
    channels = int(images.shape[-1])
    eigenvalues, eigenvectors = ops.eigh(covariance)  # ascending
    eigenvalues, eigenvectors = ops.flip(eigenvalues, 0), ops.flip(eigenvectors, 1)
    filters = eigenvectors / ops.sqrt(ops.maximum(eigenvalues, 0.0) + epsilon)
    kernel = ops.reshape(filters, (k, k, channels, k * k * channels))
    return ops.concatenate([kernel, -kernel], axis=-1)


@keras.saving.register_keras_serializable(package="keras_recipes")
class PatchWhitening(keras.layers.Layer):
    """A `kernel_size` x `kernel_size` "valid" convolution with a frozen
    (non-trainable) kernel and a trainable bias.

    The kernel is data: fit it with `patch_whitening_kernel(train_images)`
    and `layer.set_kernel(kernel)` before training. It is a (non-trainable)
    weight, so it is saved with the model's weights: a resumed run, a saved
    `.keras` model and an export carry the fitted kernel. The output has
    `2 * kernel_size**2 * C` channels.

    Args:
        kernel_size: the patch side. Defaults to 2.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Example:

    >>> layer = PatchWhitening()
    >>> images = keras.random.normal((16, 8, 8, 3))
    >>> layer.build(images.shape)
    >>> layer.set_kernel(patch_whitening_kernel(images))
    >>> tuple(layer(images).shape)
    (16, 7, 7, 24)
    """

    def __init__(self, kernel_size=2, **kwargs):
        super().__init__(**kwargs)
        self.kernel_size = _utils.positive_int(kernel_size, "kernel_size")

    def filters_for(self, channels):
        """The number of output channels for `channels` input channels."""
        return 2 * self.kernel_size**2 * channels

    def build(self, input_shape):
        channels = input_shape[-1]
        k = self.kernel_size
        self.kernel = self.add_weight(
            name="kernel", shape=(k, k, channels, self.filters_for(channels)),
            initializer="glorot_uniform", trainable=False)
        self.bias = self.add_weight(name="bias", shape=(self.filters_for(channels),),
                                    initializer="zeros")

    def set_kernel(self, kernel):
        """Replace the frozen kernel, e.g. with `patch_whitening_kernel(images)`."""
        _utils.assign_fitted(self.kernel, kernel, "kernel")

    def call(self, inputs):
        kernel = ops.cast(self.kernel, self.compute_dtype)
        outputs = ops.conv(inputs, kernel, strides=1, padding="valid")
        return outputs + ops.cast(self.bias, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        k = self.kernel_size
        spatial = [None if d is None else d - k + 1 for d in input_shape[1:3]]
        return (input_shape[0], *spatial, self.filters_for(input_shape[-1]))

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size}
