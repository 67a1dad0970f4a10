#!/usr/bin/env python3
"""Hidden tests for "Rope Around the Posts", deterministic from the seed.

Usage: python3 generator.py SEED [--out DIR]. The samples come first, then hand-picked edge cases (all posts
on one line, repeated points, coordinates of 10^9 whose cross products need 64 bits), then random and max-size
tests. Answers come from the reference solution `solve` (Andrew's monotone chain, exact integer arithmetic).
"""

from __future__ import annotations

import argparse
import math
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_N, MAX_C = 10**4, 10**9


def cross(o: tuple[int, int], a: tuple[int, int], b: tuple[int, int]) -> int:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def solve(text: str) -> str:
    data = list(map(int, text.split()))
    pts = sorted(set(zip(data[1 : 2 * data[0] + 1 : 2], data[2 : 2 * data[0] + 2 : 2])))
    if len(pts) == 1:
        return f"{0:.9f}\n"
    hull: list[tuple[int, int]] = []
    for chain in (pts, pts[::-1]):
        start = len(hull)
        for p in chain:
            while len(hull) >= start + 2 and cross(hull[-2], hull[-1], p) <= 0:
                hull.pop()
            hull.append(p)
        hull.pop()
    total = sum(math.dist(hull[i], hull[(i + 1) % len(hull)]) for i in range(len(hull)))
    return f"{total:.9f}\n"


def fmt(pts: list[tuple[int, int]]) -> str:
    return f"{len(pts)}\n" + "".join(f"{x} {y}\n" for x, y in pts)


def cases(rng: random.Random) -> list[str]:
    big = MAX_C
    tests = [
        [(0, 0), (0, 0)],
        [(-big, -big), (big, big)],  # two points: there and back
        [(0, 0), (1, 1), (2, 2), (5, 5), (3, 3)],  # all on one line
        [(7, -2)] * 4 + [(1, 1)],
        [(-big, -big), (big, -big), (big, big), (-big, big)],
        [(-big, 0), (big, 0), (0, big), (0, -big), (0, 0)],
        [(0, 0), (1, 0), (2, 0), (2, 1), (2, 2), (1, 2), (0, 2), (0, 1), (1, 1)],  # collinear hull points
        [(big, big - 1), (big - 1, big), (-big, -big + 1), (-big + 1, -big)],  # a thin sliver
        [(3, 1), (1, 4), (1, 5), (9, 2), (6, 5), (3, 5), (8, 9), (7, 9), (3, 2), (3, 8)],
        [(x, 3 * x - 7) for x in range(-50, 51, 5)],
    ]
    for n in (4, 7, 20, 100):
        tests.append([(rng.randint(-10, 10), rng.randint(-10, 10)) for _ in range(n)])
    for n in (1000, 5000):
        tests.append([(rng.randint(-big, big), rng.randint(-big, big)) for _ in range(n)])
    circle = []
    for _ in range(MAX_N):
        angle = rng.random() * 2 * math.pi
        circle.append((round(big * math.cos(angle)), round(big * math.sin(angle))))
    tests.append(circle)
    tests.append([(rng.randint(-big, big), rng.randint(-big, big)) for _ in range(MAX_N)])
    line = [(x, -x) for x in (rng.randint(-big, big) for _ in range(MAX_N // 2))]
    tests.append(line)
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
