"""The layers of the generative recipes: Binarize, ClippedGaussianNoise and
GaussianSampling (the VAE's reparameterisation trick)."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from layers_harness import assert_value_error, run_layer_checks

from keras_recipes.layers import Binarize, ClippedGaussianNoise, GaussianSampling


def _unit(shape, seed=0):
    return np.random.default_rng(seed).random(shape).astype("float32")


def test_binarize_layer_checks(tmp_path):
    run_layer_checks(Binarize, dict(mode="threshold", threshold=0.3), input_shape=(2, 4, 4, 1),
                     expected_output_shape=(2, 4, 4, 1), expected_num_trainable_weights=0,
                     expected_num_non_trainable_weights=0, tmp_path=tmp_path)
    # Random at inference too, so the harness's output comparisons (XLA and
    # reload vs eager) do not apply; test_random_layers_save_their_stream does.
    run_layer_checks(Binarize, dict(mode="stochastic", seed=3), input_shape=(2, 4, 4, 1),
                     expected_output_shape=(2, 4, 4, 1), expected_num_trainable_weights=0,
                     expected_num_non_trainable_weights=0, expected_num_non_trainable_variables=1,
                     check_xla=False)


@pytest.mark.parametrize("make", [lambda: Binarize("stochastic", seed=3),
                                  lambda: ClippedGaussianNoise(0.3, seed=5)],
                         ids=["Binarize", "ClippedGaussianNoise"])
def test_random_layers_reload_with_their_seed(tmp_path, make):
    """Keras saves no seed-generator state: a reloaded layer restarts the
    stream of its seed, the draws of a fresh layer with that seed."""
    inputs = keras.Input((4, 4, 1))
    layer = make()
    model = keras.Model(inputs, layer(inputs))
    x = _unit((2, 4, 4, 1))
    first = keras.ops.convert_to_numpy(model(x))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert type(loaded.layers[-1]) is type(layer)
    assert loaded.layers[-1].get_config() == layer.get_config()
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(x)), first)
    assert not np.array_equal(keras.ops.convert_to_numpy(model(x)), first)


def test_binarize_modes():
    x = _unit((2000, 4))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(Binarize(threshold=0.5)(x)), x > 0.5)
    layer = Binarize("stochastic", seed=1)
    a, b = (keras.ops.convert_to_numpy(layer(x)) for _ in range(2))
    assert set(np.unique(a)) <= {0.0, 1.0} and not np.array_equal(a, b)  # a fresh draw each call
    assert abs(a.mean() - x.mean()) < 0.02  # P(1) = intensity
    binary = (x > 0.5).astype("float32")  # already binary: unchanged in both modes
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(binary)), binary)


def test_clipped_gaussian_noise_layer_checks(tmp_path):
    run_layer_checks(ClippedGaussianNoise, dict(stddev=0.3, seed=5), input_shape=(2, 4, 4, 1),
                     expected_output_shape=(2, 4, 4, 1), expected_num_trainable_weights=0,
                     expected_num_non_trainable_weights=0, expected_num_non_trainable_variables=1,
                     check_xla=False)  # random at inference: see test_random_layers_save_their_stream


def test_clipped_gaussian_noise_corrupts_in_training_and_inference():
    x = np.full((4000, 4), 0.5, "float32")
    layer = ClippedGaussianNoise(0.1, seed=2)
    for training in (True, False):
        y = keras.ops.convert_to_numpy(layer(x, training=training))
        assert abs(y.std() - 0.1) < 0.01 and abs(y.mean() - 0.5) < 0.01
    heavy = keras.ops.convert_to_numpy(ClippedGaussianNoise(2.0, seed=2)(x))
    assert heavy.min() == 0.0 and heavy.max() == 1.0  # clipped to the image range
    free = keras.ops.convert_to_numpy(ClippedGaussianNoise(2.0, None, None, seed=2)(x))
    assert free.min() < -1 and free.max() > 2


def test_gaussian_sampling_layer_checks(tmp_path):
    # Two inputs: the harness's single-input model does not apply; check the same things here.
    layer = GaussianSampling(seed=4)
    config = layer.get_config()
    assert GaussianSampling.from_config(config).get_config() == config
    revived = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(revived) is GaussianSampling and revived.get_config() == config
    mean, log_var = keras.Input((3,)), keras.Input((3,))
    z = layer([mean, log_var])
    assert tuple(z.shape) == (None, 3)
    assert len(layer.trainable_weights) == 0 and len(layer.non_trainable_variables) == 1
    model = keras.Model([mean, log_var], z)
    model.save(tmp_path / "s.keras")
    loaded = keras.saving.load_model(tmp_path / "s.keras")
    assert isinstance(loaded.layers[-1], GaussianSampling)
    out = loaded([np.zeros((2, 3), "float32"), np.zeros((2, 3), "float32")])
    assert tuple(out.shape) == (2, 3)


def test_gaussian_sampling_statistics_and_gradients():
    mean = tf.Variable(np.full((20000, 2), 3.0, "float32"))
    log_var = tf.Variable(np.full((20000, 2), np.log(0.25), "float32"))
    layer = GaussianSampling(seed=1)
    with tf.GradientTape() as tape:
        z = layer([mean, log_var])
        loss = tf.reduce_sum(z)
    z = z.numpy()
    assert abs(z.mean() - 3.0) < 0.02 and abs(z.std() - 0.5) < 0.02
    d_mean, d_log_var = tape.gradient(loss, [mean, log_var])
    np.testing.assert_allclose(d_mean.numpy(), 1.0)  # the reparameterisation: dz/dmean = 1
    assert np.all(np.isfinite(d_log_var.numpy()))
    again = layer([mean, log_var]).numpy()
    assert not np.array_equal(z, again)  # fresh noise at each call
    for jit in (False, True):
        step = tf.function(lambda m, v: layer([m, v]), jit_compile=jit)
        assert not np.array_equal(step(mean, log_var).numpy(), step(mean, log_var).numpy())


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision(policy):
    x = _unit((4, 4, 4, 1))
    for layer in (Binarize(dtype=policy), Binarize("stochastic", dtype=policy),
                  ClippedGaussianNoise(0.2, dtype=policy)):
        assert keras.backend.standardize_dtype(layer(x).dtype) == policy.split("_")[1]
    z = GaussianSampling(dtype=policy)([np.zeros((2, 3), "float32"), np.zeros((2, 3), "float32")])
    assert keras.backend.standardize_dtype(z.dtype) == policy.split("_")[1]


@pytest.mark.parametrize("cls, kwargs, name, value", [
    (Binarize, dict(mode="otsu"), "mode", "otsu"),
    (Binarize, dict(threshold=1.0), "threshold", 1.0),
    (Binarize, dict(seed="x"), "seed", "x"),
    (ClippedGaussianNoise, dict(stddev=0), "stddev", 0),
    (ClippedGaussianNoise, dict(stddev=0.1, clip_min="a"), "clip_min", "a"),
    (GaussianSampling, dict(seed=1.5), "seed", 1.5),
])
def test_bad_arguments(cls, kwargs, name, value):
    assert_value_error(lambda: cls(**kwargs), name, value)


def test_sampling_needs_mean_and_log_var():
    with pytest.raises(ValueError, match=r"\[mean, log_var\]"):
        GaussianSampling()(keras.Input((3,)))
