"""oneDNN CPU kernels: keras-recipes asks for them before TensorFlow loads; the user's choice wins."""

import json
import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                                reason="the switch is only set on x86")

REPORT = ("import json, os, sys\n"
          "{first}\n"
          "from keras_recipes.runtime.onednn import onednn_state\n"
          "on, why = onednn_state()\n"
          "print(json.dumps({{'env': os.environ.get('TF_ENABLE_ONEDNN_OPTS'), 'on': on, 'why': why}}))\n")


def _state(first, **env):
    environ = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    environ.update(env, TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, "-c", REPORT.format(first=first)], env=environ,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_importing_keras_recipes_first_turns_onednn_on():
    state = _state("import keras_recipes, tensorflow")
    assert state == {"env": "1", "on": True, "why": "TF_ENABLE_ONEDNN_OPTS=1"}


def test_the_users_setting_wins():
    state = _state("import keras_recipes, tensorflow", TF_ENABLE_ONEDNN_OPTS="0")
    assert state == {"env": "0", "on": False, "why": "TF_ENABLE_ONEDNN_OPTS=0"}


def test_tensorflow_imported_first_is_left_alone_and_the_report_says_how_to_fix_it():
    state = _state("import tensorflow, keras_recipes")
    assert state["env"] is None
    if not state["on"]:  # TensorFlow's own default is off on CPUs without AVX512_VNNI/BF16/AMX
        assert "set TF_ENABLE_ONEDNN_OPTS=1 before TensorFlow is imported" in state["why"]
