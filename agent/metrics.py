"""Evaluation metrics as the Codex and AlphaCode papers define them. Pure functions, no I/O.

- pass@k: the chance that at least one of k samples drawn without replacement from n (c correct) is correct,
  by the unbiased estimator 1 - C(n-c, k) / C(n, k) (Chen et al., 2021).
- n@k: the chance that a problem is solved when n submissions are chosen (by the full filter / cluster /
  select procedure) from k samples. With K ≥ k samples drawn, it is estimated by bootstrap: draw k of the K
  samples many times, run the selection on each draw, and average (Li et al., 2022, AlphaCode).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one problem with n samples of which c are correct."""
    if n <= 0 or k <= 0:
        return 0.0
    if c <= 0:
        return 0.0
    k = min(k, n)
    if n - c < k:
        return 1.0
    # 1 - prod_{i=n-c+1}^{n} (1 - k/i), numerically stable for large n.
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def mean_pass_at_k(counts: Sequence[tuple[int, int]], k: int) -> float:
    """Average pass@k over problems given (n, c) per problem."""
    if not counts:
        return 0.0
    return float(np.mean([pass_at_k(n, c, k) for n, c in counts]))


def bootstrap_n_at_k(
    num_samples: int,
    k: int,
    solved_with: Callable[[np.ndarray], bool],
    *,
    rounds: int = 200,
    seed: int = 0,
) -> float:
    """Estimate n@k for one problem: the share of bootstrap draws of k of the K samples that a selection solves.

    `solved_with(indices)` runs the selection restricted to the drawn sample indices and says whether any
    chosen submission is correct. With k ≥ K there is a single draw: all samples.
    """
    if num_samples <= 0:
        return 0.0
    if k >= num_samples:
        return 1.0 if solved_with(np.arange(num_samples)) else 0.0
    rng = np.random.default_rng(seed)
    wins = 0
    for _ in range(rounds):
        draw = rng.choice(num_samples, size=k, replace=False)
        wins += bool(solved_with(np.sort(draw)))
    return wins / rounds
