"""The run store keeps everything across reopenings and never counts a sample twice."""

from __future__ import annotations

import sqlite3

import pytest

from agent.errors import CpagentError
from agent.store import RunStore


def _fields(code: str) -> dict:
    return {"language": "python3", "code": code, "logprob": -1.5, "num_tokens": 7, "label": None, "meta": {"t": 0.8}}


def test_samples_survive_reopen_and_are_not_double_counted(tmp_path):
    store = RunStore(tmp_path)
    store.add_problem("p1", "abc", "Problem", 0)
    store.add_samples("p1", [(0, "c1", _fields("a")), (1, "c2", _fields("b")), (2, "c1", _fields("a"))])
    store.close()

    again = RunStore(tmp_path)
    # A restart replays the same sample indices: nothing changes.
    again.add_samples("p1", [(1, "c2", _fields("b")), (2, "c1", _fields("a")), (3, "c2", _fields("b"))])
    cands = {c.candidate_id: c for c in again.candidates("p1")}
    assert cands["c1"].count == 2 and cands["c2"].count == 2
    assert again.num_samples("p1") == 4
    assert again.sample_candidate_ids("p1") == ["c1", "c2", "c1", "c2"]
    assert cands["c1"].meta == {"t": 0.8}


def test_stage_results_and_blobs(tmp_path):
    store = RunStore(tmp_path)
    store.put_compile("p", "c1", "OK", "", "warning: x", 0.5)
    store.put_verdict("public_verdicts", "p", "c1", "AC", {"tests": 2})
    store.put_blob("p", "clusters", [{"members": ["c1"]}])
    store.record_stage("p", "compile", 1, 0.5)
    assert store.done_ids("compiles", "p") == {"c1"}
    assert store.verdicts("public_verdicts", "p") == {"c1": ("AC", {"tests": 2})}
    assert store.get_blob("p", "clusters") == [{"members": ["c1"]}]
    assert store.get_blob("p", "scores") is None
    assert store.stages("p")["compile"]["count"] == 1


def test_changed_problem_is_refused(tmp_path):
    store = RunStore(tmp_path)
    store.add_problem("p", "identity-1", "P", 0)
    with pytest.raises(CpagentError, match="changed"):
        store.add_problem("p", "identity-2", "P", 0)


def test_database_is_in_wal_mode(tmp_path):
    RunStore(tmp_path).close()
    mode = sqlite3.connect(tmp_path / "run.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_corrupt_database_is_a_clear_error(tmp_path):
    (tmp_path / "run.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(CpagentError, match="cannot open"):
        RunStore(tmp_path)
