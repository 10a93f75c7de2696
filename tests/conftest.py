"""Shared fixtures: a tiny registered recipe, and a clean Keras state per test."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _reset_global_state():
    """Tests that change process-wide settings (the mixed-precision policy,
    `--deterministic` op determinism) must not leak them into later tests."""
    yield
    import sys

    if "keras" in sys.modules:
        import keras

        keras.mixed_precision.set_global_policy("float32")
    if "tensorflow" in sys.modules:
        # No public API turns op determinism off again; tests only.
        from tensorflow.python.framework import config as tf_config

        if tf_config.is_op_determinism_enabled():
            tf_config.disable_op_determinism()


@pytest.fixture
def toy_recipe():
    """A registered tiny image recipe, removed afterwards."""
    from tests_support.toy_recipe import register_toy

    name = register_toy()
    yield name
    from keras_recipes.registry import unregister_recipe

    unregister_recipe(name)
