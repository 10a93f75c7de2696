"""Which data evaluate and the export parity check run on.

``evaluate`` uses the held-out data of a source: its test split, else its
validation split (for the run's own source, carved from train exactly as
training did: same ``val_fraction`` and seed), else, for a source passed
explicitly, all of it. The export parity check takes a few real examples
when the run's data can be read without a download, else deterministic
synthetic inputs of the right shape and dtype.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Tuple

import numpy as np

from keras_recipes import rundir
from keras_recipes.config import DataConfig
from keras_recipes.datasets.paths import require_source
from keras_recipes.errors import RecipeError
from keras_recipes.inference.run import LoadedRun


def _load(run: LoadedRun, source, val_fraction: float, seed: int):
    """``source`` loaded as training read the run's data (the same options,
    so the run's own validation rows), shaped for the trained model."""
    from keras_recipes.datasets import Splits, load_splits

    if isinstance(source, Splits):
        return source
    options = (run.data or DataConfig()).load_options(
        seed, kind=run.kind, val_fraction=val_fraction,
        image_size=run.image_shape[:2] if run.image_shape else None,
        channels=run.image_shape[2] if run.image_shape else 3,
        train_examples=None)  # every held-out example counts, not a training subset
    return load_splits(source, progress=False, class_names=run.class_names or None, **options)


def _origin(source) -> str:
    return str(source) if isinstance(source, (str, os.PathLike)) else "the given data"


def _held_out_folder(source):
    """``(split name, folder)`` of the test (else val) folder of a split-layout
    folder source, so evaluating never reads its train split; else None."""
    if not isinstance(source, (str, os.PathLike)) or str(source).startswith("tfds:"):
        return None
    root = Path(os.path.expanduser(os.fspath(source)))
    if not root.is_dir():
        return None
    from keras_recipes.datasets.folders import find_split_folders

    folders = find_split_folders(str(root))
    for role, name in (("test", "test"), ("val", "validation")):
        if folders.get(role):
            return name, folders[role]
    return None


def _same_folder(a, b) -> bool:
    """Whether two folder sources have the same training folder (``data`` and
    ``data/train`` do; ``~`` and links resolved)."""
    if not all(isinstance(s, (str, os.PathLike)) and s and not str(s).startswith("tfds:")
               for s in (a, b)):
        return False
    from keras_recipes.datasets.folders import find_split_folders

    def train_folder(source):
        root = Path(os.path.expanduser(os.fspath(source)))
        return Path(find_split_folders(str(root))["train"]).resolve() if root.is_dir() else None

    return train_folder(a) is not None and train_folder(a) == train_folder(b)


def evaluation_split(run: LoadedRun, data=None):
    """``(dataset of (x, y), count, description, notes)`` to evaluate ``run`` on."""
    notes = []
    if data is None:
        source = require_source(run.data.source if run.data is not None else "",
                                f"the config of {run.run_dir}")
    elif _same_folder(data, run.data.source if run.data is not None else ""):
        # The run's own training data: score only the part it never trained on.
        source = run.data.source
        if _held_out_folder(source) is None and not run.data.val_fraction:
            raise RecipeError(
                f"{data} is the data {run.run_dir} trained on (data.val_fraction=0: nothing of it "
                "was held out), so a score there measures memorisation; pass held-out data "
                "with --data, e.g. a test/ folder of the same classes")
        notes.append(f"{data} is the data this run trained on; evaluating on the part of it "
                     "the run held out")
        data = None
    else:
        source = data
    origin = _origin(source)
    held_out = _held_out_folder(source)
    if held_out is not None:
        name, folder = held_out
        splits = _load(run, folder, 0.0, run.seed)
        if name == "validation" and data is None:
            notes.append(f"{origin} has no test split; evaluating on its validation split ({folder})")
        return splits.train, splits.counts["train"], f"the {name} split of {origin}", notes
    splits = _load(run, source, run.data.val_fraction if data is None else 0.0, run.seed)
    if run.class_names and splits.class_names != run.class_names:
        raise RecipeError(
            f"the classes of {origin} {list(splits.class_names)} differ from the run's "
            f"{run.class_names}"
        )
    if splits.test is not None and splits.counts.get("test"):
        return splits.test, splits.counts["test"], f"the test split of {origin}", notes
    if splits.val is not None and splits.counts.get("val"):
        if data is None:
            notes.append(
                f"{origin} has no test split; evaluating on the validation split "
                f"({splits.counts['val']} examples held out of training)"
            )
        return splits.val, splits.counts["val"], f"the validation split of {origin}", notes
    if data is not None:
        return splits.train, splits.counts["train"], f"all of {origin}", notes
    raise RecipeError(
        f"{origin} has no test split and the run kept no validation split "
        "(data.val_fraction=0); pass held-out data with --data"
    )


