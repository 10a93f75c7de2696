"""Shared fixtures: a tiny registered recipe, a clean Keras state per test,
and one CPU kind for every test.

`runtime.precision=auto` resolves differently on AVX2-only CPUs (float32) and
on CPUs with AVX512-BF16 or AMX (mixed_bfloat16), and CI runs on whichever
the machine has. So that no test depends on that draw, every in-process test
sees the detected hardware with the CPU's bfloat16 flags removed (`auto` is
float32); tests/runtime/test_cpu_kinds.py fakes each CPU kind explicitly and checks
what `auto` does there. Tests marked `real_hardware` see the machine as it is.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest


@pytest.fixture(autouse=True)
def _reset_global_state():
    """Tests that change process-wide settings (the mixed-precision policy,
    `--deterministic` op determinism) must not leak them into later tests."""
    yield
    import sys

    if "keras" in sys.modules:
        import keras

        keras.mixed_precision.set_global_policy("float32")
    if "keras_recipes.layers.batch_norm" in sys.modules:  # a run installs TensorFlow's fused kernel
        sys.modules["keras_recipes.layers.batch_norm"].use_fused_training(None)
    if "tensorflow" in sys.modules:
        # No public API turns op determinism off again; tests only.
        from tensorflow.python.framework import config as tf_config

        if tf_config.is_op_determinism_enabled():
            tf_config.disable_op_determinism()


BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "amx_tile"})


@pytest.fixture(autouse=True, scope="session")
def _one_cpu_kind():
    # Session scope: module-scoped fixtures train shared runs before any
    # function-scoped fixture would run.
    from keras_recipes.runtime import hardware

    real_detect = hardware.detect

    def detect_without_bf16():
        import dataclasses

        hw = real_detect()
        return dataclasses.replace(hw, cpu_flags=hw.cpu_flags - BF16_FLAGS)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hardware, "detect", detect_without_bf16)
        yield real_detect


@pytest.fixture(autouse=True, scope="session")
def _no_network_probe():
    """Tests send nothing to the internet: the TFDS download probe answers
    "reachable" (downloads themselves are mocked or fail offline), and
    tests/datasets/test_tfds_source.py checks both answers explicitly."""
    from keras_recipes.datasets import tfds_source

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tfds_source, "download_reachable", lambda *a, **k: True)
        yield


@pytest.fixture(autouse=True)
def _real_hardware_when_marked(request, _one_cpu_kind):
    if request.node.get_closest_marker("real_hardware"):
        from keras_recipes.runtime import hardware

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(hardware, "detect", _one_cpu_kind)
            yield
    else:
        yield


@pytest.fixture
def toy_recipe():
    """A registered tiny image recipe, removed afterwards."""
    from tests_support.toy_recipe import register_toy

    name = register_toy()
    yield name
    from keras_recipes.registry import unregister_recipe

    unregister_recipe(name)
