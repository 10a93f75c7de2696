"""The layers run on the JAX backend (and never import TensorFlow)."""

import layers_jax_runner
import pytest


@pytest.mark.skipif(not layers_jax_runner.JAX_AVAILABLE, reason="jax is not installed")
def test_forward_and_backward_on_jax_without_tensorflow():
    """Every layer and resnet_cifar(depth=8) on KERAS_BACKEND=jax with
    TensorFlow unimportable: a jitted forward + backward pass in training
    mode and a deterministic inference pass (see jax_backend_check.py)."""
    returncode, output = layers_jax_runner.result()
    assert returncode == 0, output[-5000:]
    assert "JAX OK" in output, output[-5000:]
