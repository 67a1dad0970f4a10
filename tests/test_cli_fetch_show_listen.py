"""End to end: `cpagent fetch`, `cpagent show` and `cpagent listen`, on real files, a loopback
Codeforces stand-in, and real POSTs to a real listener process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from agent.cli import main
from agent.problems import read_problem_dir
from fake_codeforces import FakeCodeforces, page, start

REPO = Path(__file__).resolve().parents[1]
PAGES = Path(__file__).resolve().parent / "data" / "codeforces_pages"
CONTRACT = (
    "name",
    "time_limit_s",
    "memory_mb",
    "interactive",
    "input_file",
    "output_file",
    "statement",
    "public_tests",
)


@pytest.fixture()
def cf(tmp_path, monkeypatch, cp_data):
    """A stand-in serving the saved pages, and the environment that points cpagent at it."""
    fake = FakeCodeforces()
    server, thread = start(fake)
    saved = cp_data / "fixtures" / "codeforces_html"
    fake.route("/contest/1234/problem/A", page((saved / "1234a.html").read_text(encoding="utf-8")))
    fake.route("/gym/103505/problem/A", page((saved / "gym103505a.html").read_text(encoding="utf-8")))
    monkeypatch.setenv("CPAGENT_CODEFORCES_URL", fake.base_url)
    monkeypatch.setenv("CPAGENT_CODEFORCES_INTERVAL_S", "0")
    monkeypatch.setenv("CPAGENT_CODEFORCES_BACKOFF_S", "0.01")
    monkeypatch.setenv("CPAGENT_CODEFORCES_TIMEOUT_S", "3")
    monkeypatch.setenv("CPAGENT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _json_out(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_fetch_writes_a_problem_directory_and_prints_the_contract(cf, tmp_path, capsys):
    assert main(["fetch", "1234A", "--json"]) == 0
    data = _json_out(capsys)
    for key in CONTRACT:
        assert key in data
    assert (
        data["name"] == "Equalize Prices Again" and data["time_limit_s"] == 1.0 and data["memory_mb"] == 256
    )
    assert data["public_tests"] == [
        {"input": "3\n5\n1 2 3 4 5\n3\n1 2 2\n4\n1 1 1 1\n", "output": "3\n2\n1\n", "name": "01"}
    ]
    problem = read_problem_dir(tmp_path / "1234A")
    assert problem.name == data["name"] and problem.public_tests[0].output == "3\n2\n1\n"


def test_fetch_to_dir_offline_refresh_and_force(cf, tmp_path, capsys):
    assert main(["fetch", "gym 103505 a", "-o", "out/gymA"]) == 0
    assert read_problem_dir(tmp_path / "out" / "gymA").id == "gym103505A"
    assert main(["fetch", "gym 103505 a", "-o", "out/gymA"]) == 2  # exists: not overwritten
    assert "already exists" in capsys.readouterr().err
    assert main(["fetch", "https://codeforces.com/gym/103505/problem/A", "-o", "out/again", "--offline"]) == 0
    assert len(cf.hits("/gym/103505/problem/A")) == 1  # --offline answered from the cache
    assert main(["fetch", "gym 103505 a", "-o", "out/gymA", "--refresh", "--force"]) == 0
    assert len(cf.hits("/gym/103505/problem/A")) == 2


def test_fetch_failures_are_one_line_with_a_hint_and_write_nothing(cf, tmp_path, capsys):
    cf.route("/contest/1/problem/A", page((PAGES / "challenge.html").read_text(), 403))
    cf.route("/contest/2/problem/A", page((PAGES / "not_a_problem.html").read_text()))
    cf.route("/gym/100524/problem/A", page((PAGES / "pdf_problem.html").read_text()))
    for spec, words in [
        ("1A", "Cloudflare"),
        ("2A", "not a Codeforces problem page"),
        ("gym 100524 a", "only a PDF"),
        ("3A", "not found"),
        ("hello", "does not name"),
    ]:
        assert main(["fetch", spec, "-o", "result"]) == 2
        err = capsys.readouterr().err
        assert words in err and "[FAILURE]" in err and "[HINT]" in err and "Traceback" not in err
        assert not (tmp_path / "result").exists()
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".result")]  # no temporary left
    assert main(["fetch", "1A", "--offline"]) == 2
    assert "--offline" in capsys.readouterr().err


def test_fetch_unreachable_host(tmp_path, monkeypatch, capsys):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    monkeypatch.setenv("CPAGENT_CODEFORCES_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("CPAGENT_CODEFORCES_RETRIES", "0")
    monkeypatch.setenv("CPAGENT_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["fetch", "1A", "-o", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}/contest/1/problem/A" in err and "connection failed" in err and "[HINT]" in err
    assert not (tmp_path / "x").exists()


def test_fetch_a_whole_contest(cf, tmp_path, capsys):
    statement = (PAGES / "markdown_quirks.html").read_text()
    cf.route("/contest/4242/problems", page(statement))
    assert main(["fetch", "4242", "-o", "c4242", "--json"]) == 0
    data = _json_out(capsys)
    assert [p["id"] for p in data] == ["4242C"]
    assert read_problem_dir(tmp_path / "c4242" / "4242C").input_file == "lanterns.in"


def test_fetch_html_file_with_the_real_console_script(cp_data, tmp_path):
    env = {
        **os.environ,
        "CPAGENT_CACHE_DIR": str(tmp_path / "cache"),
        "CPAGENT_CODEFORCES_URL": "http://127.0.0.1:9",
    }  # --html must not touch the network
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent",
            "fetch",
            "--html",
            str(cp_data / "fixtures" / "codeforces_html" / "group357817c.html"),
            "-o",
            str(tmp_path / "ice"),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["name"] == "Ice Skating" and [t["output"] for t in data["public_tests"]] == ["1\n", "0\n"]
    assert "[SUCCESS]" in proc.stderr
    assert read_problem_dir(tmp_path / "ice").id == "group357817C"


def test_show_reads_every_source(cp_data, tmp_path, capsys):
    assert main(["show", f"{cp_data / 'codeflaws_dev.jsonl'}#cf/1A", "--json"]) == 0
    data = _json_out(capsys)
    for key in CONTRACT:
        assert key in data
    assert data["name"] == "Theatre Square" and len(data["hidden_tests"]) == 21
    assert {s["expected"] for s in data["submissions"]} == {"accepted", "wrong_answer"}
    assert data["meta"]["clean"] is True
    assert main(["show", str(cp_data / "fixtures" / "codeforces_html" / "1234f.html")]) == 0
    out = capsys.readouterr().out
    assert "1234F: Yet Another Substring Reverse" in out and "2 s, 256 MB" in out and "## Input" in out


def test_show_problem_dir_round_trips_through_fetch(cp_data, tmp_path, capsys):
    assert (
        main(
            [
                "fetch",
                "--html",
                str(cp_data / "fixtures" / "codeforces_html" / "1234a.html"),
                "-o",
                str(tmp_path / "a"),
                "--json",
            ]
        )
        == 0
    )
    fetched = _json_out(capsys)
    assert main(["show", str(tmp_path / "a"), "--json"]) == 0
    assert _json_out(capsys) == fetched


def test_show_bad_input_is_a_clean_failure(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "name": "y", "public_tests": []}\n{oops\n')
    assert main(["show", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2: not valid JSON" in err and "Traceback" not in err


# -- listen ---------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listen(tmp_path, *extra: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent", "listen", "--port", str(port), "-o", str(tmp_path / "got"), *extra],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"listener did not start: {proc.communicate()[1]}")


def _post(port: int, body: bytes) -> int:
    return requests.post(
        f"http://127.0.0.1:{port}/", data=body, timeout=10, headers={"Content-Type": "application/json"}
    ).status_code


def test_listen_once_saves_the_posted_problem(cp_data, tmp_path):
    data = json.loads(
        (cp_data / "fixtures" / "codeforces_parsed" / "problem__file-input-output.json").read_text()
    )
    proc, port = _listen(tmp_path, "--once", "--timeout", "60", "--json")
    try:
        assert _post(port, b"{not json") == 400  # a bad request does not stop the listener
        assert _post(port, json.dumps(data["result"]).encode()) == 200
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    problem = read_problem_dir(tmp_path / "got" / "234A")
    assert (problem.input_file, problem.output_file) == ("input.txt", "output.txt")
    assert [t.output for t in problem.public_tests] == [t["output"] for t in data["result"]["tests"]]
    assert json.loads(out)["name"] == "Lefthanders and Righthanders"
    assert "[FAILURE]" in err and "[SUCCESS]" in err


def test_listen_once_waits_for_the_whole_batch(cp_data, tmp_path):
    contest = json.loads((cp_data / "fixtures" / "codeforces_parsed" / "contest__normal.json").read_text())
    items = contest["result"][:2]
    proc, port = _listen(tmp_path, "--once", "--timeout", "60")
    try:
        for item in items:
            assert _post(port, json.dumps({**item, "batch": {"id": "b-1", "size": 2}}).encode()) == 200
        proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert sorted(p.name for p in (tmp_path / "got").iterdir()) == ["118A", "118B"]


def test_listen_times_out_cleanly(tmp_path):
    proc, port = _listen(tmp_path, "--once", "--timeout", "1")
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 2
    assert "no problem received within 1 s" in err and "[HINT]" in err and "Traceback" not in err
