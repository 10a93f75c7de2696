"""Sample-quality metrics of generative models, from a classifier's outputs.

Two standard scores, computed here on the features and class probabilities
of a trained classifier (on MNIST: an ``mnist-cnn`` run, as MNIST GAN papers
use a digit classifier in place of ImageNet's Inception network):

- **Frechet distance** (Heusel et al. 2017, "FID" with Inception features):
  model both feature sets as Gaussians and measure
  ``||mu_1 - mu_2||^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2))``. Lower is better;
  0 for identical statistics. It grows with the sample size's noise, so
  compare figures computed with the same number of images.
- **Inception Score** (Salimans et al. 2016): ``exp(E_x KL(p(y|x) || p(y)))``.
  Between 1 (every image gets the same prediction) and the number of
  classes (every image classified with certainty, classes used equally);
  it rewards confident, diverse samples and ignores what real data looks
  like. Reported as mean and standard deviation over ``splits`` disjoint
  parts, as Salimans et al. do.

Pure numpy/scipy: no model is touched here.

Example:

>>> import numpy as np
>>> x = np.random.default_rng(0).normal(size=(500, 8))
>>> round(frechet_distance(x, x), 6)
0.0
>>> round(inception_score(np.eye(10)[np.arange(1000) % 10])[0], 6)
10.0
"""

from __future__ import annotations

import warnings
from typing import Tuple

import numpy as np


def feature_statistics(features) -> Tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (unbiased, ``N - 1``) of ``features`` [N, D]."""
    features = np.asarray(features, np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"features must be [N >= 2, D]; received shape {features.shape}")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance_from_statistics(mu1, sigma1, mu2, sigma2, eps: float = 1e-6) -> float:
    """The Frechet distance between N(mu1, sigma1) and N(mu2, sigma2)."""
    from scipy import linalg

    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1, sigma2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise ValueError(f"statistics differ in shape: {mu1.shape}/{sigma1.shape} vs "
                         f"{mu2.shape}/{sigma2.shape}")
    diff = mu1 - mu2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        covmean = linalg.sqrtm(sigma1 @ sigma2)
    if caught or not np.isfinite(covmean).all():
        # A singular product (ReLU features that are 0 for every image of a
        # set): nudge both covariances, as the reference FID implementation does.
        offset = np.eye(len(sigma1)) * eps
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    # Round-off gives the square root of a PSD product tiny imaginary parts.
    covmean = np.real(covmean)
    distance = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean)
    return float(max(distance, 0.0))


def frechet_distance(features1, features2) -> float:
    """The Frechet distance between two sets of features [N, D] and [M, D]."""
    return frechet_distance_from_statistics(*feature_statistics(features1),
                                            *feature_statistics(features2))


def inception_score(probabilities, splits: int = 10, eps: float = 1e-12) -> Tuple[float, float]:
    """``(mean, std)`` of ``exp(E_x KL(p(y|x) || p(y)))`` over ``splits`` parts.

    ``probabilities`` is [N, classes], rows summing to 1; ``p(y)`` is each
    part's mean prediction.
    """
    p = np.asarray(probabilities, np.float64)
    if p.ndim != 2 or len(p) < splits or splits < 1:
        raise ValueError(f"probabilities must be [N >= splits, classes]; received shape {p.shape} "
                         f"with splits={splits}")
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0, keepdims=True)
        kl = np.sum(part * (np.log(part + eps) - np.log(marginal + eps)), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))
