"""`make_pipeline`: unbatched (x, y) -> cached, shuffled, batched, augmented, prefetched batches."""

import keras
import tensorflow as tf


def make_pipeline(ds, *, batch_size, training, cache="memory", shuffle_buffer=10_000, seed=None,
                  augment=None, mixer=None, map_fn=None, drop_remainder=False, num_classes=None,
                  start_batch=None):
    """Turns unbatched `(x, y)` examples into the batches `model.fit` reads.

    Order: cache (uint8, before any augmentation) -> shuffle (training;
    reshuffled every epoch) -> batch -> `augment` (training) -> `mixer`
    (training) -> `map_fn` -> prefetch. Every map runs with
    `num_parallel_calls=AUTOTUNE`.

    Dtypes of the image batches this yields:
        - uint8 `[B, H, W, C]` when nothing augments them (always when
          `training=False`);
        - float32 `[B, H, W, C]` with values in [0, 255] after `augment`
          (Keras preprocessing layers compute in float32) or `mixer`.
    So the model should start by rescaling (e.g. `keras.layers.Rescaling(1 / 255)`),
    which accepts both.

    Labels are int32 `[B]`, unless `num_classes` is given or a `mixer` is
    used: then they are float32 one-hot `[B, num_classes]` for training
    *and* evaluation (the mixer's soft labels for training), so a single
    categorical loss fits both.

    Args:
        ds: unbatched `(x, y)` dataset, e.g. `Splits.train`.
        batch_size: examples per batch.
        training: shuffle, augment and mix (True) or not (False).
        cache: "memory", None (no cache) or a file path prefix for
            `Dataset.cache(path)`. Caching happens before augmentation, so
            augmentation still differs between epochs.
        shuffle_buffer: shuffle buffer size (training only).
        seed: shuffle seed (None: a different order every run).
        augment: a Keras layer (e.g. from `augmentation(...)`) or callable
            applied to each batch of images when training.
        mixer: a batch-level `(x, y) -> (x, y_soft)` callable from
            `batch_mixer(...)`, applied when training.
        map_fn: a per-batch `(x, y) -> (x', y')` callable applied after
            batching (and augmentation), for training and evaluation, e.g.
            text vectorisation.
        drop_remainder: drop the last, smaller batch.
        num_classes: one-hot encode the labels (see above).
        start_batch: training only: an endless stream of batches instead of
            one pass, pass ``p`` shuffled with the seed ``(seed, p)``, that
            starts at batch ``start_batch`` of the stream. The order depends
            only on the seed and the position, so a run resumed at batch
            ``g`` sees the batches an uninterrupted run sees there. Needs
            ``seed``.

    Example:

    ```python
    splits = load_splits("tfds:cifar10", kind="image")
    aug = augmentation("cifar", image_size=32)
    train = make_pipeline(splits.train, batch_size=128, training=True, augment=aug)
    val = make_pipeline(splits.val, batch_size=256, training=False)
    model.fit(train, validation_data=val, epochs=30)
    ```
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"`batch_size` must be a positive int. Received: batch_size={batch_size!r}")
    if cache is not None and not isinstance(cache, str):
        raise ValueError(f"`cache` must be 'memory', None or a file path prefix. Received: cache={cache!r}")
    if num_classes is None and mixer is not None:
        num_classes = mixer.num_classes
    autotune = tf.data.AUTOTUNE

    if cache == "memory":
        ds = ds.cache()
    elif cache:
        ds = ds.cache(cache)
    if training and start_batch is not None:
        ds = _stream(ds, batch_size, drop_remainder, shuffle_buffer, seed, start_batch)
    else:
        if training:
            ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
        ds = ds.batch(batch_size, drop_remainder=drop_remainder, num_parallel_calls=autotune)
    if training and augment is not None:
        if isinstance(augment, keras.layers.Layer):
            ds = ds.map(lambda x, y: (augment(x, training=True), y), num_parallel_calls=autotune)
        else:
            ds = ds.map(lambda x, y: (augment(x), y), num_parallel_calls=autotune)
    if training and mixer is not None:
        ds = ds.map(mixer, num_parallel_calls=autotune)
    elif num_classes is not None:
        ds = ds.map(lambda x, y: (x, _one_hot(y, num_classes)), num_parallel_calls=autotune)
    if map_fn is not None:
        ds = ds.map(map_fn, num_parallel_calls=autotune)
    return ds.prefetch(autotune)


def _stream(ds, batch_size, drop_remainder, shuffle_buffer, seed, start_batch):
    """Batches of pass after pass over ``ds``, each pass reshuffled, from batch
    ``start_batch`` of the whole stream on.

    A seeded shuffle that reshuffles at each iteration gives the same
    sequence of orders every time the pipeline is built, so a resumed run
    replays the passes before its resume point (``skip``: reading cached
    batches, no training) and then sees the batches an uninterrupted run
    does. Batching inside each pass keeps an epoch's last, partial batch.
    (One shuffle per pass seeded from the pass number would skip faster,
    but TensorFlow refuses a tensor seed when the global seed is 0.)
    """
    if seed is None:
        raise ValueError("`start_batch` needs a `seed`: the order must be the same after a resume")
    order = ds.shuffle(shuffle_buffer, seed=int(seed), reshuffle_each_iteration=True)
    stream = order.batch(batch_size, drop_remainder=drop_remainder).repeat()
    return stream.skip(start_batch) if start_batch else stream


def _one_hot(labels, num_classes):
    if labels.shape.rank == 2:  # already one-hot / soft
        return tf.cast(labels, tf.float32)
    return tf.one_hot(tf.cast(labels, tf.int32), num_classes, dtype=tf.float32)
