"""Input pipeline throughput on the real CIFAR-10 folder (50,000 JPEGs).

Measures, on whatever machine runs it:
  - the time `load_splits` takes to list, decode and validate the folder;
  - images/s of `make_pipeline(..., augment=augmentation(preset))` at batch 128,
    for its first epoch (which fills the cache) and in steady state after it;
  - for context, images/s of a plain ResNet-20 training step (He et al. 2016,
    Conv2D/BN/ReLU, batch 128), so the table shows how many times faster the
    input pipeline is than training (target: >= 5x, so input is never the
    bottleneck).

Usage:
    python benchmarks/input_pipeline.py [--data-dir ~/.cache/keras-recipes/data]
        [--archive /work/shared/data/cifar10_train.tar.gz] [--presets cifar,strong]
        [--steady-batches 150] [--train-steps 30] [--no-train]
"""

import argparse
import os
import sys
import tarfile
import time

DEFAULT_ARCHIVE = "/work/shared/data/cifar10_train.tar.gz"
DEFAULT_DATA_DIR = os.path.join(os.path.expanduser("~"), ".cache", "keras-recipes", "data")


def extract(archive, data_dir):
    """Extracts the archive into data_dir/cifar10 once; returns the train folder."""
    root = os.path.join(data_dir, "cifar10")
    done = os.path.join(root, ".extracted")
    if not os.path.exists(done):
        os.makedirs(root, exist_ok=True)
        print(f"extracting {archive} -> {root}", flush=True)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(root, filter="data")
        open(done, "w").close()
    return os.path.join(root, "train")


def pipeline_throughput(splits, preset, batch_size, steady_batches):
    """(first-epoch img/s, steady-state img/s) of the training pipeline."""
    from keras_recipes.datasets import augmentation, make_pipeline

    aug = augmentation(preset, image_size=splits.image_shape[:2], seed=0)
    ds = make_pipeline(splits.train, batch_size=batch_size, training=True, augment=aug, seed=0)
    start, n = time.perf_counter(), 0
    for x, _ in ds:  # epoch 1: decode/copy into the cache + augment
        n += int(x.shape[0])
    first = n / (time.perf_counter() - start)
    it = iter(ds)
    next(it)  # warm the iterator of epoch 2 (shuffle buffer fill)
    start, n = time.perf_counter(), 0
    for _ in range(steady_batches):
        x, _ = next(it)
        n += int(x.shape[0])
    return first, n / (time.perf_counter() - start)


def resnet20(input_shape=(32, 32, 3), num_classes=10):
    """Plain Keras ResNet-20 (3 stages x 3 basic blocks, 16/32/64 filters, projection shortcuts)."""
    import keras
    from keras import layers

    def conv_bn(x, filters, stride=1, relu=True):
        x = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        return layers.ReLU()(x) if relu else x

    inputs = keras.Input(input_shape)
    x = layers.Rescaling(1 / 255)(inputs)
    x = conv_bn(x, 16)
    for stage, filters in enumerate((16, 32, 64)):
        for block in range(3):
            stride = 2 if stage > 0 and block == 0 else 1
            shortcut = x
            y = conv_bn(x, filters, stride)
            y = conv_bn(y, filters, relu=False)
            if stride != 1:
                shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x)
                shortcut = layers.BatchNormalization()(shortcut)
            x = layers.ReLU()(layers.Add()([y, shortcut]))
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(num_classes)(x))


def train_throughput(batch_size, steps):
    """img/s of model.fit steps of ResNet-20 on one fixed batch (no input cost)."""
    import keras
    import numpy as np
    import tensorflow as tf

    model = resnet20()
    model.compile(keras.optimizers.SGD(0.1, momentum=0.9),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    batch = (rng.integers(0, 256, (batch_size, 32, 32, 3)).astype("float32"),
             rng.integers(0, 10, batch_size).astype("int32"))
    ds = tf.data.Dataset.from_tensors(batch).repeat()
    model.fit(ds, steps_per_epoch=3, epochs=1, verbose=0)  # trace + warm up
    start = time.perf_counter()
    model.fit(ds, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps * batch_size / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", default=DEFAULT_ARCHIVE)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--presets", default="cifar", help="comma-separated augmentation presets")
    parser.add_argument("--steady-batches", type=int, default=150)
    parser.add_argument("--train-steps", type=int, default=30)
    parser.add_argument("--no-train", action="store_true", help="skip the ResNet-20 training step")
    args = parser.parse_args(argv)

    folder = extract(args.archive, os.path.expanduser(args.data_dir))
    from keras_recipes.datasets import load_splits

    start = time.perf_counter()
    splits = load_splits(folder, kind="image", val_fraction=0.1, seed=0, progress=False)
    load_s = time.perf_counter() - start
    print(splits.summary())

    rows = [("folder load: list + decode + validate 50k JPEGs", f"{load_s:.1f} s")]
    steady = {}
    for preset in args.presets.split(","):
        first, steady[preset] = pipeline_throughput(splits, preset, args.batch_size, args.steady_batches)
        rows.append((f"pipeline_img_s '{preset}', first epoch (fills cache)", f"{first:,.0f} img/s"))
        rows.append((f"pipeline_img_s '{preset}', steady state", f"{steady[preset]:,.0f} img/s"))
    if not args.no_train:
        train = train_throughput(args.batch_size, args.train_steps)
        rows.append((f"train_img_s ResNet-20 fit step, batch {args.batch_size}", f"{train:,.0f} img/s"))
        for preset, value in steady.items():
            rows.append((f"ratio pipeline '{preset}' / train (target >= 5)", f"{value / train:,.1f}x"))

    width = max(len(name) for name, _ in rows)
    print(f"\n{'measure':<{width}} | value")
    print(f"{'-' * width}-|-{'-' * 14}")
    for name, value in rows:
        print(f"{name:<{width}} | {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
