"""Fixtures for the layer tests: a clean, seeded Keras state per test, and
the JAX backend check started in the background."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import layers_jax_runner
import pytest


@pytest.fixture(autouse=True)
def keras_state():
    """Seeds Keras and restores the global dtype policy after every test.

    Tests that set `mixed_float16` / `mixed_bfloat16` must not leak it into
    later tests, even when they fail half-way.
    """
    policy = keras.config.dtype_policy()
    keras.utils.set_random_seed(1234)
    yield
    keras.config.set_dtype_policy(policy)


@pytest.fixture(params=["mixed_float16", "mixed_bfloat16"])
def mixed_policy(request):
    """Sets a mixed-precision global policy for one test, then restores it."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(request.param)
    yield request.param
    keras.config.set_dtype_policy(previous)


def _is_jax_test(item):
    return item.path.name == "test_jax_backend.py"


def pytest_collection_modifyitems(config, items):
    """Moves the JAX test last, so that its subprocess (started below) runs
    alongside the other tests instead of being waited for in the middle."""
    items.sort(key=_is_jax_test)


def pytest_collection_finish(session):
    """Starts the JAX subprocess as soon as we know its test will run (not
    for --collect-only, and not in pytest-xdist workers, where the test
    starts it itself)."""
    config = session.config
    if config.option.collectonly or hasattr(config, "workerinput"):
        return
    if any(_is_jax_test(item) for item in session.items):
        layers_jax_runner.start()


def pytest_sessionfinish(session, exitstatus):
    layers_jax_runner.stop()
