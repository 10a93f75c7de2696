"""make_pipeline: cache -> shuffle -> batch -> augment -> mix -> map_fn -> prefetch."""

import numpy as np
import pytest
import tensorflow as tf

from keras_recipes.datasets import augmentation, batch_mixer, make_pipeline


def _indexed_images(n=64, size=16):
    """Every image is the same asymmetric pattern; the label is the example's index."""
    pattern = np.zeros((size, size, 3), np.uint8)
    pattern[4:8, 2:6] = 255
    pattern[10, 12] = 128
    return tf.data.Dataset.from_tensor_slices((np.repeat(pattern[None], n, 0), np.arange(n, dtype=np.int32))), pattern


def _epoch(ds):
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    x, y = np.concatenate(xs), np.concatenate(ys)
    return x[np.argsort(y, axis=0)], np.sort(y, axis=0), [len(b) for b in ys]


def test_evaluation_batches_are_uint8_in_order_with_int_labels():
    ds, pattern = _indexed_images(10)
    x, y, sizes = _epoch(make_pipeline(ds, batch_size=4, training=False, augment=augmentation("cifar", image_size=16)))
    assert sizes == [4, 4, 2]
    assert x.dtype == np.uint8 and np.all(x == pattern)  # no augmentation at evaluation
    batches = list(make_pipeline(ds, batch_size=4, training=False))
    assert [b[1].numpy().tolist() for b in batches][0] == [0, 1, 2, 3]  # not shuffled
    assert batches[0][1].dtype == tf.int32


def test_training_reshuffles_every_epoch_and_drop_remainder_drops_the_last_batch():
    ds, _ = _indexed_images(64)
    pipeline = make_pipeline(ds, batch_size=8, training=True, seed=1, drop_remainder=True)
    first = np.concatenate([y.numpy() for _, y in pipeline])
    second = np.concatenate([y.numpy() for _, y in pipeline])
    assert sorted(first) == list(range(64)) and not np.array_equal(first, second)
    odd = make_pipeline(ds.take(10), batch_size=4, training=True, drop_remainder=True)
    assert [len(y) for _, y in odd] == [4, 4]


def test_augmentation_is_applied_in_training_and_differs_between_epochs():
    ds, pattern = _indexed_images(64)
    pipeline = make_pipeline(ds, batch_size=16, training=True, augment=augmentation("cifar", image_size=16))
    x1, y1, _ = _epoch(pipeline)
    x2, y2, _ = _epoch(pipeline)
    assert x1.dtype == np.float32 and x1.min() >= 0 and x1.max() <= 255
    np.testing.assert_array_equal(y1, y2)
    changed = [not np.array_equal(img, pattern) for img in x1]
    assert np.mean(changed) > 0.8  # P(no shift and no flip) = 1/162
    differs = [not np.array_equal(a, b) for a, b in zip(x1, x2)]
    assert np.mean(differs) > 0.8  # the same example is augmented differently next epoch


def test_cache_is_filled_before_augmentation_and_can_live_in_a_file(tmp_path):
    calls = tf.Variable(0)

    def count(x, y):
        calls.assign_add(1)
        return x, y

    ds, _ = _indexed_images(8)
    ds = ds.map(count)
    pipeline = make_pipeline(ds, batch_size=4, training=True, cache=str(tmp_path / "cache"),
                             augment=augmentation("cifar", image_size=16))
    for _ in range(3):
        list(pipeline)
    assert int(calls.numpy()) == 8  # source read once, augmentation still re-run every epoch
    assert any(p.name.startswith("cache") for p in tmp_path.iterdir())


def test_mixer_gives_soft_labels_in_training_and_one_hot_labels_in_evaluation():
    ds, _ = _indexed_images(32)
    ds = ds.map(lambda x, y: (x, y % 4))
    mixer = batch_mixer("mixup", alpha=0.4, num_classes=4, seed=0)
    x, y = next(iter(make_pipeline(ds, batch_size=16, training=True, mixer=mixer)))
    assert x.dtype == tf.float32 and y.shape == (16, 4) and y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy().sum(axis=1), 1.0, rtol=1e-5)
    assert np.any((y.numpy() > 0.01) & (y.numpy() < 0.99))  # some labels are mixed
    _, y_eval = next(iter(make_pipeline(ds, batch_size=16, training=False, mixer=mixer)))
    np.testing.assert_array_equal(y_eval.numpy(), np.eye(4)[np.arange(16) % 4])


def test_num_classes_one_hot_encodes_labels():
    ds, _ = _indexed_images(4)
    _, y = next(iter(make_pipeline(ds, batch_size=4, training=False, num_classes=5)))
    np.testing.assert_array_equal(y.numpy(), np.eye(5)[:4])


def test_map_fn_runs_after_batching_for_training_and_evaluation():
    texts = tf.data.Dataset.from_tensor_slices((["a b", "c d e", "f"], [0, 1, 0]))

    def lengths(x, y):
        return tf.strings.length(x), y

    for training in (True, False):
        x, _ = next(iter(make_pipeline(texts, batch_size=3, training=training, map_fn=lengths)))
        assert sorted(x.numpy().tolist()) == [1, 3, 5]


@pytest.mark.parametrize("bad", [dict(batch_size=0), dict(batch_size=4, cache=True)])
def test_bad_arguments_are_refused(bad):
    ds, _ = _indexed_images(4)
    with pytest.raises(ValueError):
        make_pipeline(ds, training=True, **bad)
