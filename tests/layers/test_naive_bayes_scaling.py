"""NaiveBayesScaling and naive_bayes_ratio: bag features scaled by their
Naive Bayes log-count ratio (NBSVM's features, Wang & Manning 2012)."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from layers_harness import run_layer_checks

from keras_recipes.layers import (ArgumentError, NaiveBayesScaling, class_feature_sums,
                                  log_count_ratio, naive_bayes_ratio)


def test_layer_checks(tmp_path):
    run_layer_checks(
        NaiveBayesScaling,
        {},
        input_shape=(2, 7),
        expected_output_shape=(2, 7),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=1,  # the ratio
        tmp_path=tmp_path,
    )


BAGS = np.array([[1, 1, 0, 0],   # class 1
                 [1, 0, 1, 0],   # class 1
                 [0, 0, 1, 1],   # class 0
                 [0, 1, 0, 0]],  # class 0
                "float32")
LABELS = np.array([1, 1, 0, 0])


def test_known_answer():
    """p = 1 + (2, 1, 1, 0) = (3, 2, 2, 1), |p| = 8; q = 1 + (0, 1, 1, 1) =
    (1, 2, 2, 2), |q| = 7: r = log((p / 8) / (q / 7))."""
    expected = np.log((np.array([3, 2, 2, 1]) / 8) / (np.array([1, 2, 2, 2]) / 7))
    r = keras.ops.convert_to_numpy(naive_bayes_ratio(BAGS, LABELS))
    np.testing.assert_allclose(r, expected, rtol=1e-6)
    # alpha smooths: a larger count pulls every ratio towards log(|q| / |p|) = 0 here.
    r10 = keras.ops.convert_to_numpy(naive_bayes_ratio(BAGS, LABELS, alpha=10.0))
    assert np.all(np.abs(r10) < np.abs(r))


def test_sparse_bags_and_batches_add_up():
    sparse = tf.sparse.from_dense(BAGS)
    whole = keras.ops.convert_to_numpy(naive_bayes_ratio(sparse, LABELS))
    np.testing.assert_allclose(whole, keras.ops.convert_to_numpy(naive_bayes_ratio(BAGS, LABELS)),
                               rtol=1e-6)
    sums = class_feature_sums(tf.sparse.slice(sparse, [0, 0], [2, 4]), LABELS[:2])
    sums = sums + class_feature_sums(BAGS[2:], LABELS[2:])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(log_count_ratio(sums)), whole, rtol=1e-6)


def test_bad_alpha_and_ratio_shape_are_refused():
    with pytest.raises(ArgumentError, match="`alpha` must be a positive number. Received: alpha=0"):
        naive_bayes_ratio(BAGS, LABELS, alpha=0)
    layer = NaiveBayesScaling()
    layer.build((None, 4))
    with pytest.raises(ArgumentError, match=r"ratio.*\(4,\)"):
        layer.set_ratio(np.zeros(3))


def test_scales_a_sparse_bag_and_keeps_it_sparse(mixed_policy):
    inputs = keras.Input((4,), sparse=True)
    layer = NaiveBayesScaling(name="nb", dtype=mixed_policy)
    outputs = keras.layers.Dense(2, dtype="float32")(layer(inputs))
    model = keras.Model(inputs, outputs)
    r = naive_bayes_ratio(BAGS, LABELS)
    layer.set_ratio(r)
    scaled = layer(tf.sparse.from_dense(BAGS))
    assert isinstance(scaled, tf.SparseTensor)
    assert keras.backend.standardize_dtype(scaled.dtype) == layer.compute_dtype
    np.testing.assert_allclose(tf.sparse.to_dense(tf.cast(scaled, "float32")).numpy(),
                               BAGS * keras.ops.convert_to_numpy(r), rtol=1e-2)
    # The sparse model trains (gradients reach the Dense through the scaled bag).
    model.compile("adam", "sparse_categorical_crossentropy", jit_compile=False)
    data = tf.data.Dataset.from_tensors((tf.sparse.from_dense(BAGS), LABELS))
    assert np.isfinite(model.fit(data, shuffle=False, verbose=0).history["loss"][0])


def test_the_fitted_ratio_is_saved_with_the_model(tmp_path):
    inputs = keras.Input((4,))
    layer = NaiveBayesScaling(name="nb")
    model = keras.Model(inputs, layer(inputs))
    r = naive_bayes_ratio(BAGS, LABELS)
    layer.set_ratio(r)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras").get_layer("nb")
    np.testing.assert_array_equal(loaded.ratio.numpy(), keras.ops.convert_to_numpy(r))
    assert not loaded.ratio.trainable
