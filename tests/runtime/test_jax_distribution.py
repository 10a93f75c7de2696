"""Device-mesh selection for the JAX backend's DataParallel."""

import pytest

from keras_recipes.errors import ConfigError
from keras_recipes.runtime.jax_distribution import data_parallel, select_devices


def test_accelerators_are_preferred_to_the_cpu():
    assert select_devices(["cpu:0", "gpu:0", "gpu:1"]) == ("gpu:0", "gpu:1")
    assert select_devices(["cpu:0"]) == ("cpu:0",)
    assert select_devices(["tpu:0", "tpu:1", "tpu:2", "tpu:3"]) == ("tpu:0", "tpu:1", "tpu:2", "tpu:3")


def test_gpus_option_picks_devices():
    assert select_devices(["gpu:0", "gpu:1", "gpu:2"], "0,2") == ("gpu:0", "gpu:2")
    with pytest.raises(ConfigError, match="do not exist"):
        select_devices(["gpu:0"], "3")


def test_data_parallel_mesh_splits_the_batch():
    assert data_parallel(["gpu:0"]) is None
    distribution = data_parallel(["gpu:0", "gpu:1"])
    assert distribution.device_mesh.shape == (2,)
    assert distribution.batch_dim_name == distribution.device_mesh.axis_names[0]
