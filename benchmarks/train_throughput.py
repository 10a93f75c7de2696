"""Training throughput of `recipes run cifar-resnet` vs a hand-written Keras script.

Both train the same ResNet-20 (option-A shortcuts, L2 1e-4 on kernels, SGD
momentum 0.9, batch 128, in-model normalisation from uint8 pixels) on the same
in-memory images, in the same process, alternating rounds so that machine
noise hits both alike. Throughput is the steady state: training batches only,
the first batch of every epoch (compilation, iterator start) excluded, the
first epoch dropped.

    python benchmarks/train_throughput.py --data ~/.cache/keras-recipes/data/train
    python benchmarks/train_throughput.py --synthetic --images 4096 --epochs 3

Prints a table (img/s and ratio recipe / hand-written) and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers, ops  # noqa: E402

import keras_recipes as kr  # noqa: E402
from keras_recipes import config as C  # noqa: E402
from keras_recipes.callbacks import Throughput  # noqa: E402
from keras_recipes.recipes.cifar_resnet import CIFAR10_MEAN, CIFAR10_STD  # noqa: E402

BATCH = 128


def load_images(args):
    if args.synthetic:
        rng = np.random.default_rng(0)
        x = rng.integers(0, 256, (args.images, 32, 32, 3), dtype=np.uint8)
        return x, (np.arange(args.images) % 10).astype("int64")
    from keras_recipes.datasets import load_splits

    splits = load_splits(args.data, kind="image", image_size=32, val_fraction=0.0, progress=False)
    xs, ys = [], []
    for x, y in splits.train.take(args.images).batch(1024):
        xs.append(x.numpy())
        ys.append(y.numpy())
    return np.concatenate(xs), np.concatenate(ys).astype("int64")


# --- the hand-written baseline: what a Keras user would type ----------------
def hand_written_resnet20():
    l2 = keras.regularizers.L2(0.5e-4)

    def conv_bn(x, filters, strides=1, relu=True):
        x = layers.Conv2D(filters, 3, strides, padding="same", use_bias=False,
                          kernel_initializer="he_normal", kernel_regularizer=l2)(x)
        x = layers.BatchNormalization()(x)
        return layers.ReLU()(x) if relu else x

    def shortcut_a(x, filters):
        pad = filters - x.shape[-1]
        return layers.Lambda(lambda t: ops.pad(t[:, ::2, ::2, :],
                                               [[0, 0], [0, 0], [0, 0], [pad // 2, pad - pad // 2]]))(x)

    inputs = keras.Input((32, 32, 3), dtype="uint8")
    x = layers.Normalization(mean=CIFAR10_MEAN, variance=[s * s for s in CIFAR10_STD])(inputs)
    x = conv_bn(x, 16)
    for stage, filters in enumerate((16, 32, 64)):
        for block in range(3):
            strides = 2 if stage > 0 and block == 0 else 1
            y = conv_bn(x, filters, strides)
            y = conv_bn(y, filters, relu=False)
            shortcut = shortcut_a(x, filters) if strides == 2 else x
            x = layers.ReLU()(layers.Add()([y, shortcut]))
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10, activation="softmax", kernel_regularizer=l2, dtype="float32")(x)
    return keras.Model(inputs, outputs)


def hand_written(x, y, epochs, augment):
    keras.utils.set_random_seed(0)
    model = hand_written_resnet20()
    model.compile(keras.optimizers.SGD(0.1, momentum=0.9),
                  keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    ds = tf.data.Dataset.from_tensor_slices((x, y)).cache().shuffle(10_000).batch(BATCH)
    if augment:
        pipeline = keras.Sequential([layers.ZeroPadding2D(4), layers.RandomCrop(32, 32),
                                     layers.RandomFlip("horizontal")])
        ds = ds.map(lambda a, b: (tf.cast(pipeline(a, training=True), tf.uint8), b),
                    num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.prefetch(tf.data.AUTOTUNE)
    meter = Throughput(BATCH)
    model.fit(ds, epochs=epochs, callbacks=[meter], verbose=0)
    return meter.steady, model.count_params()


def recipe(x, y, epochs, augment):
    cfg = kr.get_recipe("cifar-resnet").config()
    cfg = C.apply_overrides(cfg, [f"train.epochs={epochs}", "data.val_fraction=0.0",
                                  f"augment.preset={'cifar' if augment else 'none'}",
                                  "runtime.verbose=0", "runtime.precision=float32"])
    with tempfile.TemporaryDirectory() as tmp:
        metrics = kr.run(cfg, os.path.join(tmp, "run"), data=(x, y))
    return metrics["train_examples_per_s"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.expanduser("~/.cache/keras-recipes/data/train"))
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument("--images", type=int, default=8192)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--augment", choices=["none", "cifar", "both"], default="both",
                        help="in-memory batches, the cifar augmentation pipeline, or both")
    parser.add_argument("--json", default="benchmarks/train_throughput.json")
    args = parser.parse_args()

    x, y = load_images(args)
    rows = []
    modes = {"none": (False,), "cifar": (True,), "both": (False, True)}[args.augment]
    for augment in modes:
        hand, ours = [], []
        for _ in range(args.rounds):  # alternate so noise hits both alike
            rate, params = hand_written(x, y, args.epochs, augment)
            hand.append(rate)
            ours.append(recipe(x, y, args.epochs, augment))
            print(f"augment={augment}: hand-written {hand[-1]:.1f} img/s, "
                  f"recipe {ours[-1]:.1f} img/s", flush=True)
        h, r = statistics.median(hand), statistics.median(ours)
        rows.append({"pipeline": "cifar augmentation" if augment else "in-memory batches",
                     "hand_written_img_s": round(h, 1), "recipe_img_s": round(r, 1),
                     "ratio": round(r / h, 3), "params": params,
                     "hand_rounds": [round(v, 1) for v in hand],
                     "recipe_rounds": [round(v, 1) for v in ours]})
    print(f"ResNet-20, batch {BATCH}, float32, {len(x)} images x {args.epochs} epochs, "
          f"{args.rounds} alternating rounds (median), {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}")
    print(f"{'pipeline':<20} {'hand-written img/s':>19} {'recipe img/s':>13} {'ratio':>7}")
    for row in rows:
        print(f"{row['pipeline']:<20} {row['hand_written_img_s']:>19.1f} {row['recipe_img_s']:>13.1f} {row['ratio']:>7.3f}")
    with open(args.json, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%d"), "tensorflow": tf.__version__,
                   "keras": keras.__version__, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
