"""PatchWhitening and patch_whitening_kernel: a frozen 2x2 conv fitted to the
training images' patch covariance (airbench's first layer)."""

import keras
import numpy as np
import pytest
from layers_harness import random_inputs, run_layer_checks

from keras_recipes.layers import ArgumentError, PatchWhitening, patch_whitening_kernel


def test_layer_checks(tmp_path):
    run_layer_checks(
        PatchWhitening,
        dict(kernel_size=2),
        input_shape=(2, 5, 5, 3),
        expected_output_shape=(2, 4, 4, 24),
        expected_num_trainable_weights=1,  # the bias; the kernel is frozen
        expected_num_non_trainable_weights=1,
        tmp_path=tmp_path,
    )


def test_known_answer_constant_images():
    """Images of one grey level each: every 2x2 patch is a * (1, 1, 1, 1), so
    the covariance is E[a^2] * 11^T: one eigenvector (1, 1, 1, 1) / 2 with
    eigenvalue 4 E[a^2], the other three eigenvalues 0."""
    levels = np.array([1.0, -2.0, 3.0, 0.5], "float32")
    images = np.ones((4, 6, 6, 1), "float32") * levels[:, None, None, None]
    eps = 5e-4
    kernel = keras.ops.convert_to_numpy(patch_whitening_kernel(images, 2, epsilon=eps))
    assert kernel.shape == (2, 2, 1, 8)
    top = kernel[..., 0].ravel()
    expected = np.full(4, 0.5) / np.sqrt(4 * np.mean(levels**2) + eps)
    np.testing.assert_allclose(np.abs(top), expected, rtol=1e-4)
    assert np.all(np.sign(top) == np.sign(top[0]))  # the same sign on every tap
    # The null directions are orthogonal to (1, 1, 1, 1), scaled by 1/sqrt(eps).
    rest = kernel[..., 1:4].reshape(4, 3)
    np.testing.assert_allclose(rest.sum(axis=0), 0.0, atol=1e-3)
    np.testing.assert_allclose(np.linalg.norm(rest, axis=0), 1 / np.sqrt(eps), rtol=1e-3)
    np.testing.assert_allclose(kernel[..., 4:], -kernel[..., :4])  # then the negatives


def test_whitened_patches_are_uncorrelated_with_unit_variance():
    rng = np.random.default_rng(0)
    smooth = rng.normal(size=(256, 9, 9, 3)).astype("float32")
    images = (smooth[:, 1:, 1:] + smooth[:, :-1, :-1] + 0.5 * smooth[:, 1:, :-1]).astype("float32")
    layer = PatchWhitening()
    layer.build(images.shape)
    layer.set_kernel(patch_whitening_kernel(images, epsilon=1e-6))
    out = keras.ops.convert_to_numpy(layer(images))[..., :12].reshape(-1, 12)
    covariance = out.T @ out / len(out)
    np.testing.assert_allclose(covariance, np.eye(12), atol=2e-3)


def test_a_kernel_of_the_wrong_shape_is_refused():
    layer = PatchWhitening()
    layer.build((None, 8, 8, 3))
    with pytest.raises(ArgumentError, match=r"kernel.*\(2, 2, 3, 24\)"):
        layer.set_kernel(np.zeros((2, 2, 3, 12)))


def test_the_fitted_kernel_is_saved_with_the_model(tmp_path):
    images = random_inputs((16, 8, 8, 3))
    inputs = keras.Input((8, 8, 3))
    layer = PatchWhitening(name="whitening")
    model = keras.Model(inputs, layer(inputs))
    kernel = patch_whitening_kernel(images)
    layer.set_kernel(kernel)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras").get_layer("whitening")
    np.testing.assert_array_equal(loaded.kernel.numpy(), keras.ops.convert_to_numpy(kernel))
    assert not loaded.kernel.trainable
