"""Model additions: `meta` on problems and submissions, through JSON and the problem directory."""

from __future__ import annotations

import json

from agent.problems import Problem, Submission, TestCase, read_problem_dir, write_problem_dir


def _problem() -> Problem:
    return Problem(
        id="m",
        name="Meta",
        statement="S\n",
        public_tests=(TestCase("1\r\n2\r\n", "3\r\n", "01"),),  # CRLF kept byte for byte
        submissions=(
            Submission("accepted/1.c", "c99", "int main(){}", meta={"cf_verdict": "OK", "local": {"ok": 3}}),
            Submission("unknown/2.py", "python3", "print()", "unknown"),
            Submission("wrong_answer/3.c", "c11", "int main(){return 0;}", "wrong_answer"),
        ),
        meta={"clean": True, "checker": "unverified"},
    )


def test_meta_survives_json_and_directory(tmp_path):
    p = _problem()
    assert Problem.from_json(json.loads(json.dumps(p.to_json()))) == p
    write_problem_dir(p, tmp_path / "m")
    again = read_problem_dir(tmp_path / "m")
    assert again == p
    assert again.submissions[0].language == "c99"  # not the .c default (c11)
    assert again.meta == {"clean": True, "checker": "unverified"}
    assert (tmp_path / "m" / "submissions" / "unknown" / "2.py").is_file()  # not filed as accepted
    assert (tmp_path / "m" / "tests" / "sample" / "01.in").read_bytes() == b"1\r\n2\r\n"


def test_meta_is_not_part_of_identity_and_problems_stay_hashable():
    p = _problem()
    assert p.identity() == Problem(**{**p.__dict__, "meta": {"other": 1}}).identity()
    assert hash(p) == hash(Problem(**{**p.__dict__, "meta": {"x": [1]}}))
    assert p.to_json()["meta"] == {"clean": True, "checker": "unverified"}


def test_interactive_problem_without_interactor_round_trips(tmp_path):
    """A fetched interactive problem has no interactor yet; its directory must still read back."""
    p = Problem(id="i", name="Guess", interactive=True, public_tests=(TestCase("3\n", None, "01"),))
    write_problem_dir(p, tmp_path / "i")
    again = read_problem_dir(tmp_path / "i")
    assert again == p and again.interactor is None


def test_named_interactor_that_is_missing_is_an_error(tmp_path):
    import pytest

    from agent.errors import ProblemFormatError

    d = tmp_path / "p"
    d.mkdir()
    (d / "problem.md").write_text("---\nname: G\ninteractive: true\ninteractor: {file: judge.cpp}\n---\n")
    with pytest.raises(ProblemFormatError, match="without its interactor"):
        read_problem_dir(d)
