"""The feature-based scorer: grouped CV, calibration, persistence and its refusals."""

from __future__ import annotations

import random

import joblib
import numpy as np
import pytest

from scorer import (
    FEATURE_NAMES, CandidateRecord, FeatureScorer, Pool, ScorerError, load_scorer, out_of_fold_scores,
    output_outcome, pool_features, pool_labels, pools_features,
)
from scorer.features import FEATURE_SETS
from scorer.learned import FORMAT_VERSION, grouped_splits


def synthetic_pools(n_problems: int, seed: int = 0) -> list[Pool]:
    """Pools shaped like real ones: correct programs agree; near misses differ on a few inputs."""
    rng = random.Random(seed)
    pools = []
    for p in range(n_problems):
        n_inputs = rng.randint(4, 12)
        truth = [output_outcome(str(rng.random()).encode()) for _ in range(n_inputs)]
        cands, labels = [], {}
        for i in range(rng.randint(1, 4)):
            cid = f"p{p}-ok{i}"
            cands.append(CandidateRecord(cid, code="x" * rng.randint(100, 300), language="c99",
                                         outcomes=tuple(truth), cpu_s=rng.uniform(0.01, 0.05)))
            labels[cid] = True
        bugs = [rng.sample(range(n_inputs), rng.randint(1, 2)) for _ in range(2)]
        for i in range(rng.randint(1, 4)):
            cid = f"p{p}-bad{i}"
            wrong = list(truth)
            for j in rng.choice(bugs):
                wrong[j] = rng.choice(["RE", output_outcome(f"w{j}".encode())])
            cands.append(CandidateRecord(cid, code="x" * rng.randint(100, 300), language="c99",
                                         outcomes=tuple(wrong), cpu_s=rng.uniform(0.01, 0.05),
                                         logprob=-rng.uniform(10, 50) if rng.random() < 0.5 else None,
                                         num_tokens=100))
            labels[cid] = False
        cands.append(CandidateRecord(f"p{p}-fail", passed_public=False))
        rng.shuffle(cands)
        pools.append(Pool(f"prob{p}", tuple(cands), labels=labels))
    return pools


@pytest.fixture(scope="module")
def trained() -> tuple[FeatureScorer, list[Pool]]:
    pools = synthetic_pools(60)
    table, y = pools_features(pools), pool_labels(pools)
    return FeatureScorer(n_splits=4).fit(table, y), pools


def test_fit_sets_estimator_attributes_and_measures_both_families(trained):
    scorer, pools = trained
    assert scorer.model_kind_ in ("gbdt", "logreg")
    assert set(scorer.cv_metrics_) == {"gbdt", "logreg"}
    assert scorer.n_problems_ == 60 and scorer.feature_names_ == FEATURE_SETS[scorer.feature_set]
    assert scorer.get_params()["n_splits"] == 4
    for metrics in scorer.cv_metrics_.values():
        assert 0 <= metrics["top1"] <= 1 and metrics["log_loss"] > 0


def test_scorer_ranks_correct_programs_first_on_unseen_problems(trained):
    scorer, _ = trained
    unseen = synthetic_pools(30, seed=99)
    hits = []
    for pool in unseen:
        scores = scorer.score_pool(pool)
        assert set(scores) == {c.id for c in pool.filtered}
        assert all(0.0 <= s <= 1.0 for s in scores.values())
        best = max(scores, key=scores.get)
        hits.append(pool.labels[best])
    assert np.mean(hits) >= 0.8


def test_probabilities_are_calibrated_roughly(trained):
    scorer, _ = trained
    unseen = synthetic_pools(40, seed=7)
    p = scorer.predict_proba(pools_features(unseen))[:, 1]
    y = pool_labels(unseen)
    # Calibrated: the mean predicted probability tracks the base rate.
    assert abs(p.mean() - y.mean()) < 0.15


def test_grouped_folds_never_share_a_problem():
    pools = synthetic_pools(12)
    table, y = pools_features(pools), pool_labels(pools)
    groups = np.asarray(table.groups)
    for train, test in grouped_splits(y, table.groups, 4):
        assert not set(groups[train]) & set(groups[test])
    oof = out_of_fold_scores(table.matrix, y, table.groups, "logreg", n_splits=4)
    assert oof.shape == y.shape and ((oof >= 0) & (oof <= 1)).all()


def test_save_and_load_round_trip(trained, tmp_path):
    scorer, pools = trained
    path = scorer.save(tmp_path / "s.joblib", extra={"dataset": "synthetic"})
    loaded = load_scorer(path)
    table = pool_features(pools[0])
    assert np.allclose(loaded.predict_proba(table), scorer.predict_proba(table))
    meta = joblib.load(path)["metadata"]
    assert meta["feature_names"] == list(FEATURE_SETS["reproducible"]) and meta["format_version"] == FORMAT_VERSION
    assert meta["data_identity"] == scorer.data_identity_ and meta["extra"] == {"dataset": "synthetic"}
    assert "gbdt" in meta["cv_metrics"]


def _tamper(path, **changes):
    payload = joblib.load(path)
    payload["metadata"].update(changes)
    joblib.dump(payload, path)


