"""What the statement promises about sequences beyond their bounds: distinct, a permutation, sorted.

Inputs that break such a promise split correct programs apart (each handles the impossible case its
own way), so the generators keep them. A promise is read from one sentence of the Input section
("n distinct integers a_1, ..., a_n", "a permutation p_1, ..., p_n", "given in non-decreasing
order", "all a_i are pairwise different") and attached to the sequence variables the sentence names;
`clustering.domains` keeps it only where every public input already satisfies it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from clustering.constraints import _input_section, _prepare

_DISTINCT = re.compile(r"\b(?:distinct|pairwise different|pairwise distinct|all (?:of them |numbers |values )?"
                       r"(?:are )?different|no two (?:of them |numbers |values |elements )?(?:are )?(?:equal|the same)"
                       r"|(?:described|given|listed|appears?|occurs?) (?:at most |exactly )?once"
                       r"|no two [a-z ]{0,30}(?:coincide|are located in the same|are the same)"
                       r"|(?:pairs|points|lines|edges|roads|segments) are (?:pairwise )?(?:different|distinct))\b")
_ROWS = re.compile(r"\b(?:pairs?|points?|edges?|roads?|segments?|lines?|coordinates|positions?|cells?)\b")
_PERMUTATION = re.compile(r"\bpermutation\b")
_INCREASING = re.compile(r"(?<!non-)(?<!non)(?<!not )\b(?:strictly increasing|increasing order|ascending order|in increasing|sorted in "
                         r"(?:strictly )?(?:increasing|ascending))\b")
_NONDECREASING = re.compile(r"\b(?:non-?decreasing|not decreasing|sorted)\b")
_DECREASING = re.compile(r"(?<!non-)(?<!non)(?<!not )\b(?:strictly decreasing|decreasing order|descending order)\b")
_NONINCREASING = re.compile(r"\bnon-?increasing\b")
# "a_1 < a_2 < ... < a_n" or "a_1 ≤ a_2 ≤ ... ≤ a_n": a chain over one indexed name.
_CHAIN = re.compile(r"([A-Za-z])_?(?:1|i)\s*([<≤])\s*\1_?(?:2|i\s*\+\s*1)\s*[<≤]\s*(?:\.\.\.|…|\\ldots|\\dots)")
_NAME = re.compile(r"(?<![A-Za-z0-9_])([A-Za-z])(?:_?(?:[ij0-9]|\{?[a-z0-9]\}?))?(?![A-Za-z0-9])")


# Promises about each value of a named variable ("n is prime", "an even integer n"): unlike the
# sequence promises they are read only where the sentence names the variable.
VALUE_PROMISES = ("prime", "even", "odd")
_PRIME = (re.compile(r"\b([a-z])(?:_[a-z0-9])? is (?:a |an )?prime\b"),
          re.compile(r"\bprime (?:number|integer) ([a-z])\b"))
_PARITY = (re.compile(r"\b([a-z])(?:_[a-z0-9])? is (?:an? )?(even|odd)\b"),
           re.compile(r"\b(even|odd) (?:positive |non-negative )?(?:integer|number) ([a-z])\b"))


@dataclass(frozen=True)
class Promise:
    """One promise and the statement names it speaks of (empty: names not told, any sequence)."""

    kind: str  # distinct | permutation | increasing | nondecreasing | decreasing | nonincreasing | prime | even | odd
    names: tuple[str, ...] = ()
    rows: bool = False  # the sentence speaks of pairs, points, edges...: whole lines differ, not values


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;])\s+|\n+", text) if s.strip()]


def _names(sentence: str) -> tuple[str, ...]:
    """Single-letter variables a sentence mentions (`a_i`, `p_1`, `q`), lower-cased, articles left out."""
    out = []
    for m in _NAME.finditer(sentence):
        name = m.group(1)
        if name in ("a", "A", "I") and m.group() == name and re.match(r"\s+[a-z]{2,}", sentence[m.end():]):
            continue  # the article "a" ("a permutation"), the pronoun "I"
        if name.lower() not in out:
            out.append(name.lower())
    return tuple(out)


def parse_promises(statement: str) -> list[Promise]:
    """Every promise of the Input section, in order."""
    text = _prepare(_input_section(statement))
    out: list[Promise] = []
    for sentence in _sentences(text):
        low = sentence.lower()
        names = _names(sentence)
        if _PERMUTATION.search(low):
            out.append(Promise("permutation", names))
        if _DISTINCT.search(low):
            out.append(Promise("distinct", names, bool(_ROWS.search(low))))
        out.extend(_value_promises(low))
        m = _CHAIN.search(sentence)
        if m:
            out.append(Promise("increasing" if m.group(2) == "<" else "nondecreasing", (m.group(1).lower(),)))
        elif _INCREASING.search(low):
            out.append(Promise("increasing", names))
        elif _DECREASING.search(low):
            out.append(Promise("decreasing", names))
        elif _NONINCREASING.search(low):
            out.append(Promise("nonincreasing", names))
        elif _NONDECREASING.search(low):
            out.append(Promise("nondecreasing", names))
    return out


def _value_promises(low: str) -> list[Promise]:
    """"n is prime", "a prime number p", "n is even", "a single odd integer n" in one lower-cased sentence."""
    out = []
    for pattern in _PRIME:
        out.extend(Promise("prime", (m.group(1),)) for m in pattern.finditer(low))
    for m in _PARITY[0].finditer(low):
        out.append(Promise(m.group(2), (m.group(1),)))
    for m in _PARITY[1].finditer(low):
        out.append(Promise(m.group(1), (m.group(2),)))
    return out


def is_prime(n: int) -> bool:
    """Deterministic Miller-Rabin for n < 3.3e24 (every bound a statement gives)."""
    if n < 2:
        return False
    small = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)
    for p in small:
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in small:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def value_holds(kind: str, token: str) -> bool:
    """Whether one value keeps a value promise (prime, even, odd); any other kind is not about values."""
    if kind not in VALUE_PROMISES:
        return True
    try:
        n = int(token)
    except ValueError:
        return False
    if kind == "prime":
        return is_prime(n)
    return n % 2 == (0 if kind == "even" else 1)


def keep_value(kinds: Sequence[str], value: int, lo: int, hi: int) -> int:
    """The value nearest `value` within [lo, hi] that keeps every value promise (`value` if none does)."""
    if all(value_holds(k, str(value)) for k in kinds):
        return value
    for step in range(1, 2000):
        for v in (value + step, value - step):
            if lo <= v <= hi and all(value_holds(k, str(v)) for k in kinds):
                return v
    return value


def rows_distinct(rows: Sequence[Sequence[str]]) -> bool:
    """No two rows alike, read as unordered tuples ("each pair is described once": 1 2 and 2 1 are one pair)."""
    keys = [tuple(sorted(r)) for r in rows]
    return len(set(keys)) == len(keys)


def holds(kind: str, values: Sequence[str]) -> bool:
    """Whether one sequence of tokens keeps the promise."""
    if kind in VALUE_PROMISES:
        return all(value_holds(kind, v) for v in values)
    if kind == "distinct":
        return len(set(values)) == len(values)
    try:
        nums = [float(v) for v in values]
    except ValueError:
        nums = None
    if kind == "permutation":
        if nums is None or any(x != int(x) for x in nums):
            return False
        ints = sorted(int(x) for x in nums)
        return ints == list(range(1, len(ints) + 1)) or ints == list(range(0, len(ints)))
    pairs = list(zip(nums, nums[1:])) if nums is not None else list(zip(values, values[1:]))
    if kind == "increasing":
        return all(a < b for a, b in pairs)
    if kind == "nondecreasing":
        return all(a <= b for a, b in pairs)
    if kind == "decreasing":
        return all(a > b for a, b in pairs)
    if kind == "nonincreasing":
        return all(a >= b for a, b in pairs)
    return True
