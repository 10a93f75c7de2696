"""batch_mixer: MixUp / CutMix over a batch, with soft one-hot labels."""

import numpy as np
import pytest
import tensorflow as tf

from keras_recipes.datasets import batch_mixer


def _two_colour_batch(n=64, size=32):
    """Half the images are all 0 (class 0), half all 200 (class 1)."""
    labels = np.arange(n) % 2
    images = np.where(labels[:, None, None, None] == 1, 200, 0) * np.ones((n, size, size, 3))
    return tf.constant(images.astype(np.uint8)), tf.constant(labels.astype(np.int32))


@pytest.mark.parametrize("kind", ["mixup", "cutmix"])
def test_mixed_labels_match_the_share_of_each_image(kind):
    mixer = batch_mixer(kind, alpha=1.0, num_classes=2, seed=0)
    x, y = mixer(*_two_colour_batch())
    x, y = x.numpy(), y.numpy()
    assert x.dtype == np.float32 and y.dtype == np.float32 and y.shape == (64, 2)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    share_of_class_1 = x.mean(axis=(1, 2, 3)) / 200.0
    # Label weight = pixel share (CutMix's box edges round to whole pixels: <= 2/32 off).
    np.testing.assert_allclose(share_of_class_1, y[:, 1], atol=0.07)
    assert np.mean((y[:, 1] > 0.05) & (y[:, 1] < 0.95)) > 0.2  # many examples really are mixed


def test_mixer_runs_inside_tf_data():
    mixer = batch_mixer("cutmix", alpha=1.0, num_classes=2, seed=0)
    ds = tf.data.Dataset.from_tensors(_two_colour_batch()).map(mixer)
    x, y = next(iter(ds))
    assert x.shape == (64, 32, 32, 3) and y.shape == (64, 2)


def test_none_means_no_mixing_and_unknown_kinds_are_refused():
    assert batch_mixer(None, alpha=0.2, num_classes=10) is None
    with pytest.raises(ValueError, match=r"unknown batch mixer 'mix_up'.*did you mean `mixup`\?"):
        batch_mixer("mix_up", alpha=0.2, num_classes=10)
    with pytest.raises(ValueError, match="alpha"):
        batch_mixer("mixup", alpha=0.0, num_classes=10)
