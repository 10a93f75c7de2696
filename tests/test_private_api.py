"""Canaries: every private Keras/TensorFlow API keras-recipes uses still exists.

When a release removes one, this fails naming it (and keras_recipes/_private_api.py
says which public API would replace it), before a user's run meets it.
"""

import ast
import importlib
import pathlib

import pytest

from keras_recipes import _private_api

PACKAGE_DIRS = ("keras_recipes", "cli", "datasets", "layers", "recipes", "studies")
ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("symbol", _private_api.PRIVATE_SYMBOLS)
def test_private_symbol_still_exists(symbol):
    where, attribute = symbol.split(":")
    if where.endswith("()"):  # an attribute of a fresh instance
        module_name, _, class_name = where[:-2].rpartition(".")
        owner = getattr(importlib.import_module(module_name), class_name)()
    else:
        try:
            owner = importlib.import_module(where)
        except ImportError as err:
            pytest.fail(f"private API {symbol} is gone: cannot import {where} ({err}); "
                        "see keras_recipes/_private_api.py for its public replacement")
    assert hasattr(owner, attribute), (
        f"private API {symbol} is gone: {where} has no {attribute!r}; "
        "see keras_recipes/_private_api.py for its public replacement")


def test_the_wrappers_work():
    assert _private_api.onednn_enabled() in (True, False)
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    _private_api.unpin_distribute_strategy(model)
    assert model.distribute_strategy is not None  # the surrounding (default) strategy
    # A layer built inside a custom layer (ConvBNReLU's batch norm) is found too.
    from keras_recipes.layers import ConvBNReLU

    nested = keras.Sequential([keras.Input((8, 8, 3)), ConvBNReLU(4)])
    assert any(isinstance(layer, keras.layers.BatchNormalization)
               for layer in _private_api.sublayers(nested))


def _private_uses(path):
    """`x._name` attribute reads and `keras.src` / `tensorflow.python` imports in one file."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                a.name for a in node.names]
            for name in names:
                if name.startswith(("keras.src", "tensorflow.python")):
                    yield name
        elif isinstance(node, ast.Attribute) and node.attr in (
                "_inbound_nodes", "_flatten_layers", "_distribute_strategy", "_keras_history"):
            yield node.attr


def test_no_private_api_outside_its_module():
    """Only _private_api.py reaches into Keras/TensorFlow internals (the
    training callbacks' BackupAndRestore subclass aside, which subclasses it)."""
    found = {}
    for folder in PACKAGE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name in ("_private_api.py", "callbacks.py"):
                continue
            uses = sorted(set(_private_uses(path)))
            if uses:
                found[str(path.relative_to(ROOT))] = uses
    assert not found, f"private Keras/TensorFlow APIs outside keras_recipes/_private_api.py: {found}"
