"""What a user meets when things go wrong mid-evaluation: a problem that does not parse, a sandbox that fails
(IE), Ctrl-C. Each ends in a clear message, keeps what was finished, and the same command resumes the run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from agent.cli import main
from agent.errors import CpagentError
from agent.evaluate import evaluate
from agent.pipeline import Pipeline, PipelineConfig
from agent.problems.loader import load_problem, load_problems
from agent.sources import DatasetSource
from sandbox.backend import Backend, open_backend
from sandbox.spec import RunResult, RunSpec, Status

REPO = Path(__file__).resolve().parent.parent
PROBLEM = "grid-paths"  # small: its whole evaluation is a few hundred runs


def _stable(results: dict) -> dict:
    out = json.loads(json.dumps(results))
    for key in ("wall_s", "stage_seconds", "unreadable_problems"):
        out["summary"].pop(key, None)
    for p in out["problems"]:
        p.pop("stages", None)
        p.get("clustering", {}).get("cost", {}).pop("wall_s", None)
    return out


@pytest.fixture(scope="module")
def problems_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("problems")
    os.symlink(REPO / "examples" / PROBLEM, root / PROBLEM)
    return root


@pytest.fixture(scope="module")
def reference(problems_dir, tmp_path_factory) -> dict:
    """An uninterrupted run, the yardstick every resumed run must equal."""
    run_dir = tmp_path_factory.mktemp("reference") / "run"
    assert main(["eval", str(problems_dir), "--policy", "dataset", "-o", str(run_dir), "--json"]) == 0
    return json.loads((run_dir / "results.json").read_text())


# -- a problem that does not parse ------------------------------------------------------------------

def test_a_broken_row_of_a_dataset_is_skipped_and_named(tmp_path):
    problem = load_problem(REPO / "examples" / PROBLEM)
    rows = [{"id": "ok/1", "name": "ok", "statement": "s",
             "public_tests": [{"input": t.input, "output": t.output} for t in problem.public_tests],
             "hidden_tests": []}]
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps(rows[0]) + "\n" + '{"id": "bad/2", "public_tests": [\n' + "\n")
    with pytest.raises(CpagentError, match=r"data.jsonl:2: not valid JSON"):
        load_problems(path)
    seen: list[tuple[str, str]] = []
    loaded = load_problems(path, on_error=lambda where, exc: seen.append((where, exc.message)))
    assert [p.id for p in loaded] == [rows[0]["id"]]
    assert seen and seen[0][0].endswith("data.jsonl:2")


def test_eval_skips_an_unreadable_problem_and_says_so(tmp_path, problems_dir, reference, capsys):
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    os.symlink(REPO / "examples" / PROBLEM, mixed / PROBLEM)
    broken = mixed / "broken"
    broken.mkdir()
    (broken / "problem.md").write_text("---\ntime_limit: [oops\n---\nno statement\n")
    run_dir = tmp_path / "run"
    assert main(["eval", str(mixed), "--policy", "dataset", "-o", str(run_dir), "--json"]) == 0
    captured = capsys.readouterr()
    assert "skipped, cannot be read" in captured.err and "problem.md" in captured.err
    results = json.loads((run_dir / "results.json").read_text())
    assert [u["where"] for u in results["summary"]["unreadable_problems"]] == [str(broken)]
    assert _stable(results)["problems"] == _stable(reference)["problems"]


def test_eval_where_nothing_can_be_read_ends_with_one_message(tmp_path, capsys):
    only = tmp_path / "only"
    (only / "broken").mkdir(parents=True)
    (only / "broken" / "problem.md").write_text("---\nmemory_limit: {\n---\n")
    assert main(["eval", str(only), "--policy", "dataset", "-o", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "[FAILURE]" in err and "no problems to evaluate" in err and "Traceback" not in err


# -- a sandbox that fails (IE) ------------------------------------------------------------------------

class FlakyBackend(Backend):
    """The real native sandbox, except that runs fail as the sandbox itself would (IE) while `failing` is set."""

    name = "flaky"

    def __init__(self, inner: Backend, fail_first: int = 0) -> None:
        super().__init__(slots=inner.slots)
        self.inner = inner
        self.fail_first = fail_first
        self.failing = False
        self.calls = 0
        self._lock = threading.Lock()

    def _run_once(self, spec: RunSpec) -> RunResult:
        with self._lock:
            self.calls += 1
            fail = self.failing or self.calls <= self.fail_first
        if fail:
            return RunResult(status=Status.IE, backend=self.name, message="injected: cgroup vanished")
        return self.inner.run(spec)


def _evaluate(problems_dir: Path, run_dir: Path, backend: Backend) -> dict:
    problems = load_problems(problems_dir)
    config = PipelineConfig(judge_hidden=True)
    return evaluate(problems, DatasetSource(), run_dir, config,
                    lambda store: Pipeline(store, config, backend, progress=False), dataset=str(problems_dir))


def test_transient_sandbox_failures_are_retried_and_never_counted(tmp_path, problems_dir, reference):
    with open_backend("native") as native:
        flaky = FlakyBackend(native, fail_first=5)
        data = _evaluate(problems_dir, tmp_path / "run", flaky)
    assert flaky.calls > 5
    assert _stable(data)["problems"] == _stable(reference)["problems"]


def test_a_sandbox_that_keeps_failing_stops_the_run_which_then_resumes(tmp_path, problems_dir, reference):
    run_dir = tmp_path / "run"
    with open_backend("native") as native:
        flaky = FlakyBackend(native)
        flaky.failing = True
        with pytest.raises(CpagentError, match=r"sandbox kept failing \(IE\)") as info:
            _evaluate(problems_dir, run_dir, flaky)
        assert "cpagent doctor" in info.value.hint
        db = sqlite3.connect(run_dir / "run.sqlite")
        stored = db.execute("SELECT verdict FROM public_verdicts").fetchall()
        db.close()
        assert ("IE",) not in stored  # nothing built on a failed sandbox
        flaky.failing = False  # the machine is fixed; the same run goes on
        data = _evaluate(problems_dir, run_dir, flaky)
    assert _stable(data)["problems"] == _stable(reference)["problems"]


# -- Ctrl-C -----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_ctrl_c_mid_run_keeps_the_work_and_the_same_command_resumes(tmp_path, problems_dir, reference):
    run_dir = tmp_path / "run"
    cmd = [sys.executable, "-m", "agent", "eval", str(problems_dir), "--policy", "dataset", "-o", str(run_dir),
           "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    db_path = run_dir / "run.sqlite"
    deadline = time.monotonic() + 300
    judged = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if db_path.exists():
            try:
                db = sqlite3.connect(db_path, timeout=1)
                judged = db.execute("SELECT COUNT(*) FROM public_verdicts").fetchone()[0]
                db.close()
            except sqlite3.Error:
                judged = 0
            if judged >= 2:
                break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "[FAILURE] interrupted" in err and "run the same command again" in err
    assert "Traceback" not in err, err[-3000:]
    assert not (run_dir / "results.json").exists()
    db = sqlite3.connect(db_path)
    kept = db.execute("SELECT COUNT(*) FROM public_verdicts").fetchone()[0]
    db.close()
    assert kept >= judged  # nothing finished was lost

    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    resumed = json.loads((run_dir / "results.json").read_text())
    assert _stable(resumed)["problems"] == _stable(reference)["problems"]
    shutil.rmtree(run_dir, ignore_errors=True)
