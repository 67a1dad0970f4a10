"""One entry point for every problem source: `load_problems(what)` / `load_problem(what)`.

`what` may be:
    a problem directory (DIR/problem.md)          → that problem
    a directory of problem directories            → each, sorted by name
    FILE.jsonl                                    → our shared dataset schema, or CodeContests rows
    FILE.parquet                                  → CodeContests rows
    FILE.json                                     → CodeContests rows, a Competitive Companion problem (or a
                                                    list of them), `oj-api get-problem` output, or our own
                                                    problem JSON (`cpagent show --json`)
    FILE.html / FILE.htm                          → a saved Codeforces problem page
    a Codeforces specifier (1873B, a URL, ...)    → fetched (network, through the cache)
A `#ID` suffix on a path picks one problem by id (`data.jsonl#cf/1A`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.errors import OnError, ProblemFormatError
from agent.problems.directory import is_problem_dir, read_problem_dir
from agent.problems.model import Problem


def _first_json_value(path: Path) -> Any:
    """The first row of a JSON Lines file, or the whole of a JSON file, to decide what it is."""
    try:
        with path.open("rb") as handle:
            first = handle.readline()
        return json.loads(first)
    except (OSError, ValueError):
        pass
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ProblemFormatError(f"{path}: cannot be read ({exc.strerror})") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProblemFormatError(
            f"{path}: not valid JSON ({exc.__class__.__name__})",
            hint="see docs/problems.md for the formats `cpagent show` reads",
        ) from None


def _load_json_file(path: Path, on_error: OnError | None = None) -> list[Problem]:
    from agent.problems import codecontests, companion, jsonl, oj_api

    data = _first_json_value(path)
    sample = data[0] if isinstance(data, list) and data else data
    if path.suffix == ".jsonl" or (isinstance(data, dict) and _is_jsonl(path)):
        if jsonl.is_shared_jsonl_row(sample) and not codecontests.is_codecontests_row(sample):
            return jsonl.read_jsonl(path, on_error)
        if codecontests.is_codecontests_row(sample):
            return codecontests.read_codecontests(path, on_error)
    if codecontests.is_codecontests_row(sample):
        return codecontests.read_codecontests(path, on_error)
    if oj_api.is_oj_api(sample) and not isinstance(data, list):
        return [oj_api.read_oj_api(path)]
    if companion.is_companion(sample):
        return companion.read_companion(path)
    if isinstance(sample, dict) and "id" in sample and "public_tests" in sample:
        rows = data if isinstance(data, list) else [data]
        try:
            return [Problem.from_json(r) for r in rows]
        except (KeyError, TypeError, ValueError) as exc:
            raise ProblemFormatError(
                f"{path}: not a valid problem JSON ({exc.__class__.__name__}: {exc})"
            ) from None
    raise ProblemFormatError(
        f"{path}: not a problem format we know",
        hint="expected our JSONL schema, CodeContests rows, Competitive Companion or oj-api JSON "
        "(docs/problems.md)",
    )


def _is_jsonl(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.readline()
        second = handle.readline()
    return bool(second.strip())


def _read_dirs(children: list[Path], on_error: OnError | None) -> list[Problem]:
    problems = []
    for child in children:
        try:
            problems.append(read_problem_dir(child))
        except ProblemFormatError as exc:
            if on_error is None:
                raise
            on_error(str(child), exc)
    return problems


def _load_path(path: Path, on_error: OnError | None = None) -> list[Problem]:
    if path.is_dir():
        if is_problem_dir(path):
            return [read_problem_dir(path)]
        children = sorted(p for p in path.iterdir() if p.is_dir() and is_problem_dir(p))
        if not children:
            raise ProblemFormatError(
                f"{path}: neither a problem directory nor a directory of them",
                hint="a problem directory holds problem.md (docs/problems.md)",
            )
        return _read_dirs(children, on_error)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        from agent.problems.codecontests import read_codecontests

        return read_codecontests(path, on_error)
    if suffix in (".html", ".htm"):
        from agent.codeforces.fetch import fetch_problems

        return fetch_problems(None, html_file=path)
    if suffix in (".json", ".jsonl", ".ndjson"):
        return _load_json_file(path, on_error)
    raise ProblemFormatError(
        f"{path}: unknown kind of file ({suffix or 'no extension'})",
        hint="use a problem directory, .jsonl, .json, .parquet or a saved .html page",
    )


def load_problems(
    what: str | Path, *, client: Any = None, html_file: str | Path | None = None, on_error: OnError | None = None
) -> list[Problem]:
    """Every problem `what` holds (see the module docstring), in a stable order.

    With `on_error`, a problem of a collection (a directory of problems, a row of a dataset file) that cannot
    be read is handed to it and skipped, so one bad problem does not stop an evaluation of hundreds; without,
    the first one raises. A file or directory that is not a collection at all still raises."""
    if html_file is not None:
        from agent.codeforces.fetch import fetch_problems

        return fetch_problems(str(what) if what else None, client=client, html_file=html_file)
    text = str(what)
    pick = None
    path = Path(text)
    if not path.exists() and "#" in text:
        base, pick = text.rsplit("#", 1)
        if Path(base).exists():
            path = Path(base)
        else:
            pick = None
    if path.exists():
        problems = _load_path(path, on_error)
        if pick is not None:
            chosen = [p for p in problems if p.id == pick]
            if not chosen:
                raise ProblemFormatError(
                    f"{path}: no problem with id {pick!r}",
                    hint=f"ids look like {problems[0].id!r}" if problems else "",
                )
            return chosen
        return problems
    from agent.codeforces.fetch import fetch_problems
    from agent.codeforces.specifier import try_parse_specifier

    if try_parse_specifier(text) is None:
        raise ProblemFormatError(
            f"{text}: no such file or directory, and not a Codeforces problem specifier",
            hint="give a problem directory, a dataset file, or a specifier such as 1873B or a problem URL",
        )
    return fetch_problems(text, client=client)


def load_problem(what: str | Path, *, client: Any = None, html_file: str | Path | None = None) -> Problem:
    """Exactly one problem; a source with several asks the user to pick one with `#ID`."""
    problems = load_problems(what, client=client, html_file=html_file)
    if len(problems) != 1:
        ids = ", ".join(p.id for p in problems[:5]) + (", ..." if len(problems) > 5 else "")
        raise ProblemFormatError(
            f"{what}: holds {len(problems)} problems ({ids}), not one", hint=f"pick one with '{what}#ID'"
        )
    return problems[0]
