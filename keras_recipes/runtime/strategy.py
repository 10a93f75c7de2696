"""Choosing and creating the ``tf.distribute`` strategy.

``auto``: a TPU when one is attached, ``MultiWorkerMirroredStrategy`` when
``TF_CONFIG`` names several workers, ``MirroredStrategy`` over several GPUs,
else the default (single-device) strategy.
"""

from __future__ import annotations

import json
import os
from typing import Optional, Tuple

from keras_recipes.config import check_choice
from keras_recipes.errors import ConfigError
from keras_recipes.runtime.hardware import Hardware


def choose_strategy(requested: str, hw: Hardware) -> Tuple[str, str]:
    """Return ``(strategy_name, reason)`` for ``runtime.strategy``."""
    check_choice("runtime.strategy", requested)
    if requested != "auto":
        return requested, "requested in the config"
    if hw.tpu:
        return "tpu", "a TPU is attached"
    if hw.num_workers > 1:
        return "multi_worker", f"TF_CONFIG names {hw.num_workers} workers"
    if len(hw.gpus) > 1:
        return "mirrored", f"{len(hw.gpus)} GPUs visible"
    if len(hw.gpus) == 1:
        return "one_device", "one GPU"
    return "default", "no accelerator: single-device default strategy"


def gpu_indices(gpus: Optional[str], available: int) -> Optional[list]:
    """Parse ``runtime.gpus`` (``"0,1"``) against ``available`` GPUs; None: all."""
    if not gpus:
        return None
    try:
        wanted = [int(i) for i in str(gpus).split(",") if i.strip()]
        if not wanted or any(i < 0 or i >= available for i in wanted):
            raise ValueError
    except ValueError:
        raise ConfigError(
            f"runtime.gpus={gpus!r} names GPUs that do not exist; visible: {available}"
        ) from None
    return wanted


def select_gpus(gpus: Optional[str], hw: Hardware) -> Hardware:
    """Restrict TensorFlow to the GPUs listed as ``"0,1"`` (before any use) and
    return the hardware as the precision and strategy choices must see it."""
    wanted = gpu_indices(gpus, len(hw.gpus))
    if wanted is None:
        return hw
    import dataclasses

    import tensorflow as tf

    physical = tf.config.list_physical_devices("GPU")
    tf.config.set_visible_devices([physical[i] for i in wanted], "GPU")
    return dataclasses.replace(hw, gpus=tuple(hw.gpus[i] for i in wanted))


def make_strategy(name: str):
    import tensorflow as tf

    if name == "default":
        return tf.distribute.get_strategy()
    if name == "one_device":
        device = "/gpu:0" if tf.config.list_logical_devices("GPU") else "/cpu:0"
        return tf.distribute.OneDeviceStrategy(device)
    if name == "mirrored":
        devices = [d.name for d in tf.config.list_logical_devices("GPU")] or None
        if devices is None:
            cpus = [d.name for d in tf.config.list_logical_devices("CPU")]
            devices = cpus if len(cpus) > 1 else None
        return tf.distribute.MirroredStrategy(devices=devices)
    if name == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    check_choice("runtime.strategy", name)
    raise ConfigError(f"strategy {name!r} cannot be made here")  # "auto": choose_strategy first


def is_chief(environ=os.environ) -> bool:
    """Only the chief (or worker 0 without a chief) writes the run directory."""
    raw = environ.get("TF_CONFIG")
    if not raw:
        return True
    try:
        spec = json.loads(raw)
    except json.JSONDecodeError:
        return True
    task = spec.get("task", {})
    cluster = spec.get("cluster", {})
    if task.get("type") == "chief":
        return True
    return task.get("type") == "worker" and task.get("index", 0) == 0 and "chief" not in cluster


def worker_id(environ=os.environ) -> str:
    """``worker-1``-style name of this task in ``TF_CONFIG`` (``chief`` alone)."""
    try:
        task = json.loads(environ.get("TF_CONFIG") or "{}").get("task", {})
    except json.JSONDecodeError:
        task = {}
    return f"{task.get('type', 'chief')}-{task.get('index', 0)}"
