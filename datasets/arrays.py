"""In-memory sources: numpy arrays `(x, y)` and `tf.data.Dataset`s of `(x, y)` pairs."""

import numpy as np
import tensorflow as tf

from keras_recipes.datasets import image_ops
from keras_recipes.datasets.errors import DataError
from keras_recipes.datasets.splits import Part, rows_filter
from keras_recipes.datasets.text_folder import clean_utf8


def check_label_values(labels, origin):
    """Labels (any array-like) -> int32 [N]; DataError unless they are integer ids >= 0."""
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise DataError(
            f"labels in {origin} must be integer class ids of shape [N]; got shape {labels.shape}"
        )
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        if not np.issubdtype(labels.dtype, np.floating) or np.any(labels != np.round(labels)):
            raise DataError(f"labels in {origin} must be integer class ids; got dtype {labels.dtype}")
    if labels.size and labels.min() < 0:
        index = int(np.argmin(labels))
        raise DataError(f"negative label {labels[index]} at index {index} in {origin}")
    return labels.astype(np.int32)


def _pixels_to_uint8(x, origin):
    """Image array -> uint8 [N, H, W, C]; floats in [0, 1] are scaled to [0, 255]."""
    x = np.asarray(x)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise DataError(f"images in {origin} must be a numeric array [N, H, W, C]; got dtype {x.dtype}")
    if x.ndim == 3:
        x = x[..., np.newaxis]
    if x.ndim != 4:
        raise DataError(f"images in {origin} must have shape [N, H, W] or [N, H, W, C]; got {x.shape}")
    if x.dtype == np.uint8 or x.size == 0:
        return x.astype(np.uint8, copy=False)
    low, high = float(x.min()), float(x.max())
    if np.issubdtype(x.dtype, np.floating) and low >= 0.0 and high <= 1.0:
        x = x * 255.0
    elif low < 0.0 or high > 255.0:
        raise DataError(f"pixel values in {origin} are in [{low}, {high}]; expected [0, 255] (or [0, 1] floats)")
    return np.clip(np.round(x), 0, 255).astype(np.uint8)


def array_part(x, y, *, kind, size, channels, origin):
    """One split from numpy arrays -> (Part, (H, W, C) or None)."""
    labels = check_label_values(y, origin)
    if len(x) != labels.size:
        raise DataError(f"{origin} has {len(x)} examples but {labels.size} labels")
    if kind == "text":
        texts = np.asarray(x, dtype=object)
        if texts.ndim != 1 or not all(isinstance(t, (str, bytes)) for t in texts):
            raise DataError(f"text examples in {origin} must be a 1-D sequence of str or bytes")

        def make_text_dataset(rows=None):
            rows = np.arange(labels.size) if rows is None else rows
            strings = tf.constant([texts[i] for i in rows], dtype=tf.string)
            ds = tf.data.Dataset.from_tensor_slices((strings, labels[rows]))
            return ds.map(lambda t, label: (clean_utf8(t), label))

        return Part(labels=labels, make_dataset=make_text_dataset, origin=origin, any_order=True), None

    pixels = _pixels_to_uint8(x, origin)
    target = size or pixels.shape[1:3]
    needs_map = tuple(target) != pixels.shape[1:3] or pixels.shape[-1] != channels

    def make_image_dataset(rows=None):
        rows = np.arange(labels.size) if rows is None else rows
        ds = tf.data.Dataset.from_tensor_slices((pixels[rows], labels[rows]))
        if needs_map:
            ds = ds.map(
                lambda image, label: (image_ops.prepare_image(image, target, channels), label),
                num_parallel_calls=tf.data.AUTOTUNE,
            )
        return ds

    return Part(labels=labels, make_dataset=make_image_dataset, origin=origin, any_order=True), (
        *target, channels)


def dataset_part(ds, *, kind, size, channels, origin):
    """One split from a tf.data.Dataset of (x, y) -> (Part, (H, W, C) or None).

    A batched dataset (images of rank 4, or text/labels of rank 1) is
    unbatched. The dataset is read once up front for its labels (and image
    sizes), which the stratified validation split and the checks need.
    """
    spec = ds.element_spec
    if not (isinstance(spec, tuple) and len(spec) == 2):
        raise DataError(f"a tf.data.Dataset source must yield (x, y) pairs; got element_spec {spec}")
    x_spec, y_spec = spec
    example_rank = 3 if kind == "image" else 0
    if y_spec.shape.rank == 1 and x_spec.shape.rank == example_rank + 1:
        ds = ds.unbatch()
        x_spec, y_spec = ds.element_spec
    if kind == "text" and x_spec.dtype != tf.string:
        raise DataError(f"text examples in {origin} must be tf.string; got {x_spec.dtype.name}")
    if kind == "image" and x_spec.shape.rank not in (2, 3):
        raise DataError(f"images in {origin} must have shape [H, W] or [H, W, C]; got {x_spec.shape}")

    def describe(x, y):
        if kind == "text":
            return y, tf.zeros([2], tf.int32), tf.constant(0.0)
        return y, tf.shape(x)[:2], tf.cast(tf.reduce_max(x), tf.float32)

    labels, shapes, maxima = [], [], []
    for y, shape, high in ds.map(describe).batch(4096):
        labels.append(y.numpy())
        shapes.append(shape.numpy())
        maxima.append(high.numpy())
    if not labels:
        raise DataError(f"{origin} is empty")
    labels = check_label_values(np.concatenate(labels), origin)
    total = labels.size

    if kind == "text":
        def make_text_dataset(rows=None):
            return rows_filter(ds, rows, total).map(lambda t, label: (clean_utf8(t), tf.cast(label, tf.int32)))

        return Part(labels=labels, make_dataset=make_text_dataset, origin=origin), None

    shapes = np.concatenate(shapes)
    if size is None and np.any(shapes != shapes[0]):
        raise DataError(
            f"images in {origin} have different sizes ({shapes[0][0]}x{shapes[0][1]} and "
            f"{shapes[np.any(shapes != shapes[0], axis=1)][0].tolist()}); pass image_size to resize them"
        )
    target = size or tuple(int(v) for v in shapes[0])
    scale = x_spec.dtype.is_floating and float(np.max(np.concatenate(maxima))) <= 1.0

    def convert(image, label):
        if scale:
            image = tf.cast(image, tf.float32) * 255.0
        return image_ops.prepare_image(image, target, channels), tf.cast(label, tf.int32)

    def make_image_dataset(rows=None):
        return rows_filter(ds, rows, total).map(convert, num_parallel_calls=tf.data.AUTOTUNE)

    return Part(labels=labels, make_dataset=make_image_dataset, origin=origin), (*target, channels)
