"""`dcgan_generator` / `dcgan_discriminator`: the two players of a DCGAN
(Radford et al. 2016) for small images, as functional `keras.Model`s.

The layout is the DCGAN guidelines at MNIST/CIFAR scale (the TensorFlow
DCGAN tutorial's, with widths as arguments):

- generator: noise -> Dense to a (size/4 x size/4 x 4w) map -> BN -> LeakyReLU
  -> 5x5 transposed conv to 2w (stride 1) -> BN -> LeakyReLU -> 5x5 transposed
  conv to w (stride 2) -> BN -> LeakyReLU -> 5x5 transposed conv to the
  image channels (stride 2) -> tanh, so images come out in [-1, 1];
- discriminator: image in [-1, 1] -> 5x5 conv w (stride 2) -> LeakyReLU(0.2)
  -> dropout -> 5x5 conv 2w (stride 2) -> LeakyReLU(0.2) -> dropout -> one
  logit. Strided convolutions instead of pooling and no batch norm in the
  discriminator: batch norm there mixes real and fake statistics when the
  two are fed as separate batches, the usual source of a collapsing D.

Both end in a float32 layer, so under mixed precision the images and the
logits (and with them the losses) stay float32.

Example:

>>> import keras
>>> from keras_recipes.layers import dcgan_discriminator, dcgan_generator
>>> g = dcgan_generator(latent_dim=64, image_shape=(28, 28, 1), width=32)
>>> d = dcgan_discriminator(image_shape=(28, 28, 1), width=32)
>>> tuple(d(g(keras.random.normal((2, 64)))).shape)
(2, 1)
"""

import keras

from ._utils import ArgumentError


def _check_image_shape(image_shape):
    image_shape = tuple(int(d) for d in image_shape)
    if len(image_shape) != 3 or image_shape[0] != image_shape[1] or image_shape[0] % 4:
        raise ArgumentError(
            "`image_shape` must be (size, size, channels) with size divisible by 4 (two stride-2 "
            f"stages). Received: image_shape={image_shape}"
        )
    return image_shape


def dcgan_generator(latent_dim=100, image_shape=(28, 28, 1), width=64, name="generator"):
    """Builds the DCGAN generator: `[batch, latent_dim]` noise -> images in [-1, 1].

    Args:
        latent_dim: length of the noise vector.
        image_shape: `(size, size, channels)`, size divisible by 4.
        width: channels of the last hidden stage; the stages have
            `4 * width, 2 * width, width` channels (64: the TF tutorial's
            256/128/64).
        name: the model's name.

    Example:

    >>> g = dcgan_generator(latent_dim=16, image_shape=(28, 28, 1), width=8)
    >>> g.output_shape
    (None, 28, 28, 1)
    """
    if int(latent_dim) < 1:
        raise ArgumentError(f"`latent_dim` must be positive. Received: latent_dim={latent_dim}")
    if int(width) < 1:
        raise ArgumentError(f"`width` must be positive. Received: width={width}")
    size, _, channels = _check_image_shape(image_shape)
    start = size // 4
    noise = keras.Input((int(latent_dim),), name="noise")
    # No biases before batch norm: its offset replaces them.
    x = keras.layers.Dense(start * start * 4 * width, use_bias=False, name="project")(noise)
    x = keras.layers.BatchNormalization(name="project_bn")(x)
    x = keras.layers.LeakyReLU(0.2, name="project_act")(x)
    x = keras.layers.Reshape((start, start, 4 * width), name="to_map")(x)
    for stage, (filters, strides) in enumerate(((2 * width, 1), (width, 2)), start=1):
        x = keras.layers.Conv2DTranspose(filters, 5, strides=strides, padding="same",
                                         use_bias=False, name=f"up{stage}")(x)
        x = keras.layers.BatchNormalization(name=f"up{stage}_bn")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"up{stage}_act")(x)
    images = keras.layers.Conv2DTranspose(channels, 5, strides=2, padding="same",
                                          activation="tanh", dtype="float32", name="image")(x)
    return keras.Model(noise, images, name=name)


def dcgan_discriminator(image_shape=(28, 28, 1), width=64, dropout=0.3, name="discriminator"):
    """Builds the DCGAN discriminator: images in [-1, 1] -> one real/fake logit.

    Args:
        image_shape: `(size, size, channels)`, size divisible by 4.
        width: channels of the first conv; the second has twice as many.
        dropout: after each LeakyReLU (0: off); it keeps D from winning
            outright early on, when G's samples are still noise.
        name: the model's name.

    Example:

    >>> d = dcgan_discriminator(image_shape=(28, 28, 1), width=8)
    >>> d.output_shape
    (None, 1)
    """
    if int(width) < 1:
        raise ArgumentError(f"`width` must be positive. Received: width={width}")
    if not 0.0 <= float(dropout) < 1.0:
        raise ArgumentError(f"`dropout` must be in [0, 1). Received: dropout={dropout}")
    image_shape = _check_image_shape(image_shape)
    images = keras.Input(image_shape, name="image")
    x = images
    for stage, filters in enumerate((width, 2 * width), start=1):
        x = keras.layers.Conv2D(filters, 5, strides=2, padding="same", name=f"down{stage}")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"down{stage}_act")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"down{stage}_drop")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    logits = keras.layers.Dense(1, dtype="float32", name="logit")(x)
    return keras.Model(images, logits, name=name)
