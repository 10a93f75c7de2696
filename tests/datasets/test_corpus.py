"""Text corpora for language models: reading, the contiguous tail split, the
vocabulary, unknown characters and next-character windows."""

import numpy as np
import pytest

from keras_recipes import config as C
from keras_recipes.datasets import DataError, load_splits
from keras_recipes.datasets.corpus import (
    corpus_splits, decode, encode, read_corpus, tail_split, window_arrays,
)

TEXT = "".join(f"line {i}: to be or not to be.\n" for i in range(60))


def test_windows_are_non_overlapping_and_targets_are_the_next_characters():
    ids = np.arange(50, dtype=np.int32)
    x, y = window_arrays(ids, 8)
    assert x.shape == y.shape == (6, 8)  # (50 - 1) // 8 windows; each needs one more id
    np.testing.assert_array_equal(y, x + 1)  # target t is the character after input t
    np.testing.assert_array_equal(x.reshape(-1), ids[:48])  # contiguous, no overlap, no gap


def test_window_dataset_yields_the_same_alignment_as_characters():
    splits = corpus_splits(TEXT, sequence_length=16, val_fraction=0.1)
    vocab = splits.class_names
    for x, y in splits.train.take(3):
        text_x, text_y = decode(x.numpy(), vocab), decode(y.numpy(), vocab)
        assert text_x[1:] == text_y[:-1] and text_x + text_y[-1] in TEXT


def test_the_held_out_part_is_the_contiguous_tail():
    head, tail = tail_split(TEXT, 0.1)
    assert head + tail == TEXT and len(tail) == round(0.1 * len(TEXT))
    splits = corpus_splits(TEXT, sequence_length=16, val_fraction=0.1)
    vocab = splits.class_names
    val = "".join(decode(x.numpy(), vocab) for x, _ in splits.val)
    # The val windows read the tail from its start, in order: no training window overlaps it.
    assert tail.startswith(val) and len(val) == splits.counts["val"] * 16
    train = "".join(decode(x.numpy(), vocab) for x, _ in splits.train)
    assert head.startswith(train) and splits.characters == {"train": len(head), "val": len(tail)}


def test_vocabulary_comes_from_the_training_text_and_unknown_held_out_characters_are_dropped():
    text = TEXT + "§§ zoo"  # "§" and "z" occur only in the tail
    splits = corpus_splits(text, sequence_length=16, val_fraction=0.1)
    assert splits.class_names == sorted(set(tail_split(text, 0.1)[0]))
    assert "z" not in splits.class_names and "§" not in splits.class_names
    assert splits.dropped == 3 and "3 held-out characters outside" in splits.summary()


def test_unknown_characters_are_named_or_dropped():
    vocab = sorted("abc ")
    with pytest.raises(DataError, match=r"outside the model's vocabulary of 4: 'é' \(U\+00E9\)"):
        encode("a é b", vocab, what="the prompt")
    ids, dropped = encode("a é b", vocab, unknown="drop")
    assert decode(ids, vocab) == "a  b" and dropped == 1


def test_a_folder_of_txt_files_is_read_in_natural_order(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "10.txt").write_text("ten", encoding="utf-8")
    (tmp_path / "2.txt").write_text("\ufefftwo", encoding="utf-8")  # a BOM is dropped
    (tmp_path / "sub" / "3.txt").write_text("three", encoding="utf-8")
    (tmp_path / "notes.md").write_text("ignored", encoding="utf-8")
    text, origin = read_corpus(tmp_path)
    assert text == "two\nthree\nten" and "3 files" in origin


def test_bad_corpora_are_clear_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_corpus(tmp_path / "missing.txt")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin1.txt is not UTF-8 text: byte 0xe9 at offset 3"):
        read_corpus(tmp_path / "latin1.txt")
    with pytest.raises(DataError, match="too short for one window"):
        corpus_splits("abcabc", sequence_length=16)
    with pytest.raises(DataError, match="at least two"):
        corpus_splits("aaaaaaaa", sequence_length=2)


def test_load_splits_and_the_config_know_the_corpus_kind(tmp_path):
    path = tmp_path / "play.txt"
    path.write_text(TEXT, encoding="utf-8")
    splits = load_splits(str(path), kind="corpus", sequence_length=32, val_fraction=0.2,
                         progress=False)
    assert splits.kind == "corpus" and splits.counts["val"] == (round(0.2 * len(TEXT)) - 1) // 32
    cfg = C.apply_overrides(C.RecipeConfig(), ["data.kind=corpus"])
    assert cfg.data.kind == "corpus"
