"""Our problem directory format: a round trip keeps everything, bad files give one clear error."""

from __future__ import annotations

import pytest

from agent.errors import ProblemFormatError
from agent.problems import Problem, Submission, TestCase, read_problem_dir, write_problem_dir
from sandbox.checkers import CheckerSpec


def _problem() -> Problem:
    return Problem(
        id="demo", name="Demo", statement="Add $a$ and $b$.\n", time_limit_s=2.0, memory_mb=128,
        public_tests=(TestCase("1 2\n", "3\n", "01"),), hidden_tests=(TestCase("5 5\n", "10\n", "01"),),
        checker=CheckerSpec("float", abs_eps=1e-4, rel_eps=1e-4), rating=800, tags=("math",),
        submissions=(Submission("accepted/a.py", "python3", "print(sum(map(int,input().split())))\n"),
                     Submission("wrong_answer/b.py", "python3", "print(1)\n", "wrong_answer")),
    )


def test_round_trip(tmp_path):
    original = _problem()
    write_problem_dir(original, tmp_path / "demo")
    again = read_problem_dir(tmp_path / "demo")
    assert again == original


def test_missing_name_names_the_field(tmp_path):
    d = tmp_path / "p"
    d.mkdir()
    (d / "problem.md").write_text("---\nid: x\n---\nstatement\n")
    with pytest.raises(ProblemFormatError, match="name"):
        read_problem_dir(d)


def test_bad_limit_type(tmp_path):
    d = tmp_path / "p"
    d.mkdir()
    (d / "problem.md").write_text("---\nname: x\ntime_limit_s: fast\n---\n")
    with pytest.raises(ProblemFormatError, match="time_limit_s"):
        read_problem_dir(d)


def test_existing_destination_is_not_overwritten(tmp_path):
    write_problem_dir(_problem(), tmp_path / "demo")
    with pytest.raises(ProblemFormatError, match="already exists"):
        write_problem_dir(_problem(), tmp_path / "demo")
