"""Plain-text corpora for character-level language models (`kind="corpus"`).

A corpus is one UTF-8 text: a `.txt` file, or a folder whose `.txt` files
(searched recursively, in natural name order) are joined with a newline.
It is split as language-model corpora customarily are (char-rnn, nanoGPT):
the held-out part is the contiguous *tail* of the text, never random
windows, so no held-out character was ever inside a training window.

The vocabulary is the sorted set of characters of the training part (code
point order). Training examples are non-overlapping windows of
`sequence_length + 1` characters as ids: the input is the window without its
last character and the target the window without its first, so target `t` is
the character after input `t`.

Example:

```python
splits = load_corpus_splits("shakespeare.txt", sequence_length=128, val_fraction=0.1)
splits.summary()
# 'train 7,840 windows (1,003,854 characters) / val 871 windows (111,540 characters), 65 characters'
x, y = next(iter(splits.train))   # int32 [128] each; y[t] == x[t + 1]
```
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import List, Sequence, Tuple

import numpy as np
import tensorflow as tf

from keras_recipes.datasets.errors import DataError
from keras_recipes.datasets.spec import TEXT_EXTENSIONS
from keras_recipes.datasets.splits import Splits, natural_key

UNKNOWN_POLICIES = ("error", "drop")


def read_corpus(source) -> Tuple[str, str]:
    """``(text, origin)`` of a `.txt` file or a folder of `.txt` files.

    Raises:
        DataError: a missing path, a folder without `.txt` files, bytes that
            are not UTF-8 (with the file and byte offset), or an empty text.
    """
    path = Path(os.path.expanduser(os.fspath(source))).absolute()
    if not path.exists():
        raise DataError(f"text corpus not found: {path}")
    if path.is_dir():
        files = sorted((p for p in path.rglob("*") if p.is_file()
                        and p.suffix.lower() in TEXT_EXTENSIONS), key=lambda p: natural_key(str(p)))
        if not files:
            raise DataError(f"no {'/'.join(TEXT_EXTENSIONS)} files in {path}")
        origin = f"{path} ({len(files)} files)"
    else:
        files, origin = [path], str(path)
    texts = []
    for file in files:
        raw = file.read_bytes()
        try:
            texts.append(raw.decode("utf-8"))
        except UnicodeDecodeError as err:
            raise DataError(f"{file} is not UTF-8 text: byte {raw[err.start]:#04x} at offset "
                            f"{err.start} ({err.reason}); convert it, e.g. with iconv") from None
    text = "\n".join(t.removeprefix("\ufeff") for t in texts)  # a BOM is not a character
    if not text:
        raise DataError(f"{origin} holds no text")
    return text, origin


def tail_split(text: str, val_fraction: float) -> Tuple[str, str]:
    """``(head, tail)``: the last ``val_fraction`` of ``text`` is held out, contiguously."""
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"`val_fraction` must be in [0, 1). Received: val_fraction={val_fraction}")
    cut = len(text) - int(round(len(text) * val_fraction))
    return text[:cut], text[cut:]


def build_vocabulary(text: str) -> List[str]:
    """The characters of ``text``, sorted by code point (the id of a character is its index)."""
    return sorted(set(text))


def describe_characters(chars: Sequence[str], limit: int = 8) -> str:
    """``'é' (U+00E9), '&' (U+0026)``: characters as a reader can tell them apart."""
    shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in list(chars)[:limit])
    return shown + (f" and {len(chars) - limit} more" if len(chars) > limit else "")


def unknown_characters(text: str, vocabulary: Sequence[str]) -> List[str]:
    """The distinct characters of ``text`` missing from ``vocabulary``, in order of appearance."""
    known = set(vocabulary)
    return list(dict.fromkeys(c for c in text if c not in known))


def encode(text: str, vocabulary: Sequence[str], *, unknown: str = "error",
           what: str = "the text",
           fix: str = "remove them (they were not in the training text)") -> Tuple[np.ndarray, int]:
    """``(ids int32 [n], characters dropped)`` of ``text`` in ``vocabulary``.

    Characters outside the vocabulary have no id and no trained prediction.
    ``unknown="error"`` raises a DataError naming them and ending with
    ``fix`` (what the caller offers); ``"drop"`` leaves
    them out of the text (the documented fallback of evaluation: the model is
    scored on the characters it can predict, and the count is reported).
    """
    if unknown not in UNKNOWN_POLICIES:
        raise ValueError(f"`unknown` must be one of {UNKNOWN_POLICIES}. Received: unknown={unknown!r}")
    index = {c: i for i, c in enumerate(vocabulary)}
    missing = unknown_characters(text, vocabulary)
    dropped = 0
    if missing:
        if unknown == "error":
            raise DataError(
                f"{what} has characters outside the model's vocabulary of {len(vocabulary)}: "
                f"{describe_characters(missing)}; {fix}")
        kept = [c for c in text if c in index]
        dropped = len(text) - len(kept)
        text = "".join(kept)
    return np.fromiter((index[c] for c in text), dtype=np.int32, count=len(text)), dropped


def decode(ids, vocabulary: Sequence[str]) -> str:
    return "".join(vocabulary[int(i)] for i in np.asarray(ids).reshape(-1))


def num_windows(num_ids: int, sequence_length: int) -> int:
    """Non-overlapping windows of ``sequence_length`` inputs (each needs one more id as target)."""
    return max(0, (num_ids - 1) // sequence_length)


def window_arrays(ids: np.ndarray, sequence_length: int) -> Tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` int32 ``[windows, sequence_length]``: y is x shifted by one character."""
    n = num_windows(len(ids), sequence_length)
    span = n * sequence_length
    x = ids[:span].reshape(n, sequence_length)
    y = ids[1:span + 1].reshape(n, sequence_length)
    return x, y


