"""Runs `jax_backend_check.py` in a subprocess with `KERAS_BACKEND=jax`.

Keras fixes its backend when first imported, so the JAX check needs its own
interpreter. Compiling for JAX on CPU takes ~20 s or more on this machine,
so conftest starts the process as soon as `test_jax_backend.py` is
collected and it runs alongside the other tests; the test then waits for it.
"""

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHECK_SCRIPT = Path(__file__).with_name("jax_backend_check.py")
JAX_AVAILABLE = importlib.util.find_spec("jax") is not None
_run = {}


def start():
    """Starts the check once (no-op without jax); returns (process, log)."""
    if not JAX_AVAILABLE:
        return None, None
    if "process" not in _run:
        env = dict(os.environ)
        env.update(
            KERAS_BACKEND="jax",
            JAX_PLATFORMS="cpu",
            # This jaxlib's CPU compiler spends minutes optimising the
            # threefry random ops of the initializers (116 s vs 23 s in
            # all); the check is about correctness, not speed.
            XLA_FLAGS="--xla_backend_optimization_level=0",
        )
        log = tempfile.TemporaryFile(mode="w+")
        _run["log"] = log
        _run["process"] = subprocess.Popen(
            [sys.executable, str(CHECK_SCRIPT)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=str(CHECK_SCRIPT.parents[2]),
        )
    return _run["process"], _run["log"]


def result(timeout=600):
    """Waits for the check; returns (returncode, output)."""
    process, log = start()
    try:
        returncode = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop()
        raise
    log.seek(0)
    return returncode, log.read()


def stop():
    """Kills the check if it is still running (e.g. after `pytest -x`)."""
    process = _run.get("process")
    if process is not None and process.poll() is None:
        process.kill()
        process.wait()
