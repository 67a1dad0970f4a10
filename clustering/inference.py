"""Which structure the public inputs have: a search over readings, pruned by every sample.

At each line the candidate readings are tried most likely first: a repeat of alike lines counted by
an earlier integer, an array sized by one (or by one minus one: `n - 1` edges), a `k a_1 ... a_k`
line, a word whose length is an earlier integer, lines of several kinds told apart by their first
token, or plain scalars. A reading survives only if every other sample still parses with it, so
several samples disambiguate each other; a multi-test reading (`t`, then t blocks) is tried first.
What the grammar cannot express falls back to `Scalars` lines, which still let mutations vary values
without breaking the layout.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from clustering.structure import (Array, Choice, CountedArray, Item, Length, Observations, Repeat, Scalars,
                                  Structure, Text, Token, _parse_items, parse, split_lines, token_kind)


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


def _line_options(toks: list[str], env: Env, namer: _Namer, first: bool, in_repeat: bool,
                  used: frozenset[Length] = frozenset(), matrix: bool = False) -> list[Item]:
    """Readings of one line, most likely first. An `n - 1` length already used by an array comes
    after plain scalars ("n - 1 integers" is usually one line, not every pair that follows)."""
    kinds = [token_kind(t) for t in toks]
    if len(toks) == 1 and kinds[0] == "word":
        return [Text(namer.copy()("w"), length) for length in _lengths(len(toks[0]), env, (0,))] + [
            Text(namer.copy()("w"))]
    if len(toks) == 1 and toks[0].isdigit() and len(toks[0]) >= 2:
        # A digit string as long as an earlier integer is a word of digits ("1110101111" after n = 10).
        texts: list[Item] = [Text(namer.copy()("w"), length) for length in _lengths(len(toks[0]), env, (0,))]
        if texts and set(toks[0]) <= {"0", "1"}:
            return texts + [Scalars((Token(f"s{namer.counts.get('s', 0)}", kinds[0]),))]
        if texts:
            return [Scalars((Token(f"s{namer.counts.get('s', 0)}", kinds[0]),))] + texts
        if _binary_word(toks[0]):  # "1010100": a string of 0s and 1s, read as a number it would lose its width
            return [Text(namer.copy()("w")), Scalars((Token(f"s{namer.counts.get('s', 0)}", kinds[0]),))]
    same = len(set(kinds)) == 1
    arrays: list[Item] = []
    if not first and same and (len(toks) >= 2 or kinds[0] != "word"):
        for length in _lengths(len(toks), env):
            if len(toks) >= 2 or length.offset == 0:
                arrays.append(Array(namer.copy()("a"), kinds[0], length))
    late = [a for a in arrays if isinstance(a, Array) and a.length.offset and a.length in used]
    arrays = [a for a in arrays if a not in late]
    scalars = Scalars(tuple(Token(f"s{namer.counts.get('s', 0) + j}", k) for j, k in enumerate(kinds)))
    counted: list[Item] = []
    if not first and len(toks) >= 2 and _counted(toks):
        n2 = namer.copy()
        counted.append(CountedArray(n2("k"), n2("a"), kinds[1]))
    if in_repeat and matrix and arrays and len(toks) >= 2:
        return arrays + [scalars] + counted + late  # rows of a matrix: as many numbers as an earlier integer says
    if in_repeat or len(toks) <= 1:
        return [scalars] + counted + arrays + late
    if len(toks) >= 3:
        return arrays[:1] + counted + [scalars] + arrays[1:] + late
    return arrays[:1] + [scalars] + counted + arrays[1:] + late


def _one_word(toks: list[str], length: Length) -> bool:
    """A line of one word (a name): what a count of 1 may still count as a list of lines."""
    return not length.offset and len(toks) == 1 and token_kind(toks[0]) == "word"


def _binary_word(token: str) -> bool:
    """A digit token that is a word of 0s and 1s rather than a number: at least four digits, only 0 and 1,
    and not a round number (`1000` is a bound more often than a bit string)."""
    return len(token) >= 4 and set(token) <= {"0", "1"} and not re.fullmatch(r"10*", token)


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
    if not 2 <= len(shapes) <= 4 or 2 * len(shapes) > len(block):
        return None
    heads = list(shapes)
    if not (all(token_kind(h) == "word" for h in heads) or all(h.isdigit() and len(h) == 1 for h in heads)):
        return None  # commands are words ("alloc") or small type numbers ("1 x y", "2 x")
    n2 = namer.copy()
    name = n2("q")
    options = tuple((head, Scalars(tuple(Token(n2("s"), k) for k in shape))) for head, shape in shapes.items())
    return Choice(name, options)


def _options(lines: list[list[str]], i: int, env: Env, namer: _Namer, first: bool,
             in_repeat: bool = False, arrays_first: bool = False, matrix: bool = False,
             used: frozenset[Length] = frozenset(), single: bool = False) -> list[tuple[Item, int]]:
    """Every reading of the input at line i as (item, next line), most likely first.

    `single`: the statement speaks of "n lines", so a count of 1 may still count lines of one word (a
    sample with one name); without it one line after a 1 is read as a plain line.
    """
    out: list[tuple[Item, int]] = []
    repeats_late: list[tuple[Item, int]] = []
    if not first:
        least = 1 if single else 2
        for length in [x for off in (0, -1) for x in _lengths_any(env, off, least)]:
            count = length.value({n: v for n, v, _, _ in env})
            if count < least or i + count > len(lines) or (count == 1 and not _one_word(lines[i], length)):
                continue
            block = lines[i:i + count]
            kinds = {tuple(_relaxed_kind(t) for t in toks) for toks in block}
            bodies: list[Item] = []
            if len(kinds) == 1:
                bodies = _line_options(_representative(block), env, namer, False, in_repeat=True, matrix=matrix)
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
    lines_read = [(item, i + 1) for item in _line_options(lines[i], env, namer, first, in_repeat, used)]
    if arrays_first:  # the statement speaks of "n - 1 integers", not "n - 1 lines"
        return out + lines_read + repeats_late
    return out + repeats_late + lines_read


def _relaxed_kind(token: str) -> str:
    """Digit strings are alike whether or not they start with 0 ("010" and "100" in one grid)."""
    return "digits" if token.isdigit() else token_kind(token)


def _representative(block: list[list[str]]) -> list[str]:
    """The line of a block to read the body from: one with zero-padded digits, if any (words)."""
    for toks in block:
        if any(token_kind(t) == "word" and t.isdigit() for t in toks):
            return toks
    return block[0]


def _lengths_any(env: Env, off: int, least: int = 2) -> list[Length]:
    return [Length(name, off) for name, value in _ordered(env) if value + off >= least]


def _with_env(item: Item, toks: list[str], env: Env, line: int) -> Env:
    if not isinstance(item, Scalars):
        return env
    added = [(t.name, int(s), line, j) for j, (t, s) in enumerate(zip(item.tokens, toks)) if t.kind == "int"]
    return env + added


class _Search:
    """Depth-first search over readings of one sample, pruned by parsing every sample's prefix."""

    def __init__(self, lines: list[list[str]], others: list[list[list[str]]], budget: int = 400,
                 arrays_first: bool = False, matrix: bool = False, single: bool = False) -> None:
        self.single = single
        self.arrays_first = arrays_first
        self.matrix = matrix
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
        used = frozenset(it.length for it in items if isinstance(it, Array))
        for item, nxt in _options(self.lines, i, env, namer, first=(i == 0), arrays_first=self.arrays_first,
                                  matrix=self.matrix, used=used, single=self.single):
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
        # The number of tests sizes nothing inside a test: the body starts with no integers known.
        namer, env, body, i = _Namer({"t": 1}), [], [], 1
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


