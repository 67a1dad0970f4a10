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


# -- inference ---------------------------------------------------------------------------------

class _Namer:
    def __init__(self, counts: dict[str, int] | None = None) -> None:
        self.counts: dict[str, int] = dict(counts or {})

    def __call__(self, prefix: str) -> str:
        n = self.counts.get(prefix, 0)
        self.counts[prefix] = n + 1
        return f"{prefix}{n}"

    def copy(self) -> "_Namer":
        return _Namer(self.counts)


# An integer seen so far: (name, value, line, position). Counts are looked up most recent line
# first and, within a line, first token first ("n m" then n lines is more common than m lines).
Env = list[tuple[str, int, int, int]]


def _ordered(env: Env) -> list[tuple[str, int]]:
    return [(n, v) for n, v, _, _ in sorted(env, key=lambda e: (-e[2], e[3]))]


def _lengths(n: int, env: Env, offsets: tuple[int, ...] = (0, -1)) -> list[Length]:
    """Every integer (or integer - 1, as in `n - 1` edges) equal to `n`, most likely first."""
    out = []
    for off in offsets:
        for name, value in _ordered(env):
            if value + off == n and value >= 1:
                out.append(Length(name, off))
    return out


def _counted(toks: list[str]) -> bool:
    return (bool(toks) and token_kind(toks[0]) == "int" and int(toks[0]) == len(toks) - 1
            and len({token_kind(t) for t in toks[1:]}) <= 1)


def _line_options(toks: list[str], env: Env, namer: _Namer, first: bool, in_repeat: bool) -> list[Item]:
    """Readings of one line, most likely first."""
    kinds = [token_kind(t) for t in toks]
    if len(toks) == 1 and kinds[0] == "word":
        return [Text(namer.copy()("w"), length) for length in _lengths(len(toks[0]), env, (0,))] + [
            Text(namer.copy()("w"))]
    same = len(set(kinds)) == 1
    arrays: list[Item] = []
    if not first and same and (len(toks) >= 2 or kinds[0] != "word"):
        for length in _lengths(len(toks), env):
            if len(toks) >= 2 or length.offset == 0:
                arrays.append(Array(namer.copy()("a"), kinds[0], length))
    scalars = Scalars(tuple(Token(f"s{namer.counts.get('s', 0) + j}", k) for j, k in enumerate(kinds)))
    counted: list[Item] = []
    if not first and len(toks) >= 2 and _counted(toks):
        n2 = namer.copy()
        counted.append(CountedArray(n2("k"), n2("a"), kinds[1]))
    if in_repeat or len(toks) <= 1:
        return [scalars] + counted + arrays
    if len(toks) >= 3:
        return arrays[:1] + counted + [scalars] + arrays[1:]
    return arrays[:1] + [scalars] + counted + arrays[1:]


def _commit(item: Item, namer: _Namer) -> None:
    """Advance the namer past the names `item` uses."""
    def bump(name: str) -> None:
        prefix = name.rstrip("0123456789")
        namer.counts[prefix] = max(namer.counts.get(prefix, 0), int(name[len(prefix):] or 0) + 1)

    if isinstance(item, Scalars):
        for t in item.tokens:
            bump(t.name)
    elif isinstance(item, (Array, Text)):
        bump(item.name)
    elif isinstance(item, CountedArray):
        bump(item.count)
        bump(item.name)
    elif isinstance(item, Choice):
        bump(item.name)
        for _, body in item.options:
            _commit(body, namer)
    elif isinstance(item, Repeat):
        bump(item.name)
        for b in item.body:
            _commit(b, namer)


def _choice(block: list[list[str]], namer: _Namer) -> "Choice | None":
    """Lines of several kinds told apart by their first token (`alloc 5`, `erase 1`, `defragment`)."""
    shapes: dict[str, tuple[str, ...]] = {}
    for toks in block:
        if not toks:
            return None
        shape = tuple(token_kind(t) for t in toks[1:])
        if shapes.setdefault(toks[0], shape) != shape:
            return None
    if not 2 <= len(shapes) <= 6 or len(shapes) == len(block):
        return None
    n2 = namer.copy()
    name = n2("q")
    options = tuple((head, Scalars(tuple(Token(n2("s"), k) for k in shape))) for head, shape in shapes.items())
    return Choice(name, options)


