#!/usr/bin/env python3
"""Hidden tests for "No Long Runs", deterministic from the seed.

Usage: python3 generator.py SEED [--out DIR]. The samples come first, then hand-picked edge cases (k = 1, n =
k, n < k, an alphabet of 10^18 letters), then random tests with n up to 10^18. Answers come from the reference
solution `solve` (the run-length DP raised to the (n - 1)-th power as a matrix).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
MOD = 10**9 + 7
MAX_N = MAX_M = 10**18
MAX_K = 12


def mat_mul(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
    cols = list(zip(*b))
    return [[sum(x * y for x, y in zip(row, col)) % MOD for col in cols] for row in a]


def solve(text: str) -> str:
    n, m, k = map(int, text.split())
    if k == 1:
        return "0\n"
    size, other = k - 1, (m - 1) % MOD
    # state j: the string ends with a run of j + 1 equal letters (j < k - 1)
    step = [[0] * size for _ in range(size)]
    for j in range(size):
        step[j][0] = other  # a different letter starts a new run
        if j + 1 < size:
            step[j][j + 1] = 1  # the same letter lengthens the run
    vec = [[m % MOD] + [0] * (size - 1)]
    e = n - 1
    while e:
        if e & 1:
            vec = mat_mul(vec, step)
        step = mat_mul(step, step)
        e >>= 1
    return f"{sum(vec[0]) % MOD}\n"


def cases(rng: random.Random) -> list[str]:
    tests = [
        (1, 1, 1), (1, MAX_M, 1), (5, 7, 1), (1, 5, 2), (1, MAX_M, MAX_K),
        (2, 2, 2), (3, 3, 3), (12, 2, 12), (11, 5, 12),  # n = k and n < k
        (MAX_N, 2, 2), (MAX_N, MAX_M, 2), (MAX_N, MAX_M, MAX_K),
        (10, MAX_M, 3), (50, 10**9 + 7, 4), (50, 10**9 + 8, 4),  # m a multiple of the modulus, and one more
        (100, 26, 5), (10**6, 26, 3),
    ]
    for _ in range(4):
        tests.append((rng.randint(1, 60), rng.randint(2, 30), rng.randint(2, MAX_K)))
    for _ in range(6):
        tests.append((rng.randint(1, MAX_N), rng.randint(2, MAX_M), rng.randint(2, MAX_K)))
    return [f"{n} {m} {k}\n" for n, m, k in tests]


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
