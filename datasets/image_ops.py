"""TensorFlow ops shared by the image sources: decode, fix channels, resize to uint8."""

import re

import tensorflow as tf


def decode_image_file(path, channels):
    """Reads and decodes one JPEG/PNG/BMP/GIF file to uint8 [H, W, channels].

    Every format is decoded to RGB first (BMP and GIF decoders cannot produce
    one channel directly), then converted to grayscale when `channels == 1`.
    Animated GIFs give their first frame.
    """
    image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
    image.set_shape([None, None, 3])
    return convert_channels(image, channels)


def convert_channels(image, channels):
    """uint8 image [H, W, C] with a static C in {1, 2, 3, 4} -> [H, W, channels].

    Alpha is dropped (RGBA -> RGB, gray+alpha -> gray), gray is replicated to
    RGB and RGB is converted to luma for `channels == 1`.
    """
    c = image.shape[-1]
    if c is None:
        raise ValueError(f"the number of image channels must be known. Received: shape={image.shape}")
    if c in (2, 4):  # drop alpha
        image = image[..., : c - 1]
        c -= 1
    if c == channels:
        return image
    if c == 1 and channels == 3:
        return tf.image.grayscale_to_rgb(image)
    if c == 3 and channels == 1:
        return tf.image.rgb_to_grayscale(image)
    raise ValueError(f"cannot convert images with {c} channels to {channels}")


def resize_uint8(image, size):
    """Resizes a uint8 image [H, W, C] to `size` (h, w); uint8 out, rounded and clipped.

    A no-op when the image already has that size. Bilinear with antialiasing,
    so that downscaling large photos does not alias.
    """
    if size is None:
        return image
    height, width = size
    static = image.shape[:2]
    if static[0] == height and static[1] == width:
        return image

    def resize():
        resized = tf.image.resize(image, (height, width), method="bilinear", antialias=True)
        return tf.cast(tf.clip_by_value(tf.round(resized), 0.0, 255.0), tf.uint8)

    if static.is_fully_defined():
        return resize()
    shape = tf.shape(image)
    same = tf.logical_and(tf.equal(shape[0], height), tf.equal(shape[1], width))
    out = tf.cond(same, lambda: image, resize)
    out.set_shape([height, width, image.shape[-1]])
    return out


def to_uint8(image):
    """Pixels to uint8: integer dtypes are clipped to [0, 255], floats rounded too.

    Floats are taken to be in [0, 255]; sources that hold [0, 1] floats scale
    them first (see arrays.py).
    """
    if image.dtype == tf.uint8:
        return image
    image = tf.cast(image, tf.float32)
    return tf.cast(tf.clip_by_value(tf.round(image), 0.0, 255.0), tf.uint8)


def prepare_image(image, size, channels):
    """Any image tensor [H, W] or [H, W, C] -> uint8 [size..., channels]."""
    image = tf.convert_to_tensor(image)
    if image.shape.rank == 2:
        image = image[..., tf.newaxis]
    image = to_uint8(image)
    image = convert_channels(image, channels)
    return resize_uint8(image, size)


def short_tf_error(error):
    """The useful part of a TensorFlow op error, on one line."""
    message = getattr(error, "message", None) or str(error)
    message = re.sub(r"\{\{[^}]*\}\}", "", message)
    message = re.sub(r"\[Op:[^\]]*\].*", "", message)
    return " ".join(message.split()).strip() or type(error).__name__
