"""Selection strategies: the order and count of submissions users get, and defined results on thin input."""

from __future__ import annotations

import pytest

from scorer import (
    DEFAULT_STRATEGY, AlphaCode, AlphaCode2, BestPerCluster, RandomFiltered, ScoreOnly, ScorerError,
    get_strategy, strategy_names,
)

# Largest first once sorted: c1 (3 members), c2 (2), c3 (1); given out of order on purpose.
CLUSTERS = [["b1", "b2"], ["a1", "a2", "a3"], ["c1"]]
SCORES = {"a1": 0.2, "a2": 0.9, "a3": 0.5, "b1": 0.95, "b2": 0.1, "c1": 0.3}


def test_alphacode_one_per_cluster_largest_first_then_round_robin():
    assert AlphaCode().select(CLUSTERS, k=3).ids == ("a1", "b1", "c1")
    assert AlphaCode().select(CLUSTERS, k=10).ids == ("a1", "b1", "c1", "a2", "b2", "a3")
    assert AlphaCode().select(CLUSTERS, k=4).ids == ("a1", "b1", "c1", "a2")


def test_alphacode_ignores_scores():
    assert AlphaCode().select(CLUSTERS, SCORES, k=2).ids == ("a1", "b1")


def test_alphacode2_takes_best_member_of_k_largest_clusters():
    sel = AlphaCode2().select(CLUSTERS, SCORES, k=2)
    assert set(sel.ids) == {"a2", "b1"}
    assert sel.ids == ("b1", "a2")  # submitted in order of score
    assert AlphaCode2(order="size").select(CLUSTERS, SCORES, k=2).ids == ("a2", "b1")
    # Never more than one per cluster, even with k larger than the number of clusters.
    assert AlphaCode2().select(CLUSTERS, SCORES, k=10).ids == ("b1", "a2", "c1")


def test_score_only_ignores_clusters():
    assert ScoreOnly().select(CLUSTERS, SCORES, k=3).ids == ("b1", "a2", "a3")


def test_best_per_cluster_orders_clusters_by_their_best_score_then_round_robins():
    assert BestPerCluster().select(CLUSTERS, SCORES, k=4).ids == ("b1", "a2", "c1", "b2")


def test_random_is_seeded_and_draws_from_filtered_only():
    a = RandomFiltered(seed=3).select(CLUSTERS, k=4).ids
    assert a == RandomFiltered(seed=3).select(CLUSTERS, k=4).ids
    assert len(set(a)) == 4 and set(a) <= {m for g in CLUSTERS for m in g}
    draws = {RandomFiltered(seed=s).select(CLUSTERS, k=1).ids for s in range(30)}
    assert len(draws) > 1


def test_sizes_override_member_counts():
    # Merged duplicates: the one-member cluster c1 stands for 5 samples, so it is the largest.
    assert AlphaCode().select(CLUSTERS, k=1, sizes=[2, 3, 5]).ids == ("c1",)


@pytest.mark.parametrize("name", strategy_names())
def test_every_strategy_handles_empty_and_single_cluster_pools(name):
    strategy = get_strategy(name)
    empty = strategy.select([], SCORES, k=10)
    assert empty.ids == () and "no candidate" in empty.note
    assert strategy.select([[], []], None, k=10).ids == ()
    one = strategy.select([["x", "y"]], {"x": 0.1, "y": 0.7}, k=10)
    assert 1 <= len(one.ids) <= 2 and set(one.ids) <= {"x", "y"}
    assert strategy.select([["x", "y"]], None, k=0).ids == ()


@pytest.mark.parametrize("name", strategy_names())
def test_every_strategy_returns_at_most_k_distinct_filtered_ids(name):
    many = [[f"c{i}m{j}" for j in range(i % 3 + 1)] for i in range(15)]
    scores = {m: (hash(m) % 100) / 100 for g in many for m in g}
    sel = get_strategy(name).select(many, scores, k=10)
    assert len(sel.ids) == len(set(sel.ids)) <= 10
    assert set(sel.ids) <= set(scores)


def test_missing_scores_fall_back_to_cluster_order_with_a_note():
    sel = AlphaCode2().select(CLUSTERS, None, k=2)
    assert sel.ids == ("a1", "b1")
    assert "scores missing" in sel.note
    partial = ScoreOnly().select(CLUSTERS, {"c1": 0.5}, k=2)
    assert partial.ids == ("c1", "a1") and "scores missing" in partial.note


def test_registry_names_default_and_unknown():
    assert DEFAULT_STRATEGY in strategy_names()
    assert type(get_strategy("default")) is type(get_strategy(DEFAULT_STRATEGY))
    with pytest.raises(ScorerError) as err:
        get_strategy("nope")
    assert "alphacode" in err.value.hint
    assert get_strategy("random", seed=5) == RandomFiltered(seed=5)


def test_mismatched_sizes_is_a_clear_error():
    with pytest.raises(ScorerError):
        AlphaCode().select(CLUSTERS, k=1, sizes=[1])


def test_select_pool_counts_merged_samples_and_handles_thin_pools():
    from scorer import CandidateRecord, Pool, output_outcome, select_pool

    a, b = output_outcome(b"1"), output_outcome(b"2")
    pool = Pool("p", (CandidateRecord("x", outcomes=(a,), count=5), CandidateRecord("y", outcomes=(b,)),
                      CandidateRecord("z", outcomes=(b,)), CandidateRecord("f", passed_public=False)))
    assert select_pool(pool, strategy="alphacode", k=1).ids == ("x",)
    assert select_pool(pool, {"x": 0.1, "y": 0.2, "z": 0.9}, strategy="score-only", k=2).ids == ("z", "y")
    assert select_pool(Pool("empty"), None).ids == ()
    assert select_pool(pool, None, strategy=AlphaCode(), k=10).ids == ("x", "y", "z")
