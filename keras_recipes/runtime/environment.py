"""environment.json: what a run ran on, so results can be compared and reproduced."""

from __future__ import annotations

import os
import platform
import sys

from keras_recipes._version import __version__
from keras_recipes.runtime.hardware import Hardware
from keras_recipes.runtime.onednn import onednn_state


def collect(hw: Hardware) -> dict:
    import keras
    import tensorflow as tf

    onednn_on, onednn_why = onednn_state()
    return {
        "keras_recipes": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "devices": [d.name for d in tf.config.list_logical_devices()],
        "gpus": [{"name": g.name, "compute_capability": g.compute_capability} for g in hw.gpus],
        "tpu": hw.tpu,
        "cpu_count": hw.cpu_count,
        "cpu_bfloat16": hw.cpu_bfloat16,
        "onednn": {"on": onednn_on, "why": onednn_why},
        "tf_config": os.environ.get("TF_CONFIG"),
        "command": sys.argv,
    }