def _options(lines: list[list[str]], i: int, env: Env, namer: _Namer, first: bool,
             in_repeat: bool = False) -> list[tuple[Item, int]]:
    """Every reading of the input at line i as (item, next line), most likely first."""
    out: list[tuple[Item, int]] = []
    repeats_late: list[tuple[Item, int]] = []
    if not first:
        for length in [x for off in (0, -1) for x in _lengths_any(env, off)]:
            count = length.value({n: v for n, v, _, _ in env})
            if count < 2 or i + count > len(lines):
                continue
            block = lines[i:i + count]
            kinds = {tuple(token_kind(t) for t in toks) for toks in block}
            bodies: list[Item] = []
            if len(kinds) == 1:
                bodies = _line_options(lines[i], env, namer, False, in_repeat=True)
            elif all(_counted(toks) for toks in block):
                kind = next((token_kind(t) for toks in block for t in toks[1:]), "int")
                n2 = namer.copy()
                bodies = [CountedArray(n2("k"), n2("a"), kind)]
            else:
                choice = _choice(block, namer)
                if choice is not None:
                    bodies = [choice]
            for body in bodies:
                n2 = namer.copy()
                _commit(body, n2)
                rep = Repeat(n2("r"), length, (body,))
                (out if length.offset == 0 else repeats_late).append((rep, i + count))
    lines_read = [(item, i + 1) for item in _line_options(lines[i], env, namer, first, in_repeat)]
    return out + repeats_late + lines_read


def _lengths_any(env: Env, off: int) -> list[Length]:
    return [Length(name, off) for name, value in _ordered(env) if value + off >= 2]


def _with_env(item: Item, toks: list[str], env: Env, line: int) -> Env:
    if not isinstance(item, Scalars):
        return env
    added = [(t.name, int(s), line, j) for j, (t, s) in enumerate(zip(item.tokens, toks)) if t.kind == "int"]
    return env + added


class _Search:
    """Depth-first search over readings of one sample, pruned by parsing every sample's prefix."""

    def __init__(self, lines: list[list[str]], others: list[list[list[str]]], budget: int = 400) -> None:
        self.lines = lines
        self.others = others
        self.budget = budget

    def _prefix_ok(self, items: tuple[Item, ...], final: bool) -> bool:
        for lines in self.others:
            got = _parse_items(items, lines, 0, {}, Observations())
            if got is None or (final and got[1] != len(lines)):
                return False
        return True

    def run(self, items: tuple[Item, ...], i: int, env: Env, namer: _Namer) -> Structure | None:
        if i >= len(self.lines):
            return Structure(items) if self._prefix_ok(items, True) else None
        for item, nxt in _options(self.lines, i, env, namer, first=(i == 0)):
            self.budget -= 1
            if self.budget < 0:
                return None
            candidate = items + (item,)
            if not self._prefix_ok(candidate, False):
                continue
            n2 = namer.copy()
            _commit(item, n2)
            found = self.run(candidate, nxt, _with_env(item, self.lines[i], env, i), n2)
            if found is not None:
                return found
        return None


def _infer_one(lines: list[list[str]], i: int, env: Env, namer: _Namer, first: bool) -> tuple[Item, int]:
    item, nxt = _options(lines, i, env, namer, first)[0]
    _commit(item, namer)
    env[:] = _with_env(item, lines[i], env, i)
    return item, nxt


def _infer_multitest(lines: list[list[str]]) -> Structure | None:
    """`t` on the first line, then t blocks of one shape: try bodies of 1, 2, ... items."""
    if len(lines) < 2 or len(lines[0]) != 1 or token_kind(lines[0][0]) != "int":
        return None
    t = int(lines[0][0])
    if t < 1 or t > len(lines) - 1:
        return None
    for size in range(1, 5):
        namer, env, body, i = _Namer({"t": 1}), [("t0", t, 0, 0)], [], 1
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
    parsed = [split_lines(s) for s in samples]
    order = sorted(range(len(samples)), key=lambda k: -len(parsed[k]))
    multi = [m for k in order if (m := _infer_multitest(parsed[k])) is not None]
    for candidate in multi:
        if all(parse(candidate, s) is not None for s in samples) and any(_tests(s) >= 2 for s in samples):
            return candidate
    for k in order:
        others = [parsed[j] for j in order if j != k]
        found = _Search(parsed[k], others).run((), 0, [], _Namer())
        if found is not None:
            return found
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
            elif isinstance(item, Choice):
                walk([body for _, body in item.options])

    walk(structure.items)
    return out
