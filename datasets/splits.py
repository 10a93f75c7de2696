"""`Splits`, the loaded data set, and the seeded stratified train/val split."""

import dataclasses
import os
import re
from typing import Callable

import numpy as np
import tensorflow as tf

from keras_recipes.datasets.errors import DataError


@dataclasses.dataclass
class Splits:
    """A data set split into train / val / test, as unbatched `(x, y)` datasets.

    Elements are `(image, label)` with `image` uint8 `[H, W, C]` (already at
    the requested size) or `(text, label)` with `text` a `tf.string` scalar;
    `label` is an int32 scalar in `[0, len(class_names))`.

    Example:

    ```python
    splits = load_splits("tfds:cifar10", kind="image")
    print(splits.summary())
    # train 45000 / val 5000 / test 10000 examples, 10 classes, images 32x32x3 uint8
    train = make_pipeline(splits.train, batch_size=128, training=True)
    ```
    """

    train: tf.data.Dataset
    val: "tf.data.Dataset | None"
    test: "tf.data.Dataset | None"
    class_names: list
    counts: dict
    kind: str
    image_shape: "tuple | None" = None  # (H, W, C) for images, None for text
    skipped: list = dataclasses.field(default_factory=list)  # unreadable files left out

    @property
    def num_classes(self):
        return len(self.class_names)

    def summary(self):
        """One line, e.g. 'train 45000 / val 5000 / test 0 examples, 10 classes, images 32x32x3 uint8'."""
        counts = " / ".join(f"{name} {self.counts.get(name, 0)}" for name in ("train", "val", "test"))
        if self.kind == "image" and self.image_shape is not None:
            what = "images " + "x".join(str(d) for d in self.image_shape) + " uint8"
        else:
            what = self.kind
        line = f"{counts} examples, {self.num_classes} classes, {what}"
        if self.skipped:
            n = len(self.skipped)
            line += f", {n} unreadable file{'' if n == 1 else 's'} skipped"
        return line


@dataclasses.dataclass
class Part:
    """One split of a source before it becomes a tf.data.Dataset.

    `labels` are known up front (from the file listing, the arrays or a
    label-only pass), so the validation split can be carved by row index;
    `make_dataset(rows)` then builds the dataset of just those rows.
    """

    labels: np.ndarray  # int32 [n]
    make_dataset: Callable  # (rows: np.ndarray | None) -> unbatched (x, y) tf.data.Dataset
    origin: str  # where the split came from, for messages
    class_names: "list | None" = None  # None: the source has ids only (arrays, tf.data)
    # True when make_dataset(rows) returns the rows in the order given (folders,
    # arrays); False when it can only read the source in order (tf.data, TFDS).
    any_order: bool = False
    # Per-row names that give the source's natural order (file paths for
    # folders); None: the row order is the natural order. Block splits use it.
    keys: "list | None" = None


VAL_SPLITS = ("random", "blocks")
# Contiguous blocks held out per class by the "blocks" split: enough to
# sample the whole id range, few enough that neighbours rarely straddle an edge.
VAL_BLOCKS = 10


def natural_key(name):
    """Sort key of a file name in natural order: '9_1.txt' before '10_7.txt'."""
    base = os.path.basename(str(name))
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", base) if t]


def split_rows(labels, val_fraction, seed, method="random", keys=None):
    """(train_rows, val_rows) by `method`: "random" (`stratified_split`) or "blocks" (`block_split`)."""
    if method == "random":
        return stratified_split(labels, val_fraction, seed)
    if method == "blocks":
        return block_split(labels, val_fraction, seed, keys=keys)
    raise ValueError(f"`val_split` must be one of {', '.join(VAL_SPLITS)}. Received: val_split={method!r}")


