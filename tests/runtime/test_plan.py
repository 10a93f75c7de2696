"""The runtime plan: every runtime choice made once, each with its reason."""

import pytest

from keras_recipes import config as C
from keras_recipes.errors import ConfigError
from keras_recipes.runtime.hardware import GPU, Hardware
from keras_recipes.runtime.plan import REQUESTED, plan_runtime

A100x2 = Hardware(gpus=(GPU("A100", (8, 0)), GPU("A100", (8, 0))))
MIXED = Hardware(gpus=(GPU("V100", (7, 0)), GPU("A100", (8, 0))))


def _cfg(*overrides):
    return C.apply_overrides(C.RecipeConfig(), list(overrides))


def test_auto_follows_the_hardware_and_says_why():
    plan = plan_runtime(_cfg(), A100x2)
    assert plan.precision.value == "mixed_bfloat16" and "8.0" in plan.precision.reason
    assert plan.strategy == ("mirrored", "2 GPUs visible")
    assert plan.augment_on_device.value is True and plan.jit_compile.value == "auto"
    assert plan.gpus is None and plan.hardware == A100x2
    cpu = plan_runtime(_cfg(), Hardware())
    assert (cpu.precision.value, cpu.strategy.value, cpu.augment_on_device.value) == (
        "float32", "default", False)


def test_requested_settings_win_with_one_reason():
    plan = plan_runtime(_cfg("runtime.precision=float32", "runtime.strategy=one_device",
                             "augment.placement=pipeline", "runtime.jit_compile=false"), A100x2)
    assert plan.precision == ("float32", REQUESTED) and plan.strategy == ("one_device", REQUESTED)
    assert plan.augment_on_device == (False, REQUESTED) and plan.jit_compile == (False, REQUESTED)


def test_runtime_gpus_is_parsed_once_and_the_choices_see_only_those_gpus():
    """The V100 left out, auto sees one A100: bfloat16 on one device."""
    plan = plan_runtime(_cfg("runtime.gpus='1'"), MIXED)
    assert plan.gpus == (1,) and plan.hardware.gpus == (GPU("A100", (8, 0)),)
    assert plan.precision.value == "mixed_bfloat16" and plan.strategy.value == "one_device"
    with pytest.raises(ConfigError, match="runtime.gpus='2' names GPUs that do not exist; visible: 2"):
        plan_runtime(_cfg("runtime.gpus='2'"), MIXED)


def test_the_plan_is_what_environment_json_and_doctor_show():
    plan = plan_runtime(_cfg(), Hardware())
    env = plan.environment()
    assert env["precision"] == "float32" and env["strategy"] == "default"
    assert all(env[f"{k}_reason"] for k in ("precision", "strategy", "augment", "jit_compile"))
    rows = dict(plan.rows())
    assert rows["precision"] == f"float32 ({plan.precision.reason})"
    assert "replica" not in rows["strategy"]  # counted once the strategy exists


def test_doctor_shows_the_auto_plan():
    from keras_recipes.runtime.doctor import _hardware

    topics = [topic for topic, _, _ in _hardware()]
    assert {"precision=auto", "strategy=auto", "augmentation=auto", "jit_compile=auto"} <= set(topics)


def test_a_task_that_needs_augmentation_in_the_model_gets_it_or_a_clear_error():
    needs = ("model", "its flips must see each image before its shift")
    for requested in ("auto", "model"):  # on a CPU, where auto would pick the pipeline
        plan = plan_runtime(_cfg(f"augment.placement={requested}"), Hardware(),
                            augmentation_placement=needs)
        assert plan.augment_on_device == (True, needs[1])
    with pytest.raises(ConfigError, match="augment.placement=pipeline: .* augments in the model"):
        plan_runtime(_cfg("augment.placement=pipeline"), Hardware(), augmentation_placement=needs)