def minus_one_arrays(statement: str) -> bool:
    """Whether the statement sizes a line by `n - 1` numbers ("n - 1 integers p_2 ... p_n") rather
    than `n - 1` lines (edges): the samples alone often cannot tell the two apart."""
    text = statement.lower()
    numbers = len(re.findall(r"\b[a-z]\s*-\s*1\s+(?:space-separated\s+|positive\s+|distinct\s+)?"
                             r"(?:integers|numbers|values)", text))
    lines = len(re.findall(r"\b[a-z]\s*-\s*1\s+(?:lines|edges|roads|pairs|rows)", text))
    return numbers > lines


def speaks_of_matrix(statement: str) -> bool:
    """Whether the input holds a matrix or table of numbers: `n` lines of `n` (or `m`) numbers, so a
    sample with n = 3 and three numbers per line reads as rows sized by n, not as three fixed columns."""
    return re.search(r"\b(?:matrix|matrices|table|grid)\b", _input_part(statement).lower()) is not None


def speaks_of_lines(statement: str) -> bool:
    """Whether the Input section counts lines by a variable ("then follow n lines", "each of the next m
    lines"): a sample whose count is 1 then still holds a list of one line."""
    return re.search(r"\b[a-z](?:_\w+)?\s+(?:more\s+)?lines\b", _input_part(statement)) is not None


def _input_part(statement: str) -> str:
    m = re.search(r"(?m)^\s*(?:#+\s*)?Input\s*:?\s*$", statement)
    rest = statement[m.end():] if m else statement
    end = re.search(r"(?m)^\s*(?:#+\s*)?(Output|Examples?|Notes?)\s*:?\s*$", rest)
    return rest[: end.start()] if end else rest


def infer_structure(samples: Sequence[str], statement: str = "") -> Structure | None:
    """The structure that parses every sample; inferred from the richest sample first. None if none.

    `statement` only breaks ties the samples leave open (`n - 1` integers or `n - 1` lines).
    """
    samples = [s for s in samples if s.strip()]
    if not samples:
        return None
    parsed = [split_lines(s) for s in samples]
    order = sorted(range(len(samples)), key=lambda k: -len(parsed[k]))
    matrix = speaks_of_matrix(statement)  # "n lines of the matrix": rows sized by n, not tests of one line
    multi = [m for k in order if (m := _infer_multitest(parsed[k])) is not None
             and not (matrix and len(m.items[1].body) == 1)]  # type: ignore[union-attr]
    for candidate in multi:
        if all(parse(candidate, s) is not None for s in samples) and any(_tests(s) >= 2 for s in samples):
            return candidate
    for k in order:
        others = [parsed[j] for j in order if j != k]
        found = _Search(parsed[k], others, arrays_first=minus_one_arrays(statement),
                        matrix=speaks_of_matrix(statement), single=speaks_of_lines(statement)).run((), 0, [], _Namer())
        if found is not None:
            return found
    return None


def _tests(text: str) -> int:
    lines = split_lines(text)
    try:
        return int(lines[0][0])
    except (IndexError, ValueError):
        return 0
