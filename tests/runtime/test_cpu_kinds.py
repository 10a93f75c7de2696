"""The suite passes on every CPU kind: what `auto` does on each, tested on any.

CI runs on whichever CPU the machine has: AVX2-only (``auto`` = float32),
AVX512-BF16 or AMX (``auto`` = mixed_bfloat16). tests/conftest.py gives every
other test one CPU kind; here each kind is faked in turn and a tiny run goes
through the whole `auto` path: the policy it picks, the model it saves, the
float32 export and its parity check. bfloat16 arithmetic runs (emulated) on
any x86 CPU, so the bfloat16 cases run everywhere too.
"""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_recipes import config as C
from keras_recipes import export, rundir
from keras_recipes.registry import get_recipe
from keras_recipes.runtime import hardware
from keras_recipes.training.trainer import run
from tests_support.toy_data import toy_images

CPU_KINDS = {
    "avx2": ({"avx2", "fma"}, "float32"),
    "avx512_bf16": ({"avx2", "avx512f", "avx512_bf16"}, "mixed_bfloat16"),
    "amx": ({"avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile"}, "mixed_bfloat16"),
}
# Probabilities of one model evaluated twice under the same policy agree to
# float32 round-off; a bfloat16 model against its float32 export differs by
# bfloat16's 8-bit mantissa (2**-8 ~ 4e-3 relative), compounded through layers.
SAME_POLICY_ATOL = 1e-5
BF16_VS_FLOAT32_ATOL = 3e-2


@pytest.fixture(params=sorted(CPU_KINDS))
def cpu_kind(request, monkeypatch):
    flags, policy = CPU_KINDS[request.param]
    monkeypatch.setattr(hardware, "detect",
                        lambda: hardware.Hardware(cpu_flags=frozenset(flags), cpu_count=2))
    return policy


def test_auto_runs_saves_and_exports_on_every_cpu_kind(cpu_kind, toy_recipe, tmp_path):
    cfg = C.apply_overrides(get_recipe(toy_recipe).config(),
                            ["runtime.verbose=0", "train.epochs=1", "runtime.precision=auto"])
    run_dir = tmp_path / "run"
    x, y = toy_images(32)
    run(cfg, run_dir, data=(x, y))
    env = json.loads((run_dir / rundir.ENVIRONMENT).read_text())
    assert env["precision"] == cpu_kind
    # Every CPU kind trains the toy's batch norm with TensorFlow's fused kernel.
    assert env["batch_norm"]["fused"] is True and env["batch_norm"]["why"]

    # The saved model reloads under the policy it was trained with and gives
    # the same probabilities as before saving.
    keras.mixed_precision.set_global_policy(cpu_kind)
    model = keras.saving.load_model(run_dir / rundir.FINAL_MODEL)
    batch = tf.constant(x[:8])
    first = np.asarray(model(batch, training=False))
    again = keras.saving.load_model(run_dir / rundir.FINAL_MODEL)
    np.testing.assert_allclose(np.asarray(again(batch, training=False)), first,
                               atol=SAME_POLICY_ATOL, rtol=0)
    keras.mixed_precision.set_global_policy("float32")

    # The export is float32 whatever the run used, passes its own parity
    # check (float32 export vs float32 Keras model), and stays within
    # bfloat16's precision of the mixed-precision model.
    result = export(run_dir, "saved_model", verbose=False)
    assert result.precision == cpu_kind and result.max_abs_diff < 1e-4
    serve = tf.saved_model.load(str(result.path)).signatures["serving_default"]
    exported = serve(image=batch)["probabilities"].numpy()
    atol = SAME_POLICY_ATOL * 10 if cpu_kind == "float32" else BF16_VS_FLOAT32_ATOL
    np.testing.assert_allclose(exported, first, atol=atol, rtol=0)


@pytest.mark.real_hardware
def test_this_machine_is_one_of_the_kinds_the_suite_covers():
    hw = hardware.detect()
    from keras_recipes.runtime.plan import choose

    policy, _ = choose("runtime.precision", "auto", hw)
    assert policy in {p for _, p in CPU_KINDS.values()}
