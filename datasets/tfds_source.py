"""TensorFlow Datasets sources: `"tfds:NAME"` (e.g. tfds:cifar10, tfds:imdb_reviews)."""

import socket

import numpy as np
import tensorflow as tf

from keras_recipes.datasets import image_ops
from keras_recipes.datasets.errors import DataError, did_you_mean
from keras_recipes.datasets.splits import Part, rows_filter
from keras_recipes.datasets.text_folder import clean_utf8

# Split names in the order they are looked up.
_SPLIT_NAMES = {"train": ("train",), "val": ("validation", "val"), "test": ("test",)}
# Builders whose metadata lists no splits (tfds.testing.mock_data, which does
# not generate metadata) are assumed to have the common train/test layout.
_DEFAULT_SPLITS = ("train", "test")


# Where TFDS downloads prepared data and most sources from: one short TCP
# probe tells an offline machine in seconds, where tfds itself would retry
# its downloads for minutes before failing.
DOWNLOAD_PROBE = ("storage.googleapis.com", 443)
PROBE_TIMEOUT_S = 3.0
WAY_OUT = ("train on a local folder with --data FOLDER (class sub-folders), or point "
           "--set data.data_dir=DIR at a TFDS data directory where it is prepared")


def download_reachable() -> bool:
    """Whether this machine can reach the TFDS download host."""
    return tcp_reachable(DOWNLOAD_PROBE, PROBE_TIMEOUT_S)


def tcp_reachable(address, timeout: float) -> bool:
    """Whether a TCP connection to ``address`` opens within ``timeout`` seconds."""
    try:
        socket.create_connection(address, timeout=timeout).close()
        return True
    except OSError:
        return False


def _prepare(builder, name):
    """Download and prepare the dataset unless it is there; fail fast offline."""
    if builder.is_prepared():
        return
    if not download_reachable():
        raise DataError(
            f"tfds:{name} is not prepared in data_dir={builder.data_dir} and this machine "
            f"cannot reach the TFDS download servers ({DOWNLOAD_PROBE[0]}): {WAY_OUT}"
        )
    try:
        builder.download_and_prepare()
    except Exception as error:  # any failure here means "not available"
        raise DataError(
            f"tfds:{name} is not prepared in data_dir={builder.data_dir} and could not be "
            f"downloaded ({type(error).__name__}: {error}); {WAY_OUT}"
        ) from error


def _builder(name, data_dir):
    import tensorflow_datasets as tfds

    try:
        return tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        names = tfds.list_builders(with_community_datasets=False)
        raise DataError(f"unknown TFDS dataset {name!r}" + did_you_mean(name, names)) from None


def load_tfds(name, *, kind, size, channels, data_dir=None):
    """{"train": Part, "val": Part | None, "test": Part | None} and (H, W, C) or None.

    Examples are the dataset's "image" or "text" feature and its "label";
    class names come from `info.features["label"].names`. The dataset is
    prepared (downloaded) into `data_dir` when it is not there yet.
    """
    import tensorflow_datasets as tfds

    builder = _builder(name, data_dir)
    key = "image" if kind == "image" else "text"
    features = builder.info.features
    if key not in features or "label" not in features:
        raise DataError(
            f"tfds:{name} has features {sorted(features.keys())}; kind={kind!r} needs "
            f"{key!r} and 'label'"
        )
    _prepare(builder, name)

    class_names = list(features["label"].names)
    available = list(builder.info.splits) or list(_DEFAULT_SPLITS)
    chosen = {
        role: next((s for s in names if s in available), None) for role, names in _SPLIT_NAMES.items()
    }
    if chosen["train"] is None:
        raise DataError(f"tfds:{name} has no 'train' split (splits: {available})")

    image_shape = None
    if kind == "image":
        native = features[key].shape
        target = size or tuple(native[:2])
        if None in target:
            raise DataError(f"tfds:{name} images have no fixed size {native}; pass image_size")
        image_shape = (*target, channels)

    def convert(example):
        x = example[key]
        x = image_ops.prepare_image(x, target, channels) if kind == "image" else clean_utf8(x)
        return x, tf.cast(example["label"], tf.int32)

    def part(split):
        decoders = {key: tfds.decode.SkipDecoding()} if kind == "image" else None
        label_ds = builder.as_dataset(split=split, decoders=decoders, shuffle_files=False)
        labels = np.concatenate(
            [y.numpy() for y in label_ds.map(lambda ex: ex["label"]).batch(8192)] or [np.zeros([0])]
        ).astype(np.int32)

        def make_dataset(rows=None):
            ds = builder.as_dataset(split=split, shuffle_files=False)
            return rows_filter(ds, rows, labels.size).map(convert, num_parallel_calls=tf.data.AUTOTUNE)

        return Part(labels=labels, make_dataset=make_dataset, origin=f"tfds:{name}[{split}]",
                    class_names=class_names)

    parts = {role: (part(split) if split else None) for role, split in chosen.items()}
    return parts, image_shape
