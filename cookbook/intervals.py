"""Seeded percentile bootstrap intervals over examples, for the evaluations and comparisons that report how sure a
mean or a difference of means is: each resample draws as many examples as there are, with replacement."""

from __future__ import annotations

import numpy as np

SAMPLES = 1000


def mean_interval(values: list[float], seed: int = 0, samples: int = SAMPLES) -> list[float]:
    """Percentile 95% interval of mean(values); [0, 0] for no values."""
    v = np.asarray(values, dtype=float)
    if not len(v):
        return [0.0, 0.0]
    means = v[np.random.default_rng(seed).integers(0, len(v), size=(samples, len(v)))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return [float(lo), float(hi)]


def paired_interval(a: list[float | None], b: list[float | None], seed: int = 0) -> list[float]:
    """Percentile 95% interval of mean(b - a), the same examples resampled for both systems; an example where a
    metric does not apply (None in either list) is left out of both."""
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    return mean_interval([y - x for x, y in pairs], seed=seed)
