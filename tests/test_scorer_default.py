"""The scorer shipped inside the package: present, loadable, held out from the evaluation problems,
and never an exception when it is missing or from another version."""

from __future__ import annotations

import json

import joblib
import numpy as np
import pytest

from scorer import (
    DEFAULT_SCORER_PATH, FEATURES_VERSION, CandidateRecord, FeatureScorer, Pool, default_scorer,
    load_default, output_outcome, pool_labels, pools_features, select_pool,
)
from scorer.default import write_metadata_sidecar
from scorer.features import FEATURE_SETS
from tests.test_scorer_learned import synthetic_pools

A, B = output_outcome(b"1"), output_outcome(b"2")


@pytest.fixture(scope="module")
def small_scorer_file(tmp_path_factory):
    pools = synthetic_pools(30, seed=3)
    scorer = FeatureScorer(model="logreg", n_splits=3).fit(pools_features(pools), pool_labels(pools))
    return scorer.save(tmp_path_factory.mktemp("s") / "default.joblib", extra={"subset": "non-clean"})


def _copy_with(path, tmp_path, name, **changes):
    payload = joblib.load(path)
    payload["metadata"].update(changes)
    out = tmp_path / name
    joblib.dump(payload, out)
    return out


def test_the_shipped_scorer_loads_and_was_trained_on_other_problems_than_the_evaluation():
    loaded = default_scorer()
    assert loaded.available, loaded.note
    assert loaded.path == DEFAULT_SCORER_PATH and loaded.note == ""
    meta = loaded.scorer.metadata()
    assert meta["features_version"] == FEATURES_VERSION
    assert meta["feature_names"] == list(FEATURE_SETS[meta["params"]["feature_set"]])
    # Held out: trained on the non-clean rows only, which bench/selection.py never evaluates on.
    sidecar = json.loads(DEFAULT_SCORER_PATH.with_suffix(".json").read_text())
    assert sidecar["extra"]["subset"] == "non-clean" and sidecar["data_identity"] == meta["data_identity"]
    assert sidecar["n_problems"] >= 100 and set(sidecar["cv_metrics"]) >= {meta["model_kind"]}
    assert DEFAULT_SCORER_PATH.stat().st_size < 5_000_000  # small enough to ship in the package


def test_the_shipped_scorer_prefers_the_agreeing_candidate_and_selects():
    pool = Pool("p", (CandidateRecord("a1", code="int main(){}", language="c99", outcomes=(A, A, A)),
                      CandidateRecord("a2", code="int main(){ }", language="c99", outcomes=(A, A, A)),
                      CandidateRecord("a3", code="int main(){  }", language="c99", outcomes=(A, A, A)),
                      CandidateRecord("b", code="int main(){}", language="c99", outcomes=(A, "RE", B))))
    scores = load_default().score_pool(pool)
    assert set(scores) == {"a1", "a2", "a3", "b"} and all(0 <= s <= 1 for s in scores.values())
    assert min(scores["a1"], scores["a2"], scores["a3"]) > scores["b"]
    assert select_pool(pool, scores).ids[0] in ("a1", "a2", "a3")
    # Bad input keeps its defined results: an empty pool, a pool where nothing passed the examples.
    assert load_default().score_pool(Pool("e")) == {}
    assert select_pool(Pool("e"), {}).ids == ()


def test_a_missing_default_is_none_with_a_reason(tmp_path):
    loaded = default_scorer(tmp_path / "absent.joblib")
    assert loaded.scorer is None and not loaded.available and "no default scorer file" in loaded.note
    assert load_default(tmp_path / "absent.joblib") is None


def test_a_default_from_another_version_is_none_with_a_reason(small_scorer_file, tmp_path):
    assert default_scorer(small_scorer_file).available
    other = _copy_with(small_scorer_file, tmp_path, "features.joblib", features_version=FEATURES_VERSION - 1)
    loaded = default_scorer(other)
    assert loaded.scorer is None and "other features" in loaded.note and "ranked by size" in loaded.note
    sk = _copy_with(small_scorer_file, tmp_path, "sklearn.joblib", sklearn_version="0.24.2")
    loaded = default_scorer(sk)
    assert loaded.scorer is None and "scikit-learn 0.24.2" in loaded.note
    junk = tmp_path / "junk.joblib"
    junk.write_bytes(b"not a pickle")
    assert default_scorer(junk).scorer is None and "cannot be used" in default_scorer(junk).note


def test_metadata_sidecar_is_readable_without_unpickling(small_scorer_file):
    sidecar = write_metadata_sidecar(small_scorer_file)
    meta = json.loads(sidecar.read_text())
    assert meta["format"] == "cpagent-feature-scorer" and meta["extra"] == {"subset": "non-clean"}
    assert meta["params"]["train_on"] == "all" and np.isfinite(meta["cv_metrics"]["logreg"]["auc"])
