"""Data parallelism on the JAX backend with ``keras.distribution``.

``tf.distribute`` strategies do nothing for JAX; Keras' own distribution API
does the same job there: a one-axis device mesh named ``batch`` with the
batch split across it and the variables replicated (``DataParallel``).
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple


def select_devices(available: Sequence[str], gpus: Optional[str] = None) -> Tuple[str, ...]:
    """The devices to shard the batch over.

    Accelerators when there are any (``gpu:N`` / ``tpu:N``), else the CPU;
    ``gpus="0,2"`` keeps those accelerator indices only (``runtime.gpus``,
    parsed by ``plan.gpu_indices`` as on TensorFlow).
    """
    from keras_recipes.runtime.plan import gpu_indices

    accelerators = [d for d in available if not d.lower().startswith("cpu")]
    if not accelerators:
        return tuple(available[:1])
    wanted = gpu_indices(gpus, len(accelerators))
    return tuple(accelerators) if wanted is None else tuple(accelerators[i] for i in wanted)


def data_parallel(devices: Sequence[str]):
    """A ``keras.distribution.DataParallel`` over ``devices``, or None for one device."""
    if len(devices) < 2:
        return None
    import keras

    return keras.distribution.DataParallel(devices=list(devices))


def plan(devices: Sequence[str]):
    """``(strategy, replicas)`` choices of the runtime plan for ``devices``."""
    from keras_recipes.runtime.plan import Choice

    if len(devices) < 2:
        return (Choice("default", f"JAX backend on {devices[0] if devices else 'cpu'}"),
                Choice(1, "one device"))
    return (Choice("jax_data_parallel", f"JAX backend: DataParallel over {', '.join(devices)}"),
            Choice(len(devices), "the devices of the DataParallel mesh"))


def install(devices: Sequence[str]) -> None:
    """Make ``keras.distribution`` split every batch over ``devices`` (two or more)."""
    import keras

    distribution = data_parallel(devices)
    if distribution is not None:
        keras.distribution.set_distribution(distribution)
