"""Helpers to write tiny image / text folders for the data tests."""

import os

import numpy as np
from PIL import Image


def write_image(path, pixels, fmt=None):
    """Writes a uint8 array ([H, W], [H, W, 3] or [H, W, 4]) as an image file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(path, format=fmt)
    return path


def make_image_folder(root, classes=("cat", "dog"), per_class=4, size=(8, 8), ext="png", seed=0):
    """`root/<class>/<i>.<ext>` with random RGB images; returns root."""
    rng = np.random.default_rng(seed)
    for name in classes:
        for i in range(per_class):
            write_image(os.path.join(root, name, f"{i}.{ext}"), rng.integers(0, 256, (*size, 3)))
    return str(root)


CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def write_text(path, content):
    """Writes `content` (str, or bytes written as is) to `path`."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def collect(dataset):
    """All (x, y) elements of a small dataset as two numpy arrays."""
    xs, ys = [], []
    for x, y in dataset:
        xs.append(x.numpy())
        ys.append(y.numpy())
    return np.stack(xs), np.asarray(ys)
