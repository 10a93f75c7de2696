"""Does a folder of data look like what the recipe was made for?

Checked before the data loads, from a few files: text where the recipe
trains on images (or the other way round) and images whose colour and size
both differ from the recipe's (a CIFAR-10 folder for ``mnist-cnn``) are
refused unless ``data.convert=true``; one conversion (colour or size) and a
number of classes other than the recipe's dataset has are a one-line warning.

Example:

>>> from keras_recipes import get_recipe
>>> cfg = get_recipe("mnist-cnn").config()
>>> notes = data_fit_warnings(cfg, "~/data/mnist/train")  # [] for MNIST PNGs
"""

from __future__ import annotations

import os

import numpy as np

from keras_recipes.errors import DataError

_SAMPLED_CLASSES = 3  # first file of this many class folders


def _train_folder(root: str) -> str:
    from keras_recipes.datasets.folders import find_split_folders

    return find_split_folders(root)["train"]


def _class_folders(folder: str) -> list[str]:
    with os.scandir(folder) as entries:
        return sorted(e.path for e in entries if e.is_dir() and not e.name.startswith("."))


def _first_file(folder: str, extensions) -> str | None:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            if os.path.splitext(name)[1].lower() in extensions:
                return os.path.join(dirpath, name)
    return None


def _describe(image) -> tuple[tuple[int, int], int]:
    """((height, width), 1 grayscale | 3 colour); RGB files whose channels are
    all equal are grayscale."""
    if image.mode in ("1", "L", "LA", "I", "I;16", "F"):
        return (image.height, image.width), 1
    pixels = np.asarray(image.convert("RGB"))
    gray = (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all()
    return (image.height, image.width), 1 if gray else 3


def data_fit_warnings(cfg, source) -> list[str]:
    """Warnings about a folder ``source`` for ``cfg``'s recipe; raises
    DataError for data the recipe cannot have been meant for. Sources other
    than folders (TFDS, arrays) are not checked."""
    from PIL import Image

    from keras_recipes.datasets.spec import IMAGE_EXTENSIONS, TEXT_EXTENSIONS
    from keras_recipes.registry import get_recipe

    if not isinstance(source, (str, os.PathLike)) or str(source).startswith("tfds:"):
        return []
    root = os.path.abspath(os.path.expanduser(os.fspath(source)))
    if not os.path.isdir(root) or cfg.data.kind == "corpus":
        return []
    train = _train_folder(root)
    classes = _class_folders(train)
    sampled = classes[:_SAMPLED_CLASSES]
    images = [f for f in (_first_file(c, IMAGE_EXTENSIONS) for c in sampled) if f]
    texts = [f for f in (_first_file(c, TEXT_EXTENSIONS) for c in sampled) if f]
    recipe = cfg.recipe
    kind = cfg.data.kind
    if kind == "image" and texts and not images:
        raise DataError(f"{train} holds text files, but {recipe} trains on images; "
                        "choose a text recipe (recipes list)")
    if kind == "text" and images and not texts:
        raise DataError(f"{train} holds images, but {recipe} trains on text; "
                        "choose an image recipe (recipes list)")
    notes = []
    expected_classes = get_recipe(recipe).num_classes if recipe else 0
    if expected_classes and len(classes) != expected_classes:
        notes.append(f"{recipe} is made for {expected_classes} classes; {train} has "
                     f"{len(classes)} class folders, so it trains a {len(classes)}-class model")
    if kind != "image" or not images:
        return notes
    try:
        with Image.open(images[0]) as image:
            size, channels = _describe(image)
    except OSError:
        return notes  # unreadable: the loader reports it
    want = (cfg.data.image_size, cfg.data.image_size)
    colour = {1: "grayscale", 3: "colour"}
    have_text = f"{size[0]}x{size[1]} {colour[channels]}"
    want_text = f"{want[0]}x{want[1]} {colour[cfg.data.channels]}"
    if size != want and channels != cfg.data.channels and not cfg.data.convert:
        raise DataError(f"{train} holds {have_text} images, but {recipe} is made for {want_text} "
                        f"ones (another dataset?); --set data.convert=true converts them anyway")
    if size != want or channels != cfg.data.channels:
        notes.append(f"{recipe} converts the {have_text} images of {train} to {want_text} "
                     f"(data.image_size, data.channels)")
    return notes
