"""Tiny random data sets of the right shape, for smoke tests (`recipes run --smoke`)."""

import numpy as np
import tensorflow as tf

from keras_recipes.datasets.spec import check_channels, check_kind, image_hw
from keras_recipes.datasets.splits import Splits

_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "zi", "po", "da", "fe")


def _vocabulary(size, rng):
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES, size=rng.integers(1, 4))))
    return sorted(words)


def synthetic_splits(kind, *, num_examples=64, image_size=32, channels=3, num_classes=10, seed=0,
                     vocab_words=200, sequence_length=32):
    """Random `Splits` with `num_examples` train and `num_examples // 4` val and test examples.

    Images are uint8 noise whose brightness depends on the class, texts are
    random sentences whose first word names the class, so a model can fit
    them a little and a smoke run shows the loss going down. Deterministic
    given `seed`.

    Example:

    ```python
    splits = synthetic_splits("image", num_examples=32, image_size=32, num_classes=10)
    splits.summary()  # 'train 32 / val 8 / test 8 examples, 10 classes, images 32x32x3 uint8'
    ```
    """
    check_kind(kind)
    if kind == "corpus":  # a language model's text: windows of `sequence_length`
        from keras_recipes.datasets.corpus import synthetic_corpus_splits

        return synthetic_corpus_splits(num_examples=num_examples, sequence_length=sequence_length,
                                       seed=seed)
    if num_classes < 2:
        raise ValueError(f"`num_classes` must be at least 2. Received: num_classes={num_classes}")
    if num_examples < 1:
        raise ValueError(f"`num_examples` must be positive. Received: num_examples={num_examples}")
    rng = np.random.default_rng(seed)
    n_eval = max(1, num_examples // 4)
    sizes = {"train": num_examples, "val": n_eval, "test": n_eval}
    class_names = [f"class_{i}" for i in range(num_classes)]

    if kind == "image":
        height, width = image_hw(image_size)
        check_channels(channels)

        def make(n):
            labels = rng.permutation(np.arange(n) % num_classes).astype(np.int32)
            level = 32 + (labels * (191 // max(num_classes - 1, 1)))
            noise = rng.integers(-32, 33, size=(n, height, width, channels))
            images = np.clip(level[:, None, None, None] + noise, 0, 255).astype(np.uint8)
            return tf.data.Dataset.from_tensor_slices((images, labels))

        image_shape = (height, width, channels)
    else:
        words = _vocabulary(max(vocab_words, num_classes), rng)

        def make(n):
            labels = rng.permutation(np.arange(n) % num_classes).astype(np.int32)
            texts = [
                " ".join([words[label]] + list(rng.choice(words, size=rng.integers(5, 30))))
                for label in labels
            ]
            return tf.data.Dataset.from_tensor_slices((tf.constant(texts), labels))

        image_shape = None

    datasets = {name: make(n) for name, n in sizes.items()}
    return Splits(
        train=datasets["train"], val=datasets["val"], test=datasets["test"],
        class_names=class_names, counts=sizes, kind=kind, image_shape=image_shape,
    )
