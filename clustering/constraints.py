"""Bounds read from the statement's constraints text, and which input variable each one bounds.

Recognised: chains such as `1 ≤ n, m ≤ 10^5`, `1 ≤ a_i ≤ b_i ≤ 366`, `|x_i| ≤ 1000`, `|s| ≤ 100`,
one-sided `k ≤ n`, numbers written `10^9`, `2·10^5`, `100 000`, TeX `\\le`, and alphabets
("lowercase Latin letters", "uppercase", "digits"). Statement names are matched to inferred
variables in order of appearance, and a match is kept only if every public value respects it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_REL = {"≤": "le", "<": "lt", "≥": "ge", ">": "gt"}
_NUM = r"-?\d+(?:\.\d+)?(?:\s*·\s*10\s*\^\s*-?\d+|\s*\^\s*-?\d+)?"
_IDENT = r"(?<![A-Za-z0-9_])(?:\|[A-Za-z](?:_?[A-Za-z0-9]{1,2})?\||[A-Za-z](?:_[A-Za-z0-9]{1,2}|[ij]|\d)?(?![A-Za-z0-9_]))"
_TERM = rf"(?:{_NUM}|{_IDENT})(?:\s*[+-]\s*\d+(?![\d^·]))?"
_TOKEN = re.compile(rf"(?P<term>{_TERM})|(?P<rel>[≤<≥>])|(?P<comma>,)|(?P<space>\s+)|(?P<other>.)")
_INDEX_NAMES = {"i", "j"}


@dataclass(frozen=True)
class Expr:
    """A bound: the constant `value`, or variable `var` plus `value`."""

    var: str | None
    value: float

    def evaluate(self, env: dict[str, float]) -> float | None:
        if self.var is None:
            return self.value
        if self.var not in env:
            return None
        return env[self.var] + self.value


@dataclass(frozen=True)
class Bound:
    """What the statement says about one name (`n`, `a` for a_i, `s` for |s|)."""

    name: str
    los: tuple[Expr, ...] = ()  # every lower bound stated (a number, or another variable: `l <= r`)
    his: tuple[Expr, ...] = ()
    indexed: bool = False  # written a_i: an element of a sequence
    length: bool = False  # written |s|: the length of a string
    order: int = 0  # position of first appearance, for matching names to variables
    differs: tuple[str, ...] = ()  # names this one must differ from (`a_i ≠ b_i`: no self-loops)

    @property
    def lo(self) -> Expr | None:
        """The constant lower bound if one is stated, else the first relative one."""
        return next((e for e in self.los if e.var is None), self.los[0] if self.los else None)

    @property
    def hi(self) -> Expr | None:
        return next((e for e in self.his if e.var is None), self.his[0] if self.his else None)


def _prepare(text: str) -> str:
    s = text.replace("$", "")
    s = re.sub(r"\\leq?(?![a-z])", "≤", s)
    s = re.sub(r"\\geq?(?![a-z])", "≥", s)
    s = re.sub(r"\\lt(?![a-z])", "<", s)
    s = re.sub(r"\\gt(?![a-z])", ">", s)
    s = s.replace("\\neq", "≠").replace("\\ne ", "≠ ").replace("!=", "≠")
    s = s.replace("<=", "≤").replace(">=", "≥").replace("⩽", "≤").replace("⩾", "≥")
    s = re.sub(r"\\cdot|\\times|[·×∙*]", "·", s)
    s = re.sub(r"\\[,;!]|\\mid|\\left|\\right|\\ ", "", s)
    s = s.replace("{", "").replace("}", "").replace("−", "-").replace("–", "-")
    s = re.sub(r"(?<![\w)])-\s+(?=\d)", "-", s)
    for _ in range(3):
        s = re.sub(r"(?<=\d) (?=\d{3}(?!\d))", "", s)
    return s


def _number(text: str) -> float:
    """The value of a constraint's number, clamped to 64-bit magnitudes (10^100000 means "huge")."""
    try:
        value = _raw_number(text)
    except (OverflowError, ValueError):
        value = float("inf") if not text.strip().startswith("-") else float("-inf")
    return max(-LIMIT, min(LIMIT, value))


LIMIT = 10.0**18


def _raw_number(text: str) -> float:
    t = text.replace(" ", "")
    if "^" in t:
        mant, _, exp = t.partition("^")
        if "·" in mant:
            coef, _, base = mant.partition("·")
            return float(coef) * float(base) ** int(exp)
        neg = mant.startswith("-")
        return (-1 if neg else 1) * float(mant.lstrip("-")) ** int(exp)
    return float(t)


