"""Our own problem directory: read and write.

    DIR/problem.md                 YAML front matter (limits, checker, metadata), then the statement
    DIR/tests/sample/NAME.in|.ans  public tests (Kattis: data/sample)
    DIR/tests/hidden/NAME.in|.ans  hidden tests (Kattis: data/secret)
    DIR/checker.cpp                custom checker, when `checker.kind` is custom
    DIR/interactor.cpp             interactor, for interactive problems
    DIR/generator.py               how the hidden tests were made (`generator.command`, `generator.seed`)
    DIR/submissions/GROUP/FILE     known programs by expected outcome: accepted, wrong_answer,
                                   time_limit_exceeded, runtime_error (Kattis's run_time_error is read too)

Writing goes to a temporary sibling that is renamed into place, so a failure never leaves a
half-written directory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from agent.errors import ProblemFormatError
from agent.problems.model import (
    SUBMISSION_GROUPS,
    GeneratorInfo,
    Interactor,
    Problem,
    Submission,
    TestCase,
)
from sandbox.checkers.spec import CHECKER_KINDS, CheckerSpec
from sandbox.languages.detect import extension_for_language, language_for_path

PROBLEM_FILE = "problem.md"
GROUP_ALIASES = {"run_time_error": "runtime_error", "time_limit": "time_limit_exceeded"}


def is_problem_dir(path: Path) -> bool:
    return (path / PROBLEM_FILE).is_file()


def _split_front_matter(text: str, where: Path) -> tuple[dict[str, Any], str]:
    if not text.startswith("---"):
        raise ProblemFormatError(f"{where}: missing YAML front matter", hint="start the file with a '---' line")
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise ProblemFormatError(f"{where}: front matter is not closed", hint="end it with a '---' line")
    head = parts[0][3:]
    body = parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""
    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as exc:
        raise ProblemFormatError(f"{where}: front matter is not valid YAML ({exc.__class__.__name__})",
                                 hint="check indentation and quoting") from None
    if not isinstance(meta, dict):
        raise ProblemFormatError(f"{where}: front matter must be a mapping of fields")
    return meta, body.lstrip("\n")


def _read_tests(folder: Path) -> tuple[TestCase, ...]:
    if not folder.is_dir():
        return ()
    tests = []
    for inp in sorted(folder.glob("*.in")):
        ans = inp.with_suffix(".ans")
        if not ans.exists():
            ans = inp.with_suffix(".out")
        tests.append(TestCase(
            input=inp.read_text(encoding="utf-8"),
            output=ans.read_text(encoding="utf-8") if ans.exists() else None,
            name=inp.stem,
        ))
    return tuple(tests)


def _field(meta: dict[str, Any], name: str, kind: type, where: Path, default: Any = None) -> Any:
    value = meta.get(name, default)
    if value is None:
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ProblemFormatError(f"{where}: field {name!r} must be {kind.__name__}, got {value!r}") from None


def read_problem_dir(path: str | Path) -> Problem:
    root = Path(path)
    where = root / PROBLEM_FILE
    if not where.is_file():
        raise ProblemFormatError(f"{root}: not a problem directory (no {PROBLEM_FILE})",
                                 hint="see the README for the problem directory layout, or `cpagent fetch`")
    try:
        meta, statement = _split_front_matter(where.read_text(encoding="utf-8"), where)
    except UnicodeDecodeError:
        raise ProblemFormatError(f"{where}: not UTF-8 text") from None

    checker_meta = meta.get("checker") or {}
    if isinstance(checker_meta, str):
        checker_meta = {"kind": checker_meta}
    kind = str(checker_meta.get("kind", "tokens"))
    if kind not in CHECKER_KINDS:
        raise ProblemFormatError(f"{where}: checker.kind {kind!r} is not one of {', '.join(CHECKER_KINDS)}")
    source = language = None
    if kind == "custom":
        file = root / str(checker_meta.get("file", "checker.cpp"))
        if not file.is_file():
            raise ProblemFormatError(f"{where}: custom checker file {file.name} is missing")
        source, language = file.read_text(encoding="utf-8"), language_for_path(file)
    checker = CheckerSpec(kind=kind, abs_eps=float(checker_meta.get("abs_eps", 1e-6)),
                          rel_eps=float(checker_meta.get("rel_eps", 1e-6)), source=source, language=language)

    interactive = bool(meta.get("interactive", False))
    interactor = None
    if interactive:
        file = root / str((meta.get("interactor") or {}).get("file", "interactor.cpp"))
        if not file.is_file():
            raise ProblemFormatError(f"{where}: interactive problem without its interactor ({file.name})")
        interactor = Interactor(file.read_text(encoding="utf-8"), language_for_path(file) or "cpp17")

    gen = meta.get("generator")
    generator = None
    if gen:
        if "command" not in gen or "seed" not in gen:
            raise ProblemFormatError(f"{where}: generator needs both 'command' and 'seed'")
        generator = GeneratorInfo(str(gen["command"]), int(gen["seed"]))

    submissions = []
    subs_root = root / "submissions"
    if subs_root.is_dir():
        for group_dir in sorted(p for p in subs_root.iterdir() if p.is_dir()):
            group = GROUP_ALIASES.get(group_dir.name, group_dir.name)
            if group not in SUBMISSION_GROUPS:
                raise ProblemFormatError(f"{group_dir}: unknown submission group",
                                         hint=f"use one of {', '.join(SUBMISSION_GROUPS)}")
            for file in sorted(group_dir.iterdir()):
                lang = language_for_path(file)
                if file.is_file() and lang:
                    submissions.append(Submission(f"{group}/{file.name}", lang,
                                                  file.read_text(encoding="utf-8"), group))

    if "name" not in meta:
        raise ProblemFormatError(f"{where}: missing field 'name'")
    return Problem(
        id=str(meta.get("id", root.name)),
        name=str(meta["name"]),
        statement=statement,
        time_limit_s=_field(meta, "time_limit_s", float, where, 1.0),
        memory_mb=_field(meta, "memory_mb", int, where, 256),
        public_tests=_read_tests(root / "tests" / "sample"),
        hidden_tests=_read_tests(root / "tests" / "hidden"),
        checker=checker,
        interactive=interactive,
        interactor=interactor,
        input_file=meta.get("input_file"),
        output_file=meta.get("output_file"),
        multi_test=bool(meta.get("multi_test", False)),
        rating=_field(meta, "rating", int, where),
        tags=tuple(str(t) for t in meta.get("tags", ()) or ()),
        source_url=meta.get("source_url"),
        contest_id=None if meta.get("contest_id") is None else str(meta["contest_id"]),
        index=None if meta.get("index") is None else str(meta["index"]),
        submissions=tuple(submissions),
        generator=generator,
    )


def _front_matter(problem: Problem) -> dict[str, Any]:
    meta: dict[str, Any] = {"id": problem.id, "name": problem.name,
                            "time_limit_s": problem.time_limit_s, "memory_mb": problem.memory_mb}
    checker: dict[str, Any] = {"kind": problem.checker.kind}
    if problem.checker.kind == "float":
        checker.update(abs_eps=problem.checker.abs_eps, rel_eps=problem.checker.rel_eps)
    if problem.checker.kind == "custom":
        checker["file"] = "checker" + extension_for_language(problem.checker.language or "cpp17")
    meta["checker"] = checker
    if problem.interactive:
        meta["interactive"] = True
        if problem.interactor:
            meta["interactor"] = {"file": "interactor" + extension_for_language(problem.interactor.language)}
    for name in ("input_file", "output_file", "rating", "source_url", "contest_id", "index"):
        value = getattr(problem, name)
        if value is not None:
            meta[name] = value
    if problem.multi_test:
        meta["multi_test"] = True
    if problem.tags:
        meta["tags"] = list(problem.tags)
    if problem.generator:
        meta["generator"] = {"command": problem.generator.command, "seed": problem.generator.seed}
    return meta


def write_problem_dir(problem: Problem, path: str | Path, overwrite: bool = False) -> Path:
    """Write atomically: everything goes to a temporary sibling first, then one rename."""
    dest = Path(path)
    if dest.exists() and not overwrite:
        raise ProblemFormatError(f"{dest}: already exists", hint="choose another -o or remove it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        text = "---\n" + yaml.safe_dump(_front_matter(problem), sort_keys=False, allow_unicode=True)
        text += "---\n\n" + problem.statement.rstrip("\n") + "\n"
        (tmp / PROBLEM_FILE).write_text(text, encoding="utf-8")
        for folder, tests in (("sample", problem.public_tests), ("hidden", problem.hidden_tests)):
            if not tests:
                continue
            d = tmp / "tests" / folder
            d.mkdir(parents=True)
            for i, t in enumerate(tests, 1):
                name = t.name or f"{i:02d}"
                (d / f"{name}.in").write_text(t.input, encoding="utf-8")
                if t.output is not None:
                    (d / f"{name}.ans").write_text(t.output, encoding="utf-8")
        if problem.checker.kind == "custom" and problem.checker.source:
            ext = extension_for_language(problem.checker.language or "cpp17")
            (tmp / f"checker{ext}").write_text(problem.checker.source, encoding="utf-8")
        if problem.interactor:
            ext = extension_for_language(problem.interactor.language)
            (tmp / f"interactor{ext}").write_text(problem.interactor.source, encoding="utf-8")
        for sub in problem.submissions:
            group = sub.expected if sub.expected in SUBMISSION_GROUPS else "accepted"
            name = Path(sub.name).name
            if not Path(name).suffix:
                name += extension_for_language(sub.language)
            d = tmp / "submissions" / group
            d.mkdir(parents=True, exist_ok=True)
            (d / name).write_text(sub.code, encoding="utf-8")
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest
