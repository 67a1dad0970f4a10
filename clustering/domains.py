"""Where each inferred variable's values live: statement bounds matched to variables, else samples.

A statement bound is attached to a variable only if every public value of that variable respects
it, so a misread constraint falls back to what the samples show instead of producing inputs the
problem never allows (which would split correct programs apart).
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, replace

from clustering.constraints import (Bound, Expr, _first_mention, _input_section, _prepare, alphabet_hint, parse_bounds,
                                    quoted_characters)
from clustering.promises import VALUE_PROMISES, holds, parse_promises, rows_distinct, value_holds
from clustering.structure import (Array, Choice, CountedArray, Item, Observations, Repeat, Scalars, Structure,
                                  Text, length_vars, parse)


@dataclass(frozen=True)
class Domain:
    """Values one variable may take. `lo`/`hi` from the statement when matched (maybe relative)."""

    name: str
    kind: str  # int | float | word | text
    statement_name: str | None = None
    los: tuple[Expr, ...] = ()
    his: tuple[Expr, ...] = ()
    obs_lo: float = 0.0
    obs_hi: float = 0.0
    decimals: int = 0
    words: tuple[str, ...] = ()  # observed words (categorical tokens)
    alphabet: str = ""
    len_lo: int = 1
    len_hi: int = 1
    sizes: bool = False  # this integer sizes an array, repeat or text
    pattern: tuple[str, ...] = ()  # fixed-length words: the characters seen at each position
    differs: tuple[str, ...] = ()  # statement names this value must differ from (same line)
    names: bool = False  # capitalised words (months, people): only the values seen are valid
    # What the statement promises about a sequence and every sample keeps (`clustering.promises`):
    # distinct, permutation, increasing, nondecreasing, decreasing, nonincreasing.
    promises: tuple[str, ...] = ()
    perm_base: int = 1  # a permutation of perm_base .. perm_base + n - 1

    def fallback_lo(self) -> float:
        if self.obs_lo >= 1:
            return 1
        if self.obs_lo >= 0:
            return 0
        return -max(abs(self.obs_lo), abs(self.obs_hi))

    def fallback_hi(self) -> float:
        return max(self.obs_hi, self.fallback_lo())

    @property
    def lo(self) -> Expr | None:
        """The constant lower bound from the statement, if any."""
        return next((e for e in self.los if e.var is None), None)

    @property
    def hi(self) -> Expr | None:
        return next((e for e in self.his if e.var is None), None)

    def range(self, env: dict[str, float], others: dict[str, "Domain"] | None = None,
              depth: int = 0) -> tuple[float, float]:
        """[lo, hi] under the values generated so far.

        A bound on a variable not generated yet (`l <= r` while drawing l) goes through that
        variable's own bounds (`r <= n`), so `l <= r <= n` still keeps l within n.
        """
        los = [v for e in self.los if (v := self._bound(e, env, others, depth, 0)) is not None]
        his = [v for e in self.his if (v := self._bound(e, env, others, depth, 1)) is not None]
        lo = max(los) if los else None
        hi = min(his) if his else None
        lo = self.fallback_lo() if lo is None else lo
        hi = max(self.fallback_hi(), lo) if hi is None else hi
        return lo, max(lo, hi)

    def _bound(self, e: Expr, env: dict[str, float], others: dict[str, "Domain"] | None, depth: int,
               side: int) -> float | None:
        value = e.evaluate(env)
        if value is not None or e.var is None or not others or depth > 3 or e.var not in others:
            return value
        return others[e.var].range(env, others, depth + 1)[side] + e.value

    def describe(self) -> str:
        src = f"={self.statement_name}" if self.statement_name else ""
        if self.kind in ("int", "float"):
            lo = ",".join(f"{e.var or ''}{e.value:+g}" for e in self.los) or f"~{self.fallback_lo():g}"
            hi = ",".join(f"{e.var or ''}{e.value:+g}" for e in self.his) or f"~{self.fallback_hi():g}"
            return f"{self.name}{src}:{self.kind}[{lo},{hi}]"
        return f"{self.name}{src}:{self.kind}[{self.alphabet[:8]}..,{self.len_lo}..{self.len_hi}]"


def _variables(items: Sequence[Item], element: bool, out: list[tuple[str, str, bool]]) -> None:
    """(name, kind, element-role) in input order; repeats other than the test list are elements."""
    for item in items:
        if isinstance(item, Scalars):
            out.extend((t.name, t.kind, element) for t in item.tokens)
        elif isinstance(item, Array):
            out.append((item.name, item.kind, True))
        elif isinstance(item, CountedArray):
            out.append((item.count, "int", True))
            out.append((item.name, item.kind, True))
        elif isinstance(item, Text):
            out.append((item.name, "text", element))
        elif isinstance(item, Choice):
            for _, body in item.options:
                out.extend((t.name, t.kind, True) for t in body.tokens)
        elif isinstance(item, Repeat):
            _variables(item.body, element or item.name != "r_tests", out)


def _fits(bound: Bound, values: list[float]) -> bool:
    if not values:
        return True
    if any(e.var is None and min(values) < e.value for e in bound.los):
        return False
    if any(e.var is None and max(values) > e.value for e in bound.his):
        return False
    return True


def _repaired(bound: Bound, values: list[float]) -> Bound | None:
    """The bound as the samples allow it, or None when they break it.

    A name may be bounded twice ("2 ≤ n < m ≤ 50", then "pretests have 2 ≤ n < m ≤ 4"): a constant
    the samples break is left out when another constant on that side holds.
    """
    if _fits(bound, values) or not values:
        return bound
    los = tuple(e for e in bound.los if e.var is not None or e.value <= min(values))
    his = tuple(e for e in bound.his if e.var is not None or e.value >= max(values))
    for kept, old in ((los, bound.los), (his, bound.his)):
        if any(e.var is None for e in old) and not any(e.var is None for e in kept):
            return None
    return replace(bound, los=los, his=his)


def _numbers(tokens: list[str]) -> list[float]:
    out = []
    for t in tokens:
        try:
            out.append(float(t))
        except ValueError:
            pass
    return out


def _patterns(observed: list[list[str]], max_len: int = 12) -> dict[int, tuple[str, ...]]:
    """Per length L: the characters seen at each position over every word of length L whose variable
    always has length L (chess squares, times, codes). Digits widen to the range they span."""
    pools: dict[int, list[str]] = {}
    for words in observed:
        lengths = {len(w) for w in words}
        if len(lengths) == 1 and 1 <= next(iter(lengths)) <= max_len:
            pools.setdefault(next(iter(lengths)), []).extend(words)
    out: dict[int, tuple[str, ...]] = {}
    for length, words in pools.items():
        columns = []
        for i in range(length):
            chars = sorted({w[i] for w in words})
            if all(c.isdigit() for c in chars) and len(chars) >= 2:
                chars = [str(d) for d in range(int(chars[0]), int(chars[-1]) + 1)]
            columns.append("".join(chars))
        out[length] = tuple(columns)
    return out


def build_domains(structure: Structure, samples: Sequence[str], statement: str) -> dict[str, Domain]:
    """A Domain for every variable of `structure`, from the samples and the statement's bounds."""
    obs = Observations()
    for text in samples:
        parse(structure, text, obs)
    variables: list[tuple[str, str, bool]] = []
    _variables(structure.items, False, variables)
    tests = {n: True for item in structure.items if isinstance(item, Repeat) and item.name == "r_tests"
             for b in item.body if isinstance(b, Scalars) for n in (t.name for t in b.tokens)}
    parsed = parse_bounds(statement)
    # A permutation's name is a sequence with no bound of its own ("a permutation p_1, ..., p_n"):
    # it takes its place in the order names are matched, so it does not take the next sequence's bound.
    section = _prepare(_input_section(statement))
    for promise in parse_promises(statement):
        for name in promise.names if promise.kind == "permutation" else ():
            if name not in parsed and len(promise.names) == 1:
                parsed[name] = Bound(name, indexed=True, order=_first_mention(section, name, 0))
    in_words = {k: parsed.pop(k) for k in ("*length", "*abs", "*range") if k in parsed}
    bounds = sorted(parsed.values(), key=lambda b: b.order)
    plain = [b for b in bounds if not b.indexed and not b.length]
    indexed = [b for b in bounds if b.indexed and not b.length]
    lengths = [b for b in bounds if b.length]
    hint = alphabet_hint(statement)
    quoted = quoted_characters(statement)
    sizing = length_vars(structure)
    pointers = {"plain": 0, "indexed": 0, "length": 0}
    pools = {"plain": plain, "indexed": indexed, "length": lengths}
    patterns = _patterns([obs.values.get(name, []) for name, kind, _ in variables if kind == "text"])
    domains: dict[str, Domain] = {}
    for name, kind, element in variables:
        seen = obs.values.get(name, [])
        if kind == "text":
            pool_name, values = "length", [float(len(s)) for s in seen]
        else:
            pool_name, values = ("indexed" if element else "plain"), _numbers(seen)
        matched: Bound | None = None
        if kind != "word":
            # A test list's body may be the elements of one input ("n, then n lines x_i y_i"): the
            # sequence bounds are tried too when the scalar ones do not fit.
            names = [pool_name] + (["indexed"] if kind != "text" and tests.get(name) else [])
            for pname in names:
                pool = pools[pname]
                for j in range(pointers[pname], len(pool)):
                    fitted = _repaired(pool[j], values)
                    if fitted is not None:
                        matched, pointers[pname] = fitted, j + 1
                        break
                if matched is not None:
                    break
        if matched is None and kind == "text" and "*length" in in_words and _fits(in_words["*length"], values):
            matched = in_words["*length"]
        elif (matched is None and kind in ("int", "float") and (element or tests.get(name)) and name not in sizing
              and "*abs" in in_words and _fits(in_words["*abs"], values)):
            matched = in_words["*abs"]
        if (matched is None and kind in ("int", "float") and "*range" in in_words and name not in sizing
                and _fits(in_words["*range"], values)):
            matched = in_words["*range"]
        if kind == "text" or (kind == "word"):
            chars = sorted(set("".join(seen)))
            alphabet = "".join(chars) or string.ascii_lowercase
            # A statement's alphabet only widens what the samples show when they already use much
            # of it: two letters seen ("B", "W") are more likely the whole alphabet than a sample.
            if hint and set(alphabet) <= set(hint) and len(chars) >= 5:
                alphabet = hint
            listed = (bool(quoted) and bool(chars) and set(chars) <= set(quoted or "")
                      and 2 * len(chars) >= len(quoted or ""))  # the samples use much of the list: one class
            if listed:  # the statement lists the characters: any of them may stand anywhere
                alphabet = quoted or alphabet
            lens = [len(s) for s in seen] or [1]
            lo = int(matched.lo.value) if matched and matched.lo and matched.lo.var is None else min(lens)
            hi = int(matched.hi.value) if matched and matched.hi and matched.hi.var is None else max(lens)
            pattern = (patterns.get(lens[0], ()) if kind == "text" and not matched and len(set(lens)) == 1
                       and not listed else ())
            names = bool(seen) and all(re.fullmatch(r"[A-Z][a-z]+", w) for w in seen) and not matched
            if kind == "word" and not names and len(set(lens)) == 1 and 2 <= lens[0] <= 4 and len(set(seen)) >= 3:
                # Short codes of one length (cards "QH", "9S"): each position takes any character seen there.
                pattern = _patterns([seen], max_len=4).get(lens[0], ())
            domains[name] = Domain(name, kind, matched.name if matched else None, words=tuple(dict.fromkeys(seen)),
                                   alphabet=alphabet, len_lo=max(lo, 0), len_hi=max(hi, 1), pattern=pattern,
                                   names=names)
            continue
        decimals = max((len(s.split(".")[1]) for s in seen if "." in s), default=0)
        if decimals:
            kind = "float"
        domains[name] = Domain(
            name, kind, matched.name if matched else None, matched.los if matched else (),
            matched.his if matched else (), min(values, default=1.0), max(values, default=1.0), decimals,
            sizes=name in sizing, differs=matched.differs if matched else ())
    return _with_promises(structure, samples, statement, domains)


def sequences(structure: Structure, samples: Sequence[str]) -> dict[str, list[list[str]]]:
    """Every one-line sequence (`Array`, `CountedArray`) of the samples, per variable, one list each."""
    out: dict[str, list[list[str]]] = {}

    def walk(items: Sequence[Item], values: list) -> None:
        for item, value in zip(items, values):
            if isinstance(item, (Array, CountedArray)):
                out.setdefault(item.name, []).append(list(value))
            elif isinstance(item, Repeat):
                for rep in value:
                    walk(item.body, rep)

    for text in samples:
        values = parse(structure, text)
        if values is not None:
            walk(structure.items, values)
    return out


def repeat_rows(structure: Structure, samples: Sequence[str]) -> dict[tuple[str, ...], list[list[list[str]]]]:
    """Per repeat of one-line bodies (`n` lines of `x y`): its token names, and its rows in each sample."""
    out: dict[tuple[str, ...], list[list[list[str]]]] = {}

    def walk(items: Sequence[Item], values: list) -> None:
        for item, value in zip(items, values):
            if isinstance(item, Repeat):
                if len(item.body) == 1 and isinstance(item.body[0], Scalars):
                    key = tuple(t.name for t in item.body[0].tokens)
                    out.setdefault(key, []).append([rep[0] for rep in value])
                else:
                    for rep in value:
                        walk(item.body, rep)

    for text in samples:
        values = parse(structure, text)
        if values is not None:
            walk(structure.items, values)
    return out


