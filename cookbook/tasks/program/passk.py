"""pass@k with the unbiased estimator of Chen et al. 2021 ("Evaluating Large Language Models Trained on Code"):
from n samples of which c pass, pass@k = 1 - C(n-c, k) / C(n, k), computed as a product to stay exact for large n."""

from __future__ import annotations

import numpy as np


def pass_at_k(n: int, c: int, k: int) -> float:
    if not 0 <= c <= n or k < 1:
        raise ValueError(f"pass@k needs 0 <= c <= n and k >= 1 (n={n}, c={c}, k={k})")
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples per problem, got {n}")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def reported_ks(n: int, wanted: tuple[int, ...] = (1, 10, 100)) -> list[int]:
    """The k values n samples per problem can estimate."""
    return [k for k in wanted if k <= n]
