"""The shared JSONL problem datasets of ../shared/cp-data (codeflaws_dev, codecontests_cf_python).

One problem per line: statement, limits, public and hidden tests, accepted (`correct_solutions`) and
rejected (`incorrect_solutions`) programs with their Codeforces verdict and a local re-run (`local`).
Every field we do not map onto the model (`clean`, `verification`, the dataset's `checker` label, ...)
is kept in `Problem.meta`, and each program's provenance in `Submission.meta`, so nothing the dataset
knows is lost on the way into a problem directory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent.errors import OnError, ProblemFormatError
from agent.problems.languages import file_extension, language_id
from agent.problems.model import Problem, Submission, TestCase
from agent.problems.text import looks_multi_test, normalize_statement, strip_index_prefix
from sandbox.checkers.spec import CheckerSpec

REQUIRED = ("id", "name", "public_tests")

# Codeforces verdicts → the submission group (Kattis layout) a program is expected to land in.
CF_VERDICT_GROUP = {
    "OK": "accepted",
    "WRONG_ANSWER": "wrong_answer",
    "PRESENTATION_ERROR": "wrong_answer",
    "TIME_LIMIT_EXCEEDED": "time_limit_exceeded",
    "IDLENESS_LIMIT_EXCEEDED": "time_limit_exceeded",
    "RUNTIME_ERROR": "runtime_error",
    "MEMORY_LIMIT_EXCEEDED": "runtime_error",  # Kattis files memory failures under run_time_error
}
# First failing mark of a `local.vector` → group, for rejected programs the dataset gives no verdict.
LOCAL_MARK_GROUP = {"W": "wrong_answer", "R": "runtime_error", "T": "time_limit_exceeded"}

# Fields of the row that become model fields; everything else goes to Problem.meta.
_MAPPED = {
    "id",
    "name",
    "statement",
    "time_limit_s",
    "memory_mb",
    "rating",
    "tags",
    "public_tests",
    "hidden_tests",
    "correct_solutions",
    "incorrect_solutions",
    "url",
    "cf_contest_id",
    "cf_index",
}
_SUBMISSION_MAPPED = {"language", "code"}


def checker_from_label(label: str | None, where: str) -> CheckerSpec:
    """`tokens_exact` and `unverified` → tokens; `tokens_float_1e-6` → float with that tolerance."""
    if label in (None, "", "tokens_exact", "unverified", "tokens"):
        return CheckerSpec("tokens")
    if label.startswith("tokens_float_"):
        try:
            eps = float(label.removeprefix("tokens_float_"))
        except ValueError:
            pass
        else:
            return CheckerSpec("float", abs_eps=eps, rel_eps=eps)
    raise ProblemFormatError(
        f"{where}: field 'checker' has unknown value {label!r}",
        hint="use tokens_exact, tokens_float_<eps> or unverified",
    )


def _tests(value: Any, where: str, field: str) -> tuple[TestCase, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ProblemFormatError(f"{where}: field {field!r} must be a list of {{input, output}}")
    tests = []
    width = max(2, len(str(len(value))))  # names sort in file order: 001..120, not 1, 10, 100
    for i, t in enumerate(value, 1):
        if not isinstance(t, dict) or not isinstance(t.get("input"), str):
            raise ProblemFormatError(f"{where}: {field}[{i - 1}] needs a text 'input'")
        out = t.get("output")
        tests.append(TestCase(t["input"], out if isinstance(out, str) else None, f"{i:0{width}d}"))
    return tuple(tests)


def _group(sol: dict[str, Any], correct: bool) -> str:
    if correct:
        return "accepted"
    verdict = sol.get("cf_verdict")
    if verdict in CF_VERDICT_GROUP and verdict != "OK":
        return CF_VERDICT_GROUP[verdict]
    vector = str((sol.get("local") or {}).get("vector", ""))
    for mark in vector:
        if mark in LOCAL_MARK_GROUP:
            return LOCAL_MARK_GROUP[mark]
    return "wrong_answer"  # known to be rejected, no more precise verdict known


def _submissions(row: dict[str, Any], where: str) -> tuple[Submission, ...]:
    subs: list[Submission] = []
    used: set[str] = set()
    for field, correct in (("correct_solutions", True), ("incorrect_solutions", False)):
        value = row.get(field) or []
        if not isinstance(value, list):
            raise ProblemFormatError(f"{where}: field {field!r} must be a list")
        for i, sol in enumerate(value):
            if not isinstance(sol, dict) or not isinstance(sol.get("code"), str):
                raise ProblemFormatError(f"{where}: {field}[{i}] needs a text 'code'")
            lang = language_id(str(sol.get("language", "")))
            if lang is None:
                raise ProblemFormatError(
                    f"{where}: {field}[{i}].language {sol.get('language')!r} is not a language we know",
                    hint="use one of c, cpp, python3 (see agent/problems/languages.py)",
                )
            group = _group(sol, correct)
            stem = str(sol.get("submission_id") or f"{'correct' if correct else 'incorrect'}-{i + 1:02d}")
            name = f"{group}/{stem}{file_extension(lang)}"
            if name in used:
                name = f"{group}/{stem}-{i + 1}{file_extension(lang)}"
            used.add(name)
            meta = {k: v for k, v in sol.items() if k not in _SUBMISSION_MAPPED}
            meta["dataset_label"] = "correct" if correct else "incorrect"
            meta["dataset_language"] = sol.get("language")
            subs.append(Submission(name, lang, sol["code"], group, meta=meta))
    # The order a problem directory lists them in (group, then file), so a round trip is exact.
    return tuple(sorted(subs, key=lambda s: s.name))


def verified_public_tests(public: tuple[TestCase, ...],
                          hidden: tuple[TestCase, ...]) -> tuple[tuple[TestCase, ...], int]:
    """Public tests whose expected answers come from the matching hidden test where there is one.

    A statement's sample may show one of several valid answers ("print any path") while the dataset's
    hidden copy of the same input holds the answer its accepted programs verifiably print; filtering with
    the statement's answer and a token checker would then reject every correct program. Returns the tests
    and how many answers were replaced.
    """
    by_input = {tuple(t.input.split()): t.output for t in hidden if t.output is not None}
    out, replaced = [], 0
    for t in public:
        answer = by_input.get(tuple(t.input.split()))
        if answer is not None and t.output is not None and answer.split() != t.output.split():
            out.append(TestCase(t.input, answer, t.name))
            replaced += 1
        else:
            out.append(t)
    return tuple(out), replaced


def problem_from_row(row: Any, where: str) -> Problem:
    """One dataset line → Problem. `where` ("FILE:LINE") is named in every error."""
    if not isinstance(row, dict):
        raise ProblemFormatError(f"{where}: a line must be a JSON object, one problem per line")
    for name in REQUIRED:
        if name not in row:
            raise ProblemFormatError(
                f"{where}: missing field {name!r}",
                hint="see ../shared/cp-data/README.md or docs/problems.md for the schema",
            )
    index = row.get("cf_index")
    contest = row.get("cf_contest_id")
    try:
        time_limit = float(row.get("time_limit_s") or 1.0)
        memory = int(row.get("memory_mb") or 256)
        rating = None if row.get("rating") is None else int(row["rating"])
    except (TypeError, ValueError):
        raise ProblemFormatError(f"{where}: time_limit_s, memory_mb and rating must be numbers") from None
    statement = normalize_statement(str(row.get("statement") or ""))
    hidden = _tests(row.get("hidden_tests"), where, "hidden_tests")
    public, replaced = verified_public_tests(_tests(row.get("public_tests"), where, "public_tests"), hidden)
    meta = {k: v for k, v in row.items() if k not in _MAPPED}
    if replaced:
        meta["public_answers_from_hidden"] = replaced
    return Problem(
        id=str(row["id"]),
        name=strip_index_prefix(str(row["name"]), index, contest),
        statement=statement,
        time_limit_s=time_limit,
        memory_mb=memory,
        public_tests=public,
        hidden_tests=hidden,
        checker=checker_from_label(row.get("checker"), where),
        multi_test=looks_multi_test(statement),
        rating=rating,
        tags=tuple(str(t) for t in row.get("tags") or ()),
        source_url=row.get("url")
        or (f"https://codeforces.com/contest/{contest}/problem/{index}" if contest and index else None),
        contest_id=None if contest is None else str(contest),
        index=None if index is None else str(index),
        submissions=_submissions(row, where),
        meta=meta,
    )


def iter_jsonl(path: str | Path, on_error: OnError | None = None) -> Iterator[Problem]:
    """Problems one by one, so a caller can stop early on a large file.

    With `on_error`, a row that cannot be read is handed to it and skipped (a dataset evaluation goes on
    without it and reports it); without, it raises."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise ProblemFormatError(f"{path}: cannot be read ({exc.strerror})") from None
    with handle:
        try:
            for lineno, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                where = f"{path}:{lineno}"
                try:
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ProblemFormatError(
                            f"{where}: not valid JSON ({exc.msg} at column {exc.colno})",
                            hint="each line must be one complete JSON object",
                        ) from None
                    problem = problem_from_row(row, where)
                except ProblemFormatError as exc:
                    if on_error is None:
                        raise
                    on_error(where, exc)
                    continue
                yield problem
        except UnicodeDecodeError:
            raise ProblemFormatError(f"{path}: not UTF-8 text") from None


def read_jsonl(path: str | Path, on_error: OnError | None = None) -> list[Problem]:
    """Every problem of a dataset file, in file order; ids must be unique."""
    problems = list(iter_jsonl(path, on_error))
    seen: set[str] = set()
    for p in problems:
        if p.id in seen:
            raise ProblemFormatError(f"{path}: problem id {p.id!r} appears twice", hint="ids must be unique")
        seen.add(p.id)
    return problems


def is_shared_jsonl_row(row: Any) -> bool:
    """Our shared schema (vs a CodeContests row): tests as lists of {input, output}."""
    return isinstance(row, dict) and isinstance(row.get("public_tests"), list) and "id" in row
