"""Make the held-out MNIST layout the generative recipes are measured on.

The MNIST test split is not on this machine, so a fixed, seeded part of the
training folder stands in for it: ``--holdout`` images (default 10,000, the
size of the official test split) drawn with ``numpy.random.default_rng(seed)``
from the sorted file list of ``mnist_train.tar.gz``. They go to ``OUT/test``,
the rest to ``OUT/train`` (symbolic links into the extracted archive), so
``recipes run ... --data OUT`` trains on ``train/`` only and ``recipes
evaluate`` reads ``test/`` only. No choice (architecture, learning rate,
epochs, presets) was made by looking at ``test/``.

Usage::

    python benchmarks/mnist_holdout.py /work/shared/data/mnist_train.tar.gz /tmp/mnist18
    python benchmarks/mnist_holdout.py DATA/mnist/train /tmp/mnist18   # the extracted folder
"""

from __future__ import annotations

import argparse
import os
import tarfile
from pathlib import Path

import numpy as np


def make_holdout(archive, out, *, holdout: int = 10_000, seed: int = 18) -> dict:
    """``archive``: mnist_train.tar.gz, or the folder it extracts to
    (``train/<digit>/*.png``, read in place): the same files, the same split."""
    out = Path(out)
    if Path(archive).is_dir():
        source = Path(archive).resolve()
    else:
        raw = out / "raw"
        source = raw / "train"
        if not source.is_dir():
            raw.mkdir(parents=True, exist_ok=True)
            with tarfile.open(archive) as tar:
                tar.extractall(raw, filter="data")
    files = sorted(p.relative_to(source) for p in source.glob("*/*.png"))
    order = np.random.default_rng(seed).permutation(len(files))
    held = set(order[:holdout].tolist())
    counts = {"train": 0, "test": 0}
    for index, rel in enumerate(files):
        split = "test" if index in held else "train"
        link = out / split / rel
        if not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(source / rel, link)
        counts[split] += 1
    return counts


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive")
    parser.add_argument("out")
    parser.add_argument("--holdout", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    print(make_holdout(args.archive, args.out, holdout=args.holdout, seed=args.seed))
