"""What the machine has: GPUs (with compute capability), a TPU, CPU features.

Detection is kept apart from the decisions made on it (``precision`` and
``strategy``) so that those decisions can be unit-tested with fake hardware.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import List, Optional, Tuple


@dataclass(frozen=True)
class GPU:
    name: str
    compute_capability: Optional[Tuple[int, int]] = None


@dataclass(frozen=True)
class Hardware:
    gpus: Tuple[GPU, ...] = ()
    tpu: bool = False
    cpu_flags: frozenset = field(default_factory=frozenset)
    cpu_count: int = 1
    num_workers: int = 1  # from TF_CONFIG

    @property
    def cpu_bfloat16(self) -> bool:
        """Native bfloat16 arithmetic on the CPU (AVX-512 BF16 or AMX)."""
        return bool({"avx512_bf16", "amx_bf16"} & self.cpu_flags)


def cpu_flags(path: str = "/proc/cpuinfo") -> frozenset:
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def tf_config_workers(environ=os.environ) -> int:
    """Number of tasks (chief + workers) named by ``TF_CONFIG``; 1 without it."""
    raw = environ.get("TF_CONFIG")
    if not raw:
        return 1
    try:
        cluster = json.loads(raw).get("cluster", {})
    except (json.JSONDecodeError, AttributeError):
        return 1
    return sum(len(cluster.get(role, [])) for role in ("chief", "worker")) or 1


def tpu_requested(environ=os.environ) -> bool:
    """Cheap hints that a TPU is attached (so we never probe for one in vain)."""
    return bool(environ.get("TPU_NAME") or environ.get("COLAB_TPU_ADDR")
                or os.path.exists("/dev/accel0") or os.path.exists("/dev/vfio/0"))


def _gpus() -> List[GPU]:
    import tensorflow as tf

    from keras_recipes._import_hooks import quiet_native_log

    found = []
    with quiet_native_log():  # TensorFlow logs a cuInit error on GPU-less machines
        devices = tf.config.list_physical_devices("GPU")
    for device in devices:
        try:
            details = tf.config.experimental.get_device_details(device)
        except Exception:  # details are best-effort; an unknown GPU still counts
            details = {}
        found.append(GPU(details.get("device_name", device.name),
                         details.get("compute_capability")))
    return found


def detect() -> Hardware:
    return Hardware(
        gpus=tuple(_gpus()),
        tpu=tpu_requested(),
        cpu_flags=cpu_flags(),
        cpu_count=os.cpu_count() or 1,
        num_workers=tf_config_workers(),
    )


def peak_memory_mb(gpus) -> dict:
    """Peak resident host memory of this process, and of each GPU's
    allocator when there are GPUs, in MiB (for metrics.json)."""
    peaks = {}
    try:
        import resource  # not on Windows

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # Linux reports KiB, macOS bytes.
        peaks["host"] = round(rss / (2**20 if sys.platform == "darwin" else 2**10), 1)
    except (ImportError, OSError):
        pass
    if gpus:
        import tensorflow as tf

        for i in range(len(gpus)):
            try:
                info = tf.config.experimental.get_memory_info(f"GPU:{i}")
            except (ValueError, RuntimeError):  # a GPU this process did not use
                continue
            peaks[f"gpu{i}"] = round(info["peak"] / 2**20, 1)
    return peaks
