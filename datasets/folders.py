"""Finding splits and class folders on disk: `root/<class>/*` or `root/train/<class>/*`."""

import os

import keras
import numpy as np

from keras_recipes.datasets.errors import DataError, did_you_mean
from keras_recipes.datasets.spec import PROGRESS_MIN_FILES, SPLIT_FOLDER_NAMES


def _subdirectories(path):
    with os.scandir(path) as entries:
        return sorted(e.name for e in entries if e.is_dir() and not e.name.startswith("."))


def find_split_folders(root):
    """{"train": path, "val": path | None, "test": path | None} for a folder source.

    A split layout is recognised by a `train/` sub-folder that itself contains
    folders (`root/train/<class>/...`); otherwise `root` is the train split
    and holds the class folders directly, and when it is itself named
    `train`, the `val/` and `test/` folders beside it are its held-out splits.
    """
    subdirs = _subdirectories(root)
    for name in SPLIT_FOLDER_NAMES["train"]:
        train = os.path.join(root, name)
        if name in subdirs and _subdirectories(train):
            return {"train": train, **_held_out_beside(root, subdirs)}
    # The train split itself (`data/train`): its `val/`/`test/` siblings are
    # its held-out splits (the layout of the CIFAR-10 and MNIST image archives).
    parent = os.path.dirname(os.path.normpath(os.path.abspath(root)))
    if os.path.basename(os.path.normpath(root)) in SPLIT_FOLDER_NAMES["train"] and parent:
        return {"train": root, **_held_out_beside(parent, _subdirectories(parent))}
    return {"train": root, "val": None, "test": None}


def _held_out_beside(root, subdirs):
    """{"val": path | None, "test": path | None}: the held-out split folders in `root`."""
    found = {}
    for split in ("val", "test"):
        names = [n for n in SPLIT_FOLDER_NAMES[split]
                 if n in subdirs and _subdirectories(os.path.join(root, n))]
        found[split] = os.path.join(root, names[0]) if names else None
    return found


def _matching_files(folder, extensions):
    """Sorted paths of files under `folder` (recursively) whose extension matches."""
    files = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        files.extend(
            os.path.join(dirpath, f)
            for f in filenames
            if not f.startswith(".") and os.path.splitext(f)[1].lower() in extensions
        )
    return sorted(files)


def list_class_files(root, extensions, *, class_names=None, progress=True):
    """Lists `root/<class>/**/<file>` -> (paths, labels int32, class_names).

    Class folders are the (non-hidden) sub-folders of `root`, in sorted order,
    unless `class_names` picks and orders them. Files with other extensions
    are ignored; a class folder with no matching file is a DataError, as is a
    folder with fewer than two classes.
    """
    subdirs = _subdirectories(root)
    if class_names is None:
        class_names = subdirs
    else:
        class_names = [str(c) for c in class_names]
        missing = [c for c in class_names if c not in subdirs]
        if missing:
            raise DataError(
                f"class folder {os.path.join(root, missing[0])} not found "
                f"(class_names={class_names}, folders in {root}: {subdirs})"
                + did_you_mean(missing[0], subdirs)
            )
    if not class_names:
        raise DataError(
            f"no class folders in {root}; expected {root}/<class>/<file> with "
            f"files ending in {', '.join(extensions)}"
        )
    if len(class_names) < 2:
        raise DataError(
            f"only one class folder ({class_names[0]}) in {root}; a classifier needs "
            "at least two classes, each in its own sub-folder"
        )
    bar = keras.utils.Progbar(len(class_names), unit_name="class folder") if progress else None
    paths, labels = [], []
    for label, name in enumerate(class_names):
        folder = os.path.join(root, name)
        files = _matching_files(folder, extensions)
        if not files:
            raise DataError(f"empty class folder {folder} (no files ending in {', '.join(extensions)})")
        paths.extend(files)
        labels.extend([label] * len(files))
        # Only draw the bar for large folders; small ones load instantly.
        if bar is not None and len(paths) >= PROGRESS_MIN_FILES:
            bar.update(label + 1)
    return paths, np.asarray(labels, dtype=np.int32), list(class_names)
