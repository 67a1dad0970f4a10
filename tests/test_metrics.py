"""pass@k and n@k agree with their definitions on cases small enough to enumerate."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from agent.metrics import bootstrap_n_at_k, mean_pass_at_k, pass_at_k


@pytest.mark.parametrize("n,c,k", [(5, 2, 1), (5, 2, 2), (6, 1, 3), (10, 4, 5), (4, 4, 2), (4, 0, 3), (7, 3, 7)])
def test_pass_at_k_matches_enumeration(n, c, k):
    correct = [True] * c + [False] * (n - c)
    draws = list(itertools.combinations(range(n), k))
    expected = sum(any(correct[i] for i in d) for d in draws) / len(draws)
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_pass_at_k_closed_form():
    assert pass_at_k(100, 10, 1) == pytest.approx(0.1)
    assert pass_at_k(100, 10, 10) == pytest.approx(1 - math.comb(90, 10) / math.comb(100, 10))
    assert pass_at_k(0, 0, 1) == 0.0
    assert mean_pass_at_k([(10, 1), (10, 0)], 1) == pytest.approx(0.05)


def test_n_at_k_bootstrap_converges_to_the_exact_share():
    # Selection solves exactly when sample 0 is drawn: the exact rate is k / K.
    rate = bootstrap_n_at_k(10, 3, lambda idx: 0 in idx, rounds=4000, seed=1)
    assert rate == pytest.approx(0.3, abs=0.03)
    assert bootstrap_n_at_k(10, 10, lambda idx: len(idx) == 10) == 1.0
    assert bootstrap_n_at_k(0, 10, lambda idx: True) == 0.0
    assert isinstance(bootstrap_n_at_k(5, 2, lambda idx: bool(np.all(idx >= 0))), float)
