"""Input structure inferred from the public inputs: lines, token kinds, counts, repeats, multi-test.

The grammar is small on purpose. A `Structure` is a list of items, each consuming whole lines:

- `Scalars`: a line of named tokens (`int`, `float` or `word`);
- `Array`: a line of `length` tokens of one kind, its length a constant or an earlier integer
  (optionally plus or minus one: `n - 1` edges);
- `CountedArray`: a line `k a_1 ... a_k`;
- `Text`: a line holding one word whose length may equal an earlier integer (grids);
- `Repeat`: `count` copies of a body (lines of a grid, queries, edges, or the test cases of a
  multi-test input whose first line is the number of tests).

Inference is greedy per sample (an integer whose value matches a line's token count or a run of
alike lines becomes that count), and a structure is kept only if it parses every public input, so
several samples disambiguate each other. What the grammar cannot express falls back to `Scalars`
lines, which still let mutations vary values without breaking the layout.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

INT_RE = re.compile(r"[+-]?\d{1,18}")
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
class Repeat:
    name: str
    count: Length
    body: tuple["Item", ...]


Item = Scalars | Array | CountedArray | Text | Repeat


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


# -- inference ---------------------------------------------------------------------------------

class _Namer:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def __call__(self, prefix: str) -> str:
        n = self.counts.get(prefix, 0)
        self.counts[prefix] = n + 1
        return f"{prefix}{n}"


def _match_length(n: int, env: list[tuple[str, int]], exact_only: bool = False) -> Length | None:
    """The most recent integer (or integer - 1, as in `n - 1` edges) equal to `n`."""
    offsets = (0,) if exact_only else (0, -1)
    for off in offsets:
        for name, value in reversed(env):
            if value + off == n and value >= 1:
                return Length(name, off)
    return None


def _counted(toks: list[str]) -> bool:
    return (bool(toks) and token_kind(toks[0]) == "int" and int(toks[0]) == len(toks) - 1
            and len({token_kind(t) for t in toks[1:]}) <= 1)


def _line_item(toks: list[str], env: list[tuple[str, int]], namer: _Namer, first: bool,
               counted: bool = True) -> Item:
    kinds = [token_kind(t) for t in toks]
    if len(toks) == 1 and kinds[0] == "word":
        return Text(namer("w"), _match_length(len(toks[0]), env, exact_only=True))
    same = len(set(kinds)) == 1
    if not first and same and len(toks) >= 2:
        length = _match_length(len(toks), env)
        if length is not None:
            return Array(namer("a"), kinds[0], length)
    if counted and not first and len(toks) >= 2 and _counted(toks):
        return CountedArray(namer("k"), namer("a"), kinds[1])
    if not first and same and len(toks) == 1:
        length = _match_length(1, env, exact_only=True)
        if length is not None and kinds[0] != "word":
            return Array(namer("a"), kinds[0], length)
    return Scalars(tuple(Token(namer("s"), k) for k in kinds))


def _shape(item: Item) -> tuple:
    """An item with its names erased, to tell whether lines are alike."""
    if isinstance(item, Scalars):
        return ("S", tuple(t.kind for t in item.tokens))
    if isinstance(item, Array):
        return ("A", item.kind, item.length)
    if isinstance(item, CountedArray):
        return ("C", item.kind)
    if isinstance(item, Text):
        return ("T", item.length)
    return ("R",)


def _infer_one(lines: list[list[str]], i: int, env: list[tuple[str, int]], namer: _Namer,
               first: bool) -> tuple[Item, int]:
    """One item starting at line i: a repeat of alike lines if an integer counts them, else a line."""
    if not first:
        for off in (0, -1):
            for name, value in reversed(env):
                count = value + off
                if count < 2 or i + count > len(lines):
                    continue
                block = lines[i:i + count]
                kinds = {tuple(token_kind(t) for t in toks) for toks in block}
                if len(kinds) == 1:
                    body = _line_item(lines[i], env, namer, False, counted=False)
                elif all(_counted(toks) for toks in block):
                    kind = next((token_kind(t) for toks in block for t in toks[1:]), "int")
                    body = CountedArray(namer("k"), namer("a"), kind)
                else:
                    continue
                return Repeat(namer("r"), Length(name, off), (body,)), i + count
    item = _line_item(lines[i], env, namer, first)
    if isinstance(item, Scalars):
        for t, s in zip(item.tokens, lines[i]):
            if t.kind == "int":
                env.append((t.name, int(s)))
    return item, i + 1


def _infer_flat(lines: list[list[str]]) -> Structure:
    namer, env, items, i = _Namer(), [], [], 0
    while i < len(lines):
        item, i = _infer_one(lines, i, env, namer, first=(i == 0))
        items.append(item)
    return Structure(tuple(items))


def _infer_multitest(lines: list[list[str]]) -> Structure | None:
    """`t` on the first line, then t blocks of one shape: try bodies of 1, 2, ... items."""
    if len(lines) < 2 or len(lines[0]) != 1 or token_kind(lines[0][0]) != "int":
        return None
    t = int(lines[0][0])
    if t < 1 or t > len(lines) - 1:
        return None
    for size in range(1, 5):
        namer, env, body, i = _Namer(), [("t0", t)], [], 1
        namer.counts["t"] = 1
        while len(body) < size and i < len(lines):
            item, i = _infer_one(lines, i, env, namer, first=False)
            body.append(item)
        if len(body) < size:
            return None
        candidate = Structure((Scalars((Token("t0", "int"),)), Repeat("r_tests", Length("t0"), tuple(body))),
                              multitest=True)
        if parse(candidate, "\n".join(" ".join(x) for x in lines)) is not None:
            return candidate
    return None


def infer_structure(samples: Sequence[str]) -> Structure | None:
    """The structure that parses every sample; inferred from the richest sample first. None if none."""
    samples = [s for s in samples if s.strip()]
    if not samples:
        return None
    tried: list[Structure] = []
    for text in sorted(samples, key=lambda s: -len(split_lines(s))):
        lines = split_lines(text)
        for candidate in (_infer_multitest(lines), _infer_flat(lines)):
            if candidate is not None:
                tried.append(candidate)
    # A multi-test reading needs at least two tests somewhere; otherwise prefer the flat one.
    for candidate in tried:
        if all(parse(candidate, s) is not None for s in samples):
            if candidate.multitest and not any(_tests(s) >= 2 for s in samples):
                continue
            return candidate
    for candidate in tried:
        if all(parse(candidate, s) is not None for s in samples):
            return candidate
    return None


def _tests(text: str) -> int:
    lines = split_lines(text)
    try:
        return int(lines[0][0])
    except (IndexError, ValueError):
        return 0


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

    walk(structure.items)
    return out