def _sequence_names(items: Sequence[Item], out: list[str]) -> list[str]:
    for item in items:
        if isinstance(item, (Array, CountedArray)):
            out.append(item.name)
        elif isinstance(item, Repeat):
            _sequence_names(item.body, out)
    return out


def _with_promises(structure: Structure, samples: Sequence[str], statement: str,
                   domains: dict[str, Domain]) -> dict[str, Domain]:
    """Attach the statement's promises to the sequences they name, where every sample keeps them.

    A promise naming no sequence variable we matched ("the numbers are distinct") goes to every
    sequence whose samples keep it; a sample breaking it means we misread, and it is left out.
    """
    promises = parse_promises(statement)
    if not promises:
        return domains
    seen = sequences(structure, samples)
    names = [n for n in dict.fromkeys(_sequence_names(structure.items, [])) if n in domains]
    by_name = {domains[n].statement_name: n for n in names if domains[n].statement_name}
    out = dict(domains)
    rows = repeat_rows(structure, samples)
    observed = Observations()
    for text in samples:
        parse(structure, text, observed)
    for promise in promises:
        if promise.kind in VALUE_PROMISES:  # "n is prime": the variable the sentence names, scalar or sequence
            for name, dom in out.items():
                values = observed.values.get(name, [])
                if (dom.kind == "int" and dom.statement_name in promise.names and promise.kind not in dom.promises
                        and values and all(value_holds(promise.kind, v) for v in values)):
                    out[name] = replace(dom, promises=dom.promises + (promise.kind,))
            continue
        targets = [by_name[x] for x in promise.names if x in by_name]
        if promise.kind == "distinct":
            # "each pair is described exactly once", "no two points coincide": rows of n lines, not values.
            for tokens, instances in rows.items():
                named = [t for t in tokens if domains[t].statement_name in promise.names]
                named = named or (list(tokens) if promise.rows and len(tokens) >= 2 else [])
                if named and not targets and all(rows_distinct(inst) for inst in instances):
                    for t in tokens:
                        if "distinct-rows" not in out[t].promises:
                            out[t] = replace(out[t], promises=out[t].promises + ("distinct-rows",))
                    targets = ["*rows"]
            if targets == ["*rows"]:
                continue
        if not targets:
            targets = [n for n in names if any(len(v) >= 2 for v in seen.get(n, []))]
        for name in targets:
            dom = out[name]
            values = seen.get(name, [])
            if promise.kind == "permutation" and dom.kind != "int":
                continue
            if not all(holds(promise.kind, v) for v in values) or promise.kind in dom.promises:
                continue
            base = 0 if any("0" in v for v in values) else 1
            out[name] = replace(dom, promises=dom.promises + (promise.kind,), perm_base=base)
    return out
