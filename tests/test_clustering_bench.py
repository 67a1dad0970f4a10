"""bench/clustering.py: the figures of real Codeflaws problems, cached so a rerun redoes nothing."""

from __future__ import annotations

import json
import os
import runpy
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench() -> dict:
    return runpy.run_path(str(REPO / "bench" / "clustering.py"), run_name="bench_clustering")


def _backend_args() -> list[str]:
    name = os.environ.get("CPAGENT_TEST_BACKEND", "native")
    return ["--backend", name] + (["--insecure"] if name == "unsafe" else [])


def test_figures_are_cached_and_a_rerun_runs_nothing(bench, cp_data, tmp_path, capsys):
    args = ["--data", str(cp_data / "codeflaws_dev.jsonl"), "--limit", "2", "--jobs", "2",
            "--cache", str(tmp_path / "cache"), *_backend_args()]
    assert bench["main"](args + ["--json", str(tmp_path / "first.json")]) == 0
    first = json.loads((tmp_path / "first.json").read_text())
    out = capsys.readouterr().out
    assert [f["id"] for f in first] == ["cf/1A", "cf/2B"]
    for fig in first:
        assert fig["accepted"] >= 1 and not fig["note"], fig
        assert fig["distinguished"]["none"] == 0  # the anchor: no inputs tell anyone apart
        assert fig["cohesive"]["hidden"] == fig["accepted"]
        assert fig["runs"]["generated"] > 0
    assert "distinguishing failures" in out and "cohesion failures" in out
    # cf/2B asks for any optimal path: its sample answer comes from the verified hidden copy, so the
    # accepted program survives the filter (agent.problems' reading).
    assert first[1]["accepted"] == 1
    # Every entry is on disk: a run that may not touch the sandbox reports the same figures.
    assert bench["main"](args + ["--cached-only", "--json", str(tmp_path / "again.json")]) == 0
    assert json.loads((tmp_path / "again.json").read_text()) == first


def test_other_parameters_are_other_entries(bench, tmp_path):
    cache = bench["Cache"](tmp_path)
    key = bench["fingerprint"]("generated", {"seed": 0})
    assert key != bench["fingerprint"]("generated", {"seed": 1})
    assert key != bench["fingerprint"]("hidden", {"seed": 0})
    assert cache.get("cf/1A", "generated", key) is None
    cache.put("cf/1A", "generated", key, {"clusters": [["a"]]})
    assert cache.get("cf/1A", "generated", key) == {"clusters": [["a"]]}


@pytest.mark.parametrize("a, b, kind", [
    (b"0.3333333\n", b"0.33333334\n", "float digits"),
    (b"1 2 3\n", b"3 1 2\n", "order (print-any)"),
    (b"YES\n", b"NO\n", "another answer"),
    (b"1 2\n", b"1\n", "answer of another length"),
])
def test_how_two_answers_differ(bench, a, b, kind):
    assert bench["_output_kind"](a, b) == kind
