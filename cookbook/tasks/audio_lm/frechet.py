"""Fréchet distance between two sets of embeddings (as in FAD / FID): each set summarised by its mean and
covariance, d^2 = |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)). With few clips per set the covariances are
rank-deficient and the estimate is biased upward; compare systems only at the same set sizes."""

from __future__ import annotations

import numpy as np


def embedding_stats(embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, covariance) of (n, d) embeddings; one embedding gives a zero covariance."""
    x = np.asarray(embeddings, dtype=np.float64)
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"embeddings must be a non-empty (n, d) array, got shape {x.shape}")
    cov = np.cov(x, rowvar=False) if len(x) > 1 else np.zeros((x.shape[1], x.shape[1]))
    return x.mean(axis=0), np.atleast_2d(cov)


def frechet_distance(mu_a, cov_a, mu_b, cov_b) -> float:
    """The squared Fréchet distance between N(mu_a, cov_a) and N(mu_b, cov_b) (>= 0)."""
    from scipy import linalg

    mu_a, mu_b = np.asarray(mu_a, dtype=np.float64), np.asarray(mu_b, dtype=np.float64)
    cov_a, cov_b = np.atleast_2d(cov_a).astype(np.float64), np.atleast_2d(cov_b).astype(np.float64)
    covmean = linalg.sqrtm(cov_a @ cov_b)
    if not np.isfinite(covmean).all():  # singular product: regularise as the FID reference code does
        eps = 1e-6 * np.eye(len(cov_a))
        covmean = linalg.sqrtm((cov_a + eps) @ (cov_b + eps))
    covmean = np.real(covmean)
    d2 = float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2.0 * np.trace(covmean))
    return max(d2, 0.0)


def frechet_between(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between two (n, d) embedding sets."""
    return frechet_distance(*embedding_stats(a), *embedding_stats(b))
