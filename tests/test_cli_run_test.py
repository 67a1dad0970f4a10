"""`cpagent run` and `cpagent test`, end to end through the real CLI on real files."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from agent.cli import main
from sandbox import SandboxError, open_backend

SUM_C = (
    '#include <stdio.h>\nint main(){long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",a+b);return 0;}\n'
)
SUM_PY = "a, b = map(int, input().split())\nprint(a + b)\n"


@pytest.fixture(scope="module")
def backend_args() -> list[str]:
    name = os.environ.get("CPAGENT_TEST_BACKEND", "native")
    try:
        open_backend(name, insecure=name == "unsafe").close()
    except SandboxError as exc:
        print(f"{name} backend unavailable ({exc.message}); testing on the unsafe backend", file=sys.stderr)
        name = "unsafe"
    return ["--backend", name] + (["--insecure"] if name == "unsafe" else [])


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    """Keep compiled binaries out of the user's cache (one cache for the whole module)."""
    import sandbox.compiler as compiler
    from sandbox.compile_cache import CompileCache

    monkeypatch.setattr(
        compiler, "_default_cache", CompileCache(tmp_path_factory.getbasetemp() / "cli-cache")
    )


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def run_json(capsys, argv: list[str]) -> tuple[int, dict]:
    code = main(argv + ["--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def make_problem(root: Path, time_limit: float = 1.0, tests: int = 4) -> Path:
    write(root / "problem.md", f"---\nname: Sum\ntime_limit_s: {time_limit}\nmemory_mb: 256\n---\n\nAdd.\n")
    for i in range(1, tests + 1):
        write(root / "tests" / "hidden" / f"{i:02d}.in", f"{i} {i * 10}\n")
        write(root / "tests" / "hidden" / f"{i:02d}.ans", f"{i * 11}\n")
    return root


# -- cpagent run -------------------------------------------------------------------------------------


def test_run_json_contract(tmp_path, capsys, backend_args):
    src = write(tmp_path / "sum.c", SUM_C)
    stdin = write(tmp_path / "in.txt", "2 40\n")
    code, data = run_json(capsys, ["run", str(src), "--stdin", str(stdin), *backend_args])
    assert code == 0
    assert data["status"] == "OK" and data["stdout"] == "42\n" and data["exit_code"] == 0
    assert set(data) >= {
        "status",
        "exit_code",
        "signal",
        "cpu_s",
        "wall_s",
        "memory_mb",
        "stdout",
        "stderr",
        "compile",
    }
    assert set(data["compile"]) >= {"ok", "cached", "compile_s", "message"}
    code, again = run_json(capsys, ["run", str(src), "--stdin", str(stdin), *backend_args])
    assert again["compile"]["cached"] is True and again["compile"]["compile_s"] == 0.0


def test_run_python_and_language_override(tmp_path, capsys, backend_args):
    src = write(tmp_path / "sum.py", SUM_PY)
    stdin = write(tmp_path / "in.txt", "1 2\n")
    code, data = run_json(capsys, ["run", str(src), "--lang", "pypy3", "--stdin", str(stdin), *backend_args])
    assert code == 0 and data["stdout"] == "3\n" and data["language"] == "pypy3"


@pytest.mark.parametrize(
    "body,status",
    [
        ("int main(){ for(;;); }", "TLE"),
        ("int main(){ return 3; }", "RE"),
        ("int main( {", "CE"),
    ],
)
def test_run_statuses(tmp_path, capsys, backend_args, body, status):
    src = write(tmp_path / "p.c", body + "\n")
    code, data = run_json(capsys, ["run", str(src), "--time-limit", "0.5", *backend_args])
    assert code == 1 and data["status"] == status
    if status == "RE":
        assert data["exit_code"] == 3
    if status == "CE":
        assert data["compile"]["ok"] is False and "error" in data["compile"]["message"]


def test_run_non_utf8_output_is_replaced(tmp_path, capsys, backend_args):
    src = write(
        tmp_path / "bin.c", '#include <stdio.h>\nint main(){ fwrite("ok\\xff\\xfe\\n", 1, 5, stdout); }\n'
    )
    code, data = run_json(capsys, ["run", str(src), *backend_args])
    assert code == 0 and data["stdout"] == "ok\ufffd\ufffd\n"
    assert main(["run", str(src), *backend_args]) == 0  # text mode too: replaced, never a crash
    assert capsys.readouterr().out == "ok\ufffd\ufffd\n"


def test_escape_sequences_never_reach_a_terminal(tmp_path, capsys, backend_args):
    from agent.ui import safe_text

    assert safe_text(b"\x1b]0;pwned\x07hi\r\n\t\xc2\x9b") == "\\x1b]0;pwned\\x07hi\\x0d\n\t\\x9b"
    src = write(tmp_path / "esc.c", '#include <stdio.h>\nint main(){ fputs("\\x1b[2Jx\\n", stdout); }\n')
    assert main(["run", str(src), *backend_args]) == 0
    assert capsys.readouterr().out == "\\x1b[2Jx\n"  # shown escaped, never sent raw
    assert main(["run", str(src), "--raw", *backend_args]) == 0
    assert capsys.readouterr().out == "\x1b[2Jx\n"  # --raw: the bytes as they are, for a pipe


def test_run_text_mode_prints_program_output(tmp_path, capsys, backend_args):
    src = write(tmp_path / "sum.c", SUM_C)
    stdin = write(tmp_path / "in.txt", "5 6\n")
    assert main(["run", str(src), "--stdin", str(stdin), *backend_args]) == 0
    captured = capsys.readouterr()
    assert captured.out == "11\n"
    assert "[SUCCESS] OK" in captured.err


@pytest.mark.parametrize(
    "argv_tail,needle",
    [
        (["--lang", "cobol"], "unknown language"),
        (["--stdin", "/nonexistent/in.txt"], "cannot read /nonexistent/in.txt"),
    ],
)
def test_run_bad_input_is_one_failure_line(tmp_path, capsys, backend_args, argv_tail, needle):
    src = write(tmp_path / "sum.c", SUM_C)
    assert main(["run", str(src), *argv_tail, *backend_args]) == 2
    err = capsys.readouterr().err
    assert f"[FAILURE] {needle}" in err and "[HINT]" in err and "Traceback" not in err


def test_run_unreadable_or_unknown_source(tmp_path, capsys, backend_args):
    assert main(["run", str(tmp_path / "missing.c"), *backend_args]) == 2
    assert "[FAILURE] cannot read" in capsys.readouterr().err
    odd = write(tmp_path / "prog.xyz", "x")
    assert main(["run", str(odd), *backend_args]) == 2
    err = capsys.readouterr().err
    assert "cannot tell the language" in err and "--lang" in err


def test_missing_compiler_names_the_package(tmp_path, capsys, backend_args, monkeypatch):
    import dataclasses

    import sandbox.languages as languages

    ghost = dataclasses.replace(languages.get_language("c11"), candidates=("/nonexistent/gcc-ghost",))
    monkeypatch.setitem(languages._REGISTRY, "c11", ghost)
    src = write(tmp_path / "sum.c", SUM_C)
    assert main(["run", str(src), *backend_args]) == 2
    err = capsys.readouterr().err
    assert "[FAILURE]" in err and "apt-get install -y gcc" in err


# -- cpagent test ------------------------------------------------------------------------------------


def test_test_accepted_prints_oj_lines(tmp_path, capsys, backend_args):
    problem = make_problem(tmp_path / "sum")
    src = write(tmp_path / "sum.py", SUM_PY)
    assert main(["test", str(src), str(problem), *backend_args]) == 0
    err = capsys.readouterr().err
    assert err.count("[SUCCESS] 0") == 4
    assert "slowest:" in err and "max memory:" in err and "[SUCCESS] test success: 4 cases" in err


def test_test_wrong_answer_exits_1_with_json(tmp_path, capsys, backend_args):
    problem = make_problem(tmp_path / "sum")
    src = write(tmp_path / "sum.c", SUM_C.replace("a+b", "a+b+(a==3)"))
    code, data = run_json(capsys, ["test", str(src), str(problem), *backend_args])
    assert code == 1
    assert data["verdict"] == "WA" and data["passed"] == 3 and data["total"] == 4
    assert data["first_failure"] == "03" and data["tests"][2]["verdict"] == "WA"
    assert main(["test", str(src), str(problem), *backend_args]) == 1
    assert "[FAILURE] test failed (WA): 3 AC / 4 cases, first failure: test 03 WA" in capsys.readouterr().err


def test_test_problem_without_tests(tmp_path, capsys, backend_args):
    problem = tmp_path / "empty"
    write(problem / "problem.md", "---\nname: Empty\n---\n\nNothing.\n")
    src = write(tmp_path / "sum.c", SUM_C)
    assert main(["test", str(src), str(problem), *backend_args]) == 2
    err = capsys.readouterr().err
    assert "[FAILURE] problem empty has no tests" in err and "[HINT]" in err


def test_test_all_checks_every_folder_promise(tmp_path, capsys, backend_args):
    problem = make_problem(tmp_path / "problems" / "sum", time_limit=0.5)
    write(problem / "submissions" / "accepted" / "sum.c", SUM_C)
    write(problem / "submissions" / "accepted" / "sum.py", SUM_PY)
    write(problem / "submissions" / "wrong_answer" / "minus.py", SUM_PY.replace("a + b", "a - b"))
    write(problem / "submissions" / "runtime_error" / "crash.c", "int main(){ return 1; }\n")
    write(problem / "submissions" / "time_limit_exceeded" / "spin.c", "int main(){ for(;;); }\n")
    code, data = run_json(capsys, ["test", "--all", str(tmp_path / "problems"), *backend_args])
    assert code == 0, data
    assert data["agree"] == data["total"] == 5
    assert {r["submission"]: r["verdict"] for r in data["submissions"]} == {
        "accepted/sum.c": "AC",
        "accepted/sum.py": "AC",
        "wrong_answer/minus.py": "WA",
        "runtime_error/crash.c": "RE",
        "time_limit_exceeded/spin.c": "TLE",
    }
    # A program in the wrong folder makes the whole check fail.
    write(problem / "submissions" / "accepted" / "minus.py", SUM_PY.replace("a + b", "a - b"))
    assert main(["test", "--all", str(problem), *backend_args]) == 1
    err = capsys.readouterr().err
    assert "[FAILURE] sum accepted/minus.py: WA on test 01 (expected AC)" in err
