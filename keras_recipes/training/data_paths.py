"""Checks on a data source that need no TensorFlow, so that a mistyped
folder is reported at once rather than after TensorFlow has loaded."""

from __future__ import annotations

import os

from keras_recipes.errors import DataError


def check_directory(path) -> str:
    """``path`` as an absolute path; DataError when it is not an existing directory."""
    path = os.path.abspath(os.path.expanduser(os.fspath(path)))
    if not os.path.exists(path):
        raise DataError(f"data directory not found: {path}")
    if not os.path.isdir(path):
        raise DataError(f"data source is not a directory (extract archives first): {path}")
    return path


def check_source(source, kind: str = "image") -> None:
    """A ``data.source`` string: ``tfds:NAME`` or an existing folder (a text
    corpus may also be one ``.txt`` file)."""
    if isinstance(source, str) and source.strip() and not source.startswith("tfds:"):
        if kind == "corpus" and os.path.isfile(os.path.expanduser(source)):
            return
        check_directory(source)
