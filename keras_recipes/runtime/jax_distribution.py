"""Data parallelism on the JAX backend with ``keras.distribution``.

``tf.distribute`` strategies do nothing for JAX; Keras' own distribution API
does the same job there: a one-axis device mesh named ``batch`` with the
batch split across it and the variables replicated (``DataParallel``).
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

from keras_recipes.errors import ConfigError


def select_devices(available: Sequence[str], gpus: Optional[str] = None) -> Tuple[str, ...]:
    """The devices to shard the batch over.

    Accelerators when there are any (``gpu:N`` / ``tpu:N``), else the CPU;
    ``gpus="0,2"`` keeps those accelerator indices only.
    """
    accelerators = [d for d in available if not d.lower().startswith("cpu")]
    if not accelerators:
        return tuple(available[:1])
    if not gpus:
        return tuple(accelerators)
    try:
        wanted = [accelerators[int(i)] for i in str(gpus).split(",") if i.strip()]
    except (ValueError, IndexError):
        raise ConfigError(
            f"runtime.gpus={gpus!r} names devices that do not exist; available: {', '.join(accelerators)}"
        ) from None
    return tuple(wanted)


def data_parallel(devices: Sequence[str]):
    """A ``keras.distribution.DataParallel`` over ``devices``, or None for one device."""
    if len(devices) < 2:
        return None
    import keras

    return keras.distribution.DataParallel(devices=list(devices))


def setup(gpus: Optional[str] = None) -> Tuple[str, str, int]:
    """Install the JAX distribution; return ``(name, reason, replicas)``."""
    import keras

    devices = select_devices(keras.distribution.list_devices(), gpus)
    distribution = data_parallel(devices)
    if distribution is None:
        return "default", f"JAX backend on {devices[0] if devices else 'cpu'}", 1
    keras.distribution.set_distribution(distribution)
    return "jax_data_parallel", f"JAX backend: DataParallel over {', '.join(devices)}", len(devices)
