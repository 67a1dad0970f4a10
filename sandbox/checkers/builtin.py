"""The built-in checkers: exact, tokens (default), float, words, lines.

Presentation error rule: PE only for the layout-sensitive kinds (`exact`, `lines`), when the output's
whitespace-separated tokens equal the answer's but the layout does not match. The token-based kinds
(`tokens`, `float`, `words`) ignore layout entirely, so they say AC or WA, never PE.

Messages follow testlib's wording ("wrong answer 3rd tokens differ - expected: '5', found: '6'") so
that people who know Codeforces read them at a glance.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from sandbox.checkers.result import CheckResult, Checker, clip
from sandbox.checkers.spec import CheckerSpec
from sandbox.verdict import Verdict

AC = CheckResult(Verdict.AC, "ok")
NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _show(token: bytes, limit: int = 64) -> str:
    text = token.decode("utf-8", errors="replace")
    return text if len(text) <= limit else text[:limit] + "..."


def compare_tokens(
    out: Sequence[bytes], ans: Sequence[bytes], same: Callable[[bytes, bytes], bool], what: str = "tokens"
) -> CheckResult:
    """Token-by-token comparison with a testlib-style message naming the first difference."""
    for i, (o, a) in enumerate(zip(out, ans), 1):
        if not same(o, a):
            return CheckResult(
                Verdict.WA,
                clip(
                    f"wrong answer {ordinal(i)} {what} differ - expected: '{_show(a)}', found: '{_show(o)}'"
                ),
            )
    if len(out) < len(ans):
        return CheckResult(
            Verdict.WA,
            f"wrong answer answer contains more {what} than output "
            f"({len(ans)} vs {len(out)}): unexpected end of output",
        )
    if len(out) > len(ans):
        return CheckResult(
            Verdict.WA,
            f"wrong answer output contains extra {what} "
            f"({len(out)} vs {len(ans)}), first extra: '{_show(out[len(ans)])}'",
        )
    return CheckResult(Verdict.AC, f"ok {len(ans)} {what}")


def _equal(o: bytes, a: bytes) -> bool:
    return o == a


def check_tokens(spec: CheckerSpec, input: bytes, output: bytes, answer: bytes) -> CheckResult:
    return compare_tokens(output.split(), answer.split(), _equal)


def check_words(spec: CheckerSpec, input: bytes, output: bytes, answer: bytes) -> CheckResult:
    """Case-insensitive tokens (ASCII letters): YES, Yes and yes are one answer."""
    return compare_tokens(output.split(), answer.split(), lambda o, a: o.lower() == a.lower(), "words")


def parse_number(token: bytes) -> float | None:
    """A finite number in the usual decimal or exponent notation; None for words, nan and inf."""
    if not NUMBER.fullmatch(token):
        return None
    value = float(token)
    return value if math.isfinite(value) else None


def doubles_close(found: float, expected: float, abs_eps: float, rel_eps: float) -> bool:
    """testlib's doubleCompare, with separate absolute and relative tolerances: either suffices."""
    diff = abs(found - expected)
    return diff <= abs_eps + 1e-15 or diff <= rel_eps * abs(expected) + 1e-15


def check_float(spec: CheckerSpec, input: bytes, output: bytes, answer: bytes) -> CheckResult:
    """Numbers within `abs_eps` or `rel_eps` of the answer's; other tokens must match exactly."""

    def same(o: bytes, a: bytes) -> bool:
        expected = parse_number(a)
        if expected is None:
            return o == a
        found = parse_number(o)
        return found is not None and doubles_close(found, expected, spec.abs_eps, spec.rel_eps)

    return compare_tokens(output.split(), answer.split(), same, "numbers")


def _layout_or_wrong(output: bytes, answer: bytes, what: str) -> CheckResult:
    tokens = check_tokens(CheckerSpec(), b"", output, answer)
    if tokens.verdict is Verdict.AC:
        return CheckResult(Verdict.PE, f"presentation error: the tokens are right but the {what} differs")
    return tokens


def check_exact(spec: CheckerSpec, input: bytes, output: bytes, answer: bytes) -> CheckResult:
    """Byte for byte. PE when only whitespace differs."""
    if output == answer:
        return CheckResult(Verdict.AC, f"ok {len(answer)} bytes")
    return _layout_or_wrong(output, answer, "whitespace")


def split_lines(data: bytes) -> list[bytes]:
    """Lines with trailing spaces, tabs and CR removed, and trailing empty lines dropped."""
    lines = [line.rstrip(b" \t\r") for line in data.split(b"\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def check_lines(spec: CheckerSpec, input: bytes, output: bytes, answer: bytes) -> CheckResult:
    """Line by line (trailing spaces and blank lines at the end ignored). PE when only the line
    layout differs; WA naming the first differing line otherwise."""
    out, ans = split_lines(output), split_lines(answer)
    if out == ans:
        return CheckResult(Verdict.AC, f"ok {len(ans)} lines")
    return _layout_or_wrong(output, answer, "line layout")


BUILTIN: dict[str, Checker] = {
    "tokens": check_tokens,
    "exact": check_exact,
    "float": check_float,
    "words": check_words,
    "lines": check_lines,
}


def check(spec: CheckerSpec, input: bytes, output: bytes, answer: bytes) -> CheckResult:
    """Judge `output` against `answer` with a built-in checker (custom ones go through CustomChecker)."""
    try:
        checker = BUILTIN[spec.kind]
    except KeyError:
        raise ValueError(f"checker kind {spec.kind!r} is not built in; use sandbox.checkers.custom") from None
    return checker(spec, input, output, answer)
