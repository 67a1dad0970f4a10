"""Input structure inferred from the public inputs: lines, token kinds, counts, repeats, multi-test.

The grammar is small on purpose. A `Structure` is a list of items, each consuming whole lines:

- `Scalars`: a line of named tokens (`int`, `float` or `word`);
- `Array`: a line of `length` tokens of one kind, its length a constant or an earlier integer
  (optionally plus or minus one: `n - 1` edges);
- `CountedArray`: a line `k a_1 ... a_k`;
- `Text`: a line holding one word whose length may equal an earlier integer (grids);
- `Repeat`: `count` copies of a body (lines of a grid, queries, edges, or the test cases of a
  multi-test input whose first line is the number of tests).

`clustering.inference` finds the structure of the public inputs; this module holds the grammar,
the parser that checks an input against a structure, and the value tree generators fill in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

INT_RE = re.compile(r"[+-]?\d{1,20}")
FLOAT_RE = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class Length:
    """A count: the value of variable `var` plus `offset`, or the constant `offset` when var is None."""

    var: str | None
    offset: int = 0

    def value(self, env: dict[str, int]) -> int:
        return (env[self.var] if self.var is not None else 0) + self.offset


@dataclass(frozen=True)
class Token:
    name: str
    kind: str  # int | float | word


@dataclass(frozen=True)
class Scalars:
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class Array:
    name: str
    kind: str
    length: Length


@dataclass(frozen=True)
class CountedArray:
    count: str
    name: str
    kind: str


@dataclass(frozen=True)
class Text:
    name: str
    length: Length | None = None


@dataclass(frozen=True)
class Choice:
    """A line of one of several kinds, told apart by its first token (query types, commands)."""

    name: str
    options: tuple[tuple[str, Scalars], ...]


@dataclass(frozen=True)
class Repeat:
    name: str
    count: Length
    body: tuple["Item", ...]


Item = Scalars | Array | CountedArray | Text | Choice | Repeat


@dataclass(frozen=True)
class Structure:
    items: tuple[Item, ...]
    multitest: bool = False

    def describe(self) -> str:
        return " / ".join(_describe(i) for i in self.items)


def _describe(item: Item) -> str:
    if isinstance(item, Scalars):
        return " ".join(f"{t.name}:{t.kind}" for t in item.tokens)
    if isinstance(item, Array):
        return f"{item.name}[{_len(item.length)}]:{item.kind}"
    if isinstance(item, CountedArray):
        return f"{item.count} {item.name}[{item.count}]:{item.kind}"
    if isinstance(item, Text):
        return f"{item.name}:text[{_len(item.length) if item.length else '?'}]"
    if isinstance(item, Choice):
        return "(" + " | ".join(f"{h} {_describe(b)}" for h, b in item.options) + ")"
    return f"{_len(item.count)}x({' / '.join(_describe(b) for b in item.body)})"


def _len(length: Length) -> str:
    if length.var is None:
        return str(length.offset)
    return length.var + (f"{length.offset:+d}" if length.offset else "")


def token_kind(token: str) -> str:
    if len(token) > 1 and token[0] == "0" and token.isdigit():
        return "word"  # zero-padded codes keep their width: digits, not a number
    if INT_RE.fullmatch(token):
        return "int"
    if FLOAT_RE.fullmatch(token):
        return "float"
    return "word"


def split_lines(text: str) -> list[list[str]]:
    """Lines of tokens, blank lines dropped (judges read tokens, not blank lines)."""
    return [line.split() for line in text.replace("\r", "").split("\n") if line.strip()]


# -- parsing against a structure --------------------------------------------------------------

@dataclass
class Observations:
    """Values seen per variable while parsing (for bounds, alphabets and lengths)."""

    values: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, token: str) -> None:
        self.values.setdefault(name, []).append(token)


def _fits(kind: str, token: str) -> bool:
    if kind == "int":
        return INT_RE.fullmatch(token) is not None
    if kind == "float":
        return FLOAT_RE.fullmatch(token) is not None
    return True


def _parse_items(items: Sequence[Item], lines: list[list[str]], i: int, env: dict[str, int],
                 obs: Observations) -> tuple[list, int] | None:
    values: list = []
    for item in items:
        if isinstance(item, Repeat):
            try:
                count = item.count.value(env)
            except KeyError:
                return None
            if count < 0:
                return None
            reps = []
            for _ in range(count):
                got = _parse_items(item.body, lines, i, dict(env), obs)
                if got is None:
                    return None
                rep, i = got
                reps.append(rep)
            values.append(reps)
            continue
        if isinstance(item, Array):
            try:
                if item.length.value(env) == 0:  # an empty array's line is blank, and blank lines are dropped
                    values.append([])
                    continue
            except KeyError:
                return None
        if i >= len(lines):
            return None
        toks = lines[i]
        i += 1
        if isinstance(item, Scalars):
            if len(toks) != len(item.tokens) or not all(_fits(t.kind, s) for t, s in zip(item.tokens, toks)):
                return None
            for t, s in zip(item.tokens, toks):
                obs.add(t.name, s)
                if t.kind == "int":
                    env[t.name] = int(s)
            values.append(list(toks))
        elif isinstance(item, Array):
            try:
                n = item.length.value(env)
            except KeyError:
                return None
            if len(toks) != n or not all(_fits(item.kind, s) for s in toks):
                return None
            for s in toks:
                obs.add(item.name, s)
            values.append(list(toks))
        elif isinstance(item, CountedArray):
            if not toks or not INT_RE.fullmatch(toks[0]) or int(toks[0]) != len(toks) - 1:
                return None
            if not all(_fits(item.kind, s) for s in toks[1:]):
                return None
            obs.add(item.count, toks[0])
            for s in toks[1:]:
                obs.add(item.name, s)
            values.append(list(toks[1:]))
        elif isinstance(item, Choice):
            match = next((body for head, body in item.options if toks and toks[0] == head), None)
            if match is None or len(toks) - 1 != len(match.tokens):
                return None
            if not all(_fits(t.kind, s) for t, s in zip(match.tokens, toks[1:])):
                return None
            for t, s in zip(match.tokens, toks[1:]):
                obs.add(t.name, s)
            values.append(list(toks))
        elif isinstance(item, Text):
            if len(toks) != 1:
                return None
            if item.length is not None:
                try:
                    if len(toks[0]) != item.length.value(env):
                        return None
                except KeyError:
                    return None
            obs.add(item.name, toks[0])
            values.append(toks[0])
    return values, i


def parse(structure: Structure, text: str, obs: Observations | None = None) -> list | None:
    """The value tree of `text` under `structure`, or None when it does not fit exactly."""
    lines = split_lines(text)
    got = _parse_items(structure.items, lines, 0, {}, obs if obs is not None else Observations())
    if got is None or got[1] != len(lines):
        return None
    return got[0]


def length_vars(structure: Structure) -> set[str]:
    """Variables that size something (array lengths, repeat counts, text lengths)."""
    out: set[str] = set()

    def walk(items: Sequence[Item]) -> None:
        for item in items:
            if isinstance(item, Array) and item.length.var:
                out.add(item.length.var)
            elif isinstance(item, Text) and item.length and item.length.var:
                out.add(item.length.var)
            elif isinstance(item, CountedArray):
                out.add(item.count)
            elif isinstance(item, Repeat):
                if item.count.var:
                    out.add(item.count.var)
                walk(item.body)
            elif isinstance(item, Choice):
                walk([body for _, body in item.options])

    walk(structure.items)
    return out
