#!/usr/bin/env python3
"""Hidden tests for "Three Divisors", deterministic from the seed.

Usage: python3 generator.py SEED [--out DIR]. The samples come first, then hand-picked edge cases (bounds that
are squares of primes, l = 1, bounds up to 10^12 where p * p needs 64 bits), then random and max-size tests
with wide ranges that make per-query trial division far too slow. Answers come from the reference solution
`solve`.
"""

from __future__ import annotations

import argparse
import bisect
import math
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_Q, MAX_V = 5000, 10**12
LIMIT = 10**6  # primes up to sqrt(MAX_V)


def prime_squares() -> list[int]:
    sieve = bytearray([1]) * (LIMIT + 1)
    sieve[0] = sieve[1] = 0
    for p in range(2, math.isqrt(LIMIT) + 1):
        if sieve[p]:
            sieve[p * p :: p] = bytearray(len(range(p * p, LIMIT + 1, p)))
    return [p * p for p in range(LIMIT + 1) if sieve[p]]


SQUARES = prime_squares()


def solve(text: str) -> str:
    data = list(map(int, text.split()))
    out = []
    for j in range(data[0]):
        l, r = data[1 + 2 * j], data[2 + 2 * j]
        out.append(bisect.bisect_right(SQUARES, r) - bisect.bisect_left(SQUARES, l))
    return "".join(f"{x}\n" for x in out)


def fmt(queries: list[tuple[int, int]]) -> str:
    return f"{len(queries)}\n" + "".join(f"{l} {r}\n" for l, r in queries)


def random_range(rng: random.Random, hi: int) -> tuple[int, int]:
    a, b = rng.randint(1, hi), rng.randint(1, hi)
    return min(a, b), max(a, b)


def cases(rng: random.Random) -> list[str]:
    big_prime = 999_983  # the largest prime below 10^6
    tests = [
        [(1, 1)],
        [(1, 4), (4, 4), (4, 9), (5, 8), (9, 9)],  # bounds on squares of primes
        [(1, MAX_V)],
        [(big_prime**2, big_prime**2), (big_prime**2 + 1, MAX_V), (big_prime**2 - 1, big_prime**2 - 1)],
        [(10**10, MAX_V), (10**10 + 1, 10**11)],  # primes above 10^5
        [(46337**2, 46349**2), (2**31, 2**32)],  # squares around 2^31
        [(x, x) for x in range(1, 200)],
        [(1, 10**k) for k in range(13)],
    ]
    for q, hi in ((10, 100), (50, 10**6), (100, 10**10), (100, MAX_V)):
        tests.append([random_range(rng, hi) for _ in range(q)])
    tests.append([random_range(rng, MAX_V) for _ in range(MAX_Q)])
    tests.append([(rng.randint(1, 10**6), rng.randint(MAX_V - 10**6, MAX_V)) for _ in range(MAX_Q)])
    squares = rng.sample(SQUARES, MAX_Q // 2)
    tests.append([(s, s) if i % 2 else (s + 1, s + rng.randint(1, 10**9)) for i, s in enumerate(squares)])
    return [fmt(t) for t in tests]


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
