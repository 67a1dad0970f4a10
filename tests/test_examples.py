"""The bundled example set (examples/): complete, reproducible, and judged as its folders promise.

Every problem must load, show its samples in the statement, carry the submissions the README promises
(accepted C++ and Python, near-miss wrong answers that pass the samples), and have hidden tests that its
generator.py rebuilds byte for byte from the recorded seed. End to end, every bundled submission is judged
in the real sandbox and must get the verdict of its folder.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent.problems import Problem, read_problem_dir
from agent.problems.model import GROUP_VERDICT
from sandbox import SandboxError, Verdict, open_backend
from sandbox.compile_cache import CompileCache
from sandbox.judge import Judge, JudgeTest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
PROBLEM_DIRS = sorted(p for p in EXAMPLES.iterdir() if (p / "problem.md").is_file())
IDS = [p.name for p in PROBLEM_DIRS]

MAX_TEST_BYTES = 256 * 1024  # one test file
MAX_TOTAL_BYTES = 8 * 1024 * 1024  # the whole of examples/


def _problem(path: Path) -> Problem:
    return read_problem_dir(path)


def _judge_tests(tests) -> list[JudgeTest]:  # type: ignore[no-untyped-def]
    return [JudgeTest(t.name, t.input.encode(), None if t.output is None else t.output.encode()) for t in tests]


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
    assert any(s.expected == "time_limit_exceeded" for p in problems for s in p.submissions), "a TLE submission"
    assert any(s.expected == "runtime_error" for p in problems for s in p.submissions), "an RE submission"
    ratings = [p.rating for p in problems]
    assert all(r is not None and 800 <= r <= 2000 for r in ratings)
    assert min(ratings) == 800 and max(ratings) >= 1800
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
    sections = ("## Interaction", "## Example") if problem.interactive else ("## Input", "## Output", "## Example")
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


# -- judging every bundled submission in the real sandbox ---------------------------------------

@pytest.fixture(scope="module")
def judge(tmp_path_factory):  # type: ignore[no-untyped-def]
    name = os.environ.get("CPAGENT_TEST_BACKEND", "native")
    try:
        backend = open_backend(name, insecure=name == "unsafe")
    except SandboxError as exc:
        print(f"{name} backend unavailable ({exc.message}); judging on the unsafe backend", file=sys.stderr)
        backend = open_backend("unsafe", insecure=True)
    yield Judge(backend, CompileCache(tmp_path_factory.getbasetemp() / "compile-cache"))
    backend.close()


def _limits(problem: Problem) -> dict[str, Any]:
    limits: dict[str, Any] = dict(time_limit_s=problem.time_limit_s, memory_mb=problem.memory_mb)
    if not problem.interactive:
        limits.update(checker=problem.checker, input_file=problem.input_file, output_file=problem.output_file)
    return limits


def _judge_one(judge: Judge, problem: Problem, code: str, language: str, tests: list[JudgeTest]) -> Verdict:
    """One program, resuming after a test that came back IE (at most three times per test).

    IE says nothing about the program (the sandbox failed, not the program), so the pipeline retries it;
    here the run picks up again at that test. An IE that persists is the verdict and fails the test."""
    interactor = (problem.interactor.source, problem.interactor.language) if problem.interactor else None
    start, tries = 0, 0
    while True:
        report = judge.judge(code, language, tests[start:], interactor=interactor, stop_at_first_failure=True,
                             **_limits(problem))
        failure = report.first_failure
        if report.verdict is not Verdict.IE or failure is None:
            return report.verdict
        print(f"{problem.id}: IE on test {failure.name} ({failure.checker_message[:120]}), judging again",
              file=sys.stderr)
        at = start + next(k for k, t in enumerate(report.tests) if t is failure)
        tries = tries + 1 if at == start else 1
        if tries > 3:
            return Verdict.IE
        start = at


def _judge_all(judge: Judge, problem: Problem, tests: list[JudgeTest]) -> list[Verdict]:
    """Each submission's verdict; a failing program stops at its first failure (the TLE ones are slow)."""
    programs = [(s.code, s.language) for s in problem.submissions]
    if problem.interactive:
        return [_judge_one(judge, problem, code, lang, tests) for code, lang in programs]
    got = [r.verdict for r in judge.judge_many(programs, tests, stop_at_first_failure=True, **_limits(problem))]
    return [_judge_one(judge, problem, code, lang, tests) if v is Verdict.IE else v
            for (code, lang), v in zip(programs, got)]


@pytest.mark.parametrize("path", PROBLEM_DIRS, ids=IDS)
def test_every_submission_gets_its_verdict(path: Path, judge: Judge):
    problem = _problem(path)
    got = _judge_all(judge, problem, _judge_tests(problem.hidden_tests))
    expected = [Verdict(GROUP_VERDICT[s.expected]) for s in problem.submissions]
    mismatches = [(s.name, e.value, g.value) for s, e, g in zip(problem.submissions, expected, got) if e != g]
    assert not mismatches, f"(submission, expected, got): {mismatches}"


@pytest.mark.parametrize("path", PROBLEM_DIRS, ids=IDS)
def test_wrong_answers_pass_the_samples(path: Path, judge: Judge):
    """Near misses: a wrong answer that fails a sample would be caught before any hidden test."""
    problem = _problem(path)
    wrong = [s for s in problem.submissions if s.expected == "wrong_answer"]
    near = dataclasses.replace(problem, submissions=tuple(wrong))
    got = _judge_all(judge, near, _judge_tests(problem.public_tests))
    assert got == [Verdict.AC] * len(wrong), [s.name for s, v in zip(wrong, got) if v != Verdict.AC]