def block_split(labels, val_fraction, seed, keys=None, blocks=VAL_BLOCKS):
    """Row indices (train_rows, val_rows) holding out contiguous runs of every class.

    For data whose neighbours are related (aclImdb numbers a movie's reviews
    consecutively, `<id>_<rating>.txt`), a random split puts one movie in both
    train and val and overstates accuracy. Here each class's rows are put in
    the natural order of `keys` (file names: by their numbers; None: row
    order), cut into `blocks` equal segments, and one contiguous run of
    `val_fraction` of the segment is held out from each, at a seeded offset.
    Same class sizes as `stratified_split`; deterministic given `seed`.

    >>> block_split(np.zeros(20, int), 0.2, seed=0, blocks=2)[1].size
    4
    """
    labels = np.asarray(labels)
    train, val = stratified_split(labels, val_fraction, seed)  # validates; gives the counts
    if val.size == 0:
        return train, val
    rng = np.random.default_rng(seed)
    val_rows = []
    for cls in np.unique(labels):
        rows = np.flatnonzero(labels == cls)
        n_val = int(np.count_nonzero(labels[val] == cls))
        if n_val == 0:
            continue
        if keys is not None:
            rows = rows[sorted(range(rows.size), key=lambda i: natural_key(keys[rows[i]]))]
        segments = np.array_split(np.arange(rows.size), min(blocks, n_val))
        sizes = [len(part) for part in np.array_split(np.arange(n_val), len(segments))]
        for segment, size in zip(segments, sizes):
            start = segment[0] + rng.integers(0, segment.size - size + 1)
            val_rows.append(rows[start:start + size])
    val = np.sort(np.concatenate(val_rows))
    return np.setdiff1d(np.arange(labels.size), val, assume_unique=True), val


def stratified_split(labels, val_fraction, seed):
    """Row indices (train_rows, val_rows) holding out `val_fraction` of every class.

    Deterministic given `seed`. Each class with at least two examples keeps at
    least one in each side; a class with a single example stays in train.
    Both index arrays are sorted, so the original order is kept.

    >>> stratified_split(np.array([0, 0, 0, 0, 1, 1, 1, 1]), 0.25, seed=0)[1].size
    2
    """
    labels = np.asarray(labels)
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"`val_fraction` must be in [0, 1). Received: val_fraction={val_fraction}")
    if val_fraction == 0.0:
        return np.arange(labels.size), np.arange(0)
    rng = np.random.default_rng(seed)
    val_rows = []
    for cls in np.unique(labels):
        rows = np.flatnonzero(labels == cls)
        if rows.size < 2:
            continue
        n_val = int(round(rows.size * val_fraction))
        n_val = min(max(n_val, 1), rows.size - 1)
        val_rows.append(rng.permutation(rows)[:n_val])
    val = np.sort(np.concatenate(val_rows)) if val_rows else np.arange(0)
    train = np.setdiff1d(np.arange(labels.size), val, assume_unique=True)
    return train, val


def stratified_subset(labels, rows, n, seed):
    """The sorted subset of ``rows`` with ``n`` of them, every class keeping
    its share (rounded; at least one each where ``n`` allows), drawn with ``seed``.

    ``n`` at or above ``rows.size`` keeps every row.

    >>> stratified_subset(np.array([0, 0, 0, 0, 1, 1, 1, 1]), np.arange(8), 4, seed=0).size
    4
    """
    rows = np.asarray(rows)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"`train_examples` must be a positive integer. Received: train_examples={n!r}")
    if n >= rows.size:
        return rows
    labels = np.asarray(labels)[rows]
    classes, sizes = np.unique(labels, return_counts=True)
    # Largest remainders: shares that add up to exactly n.
    exact = sizes * (n / rows.size)
    take = np.floor(exact).astype(int)
    for i in np.argsort(exact - take)[::-1][: n - take.sum()]:
        take[i] += 1
    rng = np.random.default_rng([seed, 2])
    picked = [rng.permutation(rows[labels == cls])[:k] for cls, k in zip(classes, take)]
    return np.sort(np.concatenate(picked))


def check_same_classes(expected, got, expected_origin, got_origin):
    """DataError naming both lists when two splits disagree on their classes."""
    if list(expected) != list(got):
        raise DataError(
            f"class names differ between {expected_origin} {list(expected)} "
            f"and {got_origin} {list(got)}; every split must have the same classes"
        )


def rows_filter(dataset, rows, total):
    """`dataset` restricted to the elements whose position is in `rows`.

    For sources that can only be read in order (tf.data, TFDS): each pass
    reads all `total` elements and keeps the selected ones.
    """
    if rows is None or len(rows) == total:
        return dataset
    mask = np.zeros(total, dtype=bool)
    mask[rows] = True
    mask = tf.constant(mask)
    return (
        dataset.enumerate()
        .filter(lambda i, element: tf.gather(mask, i))
        .map(lambda i, element: element)
    )
