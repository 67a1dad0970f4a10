"""Competitive Companion's JSON: what the browser extension POSTs for each problem it parses.

Fields: `name`, `group`, `url`, `interactive`, `memoryLimit` (MB), `timeLimit` (ms), `tests`
(`[{input, output}]`), `testType` (`single` / `multiNumber`), `input` / `output` (`{type: stdin|file|regex,
fileName}`), `languages`, and `batch` (`{id, size}`: how many problems one click sends).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.codeforces.specifier import try_parse_specifier
from agent.errors import ProblemFormatError
from agent.problems.model import Problem, TestCase
from agent.problems.text import slug, strip_index_prefix

REQUIRED = ("name", "tests", "timeLimit", "memoryLimit")


def is_companion(data: Any) -> bool:
    return isinstance(data, dict) and "tests" in data and "timeLimit" in data and "memoryLimit" in data


def _file(spec: Any, stream: str, where: str) -> str | None:
    """`{type: stdin}` → None (standard stream); `{type: file, fileName}` → the name."""
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise ProblemFormatError(f"{where}: field {stream!r} must be an object with a 'type'")
    kind = spec.get("type", "stdin" if stream == "input" else "stdout")
    if kind in ("stdin", "stdout"):
        return None
    if kind == "file" and spec.get("fileName"):
        return str(spec["fileName"])
    if kind == "regex":
        # The newest file matching a pattern: no fixed name to give a program; the judge gives stdin.
        return None
    raise ProblemFormatError(f"{where}: field {stream!r} has type {kind!r} without a usable fileName")


def problem_from_companion(data: Any, where: str = "Competitive Companion JSON") -> Problem:
    if not isinstance(data, dict):
        raise ProblemFormatError(f"{where}: expected a JSON object (one problem)")
    for name in REQUIRED:
        if name not in data:
            raise ProblemFormatError(
                f"{where}: missing field {name!r}", hint="send the problem again from the browser extension"
            )
    tests = data["tests"]
    if not isinstance(tests, list) or any(not isinstance(t, dict) or "input" not in t for t in tests):
        raise ProblemFormatError(f"{where}: field 'tests' must be a list of {{input, output}}")
    try:
        time_limit_s = float(data["timeLimit"]) / 1000.0
        memory_mb = int(data["memoryLimit"])
    except (TypeError, ValueError):
        raise ProblemFormatError(f"{where}: timeLimit (ms) and memoryLimit (MB) must be numbers") from None
    url = str(data.get("url") or "") or None
    ref = try_parse_specifier(url) if url else None
    name = str(data["name"])
    index = ref.index if ref else None
    width = max(2, len(str(len(tests))))
    meta = {k: data[k] for k in ("group", "batch", "testType") if data.get(k) is not None}
    meta["source"] = "competitive-companion"
    return Problem(
        id=ref.problem_id if ref and ref.index else slug(name),
        name=strip_index_prefix(name, index),
        time_limit_s=time_limit_s if time_limit_s > 0 else 1.0,
        memory_mb=memory_mb if memory_mb > 0 else 256,
        public_tests=tuple(
            TestCase(str(t["input"]), None if t.get("output") is None else str(t["output"]), f"{i:0{width}d}")
            for i, t in enumerate(tests, 1)
        ),
        interactive=bool(data.get("interactive", False)),
        input_file=_file(data.get("input"), "input", where),
        output_file=_file(data.get("output"), "output", where),
        multi_test=data.get("testType") == "multiNumber",
        source_url=ref.canonical_url() if ref and ref.index else url,
        contest_id=ref.contest_id if ref else None,
        index=index,
        meta=meta,
    )


def read_companion(path: str | Path) -> list[Problem]:
    """A saved Companion JSON: one problem, or a list of them."""
    path = Path(path)
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProblemFormatError(f"{path}: not a readable JSON file ({exc.__class__.__name__})") from None
    rows = data if isinstance(data, list) else [data]
    return [
        problem_from_companion(row, f"{path}" + (f": item {i}" if isinstance(data, list) else ""))
        for i, row in enumerate(rows)
    ]
