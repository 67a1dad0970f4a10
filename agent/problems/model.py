"""The problem model every source converts into: a Codeforces page, a dataset row, a problem directory.

Frozen and JSON-serializable, so that a run directory can record exactly which problem it solved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.checkers.spec import CheckerSpec

# Expected outcomes of bundled submissions, as ICPC/Kattis problem packages group them.
SUBMISSION_GROUPS = ("accepted", "wrong_answer", "time_limit_exceeded", "runtime_error")
GROUP_VERDICT = {"accepted": "AC", "wrong_answer": "WA", "time_limit_exceeded": "TLE", "runtime_error": "RE"}


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest test class, despite the name

    input: str
    output: str | None = None  # None when only a checker can judge (interactive, or no answer known)
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"input": self.input, "output": self.output, "name": self.name}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TestCase":
        return cls(input=data["input"], output=data.get("output"), name=data.get("name", ""))


@dataclass(frozen=True)
class Submission:
    """A known program for the problem, with the outcome it is expected to get."""

    name: str
    language: str
    code: str
    expected: str = "accepted"  # one of SUBMISSION_GROUPS, or "unknown"
    # Where the program came from and what is known about it (dataset verdict, local re-run, ...):
    # plain JSON values, kept through to_json/from_json and the problem directory.
    meta: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def correct(self) -> bool | None:
        if self.expected == "unknown":
            return None
        return self.expected == "accepted"

    def to_json(self) -> dict[str, Any]:
        data = {"name": self.name, "language": self.language, "code": self.code, "expected": self.expected}
        if self.meta:
            data["meta"] = dict(self.meta)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Submission":
        return cls(name=data["name"], language=data["language"], code=data["code"],
                   expected=data.get("expected", "accepted"), meta=dict(data.get("meta") or {}))


@dataclass(frozen=True)
class Interactor:
    source: str
    language: str = "cpp17"


@dataclass(frozen=True)
class GeneratorInfo:
    """How the hidden tests were made, so they can be made again."""

    command: str
    seed: int


@dataclass(frozen=True)
class Problem:
    id: str
    name: str
    statement: str = ""  # Markdown, TeX kept as $...$
    time_limit_s: float = 1.0
    memory_mb: int = 256
    public_tests: tuple[TestCase, ...] = ()
    hidden_tests: tuple[TestCase, ...] = ()
    checker: CheckerSpec = field(default_factory=CheckerSpec)
    interactive: bool = False
    interactor: Interactor | None = None
    input_file: str | None = None  # None: standard input
    output_file: str | None = None  # None: standard output
    multi_test: bool = False
    rating: int | None = None
    tags: tuple[str, ...] = ()
    source_url: str | None = None
    contest_id: str | None = None
    index: str | None = None
    submissions: tuple[Submission, ...] = ()
    generator: GeneratorInfo | None = None
    # Facts about the problem's origin that judging does not depend on (dataset flags such as
    # `clean`, the contest name, the dataset's checker label): plain JSON values, not part of identity().
    meta: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def all_tests(self) -> tuple[TestCase, ...]:
        """Hidden tests when there are any (they usually include the samples), else the samples."""
        return self.hidden_tests or self.public_tests

    def identity(self) -> str:
        """A hash of what judging depends on, recorded in run directories."""
        data = self.to_json(include_submissions=False)
        data.pop("meta", None)
        payload = json.dumps(data, sort_keys=True).encode()
        return hashlib.sha256(payload).hexdigest()[:16]

    def to_json(self, include_submissions: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "statement": self.statement,
            "time_limit_s": self.time_limit_s,
            "memory_mb": self.memory_mb,
            "interactive": self.interactive,
            "input_file": self.input_file,
            "output_file": self.output_file,
            "multi_test": self.multi_test,
            "rating": self.rating,
            "tags": list(self.tags),
            "source_url": self.source_url,
            "contest_id": self.contest_id,
            "index": self.index,
            "checker": self.checker.to_json(),
            "interactor": (
                {"source": self.interactor.source, "language": self.interactor.language}
                if self.interactor else None
            ),
            "generator": (
                {"command": self.generator.command, "seed": self.generator.seed} if self.generator else None
            ),
            "public_tests": [t.to_json() for t in self.public_tests],
            "hidden_tests": [t.to_json() for t in self.hidden_tests],
        }
        data["meta"] = dict(self.meta)
        if include_submissions:
            data["submissions"] = [s.to_json() for s in self.submissions]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Problem":
        inter = data.get("interactor")
        gen = data.get("generator")
        return cls(
            id=str(data["id"]),
            name=str(data.get("name", data["id"])),
            statement=data.get("statement", ""),
            time_limit_s=float(data.get("time_limit_s", 1.0)),
            memory_mb=int(data.get("memory_mb", 256)),
            public_tests=tuple(TestCase.from_json(t) for t in data.get("public_tests", [])),
            hidden_tests=tuple(TestCase.from_json(t) for t in data.get("hidden_tests", [])),
            checker=CheckerSpec.from_json(data.get("checker") or {}),
            interactive=bool(data.get("interactive", False)),
            interactor=Interactor(inter["source"], inter.get("language", "cpp17")) if inter else None,
            input_file=data.get("input_file"),
            output_file=data.get("output_file"),
            multi_test=bool(data.get("multi_test", False)),
            rating=data.get("rating"),
            tags=tuple(data.get("tags", ())),
            source_url=data.get("source_url"),
            contest_id=None if data.get("contest_id") is None else str(data["contest_id"]),
            index=None if data.get("index") is None else str(data["index"]),
            submissions=tuple(Submission.from_json(s) for s in data.get("submissions", [])),
            generator=GeneratorInfo(gen["command"], int(gen["seed"])) if gen else None,
            meta=dict(data.get("meta") or {}),
        )
