"""`load_splits`: any supported source -> `Splits` of unbatched (x, y) datasets."""

import os

import numpy as np
import tensorflow as tf

from keras_recipes.datasets.arrays import array_part, dataset_part
from keras_recipes.datasets.errors import DataError
from keras_recipes.datasets.folders import find_split_folders
from keras_recipes.datasets.image_folder import load_image_folder
from keras_recipes.datasets.spec import (DEFAULT_MAX_IN_MEMORY_MB, SPLIT_FOLDER_NAMES,
                                         check_channels, check_kind, image_hw)
from keras_recipes.datasets.splits import Splits, check_same_classes, split_rows, stratified_subset
from keras_recipes.datasets.text_folder import load_text_folder
from keras_recipes.datasets.tfds_source import load_tfds
from keras_recipes.datasets.paths import check_directory

_ROLES = ("train", "val", "test")


def load_splits(source, *, kind, image_size=None, channels=3, val_fraction=0.1, seed=0,
                val_split="random", data_dir=None, strict=False, progress=True, class_names=None,
                max_in_memory_mb=DEFAULT_MAX_IN_MEMORY_MB, sequence_length=None, train_examples=None):
    """Loads a labelled data set as train / val / test `Splits`.

    Args:
        source: one of
            - `"tfds:NAME"`: a TensorFlow Datasets name (`tfds:cifar10`,
              `tfds:imdb_reviews`), read from / prepared into `data_dir`;
            - a folder: `root/<class>/<file>` (images: jpg, jpeg, png, bmp,
              gif; text: txt), or a split layout `root/train/<class>/...`
              with optional `root/val/` (or `validation/`) and `root/test/`;
            - numpy arrays `(x, y)`, with `y` integer class ids;
            - a `tf.data.Dataset` of `(x, y)` pairs;
            - a dict `{"train": s, "val": s, "test": s}` of the above
              (folders, arrays or datasets; "val"/"test" optional), or
              `{"x": x, "y": y}`.
        kind: `"image"`, `"text"` or `"corpus"`: one text (a `.txt` file or
            a folder of them) cut into windows of `sequence_length` for a
            language model, its tail held out (`datasets.corpus`).
        image_size: int or (height, width) to resize every image to; None
            keeps the train images' size (they must all have one size).
        channels: 3 (RGB) or 1 (grayscale); images are converted to it.
        val_fraction: share of every class of train held out for
            validation when the source has no validation split (0: none).
        seed: seed of that stratified split (same seed, same split).
        train_examples: keep only this many training examples, the same share
            of every class, drawn with `seed` after validation is held out (the
            validation and test splits stay whole). None: all. For small-data
            experiments (overfitting, augmentation) and short budgets.
        val_split: how it is carved: `"random"` rows, or `"blocks"`:
            contiguous runs of each class in file-name order (see
            `block_split`), for data whose neighbours are related.
        data_dir: TFDS data directory.
        strict: raise `DataError` on the first unreadable image instead of
            skipping it with a `DataWarning`.
        progress: show progress bars for large folders and print the
            one-line summary.
        class_names: the classes to use, in label order. Folders: picks and
            orders the class sub-folders (others are ignored). Arrays and
            datasets: names the integer labels (and bounds them).
        max_in_memory_mb: image folders whose decoded pixels fit in this
            many MiB are decoded once and kept in memory; larger ones are
            decoded from their files by the pipeline.

    Returns:
        `Splits` whose datasets yield unbatched `(x, y)`: uint8 `[H, W, C]`
        images or `tf.string` texts, with int32 labels.

    Raises:
        DataError: a problem with the data, in one line naming the path or value.

    Example:

    ```python
    splits = load_splits("/data/flowers", kind="image", image_size=64)
    # train 3303 / val 367 / test 0 examples, 5 classes, images 64x64x3 uint8
    ```
    """
    check_kind(kind)
    if kind == "corpus":
        if train_examples is not None:
            raise ValueError("`train_examples` does not apply to a corpus (kind='corpus'); "
                             f"Received: train_examples={train_examples!r}")
        from keras_recipes.datasets.corpus import load_corpus_splits

        return load_corpus_splits(source, sequence_length=sequence_length, val_fraction=val_fraction,
                                  progress=progress)
    size = image_hw(image_size)
    if kind == "image":
        check_channels(channels)
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"`val_fraction` must be in [0, 1). Received: val_fraction={val_fraction}")
    options = dict(kind=kind, size=size, channels=channels, strict=strict, progress=progress,
                   class_names=class_names, max_in_memory_mb=max_in_memory_mb)

    if isinstance(source, str) and source.startswith("tfds:"):
        parts, image_shape = load_tfds(source[len("tfds:"):], kind=kind, size=size, channels=channels,
                                       data_dir=data_dir)
        skipped = []
    elif isinstance(source, (str, os.PathLike)):
        parts, image_shape, skipped = _load_folder(source, **options)
    elif isinstance(source, dict):
        parts, image_shape, skipped = _load_dict(source, **options)
    else:
        part, image_shape, skipped = _load_one(source, "train", "the train data", **options)
        parts = {"train": part, "val": None, "test": None}

    names = _resolve_class_names(parts, class_names)
    datasets, counts = _build(parts, val_fraction, seed, val_split, train_examples)
    splits = Splits(
        train=datasets["train"], val=datasets["val"], test=datasets["test"], class_names=names,
        counts=counts, kind=kind, image_shape=image_shape, skipped=skipped,
    )
    if progress:
        print(splits.summary())
    return splits


def _load_one(source, role, origin, *, kind, size, channels, strict, progress, class_names,
              max_in_memory_mb):
    """One split from a folder, arrays or a tf.data.Dataset -> (Part, image shape, skipped)."""
    if isinstance(source, (str, os.PathLike)):
        folder = check_directory(source)
        if kind == "image":
            return load_image_folder(folder, size=size, channels=channels, class_names=class_names,
                                     strict=strict, progress=progress, max_in_memory_mb=max_in_memory_mb)
        return load_text_folder(folder, class_names=class_names, progress=progress), None, []
    if isinstance(source, tf.data.Dataset):
        part, shape = dataset_part(source, kind=kind, size=size, channels=channels, origin=origin)
        return part, shape, []
    if isinstance(source, dict) and set(source) == {"x", "y"}:
        source = (source["x"], source["y"])
    if isinstance(source, (tuple, list)) and len(source) == 2:
        part, shape = array_part(source[0], source[1], kind=kind, size=size, channels=channels, origin=origin)
        return part, shape, []
    raise DataError(
        f"unsupported {role} data source of type {type(source).__name__}; expected 'tfds:NAME', "
        "a folder path, (x, y) arrays, a dict of splits or a tf.data.Dataset"
    )


def _load_splits_in_order(sources, options):
    """Loads train first; val/test then use train's image size and class names (if given)."""
    parts, skipped, image_shape = {}, [], None
    for role in _ROLES:
        source = sources.get(role)
        if source is None:
            parts[role] = None
            continue
        origin = source if isinstance(source, (str, os.PathLike)) else f"the {role} data"
        if role != "train" and image_shape is not None:
            options = {**options, "size": image_shape[:2]}
        part, shape, bad = _load_one(source, role, str(origin), **options)
        parts[role] = part
        skipped += bad
        image_shape = image_shape or shape
    return parts, image_shape, skipped


def _load_folder(path, **options):
    root = check_directory(path)
    return _load_splits_in_order(find_split_folders(root), options)


def _load_dict(source, **options):
    if set(source) == {"x", "y"}:
        part, shape, skipped = _load_one(source, "train", "the train data", **options)
        return {"train": part, "val": None, "test": None}, shape, skipped
    aliases = {name: role for role, names in SPLIT_FOLDER_NAMES.items() for name in names}
    unknown = [k for k in source if k not in aliases]
    if unknown or "train" not in source:
        raise DataError(
            f"a dict source needs a 'train' key and optional 'val'/'test' keys; got {sorted(source)}"
        )
    return _load_splits_in_order({aliases[k]: v for k, v in source.items()}, options)


def _resolve_class_names(parts, class_names):
    """The class names shared by all splits; DataError when they disagree or labels exceed them."""
    present = [(role, parts[role]) for role in _ROLES if parts[role] is not None]
    if parts["train"].labels.size == 0:
        raise DataError(f"{parts['train'].origin} has no examples")
    named = [(role, part) for role, part in present if part.class_names is not None]
    if class_names is not None:
        names = [str(c) for c in class_names]
        reference = ("class_names", names)
    elif named:
        names = list(named[0][1].class_names)
        reference = (named[0][1].origin, names)
    else:
        highest = max((int(p.labels.max()) for _, p in present if p.labels.size), default=0)
        names = [str(i) for i in range(highest + 1)]
        reference = None
    if reference is not None:
        for _, part in named:
            check_same_classes(reference[1], part.class_names, reference[0], part.origin)
    for _, part in present:
        if part.labels.size and part.labels.max() >= len(names):
            index = int(np.argmax(part.labels))
            raise DataError(
                f"label {part.labels[index]} at index {index} in {part.origin} is out of range "
                f"for {len(names)} classes {names}"
            )
    if len(names) < 2:
        raise DataError(f"only one class ({names[0]}) in {present[0][1].origin}; need at least two")
    return names


def _build(parts, val_fraction, seed, val_split="random", train_examples=None):
    """Datasets and counts per split, carving a stratified val split from train if needed.

    Train examples of folders and arrays are put in a seeded random order:
    folders list them class by class, and a shuffle buffer smaller than the
    data set would otherwise give batches of only the first classes.
    """
    train = parts["train"]
    rows = {"train": np.arange(train.labels.size), "val": None, "test": None}
    if parts["val"] is None and val_fraction > 0:
        rows["train"], rows["val"] = split_rows(train.labels, val_fraction, seed, val_split, train.keys)
        if rows["val"].size == 0:
            rows["val"] = None
    if train_examples is not None:
        rows["train"] = stratified_subset(train.labels, rows["train"], train_examples, seed)
    if train.any_order:
        rows["train"] = np.random.default_rng([seed, 1]).permutation(rows["train"])
    datasets, counts = {}, {}
    for role in _ROLES:
        part = parts[role]
        if role == "val" and part is None and rows["val"] is not None:
            part = train
        if part is None:
            datasets[role], counts[role] = None, 0
            continue
        selected = rows[role] if part is train else None
        count = int(part.labels.size if selected is None else selected.size)
        ds = part.make_dataset(selected)
        datasets[role] = ds.apply(tf.data.experimental.assert_cardinality(count))
        counts[role] = count
    return datasets, counts
