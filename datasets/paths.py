"""Checks on a data source that need no TensorFlow, so that a mistyped
folder, or no data at all, is reported at once rather than after TensorFlow
has loaded."""

from __future__ import annotations

import os

from keras_recipes.errors import ConfigError, DataError


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


def require_source(source, whose: str = "the config", also: str = "") -> str:
    """``source`` when it names data, else the one error of a missing source:
    a config whose ``data.source`` is empty (a run on in-memory or smoke data
    saves it so, and some recipes name no data of their own). ``whose`` names
    the config in the message; ``also`` adds other ways to give data.

    >>> require_source("tfds:cifar10")
    'tfds:cifar10'
    """
    if isinstance(source, str) and source.strip():
        return source
    raise ConfigError(f"{whose} names no data (data.source is empty: a recipe without data "
                      f"of its own, or a run trained on in-memory data); pass --data tfds:NAME "
                      f"or --data path/to/folder{also}")
