"""The shared JSONL datasets (../shared/cp-data): every problem, its tests, checker and labelled programs."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from agent.errors import ProblemFormatError
from agent.problems import read_problem_dir, write_problem_dir
from agent.problems.jsonl import read_jsonl


@pytest.fixture(scope="module")
def codeflaws(cp_data):
    return read_jsonl(cp_data / "codeflaws_dev.jsonl")


@pytest.fixture(scope="module")
def codecontests(cp_data):
    return read_jsonl(cp_data / "codecontests_cf_python.jsonl")


def _rows(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_codeflaws_every_problem(codeflaws, cp_data):
    rows = _rows(cp_data / "codeflaws_dev.jsonl")
    assert len(codeflaws) == len(rows) == 992
    for problem, row in zip(codeflaws, rows, strict=True):
        assert problem.id == row["id"]
        assert len(problem.hidden_tests) == len(row["hidden_tests"]) > 0
        assert [t.input for t in problem.public_tests] == [t["input"] for t in row["public_tests"]]
        assert problem.meta["clean"] is row["clean"]
        assert len(problem.submissions) == len(row["correct_solutions"]) + len(row["incorrect_solutions"])
        accepted = [s for s in problem.submissions if s.expected == "accepted"]
        assert len(accepted) == len(row["correct_solutions"])
        assert {s.code for s in accepted} == {s["code"] for s in row["correct_solutions"]}


def test_codeflaws_languages_checkers_and_labels(codeflaws):
    subs = [s for p in codeflaws for s in p.submissions]
    assert {s.language for s in subs} == {"c99"}  # the dataset's "C" is compiled as C99
    kinds = Counter(p.checker.kind for p in codeflaws)
    assert kinds == Counter({"tokens": 988, "float": 4})
    assert all(p.checker.abs_eps == 1e-6 for p in codeflaws if p.checker.kind == "float")
    assert Counter(p.meta["checker"] for p in codeflaws)["unverified"] == 338
    labels = Counter(s.expected for s in subs)
    assert labels["accepted"] == 2939
    assert (
        labels["wrong_answer"] > 2800
        and labels["runtime_error"] >= 113
        and labels["time_limit_exceeded"] >= 93
    )
    by_verdict = {(s.meta.get("cf_verdict"), s.expected) for s in subs}
    assert ("RUNTIME_ERROR", "runtime_error") in by_verdict and (
        "TIME_LIMIT_EXCEEDED",
        "time_limit_exceeded",
    ) in by_verdict
    assert ("PRESENTATION_ERROR", "wrong_answer") in by_verdict
    rejected = [s for s in subs if s.expected != "accepted"]
    assert all(s.meta["dataset_label"] == "incorrect" and "local" in s.meta for s in rejected)
    assert all("vector" in s.meta["local"] for s in rejected)


def test_codeflaws_first_problem(codeflaws):
    p = codeflaws[0]
    assert (p.id, p.name, p.contest_id, p.index) == ("cf/1A", "Theatre Square", "1", "A")
    assert p.source_url == "https://codeforces.com/contest/1/problem/A"
    assert p.rating == 1000 and p.tags == ("math",)
    assert [s.name for s in p.submissions][0].startswith("accepted/")


def test_codecontests_subset(codecontests):
    assert len(codecontests) == 299
    assert all(len(p.submissions) == 1 and p.submissions[0].language == "python3" for p in codecontests)
    assert all(p.submissions[0].expected == "accepted" for p in codecontests)
    assert all(p.hidden_tests for p in codecontests)
    assert Counter(p.checker.kind for p in codecontests)["float"] == 20
    assert codecontests[0].name == "Tree Reconstruction" and codecontests[0].id == "cc-train/1041_E"
    assert "codecontests_difficulty" in codecontests[0].meta


def test_directory_round_trip_keeps_everything(codeflaws, codecontests, tmp_path):
    chosen = codeflaws[::50] + codecontests[::60]
    for n, problem in enumerate(chosen):
        write_problem_dir(problem, tmp_path / f"p{n}")
        again = read_problem_dir(tmp_path / f"p{n}")
        assert again == problem, problem.id
        assert again.meta == problem.meta
        assert [s.meta for s in again.submissions] == [s.meta for s in problem.submissions]


def test_json_round_trip(codeflaws):
    from agent.problems import Problem

    problem = codeflaws[3]
    assert Problem.from_json(json.loads(json.dumps(problem.to_json()))) == problem


def _write(tmp_path, rows) -> str:
    path = tmp_path / "data.jsonl"
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return str(path)


GOOD = {
    "id": "t/1",
    "name": "A. T",
    "cf_index": "A",
    "public_tests": [{"input": "1\n", "output": "1\n"}],
    "hidden_tests": [],
    "checker": "tokens_exact",
    "correct_solutions": [{"language": "Python 3", "code": "print(1)"}],
    "incorrect_solutions": [],
}


@pytest.mark.parametrize(
    "rows,match",
    [
        ([GOOD, "{not json"], r"data.jsonl:2: not valid JSON"),
        (
            [{k: v for k, v in GOOD.items() if k != "public_tests"}],
            r"data.jsonl:1: missing field 'public_tests'",
        ),
        (
            [{**GOOD, "correct_solutions": [{"language": "Brainfuck", "code": "+"}]}],
            r"correct_solutions\[0\].language 'Brainfuck'",
        ),
        ([{**GOOD, "checker": "magic"}], r"field 'checker' has unknown value 'magic'"),
        ([{**GOOD, "time_limit_s": "fast"}], r"time_limit_s"),
        ([GOOD, GOOD], r"appears twice"),
        (["[1, 2]"], r"must be a JSON object"),
    ],
)
def test_bad_files_name_file_line_and_field(tmp_path, rows, match):
    with pytest.raises(ProblemFormatError, match=match):
        read_jsonl(_write(tmp_path, rows))


def test_good_minimal_row(tmp_path):
    (p,) = read_jsonl(_write(tmp_path, [GOOD]))
    assert p.name == "T" and p.submissions[0].language == "python3"
    assert p.submissions[0].name == "accepted/correct-01.py"
