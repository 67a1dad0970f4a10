#!/usr/bin/env python3
"""Hidden tests for "Uptime", deterministic from the seed.

Usage: python3 generator.py SEED [--out DIR]. The samples come first, then hand-picked edge cases (exactly one
day, less than a day, zero, 10^12 seconds which needs 64 bits), then random and max-size tests. Answers come
from the reference solution `solve`; the checker compares them byte for byte.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_T, MAX_S = 10**4, 10**12


def show(s: int) -> str:
    days, rest = divmod(s, 86400)
    clock = f"{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}"
    if days == 0:
        return clock
    return f"{days} {'day' if days == 1 else 'days'}, {clock}"


def solve(text: str) -> str:
    data = list(map(int, text.split()))
    return "".join(show(s) + "\n" for s in data[1 : data[0] + 1])


def fmt(values: list[int]) -> str:
    return f"{len(values)}\n" + "".join(f"{s}\n" for s in values)


def cases(rng: random.Random) -> list[str]:
    tests = [
        [0],
        [86400],  # exactly one day
        [86399],
        [90061, 172800, 172799],
        [MAX_S],
        [59, 60, 3599, 3600, 86401, 2 * 86400],
        [MAX_S - 1, 2**31 - 1, 2**31, 2**32 + 5],
    ]
    for t in (5, 20, 100):
        tests.append([rng.randint(0, 10**6) for _ in range(t)])
    for t in (50, 1000):
        tests.append([rng.randint(0, MAX_S) for _ in range(t)])
    tests.append([rng.randint(0, 86400 * 3) for _ in range(MAX_T // 10)])
    tests.append([rng.randint(MAX_S // 2, MAX_S) for _ in range(MAX_T)])
    tests.append([rng.choice((rng.randint(0, 86399), rng.randint(86400, 172799))) for _ in range(MAX_T)])
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
