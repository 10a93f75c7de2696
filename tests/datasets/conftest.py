"""Fixtures: small fixed subsets of the real data (extracted once per session)."""

import os
import tarfile

import keras
import pytest

DATA_DIR = os.environ.get("KERAS_RECIPES_DATA", "/work/shared/data")
CIFAR_ARCHIVE = os.path.join(DATA_DIR, "cifar10_train.tar.gz")
IMDB_ARCHIVE = os.path.join(DATA_DIR, "aclImdb_train.tar.gz")
PER_CLASS = 20


def _extract_subset(archive, out_dir, keep, total):
    """Extracts the regular files of `archive` for which keep(parts_of_path) is true.

    Stops reading the archive once `total` files were extracted.
    """
    if not os.path.exists(archive):
        pytest.skip(f"real data archive not found: {archive}")
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            parts = member.name.split("/")
            if member.isfile() and keep(parts):
                target = os.path.join(out_dir, *parts)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with tar.extractfile(member) as src, open(target, "wb") as dst:
                    dst.write(src.read())
                total -= 1
                if total == 0:
                    return


@pytest.fixture(scope="session")
def cifar_folder(tmp_path_factory):
    """`train/<class>/*.jpg`: the first 20 real CIFAR-10 JPEGs of each class."""
    out = tmp_path_factory.mktemp("cifar")
    counts = {}

    def keep(parts):
        if len(parts) != 3 or not parts[2].endswith(".jpg"):
            return False
        counts[parts[1]] = counts.get(parts[1], 0) + 1
        return counts[parts[1]] <= PER_CLASS

    _extract_subset(CIFAR_ARCHIVE, str(out), keep, total=10 * PER_CLASS)
    return os.path.join(out, "train")


@pytest.fixture(scope="session")
def imdb_folder(tmp_path_factory):
    """`aclImdb/train/{neg,pos}/*.txt`: 20 real IMDB reviews of each class."""
    out = tmp_path_factory.mktemp("imdb")
    counts = {}

    def keep(parts):
        if len(parts) != 4 or not parts[3].endswith(".txt"):
            return False
        counts[parts[2]] = counts.get(parts[2], 0) + 1
        return counts[parts[2]] <= PER_CLASS

    _extract_subset(IMDB_ARCHIVE, str(out), keep, total=2 * PER_CLASS)
    return os.path.join(out, "aclImdb", "train")


@pytest.fixture
def policy():
    """Sets a global mixed-precision policy for one test and restores float32 after."""
    yield keras.mixed_precision.set_global_policy
    keras.mixed_precision.set_global_policy("float32")
