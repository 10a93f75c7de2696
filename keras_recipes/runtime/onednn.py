"""TensorFlow's oneDNN CPU kernels: on by default in keras-recipes.

TensorFlow turns its oneDNN kernels on by itself only on x86 CPUs with
AVX512_VNNI, AVX512_BF16 or AMX. On AVX2-only CPUs they stay off, and on the
AVX2 AMD EPYC of benchmarks/RESULTS.md ResNet-20 then trains 1.6x and a
bidirectional LSTM 1.5x slower than with them on. TensorFlow reads the switch, the environment
variable ``TF_ENABLE_ONEDNN_OPTS``, once when it loads, so keras-recipes sets
it when it is imported, before TensorFlow is. A value the user set always wins:
``TF_ENABLE_ONEDNN_OPTS=0 recipes run ...`` turns it off.
"""

from __future__ import annotations

import os
import platform
import sys

ENV = "TF_ENABLE_ONEDNN_OPTS"
_X86 = ("x86_64", "amd64", "i386", "i686", "x86")


def prefer_onednn() -> None:
    """Ask for oneDNN on x86 unless the user chose, or TensorFlow already loaded."""
    if "tensorflow" in sys.modules or platform.machine().lower() not in _X86:
        return
    os.environ.setdefault(ENV, "1")


def onednn_state() -> tuple[bool, str]:
    """Whether the loaded TensorFlow runs oneDNN kernels, and why (for logs and doctor)."""
    from keras_recipes._private_api import onednn_enabled

    on = onednn_enabled()
    if on is None:  # a TensorFlow build without the query: say so, do not guess
        return False, "unknown (this TensorFlow build cannot report it)"
    value = os.environ.get(ENV)
    if value is not None:
        return on, f"{ENV}={value}"
    why = "TensorFlow's default for this CPU"
    if not on and platform.machine().lower() in _X86:
        # TensorFlow was imported before keras_recipes, so prefer_onednn() came too late.
        why += f"; set {ENV}=1 before TensorFlow is imported (1.5-1.6x faster training on AVX2 CPUs)"
    return on, why
