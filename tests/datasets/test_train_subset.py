"""data.train_examples: a seeded, class-balanced subset of the training
split, drawn after validation is held out (which stays whole)."""

import numpy as np
import pytest

from keras_recipes.datasets import load_splits
from keras_recipes.datasets.splits import stratified_subset


def test_every_class_keeps_its_share_and_the_draw_is_seeded():
    labels = np.repeat([0, 1, 2], [50, 30, 20])
    rows = stratified_subset(labels, np.arange(100), 10, seed=3)
    assert rows.size == 10 and list(np.bincount(labels[rows])) == [5, 3, 2]
    assert np.array_equal(rows, stratified_subset(labels, np.arange(100), 10, seed=3))
    assert not np.array_equal(rows, stratified_subset(labels, np.arange(100), 10, seed=4))


def test_shares_that_do_not_divide_still_add_up():
    labels = np.repeat([0, 1, 2], [7, 7, 7])
    assert stratified_subset(labels, np.arange(21), 10, seed=0).size == 10


@pytest.mark.parametrize("n", [0, -1, 2.5, True])
def test_a_bad_size_is_refused(n):
    with pytest.raises(ValueError, match="train_examples"):
        stratified_subset(np.zeros(4, int), np.arange(4), n, seed=0)


def test_load_splits_trains_on_the_subset_and_keeps_validation_whole():
    x = np.zeros((200, 4, 4, 3), "uint8")
    y = np.arange(200) % 4
    whole = load_splits((x, y), kind="image", val_fraction=0.2, seed=0, progress=False)
    subset = load_splits((x, y), kind="image", val_fraction=0.2, seed=0, progress=False,
                         train_examples=40)
    assert subset.counts["train"] == 40 and subset.counts["val"] == whole.counts["val"] == 40
    labels = np.array([int(l) for _, l in subset.train.as_numpy_iterator()])
    assert list(np.bincount(labels)) == [10, 10, 10, 10]