def _term(text: str) -> tuple[str, Expr | None, bool, bool]:
    """(name or "", value, indexed, length) for one term."""
    m = re.fullmatch(rf"({_NUM}|{_IDENT})(?:\s*([+-])\s*(\d+))?", text.strip())
    if not m:
        return "", None, False, False
    head, sign, off = m.group(1), m.group(2), m.group(3)
    offset = (int(off) if sign == "+" else -int(off)) if off else 0
    if re.fullmatch(_NUM, head):
        return "", Expr(None, _number(head) + offset), False, False
    length = head.startswith("|")
    name = head.strip("|")
    sub = name[1:].lstrip("_")
    if sub.isdigit():  # x_0, x1: a scalar of its own (a_1 ... a_n lists are bounded as a_i)
        base, indexed = name[0].lower() + sub, False
    else:
        base, indexed = name[0].lower(), len(name) > 1
    return base, Expr(base, float(offset)), indexed, length


def _input_section(statement: str) -> str:
    m = re.search(r"(?m)^\s*(?:#+\s*)?Input\s*:?\s*$", statement)
    if not m:
        return statement
    rest = statement[m.end():]
    end = re.search(r"(?m)^\s*(?:#+\s*)?(Output|Examples?|Notes?)\s*:?\s*$", rest)
    return rest[: end.start()] if end else rest


def _closed(chain: list[list[str] | str]) -> list[list[str] | str]:
    """A full chain `1 ≤ u_i, v_i ≤ n, u_i ≠ v_i` ends at its last bound: `u_i` after the comma starts the
    next clause, not a second upper bound (which would leave both unused)."""
    last = chain[-1]
    if len(chain) >= 5 and isinstance(last, list) and len(last) > 1:
        return chain[:-1] + [last[:1]]
    return chain


def parse_bounds(statement: str) -> dict[str, Bound]:
    """Every bounded name in the Input section, in order of first appearance."""
    text = _prepare(_input_section(statement))
    lists: list[list[str] | str] = []  # term lists and relation symbols, reset by other text
    chains: list[list[list[str] | str]] = []
    current: list[str] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "term":
            if current and len(lists) >= 2 and re.fullmatch(_NUM, current[-1].strip()):
                # "1 ≤ n ≤ 500, 0 ≤ b": a number closes the chain; the next term starts another.
                if len(lists) >= 3:
                    chains.append(lists)
                lists, current = [], []
            current.append(m.group())
            if not lists or lists[-1] is not current:
                lists.append(current)
        elif kind == "comma":
            continue
        elif kind == "rel":
            if lists and lists[-1] is current:
                if len(lists) >= 5 and len(current) > 1:
                    # "1 ≤ k ≤ n, l < m": the list's first term ends one chain, the rest start the next.
                    chains.append(lists[:-1] + [current[:1]])
                    current = current[1:]
                    lists = [current]
                lists.append(m.group())
                current = []
            else:
                lists, current = [], []
        elif kind == "space":
            continue
        else:
            if len(lists) >= 3:
                chains.append(_closed(lists))
            lists, current = [], []
    if len(lists) >= 3:
        chains.append(_closed(lists))
    bounds: dict[str, Bound] = {}
    order = 0
    for chain in chains:
        for k in range(0, len(chain) - 2, 2):
            left, rel, right = chain[k], chain[k + 1], chain[k + 2]
            if not isinstance(left, list) or not isinstance(right, list) or not isinstance(rel, str):
                continue
            if _REL[rel] in ("ge", "gt"):
                left, right = right, left
            strict = _REL[rel] in ("lt", "gt")
            lo_terms = [_term(t) for t in left]
            hi_terms = [_term(t) for t in right]
            for terms, other, side in ((right, lo_terms, "lo"), (left, hi_terms, "hi")):
                if len(other) != 1 or other[0][1] is None:
                    continue
                value = other[0][1]
                if strict:
                    value = Expr(value.var, value.value + (1 if side == "lo" else -1))
                for t in terms:
                    name, _, indexed, length = _term(t)
                    if not name or name in _INDEX_NAMES:
                        continue
                    key = f"|{name}|" if length else name
                    old = bounds.get(key) or Bound(key, indexed=indexed, length=length, order=order)
                    order += 1
                    los, his = old.los, old.his
                    if side == "lo" and value not in los:
                        los = los + (value,)
                    elif side == "hi" and value not in his:
                        his = his + (value,)
                    bounds[key] = Bound(key, los, his, old.indexed or indexed, length, old.order)
    for a, b in re.findall(rf"({_IDENT})\s*(?:≠|\\ne(?:q)?(?![a-z])|!=)\s*({_IDENT})", text):
        na, nb = _term(a)[0], _term(b)[0]
        for x, y in ((na, nb), (nb, na)):
            if x in bounds and y:
                old = bounds[x]
                bounds[x] = Bound(x, old.los, old.his, old.indexed, old.length, old.order, old.differs + (y,))
    # Bounds stated in words, for whatever the formulas leave unbounded: "its length doesn't exceed 100",
    # "the numbers do not exceed 10000 in absolute value".
    words = text.lower().replace("’", "'")
    m = re.search(rf"length (?:of [\w ]{{1,30}}?)?(?:does not|doesn't|do not|don't|will not|won't|can't|cannot) "
                  rf"exceed ({_NUM})", words)
    if m:
        bounds.setdefault("*length", Bound("*length", (Expr(None, 1),), (Expr(None, _number(m.group(1))),),
                                           length=True, order=10**9))
    m = (re.search(rf"(?:do not|does not|don't|doesn't) exceed ({_NUM}) (?:in|by) (?:their )?absolute value", words)
         or re.search(rf"absolute values? of [\w ,]{{1,40}}? (?:do not|does not|don't|doesn't) exceed ({_NUM})", words))
    if m:
        b = _number(m.group(1))
        bounds.setdefault("*abs", Bound("*abs", (Expr(None, -b),), (Expr(None, b),), indexed=True, order=10**9))
    # "All numbers in the input are between 1 and 10", "the numbers in the array are from 1 to 10^5": a range
    # for whatever number the formulas leave unbounded.
    m = re.search(rf"(?:numbers|integers|values|elements)[\w ]{{0,30}}? (?:are|is|will be|lie) (?:integers? )?"
                  rf"(?:from|between|in range|in the range) \[?({_NUM})(?: to|,| and| \.\.) ({_NUM})", words)
    if m:
        lo, hi = _number(m.group(1)), _number(m.group(2))
        if lo <= hi:
            bounds.setdefault("*range", Bound("*range", (Expr(None, lo),), (Expr(None, hi),), order=10**9))
    # "n lines containing the matrix elements (non-negative integer numbers not exceeding 10^9)".
    m = re.search(rf"(non-negative|nonnegative|positive|natural)?\s*(?:integer )?(?:numbers|integers|values|elements)"
                  rf" (?:not exceeding|that do not exceed|which do not exceed|not greater than|no greater than|"
                  rf"at most|up to) ({_NUM})", words)
    if m and "*range" not in bounds:
        lo = {"positive": 1.0, "natural": 1.0}.get(m.group(1) or "", 0.0)
        bounds["*range"] = Bound("*range", (Expr(None, lo),), (Expr(None, _number(m.group(2))),), order=10**9)
    # A name other bounds refer to but no formula bounds ("integers n and m ([image])", then "1 ≤ u_i ≤ n")
    # still takes its place among the names, so `u_i ≤ n` can follow the n of each input.
    referred = {e.var for b in bounds.values() for e in b.los + b.his if e.var}
    for name in sorted(referred - set(bounds)):
        if re.fullmatch(r"[A-Za-z]", name) and name not in _INDEX_NAMES and _first_mention(text, name, 0) < 10**9:
            bounds[name] = Bound(name, order=10**8)
    # Names are matched to variables in the order the text introduces them ("n, m and k").
    for key, b in list(bounds.items()):
        bounds[key] = Bound(key, b.los, b.his, b.indexed, b.length, _first_mention(text, key.strip("|"), b.order),
                            b.differs)
    # |x_i| ≤ B bounds the value of x from both sides.
    for key, b in list(bounds.items()):
        if b.length and b.indexed and b.hi is not None and b.hi.var is None:
            base = key.strip("|")
            bounds[base] = Bound(base, (Expr(None, -b.hi.value),), (b.hi,), True, False, b.order)
            del bounds[key]
    return bounds


