"""Our own problem directory: read and write.

    DIR/problem.md                 YAML front matter (limits, checker, metadata), then the statement
    DIR/tests/sample/NAME.in|.ans  public tests (Kattis: data/sample)
    DIR/tests/hidden/NAME.in|.ans  hidden tests (Kattis: data/secret)
    DIR/checker.cpp                custom checker, when `checker.kind` is custom
    DIR/interactor.cpp             interactor, for interactive problems (a fetched problem has none
                                   until someone writes it: it reads as Problem.interactor None)
    DIR/generator.py               how the hidden tests were made (`generator.command`, `generator.seed`)
    DIR/submissions/GROUP/FILE     known programs by expected outcome: accepted, wrong_answer,
                                   time_limit_exceeded, runtime_error (Kattis's run_time_error is read too),
                                   and unknown (programs whose outcome nobody knows)

The front matter may also hold `meta:` (facts about the problem's origin) and `submissions:`, a mapping
from `GROUP/FILE` to `{language, meta}` for programs whose language is not the default of their file
extension (a `.c` file in C99) or that carry metadata (a dataset's verdict, a local re-run).

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
from agent.problems.languages import file_extension
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
UNKNOWN_GROUP = "unknown"  # not a Kattis group: no known outcome (Submission.expected "unknown")
DIR_GROUPS = (*SUBMISSION_GROUPS, UNKNOWN_GROUP)


def _read(path: Path) -> str:
    """Exact text: no newline translation, so a test's '\\r\\n' survives a round trip."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ProblemFormatError(f"{path}: not UTF-8 text") from None


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


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
            input=_read(inp),
            output=_read(ans) if ans.exists() else None,
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
    meta, statement = _split_front_matter(_read(where), where)

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
        source, language = _read(file), language_for_path(file)
    checker = CheckerSpec(kind=kind, abs_eps=float(checker_meta.get("abs_eps", 1e-6)),
                          rel_eps=float(checker_meta.get("rel_eps", 1e-6)), source=source, language=language)

    interactive = bool(meta.get("interactive", False))
    interactor = None
    if interactive:
        named = meta.get("interactor") or {}
        file = root / str(named.get("file", "interactor.cpp"))
        if file.is_file():
            interactor = Interactor(_read(file), language_for_path(file) or "cpp17")
        elif named:  # the front matter names an interactor that is not there
            raise ProblemFormatError(f"{where}: interactive problem without its interactor ({file.name})",
                                     hint="add the interactor source, or remove the 'interactor' field")
        # else: interactive, no interactor yet (a fetched Codeforces problem): readable, not judgeable

    gen = meta.get("generator")
    generator = None
    if gen:
        if "command" not in gen or "seed" not in gen:
            raise ProblemFormatError(f"{where}: generator needs both 'command' and 'seed'")
        generator = GeneratorInfo(str(gen["command"]), int(gen["seed"]))

    sub_meta = meta.get("submissions") or {}
    if not isinstance(sub_meta, dict):
        raise ProblemFormatError(f"{where}: field 'submissions' must map GROUP/FILE to {{language, meta}}")
    submissions = []
    subs_root = root / "submissions"
    if subs_root.is_dir():
        for group_dir in sorted(p for p in subs_root.iterdir() if p.is_dir()):
            group = GROUP_ALIASES.get(group_dir.name, group_dir.name)
            if group not in DIR_GROUPS:
                raise ProblemFormatError(f"{group_dir}: unknown submission group",
                                         hint=f"use one of {', '.join(DIR_GROUPS)}")
            for file in sorted(group_dir.iterdir()):
                name = f"{group}/{file.name}"
                extra = sub_meta.get(name) or {}
                lang = extra.get("language") or language_for_path(file)
                if file.is_file() and lang:
                    submissions.append(Submission(name, str(lang), _read(file), group,
                                                  meta=dict(extra.get("meta") or {})))

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
        meta=dict(meta.get("meta") or {}),
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
    if problem.meta:
        meta["meta"] = dict(problem.meta)
    subs: dict[str, Any] = {}
    for sub in problem.submissions:
        extra: dict[str, Any] = {}
        name = _submission_path(sub)
        if language_for_path(name) != sub.language:
            extra["language"] = sub.language
        if sub.meta:
            extra["meta"] = dict(sub.meta)
        if extra:
            subs[name] = extra
    if subs:
        meta["submissions"] = subs
    return meta


def _submission_path(sub: Submission) -> str:
    """`GROUP/FILE` as written under submissions/: the group is the expected outcome."""
    group = sub.expected if sub.expected in DIR_GROUPS else UNKNOWN_GROUP
    name = Path(sub.name).name
    if not Path(name).suffix:
        name += file_extension(sub.language)
    return f"{group}/{name}"


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
        _write(tmp / PROBLEM_FILE, text)
        for folder, tests in (("sample", problem.public_tests), ("hidden", problem.hidden_tests)):
            if not tests:
                continue
            d = tmp / "tests" / folder
            d.mkdir(parents=True)
            for i, t in enumerate(tests, 1):
                name = t.name or f"{i:02d}"
                _write(d / f"{name}.in", t.input)
                if t.output is not None:
                    _write(d / f"{name}.ans", t.output)
        if problem.checker.kind == "custom" and problem.checker.source:
            ext = extension_for_language(problem.checker.language or "cpp17")
            _write(tmp / f"checker{ext}", problem.checker.source)
        if problem.interactor:
            ext = extension_for_language(problem.interactor.language)
            _write(tmp / f"interactor{ext}", problem.interactor.source)
        written: set[str] = set()
        for sub in problem.submissions:
            rel = _submission_path(sub)
            if rel in written:
                raise ProblemFormatError(f"{dest}: two submissions would both be written to {rel}",
                                         hint="give the submissions distinct names")
            written.add(rel)
            file = tmp / "submissions" / rel
            file.parent.mkdir(parents=True, exist_ok=True)
            _write(file, sub.code)
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest
