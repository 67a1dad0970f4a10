"""What a checker says about one output, and the one signature every checker shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sandbox.checkers.spec import CheckerSpec
from sandbox.verdict import Verdict

MESSAGE_LIMIT = 500  # characters of a checker's message kept in reports


@dataclass(frozen=True)
class CheckResult:
    """AC, WA or PE (IE when a custom checker itself failed), with a short testlib-style message."""

    verdict: Verdict
    message: str = ""
    points: float | None = None  # testlib's quitp (exit code 7)

    def to_json(self) -> dict[str, object]:
        return {"verdict": self.verdict.value, "message": self.message, "points": self.points}


class Checker(Protocol):
    """A built-in comparison: pure, no I/O, safe to call from any thread."""

    def __call__(self, spec: CheckerSpec, input: bytes, output: bytes, answer: bytes) -> CheckResult: ...


def clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."
