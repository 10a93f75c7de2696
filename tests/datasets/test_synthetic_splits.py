"""synthetic_splits: tiny random data of the right shape for smoke runs."""

import numpy as np
import pytest
from data_helpers import collect

from keras_recipes.datasets import make_pipeline, synthetic_splits


def test_synthetic_images_have_the_requested_shape_and_classes():
    splits = synthetic_splits("image", num_examples=40, image_size=(24, 16), channels=1, num_classes=4)
    assert splits.counts == {"train": 40, "val": 10, "test": 10}
    assert splits.summary() == "train 40 / val 10 / test 10 examples, 4 classes, images 24x16x1 uint8"
    x, y = collect(splits.train)
    assert x.dtype == np.uint8 and x.shape == (40, 24, 16, 1)
    assert y.dtype == np.int32 and np.bincount(y).tolist() == [10, 10, 10, 10]
    brightness = [x[y == c].mean() for c in range(4)]
    assert brightness == sorted(brightness)  # learnable: brighter images for higher classes


def test_synthetic_text_is_sentences_of_random_words():
    splits = synthetic_splits("text", num_examples=16, num_classes=2, vocab_words=50)
    texts, labels = collect(splits.train)
    assert splits.kind == "text" and splits.class_names == ["class_0", "class_1"]
    words = {w for t in texts for w in t.decode().split()}
    assert len(words) > 20 and all(len(t.decode().split()) >= 6 for t in texts)
    batch = next(iter(make_pipeline(splits.train, batch_size=8, training=True)))
    assert batch[0].shape == (8,) and batch[0].dtype.name == "string"


def test_synthetic_data_is_deterministic_given_the_seed():
    a = collect(synthetic_splits("image", num_examples=8, seed=3).train)[0]
    b = collect(synthetic_splits("image", num_examples=8, seed=3).train)[0]
    c = collect(synthetic_splits("image", num_examples=8, seed=4).train)[0]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        synthetic_splits("audio")
