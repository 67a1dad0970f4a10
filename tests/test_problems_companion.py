"""Competitive Companion JSON (the extension's own expected outputs, read in place) and oj-api JSON."""

from __future__ import annotations

import json

import pytest

from agent.errors import ProblemFormatError
from agent.problems.companion import problem_from_companion, read_companion
from agent.problems.oj_api import problem_from_oj_api, read_oj_api


def _parsed(cp_data, case):
    return json.loads(
        (cp_data / "fixtures" / "codeforces_parsed" / f"{case}.json").read_text(encoding="utf-8")
    )


def test_file_io_problem(cp_data):
    data = _parsed(cp_data, "problem__file-input-output")["result"]
    p = problem_from_companion(data)
    assert (p.id, p.name, p.index, p.contest_id) == ("234A", "Lefthanders and Righthanders", "A", "234")
    assert (p.time_limit_s, p.memory_mb) == (1.0, 256)
    assert (p.input_file, p.output_file) == ("input.txt", "output.txt")
    assert [(t.input, t.output) for t in p.public_tests] == [(t["input"], t["output"]) for t in data["tests"]]
    assert p.source_url == "https://codeforces.com/problemset/problem/234/A"
    assert p.meta["group"] == data["group"]


def test_interactive_and_gym_file_input_only(cp_data):
    assert problem_from_companion(_parsed(cp_data, "problem__interactive")["result"]).interactive
    gym = problem_from_companion(_parsed(cp_data, "problem__gym")["result"])
    assert gym.id == "gym101991E" and (gym.input_file, gym.output_file) == ("exciting.in", None)
    assert (gym.time_limit_s, gym.memory_mb) == (4.0, 1024)


@pytest.mark.parametrize(
    "case",
    [
        "problem__normal",
        "problem__nbsp",
        "problem__russian-stdin-stdout",
        "problem__acm-sgu-ru-inside-table",
        "problem__inside-group",
    ],
)
def test_every_extension_output_reads(cp_data, case):
    data = _parsed(cp_data, case)["result"]
    p = problem_from_companion(data)
    assert f"{p.index}. {p.name}" == data["name"]
    assert round(p.time_limit_s * 1000) == data["timeLimit"] and p.memory_mb == data["memoryLimit"]
    assert len(p.public_tests) == len(data["tests"])


def test_multi_number_and_non_codeforces(tmp_path):
    data = {
        "name": "Digit Sums",
        "group": "Some Judge",
        "url": "https://judge.example/p/17",
        "interactive": False,
        "memoryLimit": 64,
        "timeLimit": 500,
        "tests": [{"input": "1\n", "output": "1\n"}],
        "testType": "multiNumber",
        "input": {"type": "stdin"},
        "output": {"type": "stdout"},
    }
    p = problem_from_companion(data)
    assert (p.id, p.name, p.multi_test, p.time_limit_s) == ("digit-sums", "Digit Sums", True, 0.5)
    assert p.source_url == "https://judge.example/p/17" and p.contest_id is None
    path = tmp_path / "cc.json"
    path.write_text(json.dumps([data, {**data, "name": "Other"}]))
    assert [q.id for q in read_companion(path)] == ["digit-sums", "other"]


@pytest.mark.parametrize(
    "change,match",
    [
        ({"tests": None}, "field 'tests'"),
        ({"timeLimit": "slow"}, "timeLimit"),
        ({"input": {"type": "file"}}, "field 'input' has type 'file' without a usable fileName"),
    ],
)
def test_bad_companion(change, match):
    data = {"name": "X", "url": "", "memoryLimit": 256, "timeLimit": 1000, "tests": [], **change}
    with pytest.raises(ProblemFormatError, match=match):
        problem_from_companion(data)


def test_missing_field_named():
    with pytest.raises(ProblemFormatError, match="missing field 'memoryLimit'"):
        problem_from_companion({"name": "X", "tests": [], "timeLimit": 1})


OJ = {
    "status": "ok",
    "messages": [],
    "result": {
        "url": "https://codeforces.com/contest/4242/problem/C",
        "name": "Lanterns",
        "context": {
            "contest": {"name": "Test Round 4242", "url": "https://codeforces.com/contest/4242"},
            "alphabet": "C",
        },
        "timeLimit": 2500,
        "memoryLimit": 512,
        "tests": [{"input": "2\n", "output": "yes\n"}],
    },
}


def test_oj_api_output(tmp_path):
    path = tmp_path / "oj.json"
    path.write_text(json.dumps(OJ))
    p = read_oj_api(path)
    assert (p.id, p.name, p.index, p.time_limit_s, p.memory_mb) == ("4242C", "Lanterns", "C", 2.5, 512)
    assert p.meta["contest_name"] == "Test Round 4242"
    assert p.public_tests[0].input == "2\n"
    assert problem_from_oj_api(OJ["result"]) == p  # the bare result (`| jq .result`) reads the same


def test_oj_api_error_status():
    with pytest.raises(ProblemFormatError, match="status 'error'.*HTTPError"):
        problem_from_oj_api({"status": "error", "messages": ["HTTPError: 404"], "result": None})


def test_oj_api_system_tests_keep_their_names():
    data = {**OJ["result"], "tests": [{"name": "sample-1", "input": "1\n", "output": "1\n"}]}
    assert problem_from_oj_api(data).public_tests[0].name == "sample-1"
