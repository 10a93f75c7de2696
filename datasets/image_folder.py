"""Image folders: `root/<class>/*.{jpg,jpeg,png,bmp,gif}`, validated once, decoded in parallel."""

import warnings

import keras
import numpy as np
import tensorflow as tf

from keras_recipes.datasets import image_ops
from keras_recipes.datasets.errors import DataError, DataWarning
from keras_recipes.datasets.folders import list_class_files
from keras_recipes.datasets.spec import IMAGE_EXTENSIONS, PROGRESS_MIN_FILES
from keras_recipes.datasets.splits import Part

_SCAN_BATCH = 256
_MAX_LISTED = 5


def load_image_folder(root, *, size, channels, class_names=None, strict=False, progress=True,
                      max_in_memory_mb=2048):
    """One split from `root/<class>/<image>` -> (Part, (H, W, C), skipped paths).

    Every file is decoded once up front, in parallel, which both validates it
    and (when the decoded images fit in `max_in_memory_mb`) keeps its pixels,
    so the training pipeline never decodes again. Unreadable files (corrupt,
    truncated, not really images) are skipped with a `DataWarning` naming
    them, or raise `DataError` when `strict`. With `size=None` all images must
    share one size; otherwise they are resized to `size` (h, w).
    """
    paths, labels, class_names = list_class_files(
        root, IMAGE_EXTENSIONS, class_names=class_names, progress=progress
    )
    target = size or _first_readable_size(paths)
    if target is None:
        raise DataError(f"no readable image in {root} ({len(paths)} files tried)")
    height, width = target
    keep_pixels = len(paths) * height * width * channels <= max_in_memory_mb * 2**20
    ok, shapes, pixels = _scan(paths, target, channels, keep_pixels, progress and len(paths) >= PROGRESS_MIN_FILES)

    skipped = [p for p, good in zip(paths, ok) if not good]
    if skipped and strict:
        raise DataError(f"unreadable image file {skipped[0]}: {_decode_error(skipped[0], channels)}")
    if skipped:
        listed = ", ".join(skipped[:_MAX_LISTED])
        more = f" and {len(skipped) - _MAX_LISTED} more" if len(skipped) > _MAX_LISTED else ""
        files = "file" if len(skipped) == 1 else "files"
        warnings.warn(
            f"skipped {len(skipped)} unreadable image {files} in {root}: {listed}{more} "
            "(--set data.strict=true, or strict=True in Python, stops at the first one)",
            DataWarning,
            stacklevel=3,
        )
    if size is None:
        _check_same_size(np.asarray(paths)[ok], shapes[ok], root)

    paths = np.asarray(paths)
    if not ok.all():  # (copies: only when something was skipped)
        paths, labels = paths[ok], labels[ok]
        pixels = pixels[ok] if keep_pixels else None

    def make_dataset(rows=None):
        rows = np.arange(labels.size) if rows is None else rows
        if pixels is not None:
            return tf.data.Dataset.from_tensor_slices((pixels[rows], labels[rows]))
        ds = tf.data.Dataset.from_tensor_slices((paths[rows], labels[rows]))
        return ds.map(
            lambda path, label: (image_ops.resize_uint8(image_ops.decode_image_file(path, channels), target), label),
            num_parallel_calls=tf.data.AUTOTUNE,
        )

    part = Part(labels=labels, make_dataset=make_dataset, origin=root, class_names=class_names,
                any_order=True, keys=list(paths))
    return part, (height, width, channels), skipped


def _first_readable_size(paths):
    """(h, w) of the first file that decodes, or None if none does."""
    for path in paths:
        try:
            image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
            return int(image.shape[0]), int(image.shape[1])
        except (tf.errors.OpError, ValueError):
            continue
    return None


def _scan(paths, target, channels, keep_pixels, progress):
    """Decodes every file once -> (ok mask, original (h, w) per file, pixels or None)."""
    n = len(paths)

    def check(index, path):
        image = image_ops.decode_image_file(path, channels)
        shape = tf.shape(image)[:2]
        if keep_pixels:
            return index, shape, image_ops.resize_uint8(image, target)
        return index, shape

    ds = tf.data.Dataset.from_tensor_slices((tf.range(n, dtype=tf.int64), tf.constant(paths, tf.string)))
    # Order does not matter here (results are placed by index), so let
    # tf.data finish files in any order; `ignore_errors` drops unreadable ones.
    ds = ds.map(check, num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
    ds = ds.ignore_errors().batch(_SCAN_BATCH).prefetch(2)

    ok = np.zeros(n, dtype=bool)
    shapes = np.zeros((n, 2), dtype=np.int64)
    pixels = np.zeros((n, *target, channels), dtype=np.uint8) if keep_pixels else None
    bar = keras.utils.Progbar(n, unit_name="image") if progress else None
    seen = 0
    for batch in ds:
        index = batch[0].numpy()
        ok[index] = True
        shapes[index] = batch[1].numpy()
        if keep_pixels:
            pixels[index] = batch[2].numpy()
        seen += index.size
        if bar is not None:
            bar.update(seen)
    if bar is not None and seen < n:
        bar.update(n)
    return ok, shapes, pixels


def _decode_error(path, channels):
    try:
        image_ops.decode_image_file(path, channels)
    except Exception as error:  # we only want its message
        return image_ops.short_tf_error(error)
    return "could not be read"


def _check_same_size(paths, shapes, root):
    """DataError when images differ in size and no `image_size` was given to resize them."""
    if shapes.size == 0:
        return
    first = tuple(shapes[0])
    different = np.flatnonzero(np.any(shapes != shapes[0], axis=1))
    if different.size:
        other = tuple(shapes[different[0]])
        raise DataError(
            f"images in {root} have different sizes ({first[0]}x{first[1]} in {paths[0]}, "
            f"{other[0]}x{other[1]} in {paths[different[0]]}); pass image_size to resize them"
        )
