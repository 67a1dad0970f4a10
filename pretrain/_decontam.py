"""Decontamination: drop training documents that share a long n-gram with an evaluation text.

A model that saw a problem's statement or accepted solution while training would be measured on
memory, not skill. Following the practice of Codex/StarCoder/Gemini, any document sharing one
whitespace-token n-gram (default 50 tokens, long enough that common boilerplate such as
`#include <stdio.h> int main()` never matches) with any statement or solution of an evaluation file is
removed, and the report names which evaluation text it matched.

Evaluation texts come in as plain strings (`EvalText`); `eval_texts_from_jsonl` is a small reader for
problem JSONL files (statements, public tests' neighbours, accepted and rejected solutions) so this
package needs nothing from `agent/`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pretrain.errors import PretrainError


@dataclass(frozen=True)
class EvalText:
    origin: str  # e.g. "codeflaws_dev.jsonl:cf/1A/statement"
    text: str


def _grams(text: str, n: int) -> Iterator[int]:
    tokens = text.split()
    for i in range(len(tokens) - n + 1):
        digest = hashlib.blake2b(" ".join(tokens[i : i + n]).encode("utf-8", "surrogatepass"), digest_size=8)
        yield int.from_bytes(digest.digest(), "little")


class Decontaminator:
    """An index of the evaluation texts' n-grams; `match` names the first text a document shares one with."""

    def __init__(self, texts: Iterable[EvalText], n: int = 50) -> None:
        self.n = n
        self._index: dict[int, str] = {}
        self.num_texts = 0
        for t in texts:
            self.num_texts += 1
            for g in _grams(t.text, n):
                self._index.setdefault(g, t.origin)

    def match(self, text: str) -> str | None:
        if not self._index:
            return None
        for g in _grams(text, self.n):
            origin = self._index.get(g)
            if origin is not None:
                return origin
        return None


def eval_texts_from_jsonl(path: str | Path) -> Iterator[EvalText]:
    """Statements and solutions of every problem in a problem JSONL file (the eval command's input)."""
    path = Path(path)
    if not path.is_file():
        raise PretrainError(
            f"evaluation file not found: {path}", hint="give the JSONL file `cpagent eval` reads"
        )
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise PretrainError(f"{path}:{number}: not JSON", hint="give a problem JSONL file") from exc
            pid = str(rec.get("id") or rec.get("name") or number)
            for field in ("statement", "description"):
                if isinstance(rec.get(field), str):
                    yield EvalText(f"{path.name}:{pid}/{field}", rec[field])
            for key in ("correct_solutions", "incorrect_solutions", "solutions"):
                for k, sol in enumerate(rec.get(key) or []):
                    code = sol.get("code") if isinstance(sol, dict) else sol if isinstance(sol, str) else None
                    if code:
                        yield EvalText(f"{path.name}:{pid}/{key}/{k}", code)


def eval_texts_from_dir(path: str | Path) -> Iterator[EvalText]:
    """Statements and programs of a tree of problem folders (`problem.md`, `submissions/**`), as text."""
    root = Path(path)
    for f in sorted(root.rglob("*")):
        parts = set(f.relative_to(root).parts[:-1])
        if f.is_file() and (f.name in ("problem.md", "statement.md") or parts & {"submissions", "solutions"}):
            try:
                yield EvalText(str(f), f.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, OSError):
                continue


def eval_texts(paths: Iterable[str | Path]) -> Iterator[EvalText]:
    for p in paths:
        p = Path(p)
        yield from (eval_texts_from_dir(p) if p.is_dir() else eval_texts_from_jsonl(p))
