"""The JSON that `oj-api get-problem URL` prints (online-judge-tools/api-client).

    {"status": "ok", "messages": [], "result": {"url", "name", "context": {"contest": {"name", "url"},
     "alphabet"}, "timeLimit" (ms), "memoryLimit" (MB), "tests": [{"input", "output", "name"?}]}}

The bare `result` object (`oj-api get-problem URL | jq .result`) is read too; `--compatibility` output is
Competitive Companion's format and goes to agent.problems.companion.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.codeforces.specifier import try_parse_specifier
from agent.errors import ProblemFormatError
from agent.problems.model import Problem, TestCase
from agent.problems.text import slug


def is_oj_api(data: Any) -> bool:
    if isinstance(data, dict) and "status" in data and ("result" in data or "messages" in data):
        return True
    return isinstance(data, dict) and "url" in data and "tests" in data and "context" in data


def problem_from_oj_api(data: Any, where: str = "oj-api JSON") -> Problem:
    if isinstance(data, dict) and "status" in data:
        if data.get("status") != "ok":
            messages = "; ".join(str(m) for m in data.get("messages") or []) or "no message"
            raise ProblemFormatError(
                f"{where}: oj-api reported status {data.get('status')!r} ({messages})",
                hint="run `oj-api get-problem URL` again, or use `cpagent fetch URL`",
            )
        data = data.get("result")
    if not isinstance(data, dict):
        raise ProblemFormatError(f"{where}: missing field 'result'")
    for name in ("url", "tests"):
        if name not in data:
            raise ProblemFormatError(f"{where}: missing field {name!r}")
    tests = data["tests"]
    if not isinstance(tests, list) or any(not isinstance(t, dict) or "input" not in t for t in tests):
        raise ProblemFormatError(f"{where}: field 'tests' must be a list of {{input, output}}")
    context = data.get("context") or {}
    contest = context.get("contest") or {}
    url = str(data["url"])
    ref = try_parse_specifier(url)
    index = context.get("alphabet") or (ref.index if ref else None)
    name = str(data.get("name") or (f"{ref.problem_id}" if ref else slug(url)))
    try:
        time_limit_s = float(data.get("timeLimit") or 0) / 1000.0
        memory_mb = int(data.get("memoryLimit") or 0)
    except (TypeError, ValueError):
        raise ProblemFormatError(f"{where}: timeLimit (ms) and memoryLimit (MB) must be numbers") from None
    width = max(2, len(str(len(tests))))
    meta: dict[str, Any] = {"source": "oj-api"}
    if contest.get("name"):
        meta["contest_name"] = contest["name"]
    if not time_limit_s:
        meta["time_limit_missing"] = True
    return Problem(
        id=ref.problem_id if ref and ref.index else slug(name),
        name=name,
        time_limit_s=time_limit_s or 1.0,
        memory_mb=memory_mb or 256,
        public_tests=tuple(
            TestCase(
                str(t["input"]),
                None if t.get("output") is None else str(t["output"]),
                str(t.get("name") or f"{i:0{width}d}"),
            )
            for i, t in enumerate(tests, 1)
        ),
        source_url=ref.canonical_url() if ref and ref.index else url,
        contest_id=ref.contest_id if ref else None,
        index=None if index is None else str(index),
        meta=meta,
    )


def read_oj_api(path: str | Path) -> Problem:
    path = Path(path)
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProblemFormatError(f"{path}: not a readable JSON file ({exc.__class__.__name__})") from None
    return problem_from_oj_api(data, str(path))
