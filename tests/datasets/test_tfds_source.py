"""`tfds:NAME` sources, faked offline with `tfds.testing.mock_data`."""

import os

import numpy as np
import pytest
import tensorflow_datasets as tfds
from data_helpers import CIFAR_CLASSES, collect

from keras_recipes.datasets import DataError, load_splits


def _write_metadata(data_dir, name, splits, label_names=None):
    """A prepared TFDS data_dir without the data: dataset_info.json, label names, split list."""
    builder = tfds.builder(name, data_dir=data_dir)
    if label_names is not None:
        builder.info.features["label"].names = label_names
    builder.info.set_splits(tfds.core.SplitDict(
        [tfds.core.SplitInfo(name=split, shard_lengths=[10], num_bytes=0) for split in splits]
    ))
    os.makedirs(builder.data_dir, exist_ok=True)
    builder.info.write_to_directory(builder.data_dir)


@pytest.fixture(scope="module")
def tfds_data_dir(tmp_path_factory):
    """Metadata of cifar10 (train/test) and imdb_reviews (train/validation/test)."""
    data_dir = str(tmp_path_factory.mktemp("tfds"))
    _write_metadata(data_dir, "cifar10", ["train", "test"], CIFAR_CLASSES)
    _write_metadata(data_dir, "imdb_reviews", ["train", "validation", "test"])
    return data_dir


def _mock(num_examples, data_dir):
    """Fake examples (by the features) for datasets whose metadata is in data_dir."""
    return tfds.testing.mock_data(
        num_examples=num_examples, policy=tfds.testing.MockPolicy.USE_FILES, data_dir=data_dir
    )


def test_tfds_cifar10_gives_uint8_images_labels_and_builder_class_names(tfds_data_dir):
    with _mock(30, tfds_data_dir):
        splits = load_splits("tfds:cifar10", kind="image", val_fraction=0.2, data_dir=tfds_data_dir,
                             progress=False)
        x, y = collect(splits.train)
        x_test, _ = collect(splits.test)
    assert splits.class_names == CIFAR_CLASSES  # info.features["label"].names
    assert x.dtype == np.uint8 and x.shape[1:] == (32, 32, 3)
    assert y.dtype == np.int32 and y.min() >= 0 and y.max() < 10
    assert splits.counts["train"] + splits.counts["val"] == 30  # val carved from train
    assert splits.counts["val"] > 0 and splits.counts["test"] == 30
    assert x.shape[0] == splits.counts["train"] and x_test.shape[0] == 30
    assert splits.summary().endswith("10 classes, images 32x32x3 uint8")


def test_tfds_images_are_resized_when_image_size_is_given():
    with tfds.testing.mock_data(num_examples=4):
        splits = load_splits("tfds:cifar10", kind="image", image_size=16, val_fraction=0, progress=False)
        x, _ = collect(splits.train)
    assert x.shape == (4, 16, 16, 3) and x.dtype == np.uint8


def test_tfds_imdb_reviews_gives_text_and_uses_its_validation_split(tfds_data_dir):
    with _mock(10, tfds_data_dir):
        splits = load_splits("tfds:imdb_reviews", kind="text", val_fraction=0.5, data_dir=tfds_data_dir,
                             progress=False)
        texts, labels = collect(splits.train)
    assert splits.class_names == ["neg", "pos"]
    assert isinstance(texts[0], bytes) and labels.dtype == np.int32
    assert splits.kind == "text"
    assert splits.counts == {"train": 10, "val": 10, "test": 10}  # nothing carved from train


def test_unknown_tfds_name_suggests_the_closest_registered_name():
    with pytest.raises(DataError, match=r"unknown TFDS dataset 'cifar1O'; did you mean `cifar10`\?"):
        load_splits("tfds:cifar1O", kind="image")


def test_tfds_dataset_without_the_feature_for_the_kind_is_refused():
    with tfds.testing.mock_data(num_examples=2):
        with pytest.raises(DataError, match=r"needs 'text' and 'label'"):
            load_splits("tfds:cifar10", kind="text")


def test_tfds_dataset_that_cannot_be_downloaded_names_data_dir(tmp_path, monkeypatch):
    def offline(self, *args, **kwargs):
        raise ConnectionError("no internet")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", offline)
    with pytest.raises(DataError, match=f"tfds:cifar10 is not prepared in data_dir={tmp_path}.*no internet.*--data FOLDER"):  # noqa: E501
        load_splits("tfds:cifar10", kind="image", data_dir=str(tmp_path))


def test_offline_fails_in_seconds_and_names_the_way_out(tmp_path, monkeypatch):
    from keras_recipes.datasets import tfds_source

    def never(self, *args, **kwargs):
        raise AssertionError("offline: no download may be attempted")

    monkeypatch.setattr(tfds_source, "download_reachable", lambda *a, **k: False)
    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", never)
    with pytest.raises(DataError, match=r"tfds:cifar10 is not prepared in .*cannot reach the TFDS "
                                        r"download servers.*--data FOLDER.*--set data.data_dir=DIR"):
        load_splits("tfds:cifar10", kind="image", data_dir=str(tmp_path))


def test_download_probe_answers_for_open_and_closed_ports():
    import socket

    from keras_recipes.datasets.tfds_source import tcp_reachable

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        assert tcp_reachable(("127.0.0.1", port), timeout=2)
    # The port is closed now: refused at once.
    assert not tcp_reachable(("127.0.0.1", port), timeout=2)


def test_the_tfds_download_path_imports():
    """tensorflow-datasets imports modules it does not declare on its
    download path (importlib_resources, via the builder's code_path); a
    fresh install must bring them, or `recipes run cifar-resnet` fails
    before any download."""
    cls = tfds.builder_cls("cifar10")
    assert cls.code_path is not None and cls.url_infos


def test_class_names_that_differ_from_the_builder_are_refused():
    with tfds.testing.mock_data(num_examples=2):
        with pytest.raises(DataError, match=r"class names differ between class_names \['pos', 'neg'\] "
                                            r"and tfds:imdb_reviews\[train\] \['neg', 'pos'\]"):
            load_splits("tfds:imdb_reviews", kind="text", class_names=["pos", "neg"], progress=False)
