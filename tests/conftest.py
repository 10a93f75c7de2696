"""Shared fixtures: a tiny registered recipe, and a clean Keras state per test."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _reset_keras_policy():
    """Tests that change the global mixed-precision policy must not leak it."""
    yield
    import sys

    if "keras" in sys.modules:
        import keras

        keras.mixed_precision.set_global_policy("float32")


@pytest.fixture
def toy_recipe():
    """A registered tiny image recipe, removed afterwards."""
    from tests_support.toy_recipe import register_toy

    name = register_toy()
    yield name
    from keras_recipes.registry import unregister_recipe

    unregister_recipe(name)
