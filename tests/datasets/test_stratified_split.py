"""The seeded, stratified validation split and the Splits summary line."""

import numpy as np
import pytest
import tensorflow as tf

from keras_recipes.datasets import Splits, stratified_split


def test_every_class_loses_the_same_fraction_to_validation():
    labels = np.repeat(np.arange(5), [100, 50, 20, 10, 2])
    train, val = stratified_split(labels, 0.1, seed=0)
    assert np.bincount(labels[val], minlength=5).tolist() == [10, 5, 2, 1, 1]
    assert np.intersect1d(train, val).size == 0
    assert np.union1d(train, val).tolist() == list(range(labels.size))
    assert np.all(np.diff(train) > 0) and np.all(np.diff(val) > 0)  # original order kept


def test_split_depends_only_on_the_seed():
    labels = np.arange(1000) % 10
    a = stratified_split(labels, 0.2, seed=7)[1]
    b = stratified_split(labels, 0.2, seed=7)[1]
    c = stratified_split(labels, 0.2, seed=8)[1]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_a_class_with_one_example_stays_in_train_and_zero_fraction_means_no_val():
    labels = np.array([0, 0, 0, 1])
    train, val = stratified_split(labels, 0.3, seed=0)
    assert 3 in train and labels[val].tolist() == [0]
    assert stratified_split(labels, 0.0, seed=0)[1].size == 0


@pytest.mark.parametrize("fraction", [-0.1, 1.0])
def test_val_fraction_outside_0_1_is_refused(fraction):
    with pytest.raises(ValueError, match="val_fraction"):
        stratified_split(np.zeros(4), fraction, seed=0)


def test_summary_is_one_line_with_counts_classes_and_shape():
    empty = tf.data.Dataset.from_tensor_slices(([0], [0]))
    image = Splits(train=empty, val=empty, test=None, class_names=list("abcdefghij"),
                   counts={"train": 45000, "val": 5000, "test": 0}, kind="image", image_shape=(32, 32, 3))
    assert image.summary() == "train 45000 / val 5000 / test 0 examples, 10 classes, images 32x32x3 uint8"
    text = Splits(train=empty, val=None, test=empty, class_names=["neg", "pos"],
                  counts={"train": 20000, "val": 0, "test": 25000}, kind="text")
    assert text.summary() == "train 20000 / val 0 / test 25000 examples, 2 classes, text"
    assert text.num_classes == 2
