"""Text input pipeline vs training throughput for the IMDB recipes.

Reads the aclImdb training folder, adapts the recipe's TextVectorization on
the training split, then measures examples/s (and tokens/s) of the whole
input pipeline (read -> shuffle -> batch -> vectorize -> prefetch) alone, so
it can be compared with the training examples/s in a run's metrics.json.

    python benchmarks/text_pipeline.py --data ~/.cache/keras-recipes/data/aclImdb/train \\
        --metrics /tmp/runs/imdb-lstm/metrics.json
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

from keras_recipes import get_recipe  # noqa: E402
from keras_recipes.datasets import load_splits, make_pipeline  # noqa: E402
from keras_recipes.modeling import adapt_vectorizer, make_vectorizer  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.expanduser("~/.cache/keras-recipes/data/aclImdb/train"))
    parser.add_argument("--recipe", default="imdb-lstm")
    parser.add_argument("--metrics", help="a run's metrics.json, for the training examples/s")
    args = parser.parse_args()

    cfg = get_recipe(args.recipe).config()
    started = time.perf_counter()
    splits = load_splits(args.data, kind="text", val_fraction=cfg.data.val_fraction, progress=False)
    vectorizer = make_vectorizer(cfg.data)
    adapt_vectorizer(vectorizer, splits.train.map(lambda x, y: x).batch(1024))
    setup = time.perf_counter() - started

    ds = make_pipeline(splits.train, batch_size=cfg.train.batch_size, training=True,
                       map_fn=lambda x, y: (vectorizer(x), y), seed=0)
    for _ in ds:  # first pass fills the cache
        pass
    examples = tokens = 0
    started = time.perf_counter()
    for x, _ in ds:
        examples += int(x.shape[0])
        tokens += int(tf.math.count_nonzero(x))
    seconds = time.perf_counter() - started
    pipeline = examples / seconds
    print(f"{'recipe':<10} {'load+adapt s':>12} {'pipeline ex/s':>14} {'tokens/s':>10} {'train ex/s':>11} {'ratio':>6}")
    train = None
    if args.metrics:
        with open(args.metrics) as f:
            train = json.load(f)["train_examples_per_s"]
    ratio = f"{pipeline / train:6.1f}" if train else "     -"
    print(f"{args.recipe:<10} {setup:>12.1f} {pipeline:>14.0f} {tokens / seconds:>10.0f} "
          f"{train if train else '-':>11} {ratio}")


if __name__ == "__main__":
    main()
