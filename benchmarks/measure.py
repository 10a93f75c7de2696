"""Measurements the suite takes outside the training loop: the machine, import
time, a budgeted `recipes run` in its own process, and data subsets."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def machine() -> dict:
    """What the numbers came from: CPU model and cores, GPUs, versions, oneDNN."""
    import keras
    import tensorflow as tf

    from keras_recipes import __version__
    from keras_recipes.runtime.onednn import onednn_state

    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    from keras_recipes.runtime.hardware import cpu_flags

    bf16 = sorted({"avx512_bf16", "amx_bf16"} & cpu_flags())
    gpus = [tf.config.experimental.get_device_details(g).get("device_name", g.name)
            for g in tf.config.list_physical_devices("GPU")]
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpu": cpu,
            "cores": os.cpu_count(), "cpu_bfloat16": ", ".join(bf16) or "no",
            "gpus": gpus, "onednn": onednn_state()[0],
            "python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "keras_recipes": __version__,
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}


def import_seconds() -> float:
    """Seconds a fresh interpreter takes to import the engine (and with it TensorFlow)."""
    code = ("import time; t = time.perf_counter(); import keras_recipes.training.trainer; "
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    return float(out.stdout.strip().splitlines()[-1])


def subset_folder(root, per_class: int, out_dir) -> Path:
    """A class-folder dataset with the first `per_class` files of each class of
    `root`, as symlinks (nothing is copied)."""
    root, out = Path(root), Path(out_dir)
    for class_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted(f for f in class_dir.iterdir() if f.is_file())[:per_class]
        (out / class_dir.name).mkdir(parents=True)
        for f in files:
            (out / class_dir.name / f.name).symlink_to(f.resolve())
    return out


def budget_run(recipe: str, args: list[str]) -> dict:
    """`recipes run RECIPE ARGS` in a fresh process; its metrics.json plus the
    process wall time."""
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = os.path.join(tmp, "run")
        command = [sys.executable, "-m", "keras_recipes", "run", recipe, "--output", run_dir,
                   "-q", *args]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
        metrics = json.loads(Path(run_dir, "metrics.json").read_text())
    metrics["process_wall_s"] = round(time.perf_counter() - started, 1)
    return metrics


def arrays(ds):
    """A split's ``(x, y)`` as numpy arrays (labels int64), for scoring or a hand-written fit."""
    import numpy as np

    xs, ys = zip(*((x, y) for x, y in ds.batch(4096).as_numpy_iterator()))
    return np.concatenate(xs), np.concatenate(ys).astype("int64")


def first_kind(name: str, kinds) -> str:
    """The kind of an op ``name``: the first ``(kind, regex)`` of ``kinds`` that
    matches it, else "other" (profile_step's TensorFlow table and vs_pytorch's
    PyTorch table both read with it; this module imports no framework)."""
    for kind, pattern in kinds:
        if re.search(pattern, name):
            return kind
    return "other"
