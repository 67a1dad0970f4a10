"""`cpagent run SOURCE`: compile if needed and run once in the sandbox, like a judge would.

The program's stdout goes to stdout and its stderr to stderr (invalid UTF-8 replaced, never a crash);
the `[INFO]` lines say what happened. With `--json`, stdout holds only the JSON contract:
status, exit_code, signal, cpu_s, wall_s, memory_mb, stdout, stderr, compile {ok, cached, compile_s, message}.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from agent import ui
from agent.errors import CpagentError

EPILOG = """examples:
  cpagent run solution.cpp --stdin examples/two-sums/tests/sample/01.in
  cpagent run slow.py --lang pypy3 --time-limit 2 --json
  cpagent run a.c --backend unsafe --insecure"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="compile and run a program once in the sandbox",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("source", help="the program's source file")
    p.add_argument(
        "--lang",
        default=None,
        help="language id (c11, c99, cpp17, cpp20, python3, pypy3); " "default: from the file name",
    )
    p.add_argument("--stdin", default=None, help="file to feed as standard input (default: empty)")
    p.add_argument("--time-limit", type=float, default=2.0, help="CPU seconds (default 2)")
    p.add_argument("--memory-limit", type=int, default=256, help="megabytes (default 256)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--raw", action="store_true",
                   help="write the program's stdout byte for byte (default: control characters shown escaped)")
    add_backend_options(p)
    p.set_defaults(handler=run)


def add_backend_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--backend",
        default="native",
        choices=("native", "docker", "unsafe"),
        help="sandbox backend (default native)",
    )
    p.add_argument(
        "--insecure",
        action="store_true",
        help="allow a backend without full isolation (only for programs you trust)",
    )


def read_source(path: str, lang: str | None) -> tuple[str, str]:
    """The source text and its language id; a user error (with a hint) when either cannot be had."""
    from sandbox.languages import get_language, language_ids
    from sandbox.languages.detect import language_for_source

    file = Path(path)
    try:
        data = file.read_bytes()
    except IsADirectoryError:
        raise CpagentError(
            f"{path} is a directory, not a source file", hint="give the program's file"
        ) from None
    except OSError as exc:
        raise CpagentError(
            f"cannot read {path}: {exc.strerror}", hint="check the path and its permissions"
        ) from None
    text = data.decode("utf-8", errors="replace")  # old sources carry cp1251 comments
    if lang is None:
        lang = language_for_source(file, text)
        if lang is None:
            raise CpagentError(
                f"cannot tell the language of {path} from its name",
                hint=f"pass --lang with one of: {', '.join(language_ids())}",
            )
    get_language(lang)  # unknown id: SandboxError listing the ids
    return text, lang


def _result_json(result: Any, compiled: Any) -> dict[str, Any]:
    data = (
        result.to_json()
        if result is not None
        else {
            "status": compiled.status.value,
            "exit_code": None,
            "signal": None,
            "cpu_s": 0.0,
            "wall_s": 0.0,
            "memory_mb": 0.0,
            "stdout": "",
            "stderr": "",
            "stdout_truncated": False,
            "stderr_truncated": False,
            "oom_killed": False,
            "wall_limited": False,
            "backend": "",
            "message": compiled.message,
        }
    )
    data["language"] = compiled.language
    data["compile"] = {
        "ok": compiled.ok,
        "cached": compiled.cached,
        "compile_s": round(compiled.compile_s, 4),
        "message": compiled.message,
        "warnings": compiled.warnings,
    }
    return data


def run(args: argparse.Namespace) -> int:
    from sandbox.backend import open_backend
    from sandbox.compiler import compile_source

    source, lang = read_source(args.source, args.lang)
    stdin = None
    if args.stdin is not None:
        stdin = Path(args.stdin)
        if not stdin.is_file():
            raise CpagentError(f"cannot read {args.stdin}: no such file", hint="give an existing input file")
    if args.time_limit <= 0 or args.memory_limit <= 0:
        raise CpagentError("limits must be positive", hint="e.g. --time-limit 2 --memory-limit 256")

    with open_backend(args.backend, insecure=args.insecure) as backend:
        compiled = compile_source(backend, source, lang)
        result = None
        if compiled.ok:
            result = backend.run(
                compiled.run_spec(stdin=stdin, cpu_time_s=args.time_limit, memory_mb=args.memory_limit)
            )
    status = result.status.value if result is not None else compiled.status.value
    if args.json:
        ui.print_json(_result_json(result, compiled))
        return 0 if status == "OK" else 1

    if not compiled.ok:
        ui.failure(
            f"{compiled.status.value}: {lang} compilation failed"
            if compiled.status.value == "CE"
            else "IE: the sandbox failed while compiling"
        )
        sys.stderr.write(compiled.message + "\n")
        return 1
    assert result is not None
    ui.info(f"compiled {lang} " + ("(cached)" if compiled.cached else f"in {compiled.compile_s:.2f} s"))
    if args.raw:
        sys.stdout.buffer.write(result.stdout)  # asked for: the program's bytes, untouched
    else:
        sys.stdout.write(ui.safe_text(result.stdout))
    sys.stdout.flush()
    if result.stderr:
        sys.stderr.write(ui.safe_text(result.stderr))
        if not result.stderr.endswith(b"\n"):
            sys.stderr.write("\n")
    detail = (
        f"{status}  exit code {result.exit_code}"
        if result.signal is None
        else f"{status}  signal {result.signal}"
    )
    detail += f"  cpu {result.cpu_s:.3f} s  wall {result.wall_s:.3f} s  memory {result.memory_mb:.1f} MB"
    if result.wall_limited:
        detail += "  (wall-clock limit)"
    if result.message:
        detail += f"  ({result.message})"
    (ui.success if status == "OK" else ui.failure)(detail)
    return 0 if status == "OK" else 1
