"""`recipes doctor`: what a user needs to know before training.

Each check returns a row ``(topic, finding, ok)``; the command prints them
and exits non-zero when the installation cannot train.
"""

from __future__ import annotations

import os
import platform
import sys
from typing import List, Tuple

Row = Tuple[str, str, bool]


def _versions() -> List[Row]:
    rows = [("python", platform.python_version(), sys.version_info >= (3, 10))]
    try:
        import tensorflow as tf
    except Exception as err:  # a broken TF install is exactly what doctor reports
        return rows + [("tensorflow", f"cannot import: {err}", False)]
    import keras

    rows.append(("tensorflow", tf.__version__, True))
    keras_major = int(keras.__version__.split(".")[0])
    rows.append(("keras", keras.__version__,
                 keras_major >= 3))
    tf_minor = tuple(int(p) for p in tf.__version__.split(".")[:2])
    if tf_minor < (2, 16):
        rows.append(("known problem", "TensorFlow < 2.16 pairs with Keras 2; "
                     f"fix: pip install -U {' '.join(_declared('tensorflow', 'keras'))}", False))
    rows.append(("backend", keras.backend.backend(), keras.backend.backend() == "tensorflow"))
    return rows


def _declared(*names) -> List[str]:
    """The requirements keras-recipes declares for ``names`` (pyproject.toml's
    floors, as installed), quoted for a shell, e.g. ``'keras>=3.10'``."""
    from importlib import metadata

    try:
        required = metadata.requires("keras-recipes") or []
    except metadata.PackageNotFoundError:
        required = []
    found = [r.split(";")[0].strip() for r in required if "extra ==" not in r
             and r.split(">")[0].split("=")[0].split("<")[0].strip() in names]
    return [f"'{r}'" for r in found] or list(names)


def _hardware() -> List[Row]:
    import keras

    from keras_recipes.config import RecipeConfig
    from keras_recipes.runtime import hardware
    from keras_recipes.runtime.plan import plan_runtime

    hw = hardware.detect()
    model = next((line.split(":", 1)[1].strip() for line in _cpuinfo_lines()
                  if line.startswith("model name")), platform.processor() or platform.machine())
    avx512 = "avx512f" in hw.cpu_flags
    rows = [("cpu", f"{model}, {hw.cpu_count} cores, AVX-512: {'yes' if avx512 else 'no'}, "
             f"native bfloat16: {'yes' if hw.cpu_bfloat16 else 'no'}", True)]
    memory = _gpu_memory_mib()
    for i, gpu in enumerate(hw.gpus):
        cc = ".".join(map(str, gpu.compute_capability)) if gpu.compute_capability else "?"
        mem = f", {memory[i]:,} MiB" if i < len(memory) else ""
        rows.append((f"gpu {i}", f"{gpu.name}, compute capability {cc}{mem}", True))
    if not hw.gpus:
        rows.append(("gpu", 'none visible (for CUDA: pip install ".[gpu]" in the source tree)', True))
    rows.append(("tpu", "attached" if hw.tpu else "none", True))
    # What a run's plan would be with every runtime setting left at auto.
    plan = plan_runtime(RecipeConfig(), hw, keras.backend.backend())
    return rows + [(f"{name}=auto", choice, True) for name, choice in plan.rows()]


def _gpu_memory_mib(run=None) -> List[int]:
    """Total memory of each NVIDIA GPU from nvidia-smi (TensorFlow reports it
    only after allocating on the device); [] when nvidia-smi is missing."""
    import subprocess

    run = run or subprocess.run
    try:
        out = run(["nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
                  capture_output=True, text=True, timeout=10).stdout
        return [int(line) for line in out.split()]
    except (OSError, ValueError, subprocess.SubprocessError):
        return []


def _cpuinfo_lines():
    try:
        with open("/proc/cpuinfo") as f:
            return f.readlines()
    except OSError:
        return []


def _xla() -> Row:
    import tensorflow as tf

    try:
        value = tf.function(lambda x: tf.reduce_sum(x * x), jit_compile=True)(tf.ones([4]))
        if float(value) != 4.0:  # the sum of four squared ones, compiled by XLA
            return ("xla", f"compiles but computed {float(value):g} instead of 4; "
                    "use --set runtime.jit_compile=false", False)
        return ("xla", "works (a test function compiled with XLA gave the right result)", True)
    except Exception as err:
        return ("xla", f"unavailable: {str(err).splitlines()[0]}; use --set runtime.jit_compile=false", True)


def _onednn() -> Row:
    from keras_recipes.runtime.onednn import onednn_state

    on, why = onednn_state()
    return ("onednn", f"{'on' if on else 'off'} ({why})", True)


def _train_step() -> Row:
    """The real question: can this installation take a training step?"""
    import keras
    import numpy as np

    try:
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
        model.compile("sgd", "sparse_categorical_crossentropy")
        model.fit(np.ones((8, 4), "float32"), np.zeros(8, "int64"), epochs=1, verbose=0)
        return ("training", "a Keras training step runs", True)
    except Exception as err:
        return ("training", f"a training step fails: {str(err).splitlines()[0]}", False)


def _tfds() -> Row:
    """TFDS imports, its download path imports (tensorflow-datasets imports
    modules there that it does not declare), and whether it can download."""
    try:
        import tensorflow_datasets as tfds

        # code_path and url_infos are what download_and_prepare reads first.
        cls = tfds.builder_cls("cifar10")
        if cls.code_path is None or not cls.url_infos:
            raise RuntimeError("tfds:cifar10 lists no download URLs")
    except Exception as err:
        return ("tfds", f"the TFDS download path is broken ({type(err).__name__}: {err}); "
                "fix: pip install -U tensorflow-datasets importlib_resources", False)
    from keras_recipes.datasets.tfds_source import DOWNLOAD_PROBE, download_reachable

    data_dir = os.path.expanduser(os.environ.get("TFDS_DATA_DIR", "~/tensorflow_datasets"))
    exists = os.path.isdir(data_dir)
    writable = os.access(data_dir if exists else os.path.dirname(data_dir) or ".", os.W_OK)
    state = "exists" if exists else "will be created"
    note = "" if writable else " (not writable: set TFDS_DATA_DIR or --set data.data_dir=...)"
    online = ("downloads reachable" if download_reachable()
              else f"offline ({DOWNLOAD_PROBE[0]} unreachable): use --data path/to/folder")
    return ("tfds", f"{tfds.__version__}, data dir {data_dir} {state}{note}; {online}", True)


def checks() -> List[Row]:
    rows = _versions()
    if not all(ok for _, _, ok in rows if _ in ("tensorflow",)):
        return rows
    return rows + _hardware() + [_onednn(), _xla(), _tfds(), _train_step()]


def report(rows: List[Row]) -> str:
    width = max(len(topic) for topic, _, _ in rows)
    return "\n".join(f"{'ok ' if ok else 'BAD'} {topic:<{width}}  {finding}" for topic, finding, ok in rows)
