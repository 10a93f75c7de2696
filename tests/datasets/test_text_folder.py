"""Text folders: `root/<label>/*.txt`, e.g. aclImdb/train/{neg,pos}."""

import numpy as np
import pytest
from data_helpers import collect, write_text

from keras_recipes.datasets import DataError, load_splits


def test_real_imdb_folder_gives_review_strings_and_sorted_labels(imdb_folder):
    splits = load_splits(imdb_folder, kind="text", val_fraction=0.25, seed=0, progress=False)

    assert splits.kind == "text"
    assert splits.class_names == ["neg", "pos"]
    assert splits.counts == {"train": 30, "val": 10, "test": 0}
    assert splits.summary() == "train 30 / val 10 / test 0 examples, 2 classes, text"
    assert splits.train.element_spec[0].dtype.name == "string"
    assert splits.train.element_spec[0].shape == ()
    texts, labels = collect(splits.train)
    assert labels.dtype == np.int32 and np.bincount(labels).tolist() == [15, 15]
    assert all(len(t) > 20 for t in texts)  # whole reviews, not file names
    assert all(t.decode("utf-8") for t in texts)


def test_text_that_is_not_utf8_is_decoded_with_replacement_characters(tmp_path):
    write_text(tmp_path / "neg" / "latin1.txt", "caf\xe9 awful".encode("latin-1"))
    write_text(tmp_path / "pos" / "utf8.txt", "caf\xe9 great")
    splits = load_splits(tmp_path, kind="text", val_fraction=0, progress=False)
    texts, labels = collect(splits.train)
    assert [t.decode("utf-8") for t in texts[np.argsort(labels)]] == ["caf\ufffd awful", "caf\xe9 great"]


def test_other_files_next_to_text_files_are_ignored(tmp_path):
    write_text(tmp_path / "neg" / "1_2.txt", "bad")
    write_text(tmp_path / "pos" / "2_9.txt", "good")
    write_text(tmp_path / "pos" / "urls.feat", "x")
    write_text(tmp_path / "labeledBow.feat", "0 1:2")
    splits = load_splits(tmp_path, kind="text", val_fraction=0, progress=False)
    assert splits.counts["train"] == 2


def test_text_class_folder_without_txt_files_is_named(tmp_path):
    write_text(tmp_path / "neg" / "1.txt", "bad")
    write_text(tmp_path / "pos" / "1.txt", "good")
    write_text(tmp_path / "unsup" / "1.feat", "?")
    with pytest.raises(DataError, match=f"empty class folder {tmp_path / 'unsup'}"):
        load_splits(tmp_path, kind="text", progress=False)
    splits = load_splits(tmp_path, kind="text", class_names=["neg", "pos"], val_fraction=0, progress=False)
    assert splits.class_names == ["neg", "pos"]
