"""Batch-level MixUp / CutMix, from Keras' `MixUp` and `CutMix` layers."""

import keras
import tensorflow as tf

from keras_recipes.datasets.errors import did_you_mean

MIXERS = ("mixup", "cutmix")


class BatchMixer:
    """`(images, int labels) -> (float32 images, float32 soft one-hot labels)` for one batch.

    Mixes each image with another image of the same batch (MixUp: a blend
    with weight ~ Beta(alpha, alpha); CutMix: a pasted box of area ~
    Beta(alpha, alpha)) and the labels in the same proportion. Used in
    `make_pipeline(..., mixer=...)`, training only.
    """

    def __init__(self, kind, *, alpha, num_classes, seed=None):
        self.kind = kind
        self.alpha = alpha
        self.num_classes = num_classes
        if kind == "mixup":
            self.layer = keras.layers.MixUp(alpha=alpha, seed=seed, dtype="float32")
        else:
            self.layer = keras.layers.CutMix(factor=alpha, seed=seed, dtype="float32")

    def __call__(self, images, labels):
        labels = tf.convert_to_tensor(labels)
        if labels.shape.rank == 1:
            labels = tf.one_hot(tf.cast(labels, tf.int32), self.num_classes, dtype=tf.float32)
        images = tf.cast(images, tf.float32)
        out = self.layer({"images": images, "labels": tf.cast(labels, tf.float32)}, training=True)
        return out["images"], out["labels"]

    def __repr__(self):
        return f"BatchMixer({self.kind!r}, alpha={self.alpha}, num_classes={self.num_classes})"


def batch_mixer(kind, *, alpha, num_classes, seed=None):
    """A `BatchMixer` for "mixup" or "cutmix", or None for `kind=None`.

    Example:

    ```python
    mixer = batch_mixer("cutmix", alpha=1.0, num_classes=10)
    train = make_pipeline(splits.train, batch_size=128, training=True, mixer=mixer)
    # labels are float32 one-hot [128, 10]; use a categorical loss
    ```
    """
    if kind is None or kind == "none":
        return None
    if kind not in MIXERS:
        raise ValueError(f"unknown batch mixer {kind!r}; mixers: {[None, *MIXERS]}" + did_you_mean(kind, MIXERS))
    if not alpha or alpha <= 0:
        raise ValueError(f"`alpha` must be positive. Received: alpha={alpha}")
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"`num_classes` must be an int >= 2. Received: num_classes={num_classes}")
    return BatchMixer(kind, alpha=alpha, num_classes=num_classes, seed=seed)