def test_scorer_from_another_version_or_other_features_is_refused(trained, tmp_path):
    scorer, _ = trained
    old = scorer.save(tmp_path / "old.joblib")
    _tamper(old, format_version=FORMAT_VERSION + 1)
    with pytest.raises(ScorerError) as err:
        load_scorer(old)
    assert "version" in err.value.message and "train-scorer" in err.value.hint

    other = scorer.save(tmp_path / "other.joblib")
    _tamper(other, feature_names=list(FEATURE_NAMES[:-1]) + ["secret_sauce"])
    with pytest.raises(ScorerError) as err:
        load_scorer(other)
    assert "other features" in err.value.message and "secret_sauce" in err.value.message


def test_unreadable_or_missing_files_are_clear_errors(tmp_path):
    junk = tmp_path / "junk.joblib"
    junk.write_bytes(b"not a pickle")
    for path in (junk, tmp_path / "missing.joblib"):
        with pytest.raises(ScorerError) as err:
            load_scorer(path)
        assert err.value.hint
    joblib.dump({"something": "else"}, tmp_path / "foreign.joblib")
    with pytest.raises(ScorerError, match="not a cpagent feature scorer"):
        load_scorer(tmp_path / "foreign.joblib")


def test_bad_training_data_is_a_clear_error():
    pools = synthetic_pools(5)
    table = pools_features(pools)
    with pytest.raises(ScorerError, match="both correct and incorrect"):
        FeatureScorer().fit(table, np.ones(len(table), dtype=int))
    one = pools_features(pools[:1])
    with pytest.raises(ScorerError, match="at least 2 problems"):
        FeatureScorer().fit(one, pool_labels(pools[:1]))
    with pytest.raises(ScorerError, match="no labelled"):
        FeatureScorer().fit(pools_features([]), np.zeros(0, dtype=int))
    with pytest.raises(ScorerError, match="not trained"):
        FeatureScorer().predict_proba(table)


def test_empty_pool_scores_nothing(trained):
    scorer, _ = trained
    assert scorer.score_pool(Pool("empty")) == {}
    assert scorer.predict_proba(np.zeros((0, len(FEATURE_NAMES)))).shape == (0, 2)


def test_pools_without_logprobs_score_fine(trained):
    scorer, _ = trained
    pool = synthetic_pools(1, seed=5)[0]
    stripped = Pool(pool.problem_id, tuple(
        CandidateRecord(c.id, code=c.code, language=c.language, outcomes=c.outcomes, passed_public=c.passed_public)
        for c in pool.candidates))
    scores = scorer.score_pool(stripped)
    assert len(scores) == len(stripped.filtered) and all(np.isfinite(list(scores.values())))


def test_training_on_mixed_problems_leaves_one_class_problems_out():
    pools = synthetic_pools(20, seed=7)
    # Ten more problems whose candidates are all correct: nothing in them says which one to trust.
    easy = [Pool(f"easy{i}", tuple(CandidateRecord(f"e{i}-{j}", code="x" * (50 + j), outcomes=(output_outcome(b"1"),))
                                   for j in range(3)), labels={f"e{i}-{j}": True for j in range(3)})
            for i in range(10)]
    table, y = pools_features(pools + easy), pool_labels(pools + easy)
    mixed = FeatureScorer(model="logreg", n_splits=3, train_on="mixed").fit(table, y)
    every = FeatureScorer(model="logreg", n_splits=3).fit(table, y)
    assert mixed.train_on == "mixed" and mixed.n_problems_ == 20 and mixed.n_train_ == len(pool_labels(pools))
    assert every.n_problems_ == 30 and every.n_train_ == len(y)
    with pytest.raises(ScorerError, match="training rows"):
        FeatureScorer(train_on="some").fit(table, y)


def test_a_file_saved_before_train_on_existed_loads_as_trained_on_every_row(trained, tmp_path):
    scorer, _ = trained
    path = scorer.save(tmp_path / "old.joblib")
    payload = joblib.load(path)
    del payload["metadata"]["params"]["train_on"]
    joblib.dump(payload, path)
    assert load_scorer(path).train_on == "all"


def test_the_extended_feature_set_is_saved_by_name_and_narrowed_at_scoring(tmp_path):
    pools = synthetic_pools(20, seed=11)
    table, y = pools_features(pools), pool_labels(pools)
    scorer = FeatureScorer(model="logreg", n_splits=3, feature_set="extended").fit(table, y)
    assert scorer.feature_names_ == FEATURE_NAMES and scorer.feature_set == "extended"
    # The default leaves out measured run time and memory: a rerun of the same pool scores it the same.
    default = FeatureScorer(model="logreg", n_splits=3).fit(table, y)
    assert default.feature_set == "reproducible"
    assert not {"cpu_log_ratio", "memory_log_ratio"} & set(default.feature_names_)
    base = FeatureScorer(model="logreg", n_splits=3, feature_set="base").fit(table, y)
    assert base.feature_names_ == FEATURE_SETS["base"] and len(base.feature_names_) < len(FEATURE_NAMES)
    loaded = load_scorer(base.save(tmp_path / "base.joblib"))
    # A full table is narrowed to the saved columns; a matrix of just those columns is taken as is.
    full = pool_features(pools[0])
    narrow = full.matrix[:, [FEATURE_NAMES.index(n) for n in base.feature_names_]]
    assert np.allclose(loaded.predict_proba(full), base.predict_proba(narrow))
    with pytest.raises(ScorerError, match="feature set"):
        FeatureScorer(feature_set="everything").fit(table, y)
