"""A canonical form of an output under a checker, so that clustering can compare behaviour by equality.

Two outputs the checker treats alike normalize equal: tokens joined by single spaces; words
case-folded; lines with trailing blanks dropped; numbers (float checker) quantized to a step no larger
than the tolerance, so equal forms are always within tolerance of each other. The converse holds up
to rounding: two numbers within tolerance that straddle a step boundary normalize apart (clustering
then splits, it never merges outputs the checker would tell apart).
"""

from __future__ import annotations

import math

from sandbox.checkers.builtin import parse_number, split_lines
from sandbox.checkers.spec import CheckerSpec


def _quantize(value: float, abs_eps: float, rel_eps: float) -> bytes:
    tolerance = max(abs_eps, rel_eps * abs(value), 1e-300)
    exponent = math.floor(math.log10(tolerance))
    steps = round(value / 10.0**exponent)
    if steps == 0:
        return b"0"
    return f"{steps}e{exponent}".encode()


def normalize(spec: CheckerSpec, output: bytes) -> bytes:
    if spec.kind == "exact":
        return output
    if spec.kind == "lines":
        return b"\n".join(split_lines(output))
    tokens = output.split()
    if spec.kind == "words":
        tokens = [t.lower() for t in tokens]
    elif spec.kind == "float":
        out = []
        for t in tokens:
            value = parse_number(t)
            out.append(t if value is None else _quantize(value, spec.abs_eps, spec.rel_eps))
        tokens = out
    return b" ".join(tokens)