# -- parity inputs ---------------------------------------------------------------

def synthetic_inputs(run: LoadedRun, n: int = 16) -> np.ndarray:
    """Deterministic raw inputs: uint8 noise with the extremes, or sentences
    of the run's vocabulary with empty, unknown-word and overlong texts."""
    rng = np.random.default_rng(0)
    if run.kind == "image":
        images = rng.integers(0, 256, (n, *run.image_shape), dtype=np.uint8)
        images[0], images[-1] = 0, 255
        return images
    vocab_path = run.run_dir / rundir.VOCABULARY
    words = []
    if vocab_path.is_file():
        words = [w for w in rundir.read_vocabulary(run.run_dir) if w]
    words = words or ["the", "a", "movie", "good", "bad"]
    length = (run.data.sequence_length if run.data is not None else 200) or 200
    texts = ["", "zzqx-unknown-word, UPPER case & punctuation!",
             " ".join(rng.choice(words, size=length + 20))]
    while len(texts) < n:
        texts.append(" ".join(rng.choice(words, size=int(rng.integers(1, 40)))))
    return np.array(texts[:n], dtype=object)


def _folder_examples(run: LoadedRun, root, n: int) -> np.ndarray:
    """Up to ``n`` files of the held-out split of a folder, round robin over
    classes, read as predict reads them (only those files are decoded)."""
    from keras_recipes.datasets.folders import find_split_folders, list_class_files
    from keras_recipes.inference import inputs

    folders = find_split_folders(root)
    folder = folders.get("test") or folders.get("val") or folders["train"]
    extensions = inputs.IMAGE_EXTENSIONS if run.kind == "image" else inputs.TEXT_EXTENSIONS
    paths, labels, _ = list_class_files(folder, extensions, class_names=run.class_names,
                                        progress=False)
    by_class = [np.flatnonzero(labels == c) for c in range(len(run.class_names))]
    order = [rows[i] for i in range(2 * n) for rows in by_class if i < len(rows)]
    examples = []
    for index in order:
        try:
            if run.kind == "image":
                examples.append(inputs.read_image(paths[index], run.image_shape))
            else:
                examples.append(inputs.read_text(paths[index]))
        except RecipeError:
            continue  # an unreadable file: training skipped it too
        if len(examples) == n:
            break
    if not examples:
        raise RecipeError(f"no readable example in {folder}")
    return np.stack(examples) if run.kind == "image" else np.array(examples, dtype=object)


class _Unreachable(Exception):
    """The run's data cannot be read here (the message says why)."""


def _tfds_examples(run: LoadedRun, name: str, n: int) -> np.ndarray:
    import logging

    import tensorflow_datasets as tfds

    data_dir = run.data.data_dir
    absl = logging.getLogger("absl")
    level = absl.level
    absl.setLevel(logging.ERROR)  # "Variant folder ... has no dataset_info.json"
    try:
        prepared = tfds.builder(name, data_dir=data_dir).is_prepared()
    finally:
        absl.setLevel(level)
    if not prepared:
        raise _Unreachable(f"tfds:{name} is not prepared in {data_dir or 'the default TFDS data_dir'}")
    splits = _load(run, f"tfds:{name}", 0.0, run.seed)
    split = splits.test if splits.test is not None else splits.train
    xs = [x.numpy() for x, _ in split.take(n)]
    if run.kind == "text":
        return np.array([x.decode("utf-8", errors="replace") for x in xs], dtype=object)
    return np.stack(xs)


def parity_inputs(run: LoadedRun, n: int = 16) -> Tuple[np.ndarray, str]:
    """``(raw inputs, where they come from)`` for the export parity check."""
    source = run.data.source if run.data is not None else ""
    reason = "the run was trained on in-memory data"
    if source:
        try:
            if source.startswith("tfds:"):
                return _tfds_examples(run, source[len("tfds:"):], n), f"{source} examples"
            root = Path(os.path.expanduser(source))
            if root.is_dir():
                return _folder_examples(run, root, n), f"examples from {root}"
            reason = f"{root} is not a folder here"
        except _Unreachable as err:
            reason = str(err)
        except Exception as err:  # any failure to read data: fall back, say why
            reason = f"cannot read {source}: {str(err).splitlines()[0] if str(err) else type(err).__name__}"
    return synthetic_inputs(run, n), f"synthetic inputs ({reason})"
