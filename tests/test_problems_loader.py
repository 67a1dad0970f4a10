"""`load_problems` / `load_problem`: one entry point that recognises every source by what it is given."""

from __future__ import annotations

import json

import pytest

from agent.errors import CpagentError, ProblemFormatError
from agent.problems import Problem, TestCase, write_problem_dir
from agent.problems.loader import load_problem, load_problems
from fake_codeforces import FakeCodeforces, page, start


def _problem(pid: str) -> Problem:
    return Problem(
        id=pid, name=pid.upper(), statement="Print 1.\n", public_tests=(TestCase("\n", "1\n", "01"),)
    )


def test_problem_dir_and_folder_of_them(tmp_path):
    for pid in ("b", "a"):
        write_problem_dir(_problem(pid), tmp_path / "set" / pid)
    (tmp_path / "set" / "not-a-problem").mkdir()
    assert load_problem(tmp_path / "set" / "a").id == "a"
    assert [p.id for p in load_problems(tmp_path / "set")] == ["a", "b"]
    with pytest.raises(ProblemFormatError, match="holds 2 problems.*a, b") as info:
        load_problem(tmp_path / "set")
    assert "#ID" in info.value.hint


def test_empty_folder(tmp_path):
    with pytest.raises(ProblemFormatError, match="neither a problem directory"):
        load_problems(tmp_path)


def test_shared_jsonl_with_pick(cp_data):
    path = cp_data / "codecontests_cf_python.jsonl"
    assert len(load_problems(path)) == 299
    assert load_problem(f"{path}#cc-train/1041_E").name == "Tree Reconstruction"
    with pytest.raises(ProblemFormatError, match="no problem with id 'nope'"):
        load_problem(f"{path}#nope")


def test_saved_page(cp_data):
    p = load_problem(cp_data / "fixtures" / "codeforces_html" / "1234a.html")
    assert (p.id, p.name) == ("1234A", "Equalize Prices Again")


def test_companion_oj_api_and_our_json(cp_data, tmp_path):
    cc = tmp_path / "cc.json"
    cc.write_text(
        json.dumps(
            json.loads(
                (cp_data / "fixtures" / "codeforces_parsed" / "problem__interactive.json").read_text()
            )["result"]
        )
    )
    assert load_problem(cc).interactive
    oj = tmp_path / "oj.json"
    oj.write_text(
        json.dumps(
            {
                "status": "ok",
                "messages": [],
                "result": {
                    "url": "https://codeforces.com/contest/9/problem/A",
                    "name": "N",
                    "context": {},
                    "timeLimit": 1000,
                    "memoryLimit": 64,
                    "tests": [],
                },
            }
        )
    )
    assert load_problem(oj).id == "9A"
    ours = tmp_path / "ours.json"
    original = _problem("z")
    ours.write_text(json.dumps(original.to_json()))
    assert load_problem(ours) == original


def test_codecontests_json(tmp_path):
    row = {
        "name": "1_A. X",
        "description": "d",
        "public_tests": {"input": ["1"], "output": ["1"]},
        "solutions": {"language": [3], "solution": ["print(1)"]},
    }
    path = tmp_path / "cc_rows.jsonl"
    path.write_text(json.dumps(row) + "\n" + json.dumps({**row, "name": "1_B. Y"}) + "\n")
    assert [p.id for p in load_problems(path)] == ["1_A", "1_B"]


@pytest.mark.parametrize(
    "name,content,match",
    [
        ("x.json", "{broken", "not valid JSON"),
        ("x.json", '{"hello": 1}', "not a problem format we know"),
        ("x.txt", "hi", r"unknown kind of file \(.txt\)"),
    ],
)
def test_bad_files(tmp_path, name, content, match):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ProblemFormatError, match=match) as info:
        load_problems(path)
    assert str(path) in info.value.message


def test_neither_path_nor_specifier(tmp_path):
    with pytest.raises(ProblemFormatError, match="not a Codeforces problem specifier"):
        load_problems(tmp_path / "missing-dir")


def test_specifier_goes_to_the_configured_server(cp_data, tmp_path, monkeypatch):
    fake = FakeCodeforces()
    server, thread = start(fake)
    try:
        fake.route(
            "/contest/1234/problem/A",
            page((cp_data / "fixtures" / "codeforces_html" / "1234a.html").read_text(encoding="utf-8")),
        )
        monkeypatch.setenv("CPAGENT_CODEFORCES_URL", fake.base_url)
        monkeypatch.setenv("CPAGENT_CODEFORCES_INTERVAL_S", "0")
        monkeypatch.setenv("CPAGENT_CACHE_DIR", str(tmp_path / "cache"))
        p = load_problem("1234 a")
        assert (p.id, p.source_url) == ("1234A", "https://codeforces.com/contest/1234/problem/A")
        assert load_problem("https://codeforces.com/contest/1234/problem/A") == p  # the cache answers
        assert len(fake.seen) == 1
        with pytest.raises(CpagentError, match="not found"):
            load_problem("1234B")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
