"""End to end through the real CLI on the bundled examples: eval, results.json, clusters, solve, resume."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
# Two small problems keep the end-to-end runs to a minute or so on two cores.
PROBLEMS = ("grid-paths", "divisible-segment")


def _examples_subset(tmp_path: Path) -> Path:
    subset = tmp_path / "problems"
    subset.mkdir()
    for name in PROBLEMS:
        os.symlink(EXAMPLES / name, subset / name)
    return subset


@pytest.fixture(scope="module")
def eval_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("eval")
    run_dir = tmp / "run"
    code = main(["eval", str(_examples_subset(tmp)), "--policy", "dataset", "-o", str(run_dir), "--json"])
    assert code == 0
    return run_dir


def test_results_json_contract(eval_run):
    data = json.loads((eval_run / "results.json").read_text())
    summary = data["summary"]
    for key in ("solve_rate", "pass_at_k", "n_at_k", "no_public_pass_share", "stage_counts", "problems",
                "top1_precision", "distinguishing_rate", "cohesion", "solve_rate_at_1"):
        assert key in summary
    # The bundled near misses pass the examples, so top-1 precision is defined; cohesion: correct programs
    # of one problem agree on every generated input, so they share a cluster.
    assert summary["top1_precision"] is not None and summary["cohesion"] == 1.0
    assert summary["problems"] == len(PROBLEMS)
    assert set(summary["stage_counts"]) >= {"n_samples", "n_candidates", "n_compiled", "n_passed_public",
                                            "n_clusters", "selected"}
    ids = {p["id"] for p in data["problems"]}
    assert ids == set(PROBLEMS)
    for problem in data["problems"]:
        assert {"id", "solved", "n_candidates", "n_passed_public", "n_clusters", "selected", "candidates"} <= set(problem)
        assert len(problem["selected"]) <= 10
        cands = {c["id"]: c for c in problem["candidates"]}
        assert set(problem["selected"]) <= set(cands)
        for c in problem["candidates"]:
            assert {"id", "language", "label", "passed_public", "cluster", "score", "hidden_verdict"} <= set(c)
            assert c["label"] in ("correct", "incorrect", None)
            # The bundled accepted programs are correct: the judge must agree on the hidden tests.
            if c["label"] == "correct":
                assert c["passed_public"] and c["hidden_verdict"] == "AC", c
        # Every selected submission passed the examples; the verdict of a selected one decides `solved`.
        assert all(cands[s]["passed_public"] for s in problem["selected"])
        assert problem["solved"] == any(cands[s]["hidden_verdict"] == "AC" for s in problem["selected"])
    assert (eval_run / "config.json").exists()


def test_pass_at_k_counts_correct_samples(eval_run):
    data = json.loads((eval_run / "results.json").read_text())
    # Every example bundles accepted programs, so with all samples pass@K is 1 for each problem.
    ks = sorted(int(k) for k in data["summary"]["pass_at_k"])
    assert data["summary"]["pass_at_k"][str(ks[-1])] == 1.0
    assert 0.0 < data["summary"]["pass_at_k"]["1"] < 1.0


def test_clusters_table_and_json(eval_run, capsys):
    assert main(["clusters", str(eval_run)]) == 0
    out = capsys.readouterr().out
    for name in PROBLEMS:
        assert f"== {name}" in out
    assert main(["clusters", str(eval_run), "--problem", PROBLEMS[0], "--json"]) == 0
    views = json.loads(capsys.readouterr().out)
    assert len(views) == 1 and views[0]["id"] == PROBLEMS[0]
    sizes = [c["size"] for c in views[0]["clusters"]]
    assert sizes == sorted(sizes, reverse=True) and sum(sizes) >= 1


def test_clusters_bad_run_dir(tmp_path, capsys):
    assert main(["clusters", str(tmp_path)]) == 2
    assert "not a run directory" in capsys.readouterr().err


def test_solve_writes_ordered_submissions(tmp_path, capsys):
    run_dir = tmp_path / "solve"
    assert main(["solve", str(EXAMPLES / PROBLEMS[0]), "--policy", "dataset", "-o", str(run_dir), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert 1 <= len(data["submissions"]) <= 10
    assert [s["rank"] for s in data["submissions"]] == list(range(1, len(data["submissions"]) + 1))
    for s in data["submissions"]:
        assert Path(s["file"]).is_file() and s["cluster_size"] >= 1
    # The scorer shipped with cpagent scores every submission unless told otherwise.
    assert all(isinstance(s["score"], float) and 0 <= s["score"] <= 1 for s in data["submissions"])


def test_solve_without_a_scorer_ranks_clusters_by_size(tmp_path, capsys):
    run_dir = tmp_path / "solve"
    assert main(["solve", str(EXAMPLES / PROBLEMS[0]), "--policy", "dataset", "--scorer", "none", "-o",
                 str(run_dir), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    sizes = [s["cluster_size"] for s in data["submissions"]]
    assert sizes[0] == max(sizes)  # without a scorer the largest cluster comes first
    assert all(s["score"] is None for s in data["submissions"])


def _stable(results: dict) -> dict:
    """results.json without what legitimately differs between two runs: timings."""
    out = json.loads(json.dumps(results))
    out["summary"].pop("wall_s", None)
    out["summary"].pop("stage_seconds", None)
    for p in out["problems"]:
        p.pop("stages", None)
        if p.get("clustering", {}).get("cost"):
            p["clustering"]["cost"].pop("wall_s", None)
    return out


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_results(tmp_path, eval_run):
    problems = _examples_subset(tmp_path)
    run_dir = tmp_path / "killed"
    cmd = [sys.executable, "-m", "agent", "eval", str(problems), "--policy", "dataset", "-o", str(run_dir), "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    db = run_dir / "run.sqlite"
    deadline = time.monotonic() + 120
    judged = 0
    # Kill -9 once some candidates have been judged but before the run is over.
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                judged = sqlite3.connect(db, timeout=1).execute("SELECT COUNT(*) FROM public_verdicts").fetchone()[0]
            except sqlite3.Error:
                judged = 0
            if judged >= 3:
                break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert judged >= 3
    assert not (run_dir / "results.json").exists()

    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    resumed = json.loads((run_dir / "results.json").read_text())
    reference = json.loads((eval_run / "results.json").read_text())
    # Nothing sampled twice: every sample index once.
    n_samples = sqlite3.connect(run_dir / "run.sqlite").execute("SELECT COUNT(*) FROM samples").fetchone()[0]
    assert n_samples == reference["summary"]["stage_counts"]["n_samples"]
    assert _stable(resumed)["problems"] == _stable(reference)["problems"]
    assert _stable(resumed)["summary"] == _stable(reference)["summary"]


def test_rescore_applies_another_scorer_without_running_anything(tmp_path, eval_run, capsys):
    import shutil

    run_dir = tmp_path / "copy"
    shutil.copytree(eval_run, run_dir)
    problems = _examples_subset(tmp_path)
    before = json.loads((run_dir / "results.json").read_text())
    argv = ["eval", str(problems), "--policy", "dataset", "-o", str(run_dir), "--scorer", "none", "--json"]
    assert main(argv) == 2
    assert "--rescore" in capsys.readouterr().err
    assert main([*argv, "--rescore"]) == 0
    after = json.loads((run_dir / "results.json").read_text())
    for old, new in zip(before["problems"], after["problems"]):
        assert [c["hidden_verdict"] for c in old["candidates"]] == [c["hidden_verdict"] for c in new["candidates"]]
        assert old["n_clusters"] == new["n_clusters"]
        assert all(c["score"] is None for c in new["candidates"])
        assert any(c["score"] is not None for c in old["candidates"] if c["passed_public"])
    assert before["summary"]["stage_seconds"]["cluster"] == after["summary"]["stage_seconds"]["cluster"]
    # Stage times add up over the sessions of a run: the judging done before is still counted.
    assert after["summary"]["stage_seconds"]["hidden"] >= before["summary"]["stage_seconds"]["hidden"] > 0
