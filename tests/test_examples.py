"""The bundled example set (examples/): complete, reproducible, and judged as its folders promise.

Every problem must load, show its samples in the statement, carry the submissions the README promises
(accepted C++ and Python, near-miss wrong answers that pass the samples), and have hidden tests that its
generator.py rebuilds byte for byte from the recorded seed. End to end, `cpagent test --all` judges every
bundled submission in the real sandbox, and each must get the verdict of its folder.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from agent.cli import main
from agent.problems import Problem, read_problem_dir
from agent.problems.model import GROUP_VERDICT, TestCase
from sandbox import SandboxError, Verdict, open_backend
from sandbox.judge import Judge, JudgeTest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
PROBLEM_DIRS = sorted(p for p in EXAMPLES.iterdir() if (p / "problem.md").is_file())
IDS = [p.name for p in PROBLEM_DIRS]

Capture = pytest.CaptureFixture[str]
MAX_TEST_BYTES = 256 * 1024  # one test file
MAX_TOTAL_BYTES = 8 * 1024 * 1024  # the whole of examples/


def _problem(path: Path) -> Problem:
    return read_problem_dir(path)


def _judge_tests(tests: Sequence[TestCase]) -> list[JudgeTest]:
    return [JudgeTest(t.name, t.input.encode(), None if t.output is None else t.output.encode())
            for t in tests]


# -- the set as a whole -------------------------------------------------------------------------

def test_at_least_twelve_problems():
    assert len(PROBLEM_DIRS) >= 12


def test_the_set_covers_every_judging_feature():
    problems = [_problem(p) for p in PROBLEM_DIRS]
    kinds = {p.checker.kind for p in problems}
    assert {"exact", "float", "custom", "tokens"} <= kinds
    assert any(p.interactive for p in problems), "an interactive problem"
    assert any(p.input_file == "input.txt" and p.output_file == "output.txt" for p in problems), "file I/O"
    assert any(p.multi_test for p in problems), "multi-test input"
    groups = {s.expected for p in problems for s in p.submissions}
    assert {"time_limit_exceeded", "runtime_error"} <= groups
    ratings = [p.rating for p in problems]
    assert all(r is not None and 800 <= r <= 2000 for r in ratings)
    assert min(ratings) == 800 and max(ratings) >= 1900
    assert len({tag for p in problems for tag in p.tags}) >= 10


def test_examples_stay_small():
    total = sum(f.stat().st_size for f in EXAMPLES.rglob("*") if f.is_file())
    assert total < MAX_TOTAL_BYTES


# -- each problem -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", PROBLEM_DIRS, ids=IDS)
def test_problem_is_complete(path: Path):
    problem = _problem(path)
    assert problem.id == path.name
    assert problem.generator is not None and (path / "generator.py").is_file()
    assert 1 <= len(problem.public_tests) <= 3
    assert 15 <= len(problem.hidden_tests) <= 40
    if problem.interactive:
        sections: tuple[str, ...] = ("## Interaction", "## Example")
    else:
        sections = ("## Input", "## Output", "## Example")
    assert all(section in problem.statement for section in sections)
    if not problem.interactive:
        assert all(t.output is not None for t in problem.public_tests + problem.hidden_tests)
    groups = {}
    for sub in problem.submissions:
        groups.setdefault(sub.expected, []).append(sub)
    accepted_langs = {s.language for s in groups.get("accepted", [])}
    assert {"cpp17", "python3"} <= accepted_langs
    assert len(groups.get("wrong_answer", [])) >= 3
    for f in (path / "tests").rglob("*"):
        assert f.stat().st_size <= MAX_TEST_BYTES, f


@pytest.mark.parametrize("path", PROBLEM_DIRS, ids=IDS)
def test_samples_appear_in_the_statement(path: Path):
    problem = _problem(path)
    for test in problem.public_tests:
        assert test.input.strip() in problem.statement, f"sample {test.name} input"
        if test.output is not None:
            assert test.output.strip() in problem.statement, f"sample {test.name} output"


@pytest.mark.parametrize("path", PROBLEM_DIRS, ids=IDS)
def test_hidden_tests_start_with_the_samples(path: Path):
    problem = _problem(path)
    hidden = [t.input for t in problem.hidden_tests[: len(problem.public_tests)]]
    assert hidden == [t.input for t in problem.public_tests]


@pytest.mark.parametrize("path", PROBLEM_DIRS, ids=IDS)
def test_generator_reproduces_the_hidden_tests(path: Path, tmp_path: Path):
    problem = _problem(path)
    assert problem.generator is not None
    command = shlex.split(problem.generator.command.format(seed=problem.generator.seed))
    if command[0] in ("python3", "python"):
        command[0] = sys.executable
    out = tmp_path / "hidden"
    subprocess.run([*command, "--out", str(out)], cwd=path, check=True, timeout=120)
    committed = path / "tests" / "hidden"
    names = sorted(f.name for f in committed.iterdir())
    assert sorted(f.name for f in out.iterdir()) == names
    for name in names:
        assert (out / name).read_bytes() == (committed / name).read_bytes(), name


# -- judging every bundled submission: `cpagent test --all`, end to end ----------------------------

@pytest.fixture(scope="module")
def backend_args() -> list[str]:
    """The native sandbox when this machine has it, else the unsafe backend (with the reason printed)."""
    name = os.environ.get("CPAGENT_TEST_BACKEND", "native")
    if name == "native":
        try:
            open_backend("native").close()
        except SandboxError as exc:
            print(f"native backend unavailable ({exc.message}); judging on the unsafe backend",
                  file=sys.stderr)
            name = "unsafe"
    return ["--backend", name] + (["--insecure"] if name != "native" else [])


@pytest.fixture(scope="module")
def judge(backend_args: list[str]) -> Iterator[Judge]:
    """For re-judging a program whose verdict came back IE (see `_rejudge`)."""
    backend = open_backend(backend_args[1], insecure="--insecure" in backend_args)
    yield Judge(backend)
    backend.close()


def _cpagent_test_all(path: Path, backend_args: list[str], capsys: Capture,
                      *extra: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    status = main(["test", "--all", str(path), "--json", *backend_args, *extra])
    out = json.loads(capsys.readouterr().out)
    assert status == (0 if out["agree"] == out["total"] else 1)
    return out["submissions"]


def _limits(problem: Problem) -> dict[str, Any]:
    limits: dict[str, Any] = dict(time_limit_s=problem.time_limit_s, memory_mb=problem.memory_mb)
    if problem.interactive:
        assert problem.interactor is not None
        limits["interactor"] = (problem.interactor.source, problem.interactor.language)
    else:
        limits.update(checker=problem.checker, input_file=problem.input_file, output_file=problem.output_file)
    return limits


def _rejudge(judge: Judge, problem: Problem, name: str, tests: list[JudgeTest]) -> str:
    """Judge a submission again, resuming after any test that comes back IE (at most three times each).

    IE says nothing about the program: the sandbox failed, not the program, and the pipeline retries it.
    An IE that persists is returned as the verdict and fails the test."""
    sub = next(s for s in problem.submissions if s.name == name)
    start, tries = 0, 0
    while True:
        report = judge.judge(sub.code, sub.language, tests[start:], stop_at_first_failure=True,
                             **_limits(problem))
        failure = report.first_failure
        if report.verdict is not Verdict.IE or failure is None:
            return report.verdict.value
        print(f"{problem.id}/{name}: IE on test {failure.name} ({failure.checker_message[:120]}), "
              "judging again", file=sys.stderr)
        at = start + next(k for k, t in enumerate(report.tests) if t is failure)
        tries = tries + 1 if at == start else 1
        if tries > 3:
            return "IE"
        start = at


def _verdicts(path: Path, backend_args: list[str], capsys: Capture, judge: Judge,
              samples: bool) -> dict[str, str]:
    problem = _problem(path)
    rows = _cpagent_test_all(path, backend_args, capsys, *(["--samples"] if samples else []))
    assert {r["problem"] for r in rows} == {problem.id}
    assert sorted(r["submission"] for r in rows) == sorted(s.name for s in problem.submissions)
    tests = _judge_tests(problem.public_tests if samples else problem.all_tests)
    return {r["submission"]: _rejudge(judge, problem, r["submission"], tests) if r["verdict"] == "IE"
            else r["verdict"] for r in rows}


@pytest.mark.parametrize("path", PROBLEM_DIRS, ids=IDS)
def test_every_submission_gets_its_verdict(path: Path, backend_args: list[str], capsys: Capture,
                                           judge: Judge):
    got = _verdicts(path, backend_args, capsys, judge, samples=False)
    expected = {s.name: GROUP_VERDICT[s.expected] for s in _problem(path).submissions}
    mismatches = [(name, expected[name], v) for name, v in sorted(got.items()) if v != expected[name]]
    assert not mismatches, f"(submission, expected, got): {mismatches}"


@pytest.mark.parametrize("path", PROBLEM_DIRS, ids=IDS)
def test_wrong_answers_pass_the_samples(path: Path, backend_args: list[str], capsys: Capture,
                                        judge: Judge):
    """Near misses: a wrong answer that fails a sample would be caught before any hidden test."""
    got = _verdicts(path, backend_args, capsys, judge, samples=True)
    wrong = [s.name for s in _problem(path).submissions if s.expected == "wrong_answer"]
    assert {name: got[name] for name in wrong} == {name: "AC" for name in wrong}
