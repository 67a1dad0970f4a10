#!/usr/bin/env python3
"""Hidden tests for "Mountain Peak", deterministic from the seed.

Usage: python3 generator.py SEED [--out DIR]. Each test is n and the hidden altitudes, read by interactor.cpp;
there are no answer files (the interactor judges). The samples come first, then edge cases (n = 1, a peak at
either end), then random and max-size trails whose peak sits anywhere.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_N, MAX_A = 10**4, 10**9


def trail(rng: random.Random, n: int, peak: int) -> str:
    """n distinct altitudes rising strictly to position `peak` (1-based), then falling strictly."""
    values = sorted(rng.sample(range(1, MAX_A + 1), n))
    top = values.pop()
    left = sorted(rng.sample(values, peak - 1))
    chosen = set(left)
    right = sorted((v for v in values if v not in chosen), reverse=True)
    return f"{n}\n{' '.join(map(str, left + [top] + right))}\n"


def cases(rng: random.Random) -> list[str]:
    shapes = [(1, 1), (2, 1), (2, 2), (3, 1), (3, 3), (3, 2), (4, 4), (10, 1), (10, 10), (17, 9)]
    for n in (30, 100, 1000):
        shapes.append((n, rng.randint(1, n)))
    for peak in (1, MAX_N // 2, MAX_N):
        shapes.append((MAX_N, peak))
    shapes.append((MAX_N, rng.randint(1, MAX_N)))
    for n in (2047, 2049, 4095):
        shapes.append((n, rng.randint(1, n)))
    shapes.append((3000, 2999))
    return [trail(rng, n, p) for n, p in shapes]


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


if __name__ == "__main__":
    main()
