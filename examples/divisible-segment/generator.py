#!/usr/bin/env python3
"""Hidden tests for "Divisible Segment", deterministic from the seed.

Usage: python3 generator.py SEED [--out DIR]. The samples come first, then hand-picked edge cases (the only
segment starts at 1, negative numbers whose prefix sums have different signs, sums beyond 32 bits), then
random tests with exactly one planted segment, tests without any, and max-size tests. Answers come from
`solve`.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_N, MAX_A, MAX_M = 2 * 10**4, 10**9, 10**9


def solve(text: str) -> str:
    data = list(map(int, text.split()))
    n, m, a = data[0], data[1], data[2:]
    first = {0: 0}
    prefix = 0
    for i in range(1, n + 1):
        prefix = (prefix + a[i - 1]) % m
        if prefix in first:
            return f"{first[prefix] + 1} {i}\n"
        first[prefix] = i
    return "-1\n"


def fmt(m: int, a: list[int]) -> str:
    return f"{len(a)} {m}\n{' '.join(map(str, a))}\n"


def planted(rng: random.Random, n: int, m: int, negative: bool) -> list[int]:
    """Random values with one segment made divisible by fixing its last element."""
    lo = -MAX_A if negative else 0
    a = [rng.randint(lo, MAX_A) for _ in range(n)]
    l = rng.randint(0, n - 1)
    r = rng.randint(l, n - 1)
    need = -sum(a[l:r]) % m  # a[r] must be congruent to this
    choices = [v for v in (need, need - m, need - 2 * m, need + m) if lo <= v <= MAX_A]
    a[r] = rng.choice(choices)
    return a


def cases(rng: random.Random) -> list[str]:
    tests = [
        (7, [7]),  # only [1, 1]
        (7, [3]),
        (1, [5, -4]),
        (10, [-3, 10]),  # prefix sums -3 and 7: equal only after a true modulo
        (10, [-3, 5, 2]),
        (MAX_M, [MAX_A]),
        (MAX_M, [-MAX_A, 1, 2]),
        (999_999_937, [MAX_A] * 5 + [999_999_937 - 5 * (MAX_A % 999_999_937)]),
        (3, [1, 1, 1]),  # only the whole array
        (4, [1, 1, 1, 1]),
        (5, [2, 2, 2, 2]),
    ]
    for n in (5, 20, 100, 1000):
        tests.append((rng.randint(n + 1, 10 * n), [rng.randint(1, 30) for _ in range(n)]))
    for n, negative in ((10, True), (100, True), (1000, False), (5000, True)):
        m = rng.randint(MAX_M // 2, MAX_M)
        tests.append((m, planted(rng, n, m, negative)))
    m = rng.randint(MAX_M // 2, MAX_M)
    tests.append((m, [rng.randint(-MAX_A, MAX_A) for _ in range(MAX_N)]))
    m = rng.randint(MAX_M // 2, MAX_M)
    tests.append((m, planted(rng, MAX_N, m, True)))
    tests.append((MAX_N, [rng.randint(MAX_A - 100, MAX_A) for _ in range(MAX_N)]))  # n >= m: always one
    return [fmt(m, a) for m, a in tests]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seed", type=int)
    parser.add_argument("--out", type=Path, default=HERE / "tests" / "hidden")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    inputs = [p.read_text() for p in sorted((HERE / "tests" / "sample").glob("*.in"))] + cases(rng)
    args.out.mkdir(parents=True, exist_ok=True)
    for old in [*args.out.glob("*.in"), *args.out.glob("*.ans")]:
        old.unlink()
    for i, text in enumerate(inputs, 1):
        (args.out / f"{i:02d}.in").write_text(text)
        (args.out / f"{i:02d}.ans").write_text(solve(text))


if __name__ == "__main__":
    main()
