"""Precision and strategy choices, with the detected hardware faked."""

import json

import pytest

from keras_recipes.errors import ConfigError
from keras_recipes.runtime.hardware import GPU, Hardware, cpu_flags, tf_config_workers
from keras_recipes.runtime.plan import choose
from keras_recipes.runtime.strategy import is_chief

CPU = Hardware()
V100 = Hardware(gpus=(GPU("V100", (7, 0)),))
A100x2 = Hardware(gpus=(GPU("A100", (8, 0)), GPU("A100", (8, 0))))
OLD_GPU = Hardware(gpus=(GPU("K80", (3, 7)),))
TPU = Hardware(tpu=True)
BF16_CPU = Hardware(cpu_flags=frozenset({"avx512f", "avx512_bf16"}))


@pytest.mark.parametrize("hw, policy", [
    (CPU, "float32"), (V100, "mixed_float16"), (A100x2, "mixed_bfloat16"),
    (OLD_GPU, "float32"), (TPU, "mixed_bfloat16"), (BF16_CPU, "mixed_bfloat16"),
])
def test_auto_precision_follows_the_hardware(hw, policy):
    chosen, reason = choose("runtime.precision", "auto", hw)
    assert chosen == policy and reason


def test_explicit_precision_wins():
    assert choose("runtime.precision", "mixed_float16", CPU) == ("mixed_float16",
                                                                "requested in the config")
    with pytest.raises(ConfigError, match="`runtime.precision` must be one of"):
        choose("runtime.precision", "fp8", CPU)


@pytest.mark.parametrize("hw, strategy", [
    (CPU, "default"), (V100, "one_device"), (A100x2, "mirrored"), (TPU, "tpu"),
    (Hardware(num_workers=2), "multi_worker"),
])
def test_auto_strategy_follows_the_hardware(hw, strategy):
    assert choose("runtime.strategy", "auto", hw).value == strategy


def test_tf_config_workers_and_chief():
    cluster = {"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}}
    env0 = {"TF_CONFIG": json.dumps({**cluster, "task": {"type": "worker", "index": 0}})}
    env1 = {"TF_CONFIG": json.dumps({**cluster, "task": {"type": "worker", "index": 1}})}
    assert tf_config_workers(env0) == 2 and tf_config_workers({}) == 1
    assert is_chief(env0) and not is_chief(env1) and is_chief({})


def test_cpu_flags_are_read(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor: 0\nflags\t\t: fpu avx512_bf16 amx_bf16\n")
    assert Hardware(cpu_flags=cpu_flags(str(info))).cpu_bfloat16
    assert cpu_flags(str(tmp_path / "missing")) == frozenset()


def test_gpu_selection_is_checked():
    from keras_recipes.runtime.plan import gpu_indices

    assert gpu_indices(None, 2) is None and gpu_indices("1", 2) == [1]
    assert gpu_indices("0,1", 2) == [0, 1]
    with pytest.raises(ConfigError, match="do not exist"):
        gpu_indices("2", 2)


@pytest.mark.parametrize("placement, hw, in_model", [
    ("auto", V100, True), ("auto", TPU, True),
    ("auto", Hardware(cpu_count=2), False), ("auto", Hardware(cpu_count=64), False),
    ("pipeline", V100, False), ("model", Hardware(cpu_count=64), True),
])
def test_augmentation_placement_follows_the_hardware(placement, hw, in_model):
    chosen, reason = choose("augment.placement", placement, hw)
    assert (chosen == "model") is in_model and reason
