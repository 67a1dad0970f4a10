#!/usr/bin/env python3
"""Hidden tests for "Two Sums", deterministic from the seed.

Usage: python3 generator.py SEED [--out DIR]. The samples come first, then hand-picked edge cases (ties,
negative totals where an empty side would look better, sums beyond 32 bits), then random and max-size tests.
Answers come from the reference solution `solve`.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_N, MAX_A = 2 * 10**4, 10**9


def solve(text: str) -> str:
    data = text.split()
    n, a = int(data[0]), list(map(int, data[1 : 1 + int(data[0])]))
    total, prefix, best = sum(a), 0, None
    for k in range(1, n):
        prefix += a[k - 1]
        diff = abs(prefix - (total - prefix))
        if best is None or diff < best[0]:
            best = (diff, k)
    return f"{best[0]} {best[1]}\n"


def fmt(a: list[int]) -> str:
    return f"{len(a)}\n{' '.join(map(str, a))}\n"


def cases(rng: random.Random) -> list[str]:
    tests = [
        [1, 1],
        [10, -10],  # an empty side would give 0: the answer is 20
        [5, 5, 5, 5],  # several ties: the smallest k
        [1, 2, 3, 3, 2, 1],
        [0, 0, 0],
        [-10**9, 10**9],
        [10**9] * 7,  # sums beyond 32 bits
        [-(10**9)] * 9,
        [7, -3, -4, 7, -7],  # total 0, best split in the middle
        [2, -2, 2, -2, 2, -2],
    ]
    for n in (3, 5, 8, 13, 50, 200):
        tests.append([rng.randint(-20, 20) for _ in range(n)])
    for n in (1000, 5000):
        tests.append([rng.randint(-MAX_A, MAX_A) for _ in range(n)])
    tests.append([rng.choice((1, -1)) * rng.randint(10**8, MAX_A) for _ in range(MAX_N)])
    tests.append([10**9 - rng.randint(0, 5) for _ in range(MAX_N)])
    tests.append([rng.randint(-3, 3) for _ in range(MAX_N)])  # many ties
    return [fmt(a) for a in tests]


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
