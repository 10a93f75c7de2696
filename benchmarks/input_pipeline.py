"""Input pipeline throughput on the real CIFAR-10 folder (50,000 JPEGs).

Measures, on whatever machine runs it:
  - the time `load_splits` takes to list, decode and validate the folder;
  - images/s of `make_pipeline(..., augment=augmentation(preset))` at batch 128,
    for its first epoch (which fills the cache) and in steady state after it.

The pipeline-vs-training ratio (target >= 5x) is part of the benchmark
suite (benchmarks/suite.py); this script adds what the suite leaves out:
decoding the JPEG folder and the first, cache-filling epoch.

Usage:
    python benchmarks/input_pipeline.py [--data-dir ~/.cache/keras-recipes/data]
        [--archive /work/shared/data/cifar10_train.tar.gz] [--presets cifar,strong]
        [--steady-batches 150]
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", default=DEFAULT_ARCHIVE)
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--presets", default="cifar", help="comma-separated augmentation presets")
    parser.add_argument("--steady-batches", type=int, default=150)
    args = parser.parse_args(argv)

    folder = extract(args.archive, os.path.expanduser(args.data_dir))
    from keras_recipes.datasets import load_splits

    start = time.perf_counter()
    splits = load_splits(folder, kind="image", val_fraction=0.1, seed=0, progress=False)
    load_s = time.perf_counter() - start
    print(splits.summary())

    rows = [("folder load: list + decode + validate 50k JPEGs", f"{load_s:.1f} s")]
    for preset in args.presets.split(","):
        first, steady = pipeline_throughput(splits, preset, args.batch_size, args.steady_batches)
        rows.append((f"pipeline_img_s '{preset}', first epoch (fills cache)", f"{first:,.0f} img/s"))
        rows.append((f"pipeline_img_s '{preset}', steady state", f"{steady:,.0f} img/s"))
    width = max(len(name) for name, _ in rows)
    print(f"\n{'measure':<{width}} | value")
    print(f"{'-' * width}-|-{'-' * 14}")
    for name, value in rows:
        print(f"{name:<{width}} | {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
