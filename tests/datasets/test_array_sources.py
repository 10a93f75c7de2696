"""In-memory sources: numpy (x, y), dicts of splits and tf.data.Datasets."""

import numpy as np
import pytest
import tensorflow as tf
from data_helpers import collect

from keras_recipes.datasets import DataError, load_splits


def _images(n, size=8, channels=3, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, channels), dtype=np.uint8)


def test_numpy_arrays_are_split_stratified_and_keep_their_pixels():
    x = _images(40)
    y = np.repeat([0, 1, 2, 3], 10)
    splits = load_splits((x, y), kind="image", val_fraction=0.2, seed=3, progress=False)
    assert splits.counts == {"train": 32, "val": 8, "test": 0}
    assert splits.class_names == ["0", "1", "2", "3"]
    xt, yt = collect(splits.train)
    xv, yv = collect(splits.val)
    assert np.bincount(yv).tolist() == [2, 2, 2, 2]
    originals = {img.tobytes(): label for img, label in zip(x, y)}
    pairs = zip(np.concatenate([xt, xv]), np.concatenate([yt, yv]))
    assert all(originals[img.tobytes()] == label for img, label in pairs)  # every image kept its label


def test_dict_of_splits_with_class_names():
    source = {"train": (_images(6), [0, 1, 2, 0, 1, 2]), "test": {"x": _images(3, seed=1), "y": [2, 1, 0]}}
    splits = load_splits(source, kind="image", class_names=["a", "b", "c"], val_fraction=0, progress=False)
    assert splits.class_names == ["a", "b", "c"]
    assert splits.counts == {"train": 6, "val": 0, "test": 3}


def test_labels_out_of_range_are_refused():
    with pytest.raises(DataError, match=r"label 3 at index 1 in the train data is out of range for 3 classes"):
        load_splits((_images(3), [0, 3, 1]), kind="image", class_names=["a", "b", "c"], progress=False)


def test_negative_labels_are_refused():
    with pytest.raises(DataError, match="negative label -1 at index 2"):
        load_splits((_images(3), [0, 1, -1]), kind="image", progress=False)


def test_non_integer_labels_and_length_mismatch_are_refused():
    with pytest.raises(DataError, match="integer class ids"):
        load_splits((_images(2), [0.5, 1.0]), kind="image", progress=False)
    with pytest.raises(DataError, match="has 3 examples but 2 labels"):
        load_splits((_images(3), [0, 1]), kind="image", progress=False)


def test_float_images_in_0_1_are_scaled_to_uint8_and_grayscale_gets_channels():
    x = np.full((4, 6, 6), 0.5, dtype=np.float32)
    splits = load_splits((x, [0, 1, 0, 1]), kind="image", image_size=4, val_fraction=0, progress=False)
    images, _ = collect(splits.train)
    assert images.dtype == np.uint8 and images.shape == (4, 4, 4, 3)
    assert np.all(images == 128)


def test_tf_data_dataset_source_is_converted_and_split():
    x = _images(20)
    y = np.arange(20) % 2
    ds = tf.data.Dataset.from_tensor_slices((x, y.astype(np.int64)))
    splits = load_splits(ds, kind="image", val_fraction=0.2, progress=False)
    assert splits.counts == {"train": 16, "val": 4, "test": 0}
    xt, yt = collect(splits.train)
    assert xt.dtype == np.uint8 and yt.dtype == np.int32
    assert splits.train.element_spec[1].dtype == tf.int32


def test_batched_tf_data_dataset_is_unbatched():
    ds = tf.data.Dataset.from_tensor_slices((_images(10), np.arange(10) % 2)).batch(4)
    splits = load_splits(ds, kind="image", val_fraction=0, progress=False)
    assert collect(splits.train)[0].shape == (10, 8, 8, 3)


def test_text_arrays_with_invalid_utf8_bytes_never_fail():
    texts = ["good film", b"bad \xff film"]
    splits = load_splits((texts, [1, 0]), kind="text", class_names=["neg", "pos"], val_fraction=0, progress=False)
    decoded, labels = collect(splits.train)
    assert [t.decode("utf-8") for t in decoded[np.argsort(labels)]] == ["bad \ufffd film", "good film"]


def test_unsupported_source_type_is_explained():
    with pytest.raises(DataError, match="unsupported train data source of type int"):
        load_splits(42, kind="image")


def test_single_class_arrays_are_refused():
    with pytest.raises(DataError, match="only one class"):
        load_splits((_images(4), [0, 0, 0, 0]), kind="image", progress=False)
