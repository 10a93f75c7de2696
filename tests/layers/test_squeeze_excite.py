"""SqueezeExcite: channel gating (Hu et al. 2018)."""

import keras
import numpy as np
import pytest
from layers_harness import assert_value_error, random_inputs, run_layer_checks

from keras_recipes.layers import SqueezeExcite


def test_layer_checks(tmp_path):
    run_layer_checks(
        SqueezeExcite,
        dict(ratio=0.5),
        input_shape=(2, 6, 6, 8),
        expected_output_shape=(2, 6, 6, 8),
        expected_num_trainable_weights=4,  # reduce / expand kernels + biases
        expected_num_non_trainable_weights=0,
        tmp_path=tmp_path,
    )


def test_squeeze_width_and_gate():
    x = np.abs(random_inputs((2, 5, 5, 16)))
    se = SqueezeExcite(ratio=1 / 16)
    y = keras.ops.convert_to_numpy(se(x))
    assert se.reduce.filters == 1 and se.expand.filters == 16
    # A sigmoid gate in (0, 1), constant over space, per sample and channel.
    gate = y / x
    assert np.all((gate > 0) & (gate < 1))
    np.testing.assert_allclose(gate, np.broadcast_to(gate[:, :1, :1, :], gate.shape), rtol=1e-5)
    tiny = SqueezeExcite(ratio=0.01)
    tiny.build((None, 4, 4, 8))
    assert tiny.reduce.filters == 1  # max(1, int(8 * 0.01))


def test_matches_reference_formula():
    x = random_inputs((2, 4, 4, 6))
    se = SqueezeExcite(ratio=0.5)
    y = keras.ops.convert_to_numpy(se(x))
    w1, b1, w2, b2 = se.get_weights()
    s = x.mean(axis=(1, 2))
    s = np.maximum(s @ w1[0, 0] + b1, 0.0)
    gate = 1 / (1 + np.exp(-(s @ w2[0, 0] + b2)))
    np.testing.assert_allclose(y, x * gate[:, None, None, :], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, name, value",
    [
        (dict(ratio=0), "ratio", 0),
        (dict(ratio=2.0), "ratio", 2.0),
        (dict(ratio=None), "ratio", None),
        (dict(activation="nope"), "activation", "nope"),
        (dict(gate_activation="nope"), "gate_activation", "nope"),
    ],
)
def test_bad_arguments(kwargs, name, value):
    assert_value_error(lambda: SqueezeExcite(**kwargs), name, value)
