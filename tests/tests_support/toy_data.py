"""Tiny learnable data sets for engine, serving and tuning tests."""

import numpy as np


def toy_images(n=64, size=8, classes=3, seed=0):
    """Learnable uint8 images: the class sets the mean brightness."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    x = rng.integers(0, 60, (n, size, size, 3)) + 80 * y[:, None, None, None]
    return x.astype("uint8"), y.astype("int64")


def toy_texts(n=32, seed=0):
    """Short reviews whose first word gives the class (0: bad, 1: good)."""
    words = "great fine awful poor movie film the a plot actor music ending".split()
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    texts = [" ".join([("bad", "good")[c], *rng.choice(words, 6)]) for c in y]
    return np.array(texts), y.astype("int64")
