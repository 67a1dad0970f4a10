"""DeepMind CodeContests rows, as published (parquet shards, or the same rows as JSON / JSON Lines).

A row holds `name`, `description`, `public_tests` / `private_tests` / `generated_tests` (each
`{input: [...], output: [...]}`), `solutions` / `incorrect_solutions` (each `{language: [int], solution:
[...]}`), `cf_contest_id`, `cf_index`, `cf_rating`, `cf_tags`, `time_limit` (`{seconds, nanos}`),
`memory_limit_bytes`, `input_file`, `output_file`, `source` and `difficulty`. As in AlphaCode, the
private and generated tests together are the hidden tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent.errors import OnError, ProblemFormatError
from agent.problems.languages import file_extension
from agent.problems.model import Problem, Submission, TestCase
from agent.problems.text import looks_multi_test, normalize_statement, slug, strip_index_prefix

# The dataset's Language enum → our language ids. 0 (UNKNOWN_LANGUAGE) programs cannot be run: skipped.
LANGUAGE_CODES = {1: "python2", 2: "cpp17", 3: "python3", 4: "java"}
UNKNOWN_LANGUAGE = 0
# The dataset's Source enum, kept in Problem.meta.
SOURCES = {
    0: "unknown",
    1: "codechef",
    2: "codeforces",
    3: "hackerearth",
    4: "codejam",
    5: "atcoder",
    6: "aizu",
}
REQUIRED = ("name", "description", "public_tests")


def is_codecontests_row(row: Any) -> bool:
    """CodeContests rows keep tests as parallel lists: `public_tests: {input: [...], output: [...]}`."""
    return (
        isinstance(row, dict)
        and "description" in row
        and isinstance(row.get("public_tests"), dict)
        and "input" in row["public_tests"]
    )


def _tests(row: dict[str, Any], field: str, where: str, suffix: str = "", start: int = 1) -> list[TestCase]:
    value = row.get(field)
    if value is None:
        return []
    if not isinstance(value, dict):
        raise ProblemFormatError(f"{where}: field {field!r} must be {{input: [...], output: [...]}}")
    inputs, outputs = value.get("input") or [], value.get("output") or []
    if not isinstance(inputs, list) or not isinstance(outputs, list) or len(inputs) != len(outputs):
        raise ProblemFormatError(
            f"{where}: field {field!r} needs as many outputs as inputs "
            f"({len(inputs) if isinstance(inputs, list) else '?'} inputs)"
        )
    return [
        TestCase(str(i), None if o is None else str(o), f"{n:03d}{suffix}")
        for n, (i, o) in enumerate(zip(inputs, outputs, strict=True), start)
    ]


def _solutions(row: dict[str, Any], field: str, group: str, where: str) -> tuple[list[Submission], int]:
    value = row.get(field)
    if value is None:
        return [], 0
    if not isinstance(value, dict):
        raise ProblemFormatError(f"{where}: field {field!r} must be {{language: [...], solution: [...]}}")
    langs, codes = value.get("language") or [], value.get("solution") or []
    if len(langs) != len(codes):
        raise ProblemFormatError(
            f"{where}: field {field!r} has {len(langs)} languages for {len(codes)} solutions"
        )
    subs, skipped = [], 0
    for i, (code, source) in enumerate(zip(langs, codes, strict=True)):
        if code == UNKNOWN_LANGUAGE:
            skipped += 1
            continue
        lang = LANGUAGE_CODES.get(code) if isinstance(code, int) else None
        if lang is None:
            raise ProblemFormatError(
                f"{where}: {field}.language[{i}] is {code!r}, not a CodeContests language code",
                hint="codes are 0 unknown, 1 Python 2, 2 C++, 3 Python 3, 4 Java",
            )
        stem = "correct" if group == "accepted" else "incorrect"
        subs.append(
            Submission(
                f"{group}/{stem}-{i + 1:04d}{file_extension(lang)}",
                lang,
                str(source),
                group,
                meta={"dataset_label": stem, "language_code": code},
            )
        )
    return subs, skipped


def problem_from_row(row: Any, where: str) -> Problem:
    if not isinstance(row, dict):
        raise ProblemFormatError(f"{where}: a CodeContests row must be a JSON object")
    for name in REQUIRED:
        if name not in row:
            raise ProblemFormatError(
                f"{where}: missing field {name!r}",
                hint="see docs/problems.md for the CodeContests fields we read",
            )
    name = str(row["name"])
    index = row.get("cf_index") or None
    contest = row.get("cf_contest_id") or None
    head = name.split(". ", 1)[0] if ". " in name else ""
    pid = head if head and " " not in head else slug(name)
    tl = row.get("time_limit")
    try:
        time_limit = (float(tl.get("seconds") or 0) + float(tl.get("nanos") or 0) / 1e9) if tl else 0.0
        memory = int(row.get("memory_limit_bytes") or 0) // (1024 * 1024)
        rating = int(row["cf_rating"]) if row.get("cf_rating") else None
    except (TypeError, ValueError, AttributeError):
        raise ProblemFormatError(
            f"{where}: time_limit, memory_limit_bytes and cf_rating must be numbers"
        ) from None
    accepted, skipped_ok = _solutions(row, "solutions", "accepted", where)
    rejected, skipped_bad = _solutions(row, "incorrect_solutions", "wrong_answer", where)
    description = normalize_statement(str(row["description"]))
    private = _tests(row, "private_tests", where, "-private")
    source = row.get("source")
    meta: dict[str, Any] = {
        "dataset": "codecontests",
        "source": SOURCES.get(source, source) if isinstance(source, int) else source,
        "difficulty": row.get("difficulty"),
        "cf_points": row.get("cf_points"),
        "skipped_unknown_language": skipped_ok + skipped_bad,
        "n_private_tests": len(private),
    }
    if not time_limit:
        meta["time_limit_missing"] = True
    return Problem(
        id=pid,
        name=strip_index_prefix(name, index, contest),
        statement=description,
        time_limit_s=time_limit or 1.0,
        memory_mb=memory or 256,
        public_tests=tuple(_tests(row, "public_tests", where)),
        hidden_tests=tuple(private + _tests(row, "generated_tests", where, "-generated", len(private) + 1)),
        input_file=row.get("input_file") or None,
        output_file=row.get("output_file") or None,
        multi_test=looks_multi_test(description),
        rating=rating,
        tags=tuple(str(t) for t in row.get("cf_tags") or ()),
        source_url=(
            f"https://codeforces.com/contest/{contest}/problem/{index}"
            if contest and index and source in (2, None)
            else None
        ),
        contest_id=None if contest is None else str(contest),
        index=None if index is None else str(index),
        submissions=tuple(sorted(accepted + rejected, key=lambda s: s.name)),
        meta={k: v for k, v in meta.items() if v is not None},
    )


def _rows_from_json(path: Path) -> Iterator[tuple[Any, str]]:
    text = _text(path)
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProblemFormatError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
        for i, row in enumerate(rows):
            yield row, f"{path}: row {i}"
        return
    try:
        yield json.loads(text), f"{path}"
        return
    except json.JSONDecodeError:
        pass
    for lineno, line in enumerate(text.splitlines(), 1):  # JSON Lines
        if line.strip():
            try:
                yield json.loads(line), f"{path}:{lineno}"
            except json.JSONDecodeError as exc:
                raise ProblemFormatError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None


def _text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ProblemFormatError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ProblemFormatError(f"{path}: not UTF-8 text") from None


def _rows_from_parquet(path: Path) -> Iterator[tuple[Any, str]]:
    import pyarrow.parquet as pq  # a heavy import, only for parquet files
    from pyarrow import ArrowException

    try:
        file = pq.ParquetFile(path)
        n = 0
        for batch in file.iter_batches(batch_size=64):
            for row in batch.to_pylist():
                yield row, f"{path}: row {n}"
                n += 1
    except (ArrowException, OSError) as exc:
        raise ProblemFormatError(
            f"{path}: not a readable parquet file ({exc})",
            hint="pass a CodeContests shard (*.parquet) or the rows as JSON",
        ) from None


def iter_codecontests(path: str | Path, on_error: OnError | None = None) -> Iterator[Problem]:
    """Problems row by row; with `on_error`, a row that cannot be read is handed to it and skipped."""
    path = Path(path)
    rows = _rows_from_parquet(path) if path.suffix == ".parquet" else _rows_from_json(path)
    for row, where in rows:
        try:
            problem = problem_from_row(row, where)
        except ProblemFormatError as exc:
            if on_error is None:
                raise
            on_error(where, exc)
            continue
        yield problem


def read_codecontests(path: str | Path, on_error: OnError | None = None) -> list[Problem]:
    return list(iter_codecontests(path, on_error))
