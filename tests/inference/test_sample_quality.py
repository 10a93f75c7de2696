"""The sample-quality math on cases whose answers are known in closed form."""

import numpy as np
import pytest

from keras_recipes.inference import sample_quality as sq


def test_identical_sets_are_at_distance_zero():
    x = np.random.default_rng(0).normal(size=(400, 6))
    assert sq.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)


def test_a_shift_adds_its_squared_length():
    x = np.random.default_rng(1).normal(size=(400, 4))
    shift = np.array([1.0, -2.0, 0.5, 0.0])
    assert sq.frechet_distance(x, x + shift) == pytest.approx(shift @ shift, rel=1e-6)


def test_diagonal_gaussians_match_the_closed_form():
    """For diagonal covariances, Tr(S1 + S2 - 2 sqrt(S1 S2)) = sum (s1 - s2)^2
    with s the standard deviations."""
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.array([1.0, 2.0, 0.5]), np.array([3.0, 2.0, 1.5])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((s1 - s2) ** 2)
    got = sq.frechet_distance_from_statistics(mu1, np.diag(s1**2), mu2, np.diag(s2**2))
    assert got == pytest.approx(expected, rel=1e-9)


def test_full_covariances_match_the_closed_form_and_are_symmetric():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(5, 5))
    sigma = a @ a.T + np.eye(5)
    # Same covariance: only the means differ.
    assert sq.frechet_distance_from_statistics(np.zeros(5), sigma, np.ones(5), sigma) == \
        pytest.approx(5.0, rel=1e-6)
    b = rng.normal(size=(5, 5))
    other = b @ b.T + np.eye(5)
    d12 = sq.frechet_distance_from_statistics(np.zeros(5), sigma, np.ones(5), other)
    d21 = sq.frechet_distance_from_statistics(np.ones(5), other, np.zeros(5), sigma)
    assert d12 == pytest.approx(d21, rel=1e-6) and d12 > 5.0


def test_constant_features_do_not_break_the_distance():
    """Dead ReLU units give singular covariances; the result stays finite."""
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(300, 4)), rng.normal(size=(300, 4))
    x[:, 1] = y[:, 1] = 0.0
    assert 0.0 <= sq.frechet_distance(x, y) < 0.2


def test_inception_score_bounds():
    k = 10
    one_hot_uniform = np.eye(k)[np.arange(1000) % k]
    assert sq.inception_score(one_hot_uniform)[0] == pytest.approx(k, rel=1e-6)
    assert sq.inception_score(one_hot_uniform)[1] == pytest.approx(0.0, abs=1e-6)
    same = np.tile(np.eye(k)[3], (1000, 1))  # one class for everything: no diversity
    assert sq.inception_score(same)[0] == pytest.approx(1.0, abs=1e-6)
    flat = np.full((1000, k), 1.0 / k)  # no confidence
    assert sq.inception_score(flat)[0] == pytest.approx(1.0, abs=1e-6)
    # Confident on 5 classes used equally: exactly 5.
    five = np.eye(k)[np.arange(1000) % 5]
    assert sq.inception_score(five)[0] == pytest.approx(5.0, rel=1e-6)


def test_bad_shapes_are_clear_errors():
    with pytest.raises(ValueError, match="features must be"):
        sq.feature_statistics(np.zeros(5))
    with pytest.raises(ValueError, match="differ in shape"):
        sq.frechet_distance_from_statistics(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="probabilities must be"):
        sq.inception_score(np.ones((5, 10)) / 10, splits=10)
