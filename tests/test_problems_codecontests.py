"""DeepMind CodeContests rows: small files written here in the published schema (parquet and JSON)."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from agent.errors import ProblemFormatError
from agent.problems import read_problem_dir, write_problem_dir
from agent.problems.codecontests import read_codecontests

TESTS = pa.struct([("input", pa.list_(pa.string())), ("output", pa.list_(pa.string()))])
SOLUTIONS = pa.struct([("language", pa.list_(pa.int64())), ("solution", pa.list_(pa.string()))])
# The columns of the published shards (deepmind/code_contests), in their order.
SCHEMA = pa.schema(
    [
        ("name", pa.string()),
        ("description", pa.string()),
        ("public_tests", TESTS),
        ("private_tests", TESTS),
        ("generated_tests", TESTS),
        ("source", pa.int64()),
        ("difficulty", pa.int64()),
        ("solutions", SOLUTIONS),
        ("incorrect_solutions", SOLUTIONS),
        ("cf_contest_id", pa.int64()),
        ("cf_index", pa.string()),
        ("cf_points", pa.float64()),
        ("cf_rating", pa.int64()),
        ("cf_tags", pa.list_(pa.string())),
        ("is_description_translated", pa.bool_()),
        ("untranslated_description", pa.string()),
        ("time_limit", pa.struct([("seconds", pa.int64()), ("nanos", pa.int64())])),
        ("memory_limit_bytes", pa.int64()),
        ("input_file", pa.string()),
        ("output_file", pa.string()),
    ]
)


def row(**changes):
    base = {
        "name": "1500_C. Sum Of Two",
        "description": "The first line holds the number of test cases t; print a+b for each.",
        "public_tests": {"input": ["2\n1 2\n3 4\n"], "output": ["3\n7\n"]},
        "private_tests": {"input": ["1\n5 5\n"], "output": ["10\n"]},
        "generated_tests": {"input": ["1\n0 0\n", "1\n9 9\n"], "output": ["0\n", "18\n"]},
        "source": 2,
        "difficulty": 9,
        "solutions": {"language": [2, 3, 0], "solution": ["int main(){}", "print(3)", "???"]},
        "incorrect_solutions": {"language": [1, 4], "solution": ["print 1", "class Main {}"]},
        "cf_contest_id": 1500,
        "cf_index": "C",
        "cf_points": 1250.0,
        "cf_rating": 1400,
        "cf_tags": ["math", "implementation"],
        "is_description_translated": False,
        "untranslated_description": "",
        "time_limit": {"seconds": 1, "nanos": 500000000},
        "memory_limit_bytes": 268435456,
        "input_file": "",
        "output_file": "",
    }
    base.update(changes)
    return base


def _check(problem):
    assert (problem.id, problem.name, problem.contest_id, problem.index) == (
        "1500_C",
        "Sum Of Two",
        "1500",
        "C",
    )
    assert (problem.time_limit_s, problem.memory_mb, problem.rating) == (1.5, 256, 1400)
    assert problem.tags == ("math", "implementation") and problem.multi_test
    assert [t.input for t in problem.public_tests] == ["2\n1 2\n3 4\n"]
    assert [t.output for t in problem.hidden_tests] == ["10\n", "0\n", "18\n"]  # private, then generated
    assert [t.name for t in problem.hidden_tests] == ["001-private", "002-generated", "003-generated"]
    langs = sorted((s.expected, s.language) for s in problem.submissions)
    assert langs == [
        ("accepted", "cpp17"),
        ("accepted", "python3"),
        ("wrong_answer", "java"),
        ("wrong_answer", "python2"),
    ]
    assert problem.meta["skipped_unknown_language"] == 1  # language 0 cannot be run
    assert problem.meta["source"] == "codeforces" and problem.meta["difficulty"] == 9
    assert problem.source_url == "https://codeforces.com/contest/1500/problem/C"
    assert (problem.input_file, problem.output_file) == (None, None)


def test_parquet_shard(tmp_path):
    path = tmp_path / "train-00000-of-00001.parquet"
    pq.write_table(
        pa.Table.from_pylist(
            [row(), row(name="1500_D. Other", cf_index="D", time_limit=None)], schema=SCHEMA
        ),
        path,
    )
    first, second = read_codecontests(path)
    _check(first)
    assert second.id == "1500_D" and second.time_limit_s == 1.0 and second.meta["time_limit_missing"]


def test_json_list_and_json_lines(tmp_path):
    as_list = tmp_path / "rows.json"
    as_list.write_text(json.dumps([row()]))
    _check(read_codecontests(as_list)[0])
    as_lines = tmp_path / "rows.jsonl"
    as_lines.write_text(json.dumps(row()) + "\n" + json.dumps(row(name="1500_E. E", cf_index="E")) + "\n")
    assert [p.id for p in read_codecontests(as_lines)] == ["1500_C", "1500_E"]


def test_file_io_and_directory_round_trip(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([row(input_file="input.txt", output_file="output.txt")]))
    (problem,) = read_codecontests(path)
    assert (problem.input_file, problem.output_file) == ("input.txt", "output.txt")
    write_problem_dir(problem, tmp_path / "dir")
    assert read_problem_dir(tmp_path / "dir") == problem
    # Languages the sandbox does not run keep their usual extension; the language is in the front matter.
    assert sorted(p.name for p in (tmp_path / "dir" / "submissions" / "wrong_answer").iterdir()) == [
        "incorrect-0001.py", "incorrect-0002.java"]


@pytest.mark.parametrize(
    "changes,match",
    [
        ({"solutions": {"language": [7], "solution": ["x"]}}, r"solutions.language\[0\] is 7"),
        ({"public_tests": {"input": ["1"], "output": []}}, r"public_tests.*as many outputs as inputs"),
        ({"memory_limit_bytes": "lots"}, r"memory_limit_bytes"),
    ],
)
def test_bad_rows(tmp_path, changes, match):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([row(**changes)]))
    with pytest.raises(ProblemFormatError, match=match) as info:
        read_codecontests(path)
    assert "rows.json: row 0" in info.value.message


def test_missing_field(tmp_path):
    path = tmp_path / "rows.json"
    bad = row()
    del bad["description"]
    path.write_text(json.dumps([bad]))
    with pytest.raises(ProblemFormatError, match="missing field 'description'"):
        read_codecontests(path)


def test_not_a_parquet_file(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(ProblemFormatError, match="broken.parquet: not a readable parquet file"):
        read_codecontests(path)
