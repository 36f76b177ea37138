"""The Fréchet distance on sets whose answer is known in closed form: identical sets, a shifted copy (the squared
shift), a scaled copy (covariance x4: Tr(S) (1 + 4 - 2 * 2) = Tr(S)), and bad shapes refused."""

import numpy as np
import pytest

from cookbook.tasks.diffusion.frechet import frechet_distance


def _features(n=200, d=16, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) @ rng.normal(size=(d, d))  # correlated features


def test_identical_sets_are_at_distance_zero():
    a = _features()
    assert frechet_distance(a, a.copy()) == pytest.approx(0.0, abs=1e-6 * np.trace(np.cov(a, rowvar=False)))


def test_a_shifted_copy_is_at_the_squared_shift():
    a = _features()
    shift = np.arange(a.shape[1], dtype=float) / 4
    assert frechet_distance(a, a + shift) == pytest.approx(float((shift ** 2).sum()), rel=1e-6)


def test_a_scaled_copy_is_at_the_trace_of_the_covariance():
    a = _features()
    a = a - a.mean(0)
    assert frechet_distance(a, 2 * a) == pytest.approx(float(np.trace(np.cov(a, rowvar=False))), rel=1e-6)


def test_rank_deficient_covariances_stay_real_and_non_negative():
    a, b = _features(n=5, d=32, seed=1), _features(n=5, d=32, seed=2)  # fewer rows than dimensions
    value = frechet_distance(a, b)
    assert np.isfinite(value) and value > 0


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="same d"):
        frechet_distance(np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="n >= 2"):
        frechet_distance(np.zeros((1, 3)), np.zeros((4, 3)))
