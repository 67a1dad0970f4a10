"""Dataset samples that show another valid answer take the verified answer of their hidden copy."""

from __future__ import annotations

from agent.problems.jsonl import verified_public_tests
from agent.problems.loader import load_problem
from agent.problems.model import TestCase


def test_hidden_copy_answer_replaces_the_statement_answer():
    public = (TestCase("3\n1 2\n", "DDRR\n", "s1"), TestCase("1\n", "5\n", "s2"))
    hidden = (TestCase("3\n1 2", "RRDD\n"), TestCase("1\n", "5\n"), TestCase("7\n", "9\n"))
    tests, replaced = verified_public_tests(public, hidden)
    assert replaced == 1
    assert tests[0] == TestCase("3\n1 2\n", "RRDD\n", "s1") and tests[1] == public[1]


def test_no_hidden_copy_keeps_the_sample():
    public = (TestCase("4\n", "x\n"),)
    assert verified_public_tests(public, ()) == (public, 0)


def test_real_print_any_problem(cp_data):
    # cf/2B asks for any optimal path; its accepted program prints another one than the statement shows.
    problem = load_problem(cp_data / "codeflaws_dev.jsonl#cf/2B")
    assert problem.meta.get("public_answers_from_hidden") == 1
    hidden_inputs = {t.input.split().__repr__(): t.output for t in problem.hidden_tests}
    for t in problem.public_tests:
        assert hidden_inputs.get(t.input.split().__repr__(), t.output).split() == t.output.split()