def window_dataset(ids: np.ndarray, sequence_length: int) -> tf.data.Dataset:
    """Unbatched ``(x, y)`` windows of ``ids`` (see ``window_arrays``)."""
    x, y = window_arrays(ids, sequence_length)
    return tf.data.Dataset.from_tensor_slices((x, y))


@dataclasses.dataclass
class CorpusSplits(Splits):
    """`Splits` of a corpus: ``class_names`` is the vocabulary (the classes of
    next-character prediction); the texts and their lengths travel along."""

    sequence_length: int = 0
    origin: str = ""
    characters: dict = dataclasses.field(default_factory=dict)  # split -> characters scored
    dropped: int = 0  # held-out characters outside the training vocabulary

    def summary(self):
        parts = []
        for name in ("train", "val"):
            if self.counts.get(name):
                parts.append(f"{name} {self.counts[name]:,} windows "
                             f"({self.characters.get(name, 0):,} characters)")
        line = f"{' / '.join(parts)}, {len(self.class_names)} characters, windows of {self.sequence_length}"
        if self.dropped:
            line += f", {self.dropped} held-out characters outside the vocabulary dropped"
        return line


def corpus_splits(text: str, *, sequence_length: int, val_fraction: float = 0.1,
                  origin: str = "the text") -> CorpusSplits:
    """`CorpusSplits` of an in-memory text (see the module docstring)."""
    if not isinstance(sequence_length, int) or sequence_length < 1:
        raise ValueError(f"`sequence_length` must be a positive int. Received: sequence_length={sequence_length!r}")
    head, tail = tail_split(text, val_fraction)
    vocabulary = build_vocabulary(head)
    if len(vocabulary) < 2:
        raise DataError(f"the training part of {origin} has {len(vocabulary)} distinct character(s); "
                        "a language model needs at least two")
    train_ids, _ = encode(head, vocabulary)
    if num_windows(len(train_ids), sequence_length) == 0:
        raise DataError(f"the training part of {origin} has {len(head)} characters: too short for "
                        f"one window of data.sequence_length={sequence_length} (+1)")
    val_ids, dropped = encode(tail, vocabulary, unknown="drop")
    datasets = {"train": window_dataset(train_ids, sequence_length), "val": None}
    counts = {"train": num_windows(len(train_ids), sequence_length), "val": 0, "test": 0}
    if num_windows(len(val_ids), sequence_length):
        datasets["val"] = window_dataset(val_ids, sequence_length)
        counts["val"] = num_windows(len(val_ids), sequence_length)
    return CorpusSplits(
        train=datasets["train"], val=datasets["val"], test=None, class_names=vocabulary,
        counts=counts, kind="corpus", sequence_length=sequence_length, origin=origin,
        characters={"train": len(train_ids), "val": len(val_ids)}, dropped=dropped,
    )


def load_corpus_splits(source, *, sequence_length: int, val_fraction: float = 0.1,
                       progress: bool = True) -> CorpusSplits:
    """`CorpusSplits` of a `.txt` file or a folder of them (see the module docstring)."""
    if isinstance(source, str) and source.startswith("tfds:"):
        raise DataError(f"{source}: a text corpus is read from a .txt file or a folder of .txt "
                        "files (TFDS is not supported for data.kind=corpus)")
    if not isinstance(source, (str, os.PathLike)):
        raise DataError(f"a text corpus is a path to a .txt file or a folder; got "
                        f"{type(source).__name__}")
    text, origin = read_corpus(source)
    splits = corpus_splits(text, sequence_length=sequence_length, val_fraction=val_fraction,
                           origin=origin)
    if progress:
        print(splits.summary())
    return splits


def synthetic_corpus_splits(*, num_examples: int = 64, sequence_length: int = 32,
                            seed: int = 0) -> CorpusSplits:
    """A small random corpus of about ``num_examples`` training windows of
    words from a few syllables, with a contiguous tail for validation."""
    rng = np.random.default_rng(seed)
    syllables = ("ka", "lo", "mi", "ne", "ru", "sa", "te", "vo")
    words = ["".join(rng.choice(syllables, size=rng.integers(1, 4))) for _ in range(40)]
    target = int(num_examples * 1.25 * sequence_length) + 2
    lines, size = [], 0
    while size < target:
        line = " ".join(rng.choice(words, size=rng.integers(3, 9))).capitalize() + "."
        lines.append(line)
        size += len(line) + 1
    return corpus_splits("\n".join(lines), sequence_length=sequence_length, val_fraction=0.2,
                         origin="synthetic corpus")
