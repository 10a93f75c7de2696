"""The "blocks" validation split: contiguous runs of file names, per class."""

import numpy as np
import pytest
from data_helpers import write_text

from keras_recipes.datasets import load_splits
from keras_recipes.datasets.splits import block_split, natural_key, split_rows


def _imdb_like(n_per_class, rng):
    """aclImdb-style names `<id>_<rating>.txt`, listed in string order (1, 10, 100, 11, ...)."""
    labels = np.repeat([0, 1], n_per_class)
    keys = [f"{cls}/{i}_{rng.integers(1, 11)}.txt" for cls in ("neg", "pos") for i in range(n_per_class)]
    order = sorted(range(labels.size), key=lambda i: keys[i])  # what a plain sort of the paths gives
    return labels[order], [keys[i] for i in order]


def test_natural_order_sorts_numbers_as_numbers():
    names = ["a/10_7.txt", "a/9_1.txt", "a/100_2.txt", "a/11_3.txt"]
    assert sorted(names, key=natural_key) == ["a/9_1.txt", "a/10_7.txt", "a/11_3.txt", "a/100_2.txt"]


def test_blocks_are_stratified_contiguous_and_deterministic():
    labels, keys = _imdb_like(1000, np.random.default_rng(0))
    train, val = block_split(labels, 0.1, seed=3, keys=keys)
    assert np.bincount(labels[val]).tolist() == [100, 100]  # as many per class as the random split
    assert np.intersect1d(train, val).size == 0 and train.size + val.size == labels.size
    for cls in (0, 1):
        ids = np.sort([int(keys[i].split("/")[1].split("_")[0]) for i in val if labels[i] == cls])
        runs = np.split(ids, np.flatnonzero(np.diff(ids) != 1) + 1)
        assert len(runs) <= 10 and all(run.size >= 10 for run in runs)  # whole blocks of ids
    again = block_split(labels, 0.1, seed=3, keys=keys)[1]
    other = block_split(labels, 0.1, seed=4, keys=keys)[1]
    assert np.array_equal(val, again) and not np.array_equal(val, other)


def test_blocks_without_names_follow_row_order_and_zero_holds_nothing_out():
    labels = np.arange(200) % 2
    _, val = block_split(labels, 0.2, seed=0, blocks=2)
    for cls in (0, 1):
        rows = np.flatnonzero(labels[val] == cls)
        assert rows.size == 20
    assert block_split(labels, 0.0, seed=0)[1].size == 0
    with pytest.raises(ValueError, match="val_split"):
        split_rows(labels, 0.1, 0, method="shuffle")


def test_folder_source_uses_file_names(tmp_path):
    for cls in ("neg", "pos"):
        for i in range(200):
            write_text(tmp_path / cls / f"{i}_{i % 10 + 1}.txt", f"{cls} review {i}")
    splits = load_splits(tmp_path, kind="text", val_fraction=0.25, seed=0, val_split="blocks",
                         progress=False)
    assert splits.counts == {"train": 300, "val": 100, "test": 0}
    ids = sorted(int(t.decode().split()[-1]) for t, y in splits.val.as_numpy_iterator() if y == 0)
    runs = np.split(np.array(ids), np.flatnonzero(np.diff(ids) != 1) + 1)
    assert len(ids) == 50 and len(runs) <= 10 and all(run.size >= 5 for run in runs)
