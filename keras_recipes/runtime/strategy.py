"""The ``tf.distribute`` strategy: what ``auto`` picks, and creating it.

``auto``: a TPU when one is attached, ``MultiWorkerMirroredStrategy`` when
``TF_CONFIG`` names several workers, ``MirroredStrategy`` over several GPUs,
else the default (single-device) strategy.
"""

from __future__ import annotations

import json
import os
from typing import Tuple

from keras_recipes.config import check_choice
from keras_recipes.errors import ConfigError
from keras_recipes.runtime.hardware import Hardware


def auto_strategy(hw: Hardware) -> Tuple[str, str]:
    """``(strategy_name, reason)`` of ``runtime.strategy=auto`` on ``hw``
    (``plan.choose`` applies it)."""
    if hw.tpu:
        return "tpu", "a TPU is attached"
    if hw.num_workers > 1:
        return "multi_worker", f"TF_CONFIG names {hw.num_workers} workers"
    if len(hw.gpus) > 1:
        return "mirrored", f"{len(hw.gpus)} GPUs visible"
    if len(hw.gpus) == 1:
        return "one_device", "one GPU"
    return "default", "no accelerator: single-device default strategy"


def restrict_gpus(indices) -> None:
    """Make only the GPUs at ``indices`` (``runtime.gpus``, parsed by
    ``plan.gpu_indices``) visible to TensorFlow, before any use."""
    import tensorflow as tf

    physical = tf.config.list_physical_devices("GPU")
    tf.config.set_visible_devices([physical[i] for i in indices], "GPU")


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
    raise ConfigError(f"strategy {name!r} cannot be made here")  # "auto": plan.choose first


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