def _first_mention(text: str, name: str, default: int) -> int:
    """Where `name` is first used as a variable (not the article "a" before a word)."""
    pattern = re.escape(name[0]) + ("_?" + re.escape(name[1:]) if name[1:] else "")
    for m in re.finditer(rf"(?<![A-Za-z0-9_]){pattern}(?![A-Za-z0-9])", text, re.IGNORECASE):
        if name.lower() in ("a", "i") and re.match(r"\s+(?!and\b|or\b)[a-z]{2,}", text[m.end():]):
            continue
        return m.start()
    return 10**9 + default


def alphabet_hint(statement: str) -> str | None:
    """Letters the statement promises strings are made of, or None when it does not say."""
    text = _input_section(statement).lower()
    lower = any(w in text for w in ("lowercase", "lower-case", "lower case", "small latin", "small english",
                                     "small letters"))
    upper = "uppercase" in text or "capital" in text or "large latin" in text
    digits = "digits" in text
    chars = ""
    if lower:
        chars += "abcdefghijklmnopqrstuvwxyz"
    if upper:
        chars += "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if digits:
        chars += "0123456789"
    return chars or None


_QUOTED = re.compile(r"[\"'«“‘]([^\s\"'«»“”‘’])[\"'»”’]")


def quoted_characters(statement: str) -> str | None:
    """Characters the Input section lists one by one in quotes ('"." , "X" or "0"'), or None.

    A grid or a string over such a list may hold any of them anywhere, whatever one sample shows.
    """
    chars = list(dict.fromkeys(_QUOTED.findall(_input_section(statement))))
    return "".join(chars) if len(chars) >= 2 else None
