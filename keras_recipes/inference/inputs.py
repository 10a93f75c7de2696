"""Raw inputs for serving: image files to uint8 arrays, text files to strings.

Images are decoded and resized exactly as the image-folder loader does for
training (``tf.io.decode_image``, bilinear resize with antialiasing, rounded
to uint8), so a file predicts the same whether it was in the training folder
or is passed to ``recipes predict``. Formats TensorFlow cannot decode (WebP,
TIFF, ...) are read with Pillow.

Channels follow the training loader's one rule
(``keras_recipes.datasets.image_ops.convert_channels``): an alpha channel is
dropped, gray and RGB convert into each other; other channel counts are an
``InputError``. So an RGBA file predicts as it would have trained.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Tuple

import numpy as np

from keras_recipes.inference.run import InputError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff")
TEXT_EXTENSIONS = (".txt",)
_CHANNEL_NAMES = {1: "grayscale", 2: "grayscale + alpha", 3: "RGB", 4: "RGBA"}


def _describe(channels: int) -> str:
    name = _CHANNEL_NAMES.get(channels)
    return f"{channels} channel{'s' if channels != 1 else ''}" + (f" ({name})" if name else "")


def _files_in(folder: Path, extensions) -> List[Path]:
    files = [p for p in sorted(folder.rglob("*"))
             if p.is_file() and p.suffix.lower() in extensions
             and not any(part.startswith(".") for part in p.relative_to(folder).parts)]
    if not files:
        raise InputError(f"no files ending in {', '.join(extensions)} in {folder}")
    return files


def expand_paths(items, extensions) -> List[Path]:
    """Files and folders (searched recursively for ``extensions``) -> files."""
    paths = []
    for item in items:
        path = Path(os.path.expanduser(os.fspath(item)))
        if path.is_dir():
            paths.extend(_files_in(path, extensions))
        elif path.is_file():
            paths.append(path)
        else:
            raise InputError(f"no such file or folder: {path}")
    return paths


def _decode(path: Path) -> np.ndarray:
    """uint8 [H, W, C] with the file's own channels; InputError if unreadable."""
    import tensorflow as tf

    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from None
    try:
        image = tf.io.decode_image(data, channels=0, expand_animations=False, dtype=tf.uint8)
        return image.numpy()
    except (tf.errors.OpError, ValueError):
        pass
    try:  # formats TensorFlow does not decode
        from PIL import Image, UnidentifiedImageError

        with Image.open(path) as img:
            img.load()
            if img.mode == "P":
                img = img.convert("RGBA" if "transparency" in img.info else "RGB")
            elif img.mode not in ("L", "LA", "RGB", "RGBA"):
                img = img.convert("RGB")
            array = np.asarray(img)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"unreadable image file {path}: {reason}") from None
    if array.ndim == 2:
        array = array[..., None]
    if array.dtype != np.uint8:
        raise InputError(f"unsupported image {path}: {array.dtype} pixels, expected 8-bit")
    return array


def fit_channels(image: np.ndarray, channels: int, origin: str) -> np.ndarray:
    """``image`` [H, W, c] -> [H, W, channels] or a one-line InputError."""
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3:
        raise InputError(f"{origin}: expected an image [height, width, channels], got shape {image.shape}")
    if image.shape[-1] not in _CHANNEL_NAMES:
        raise InputError(
            f"{origin} has {_describe(image.shape[-1])}; the model takes {_describe(channels)} images"
        )
    import tensorflow as tf

    from keras_recipes.datasets.image_ops import convert_channels

    return convert_channels(tf.convert_to_tensor(image), channels).numpy()


def resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear with antialiasing, rounded to uint8: the training loader's resize."""
    if image.shape[:2] == (height, width):
        return image
    import tensorflow as tf

    from keras_recipes.datasets.image_ops import resize_uint8

    return resize_uint8(tf.convert_to_tensor(image), (height, width)).numpy()


def prepare_image(image: np.ndarray, image_shape, origin: str) -> np.ndarray:
    """Any uint8 image -> uint8 ``image_shape`` (channels fixed, then resized)."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        if not np.issubdtype(image.dtype, np.number):
            raise InputError(f"{origin}: expected uint8 pixels, got dtype {image.dtype}")
        image = np.clip(np.round(image), 0, 255).astype(np.uint8)
    height, width, channels = image_shape
    return resize(fit_channels(image, channels, origin), height, width)


def read_image(path, image_shape) -> np.ndarray:
    """An image file as the model's uint8 input [H, W, C]."""
    path = Path(path)
    return prepare_image(_decode(path), image_shape, str(path))


def read_text(path) -> str:
    """A text file's content (invalid UTF-8 bytes replaced, as in training)."""
    path = Path(path)
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from None


def image_inputs(items, image_shape) -> Tuple[List[str], np.ndarray]:
    """(names, uint8 [N, H, W, C]) from image paths and folders, or from an
    array: [N, H, W, C] is a batch, [H, W, C] or [H, W] one image."""
    if isinstance(items, np.ndarray) or hasattr(items, "numpy"):
        array = np.asarray(items)
        if array.ndim in (2, 3):
            array = array[None]
        if array.ndim != 4 or len(array) == 0:
            raise InputError(
                f"expected images [batch, height, width, channels] or one image; got shape {array.shape}"
            )
        images = [prepare_image(a, image_shape, f"input {i}") for i, a in enumerate(array)]
        return [f"[{i}]" for i in range(len(images))], np.stack(images)
    paths = expand_paths(items, IMAGE_EXTENSIONS)
    return [str(p) for p in paths], np.stack([read_image(p, image_shape) for p in paths])


def _is_text_file(item) -> bool:
    """Whether a command-line input names an existing .txt file."""
    if not isinstance(item, (str, os.PathLike)) or "\n" in str(item):
        return False
    try:
        path = Path(os.path.expanduser(os.fspath(item)))
        return path.is_file() and path.suffix.lower() in TEXT_EXTENSIONS
    except OSError:  # e.g. a long review is not a valid file name
        return False


def text_inputs(items, files: bool | None = None) -> Tuple[List[str], np.ndarray]:
    """(names, object array of str) from strings and/or text files.

    ``files=True`` reads every item as a file or a folder of .txt files;
    ``files=None`` (auto) reads the items that are existing .txt files and
    takes the others as text; ``files=False`` takes every item as text.
    """
    names, texts = [], []
    for item in items:
        if isinstance(item, bytes):
            item = item.decode("utf-8", errors="replace")
        if files or (files is None and _is_text_file(item)):
            for file in expand_paths([item], TEXT_EXTENSIONS):
                names.append(str(file))
                texts.append(read_text(file))
        else:
            names.append(str(item))
            texts.append(str(item))
    if not texts:
        raise InputError("no inputs to predict")
    return names, np.array(texts, dtype=object)
