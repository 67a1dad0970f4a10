#!/usr/bin/env python3
"""Hidden tests for "Meeting Rooms", deterministic from the seed.

Usage: python3 generator.py SEED [--out DIR]. The samples come first, then hand-picked edge cases (meetings
that touch end to start, unsorted input, moments up to 10^9), then random and max-size tests. Answers come
from the reference solution `solve`.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_N, MAX_T = 10**4, 10**9


def solve(text: str) -> str:
    data = list(map(int, text.split()))
    events = []
    for i in range(data[0]):
        events.append((data[1 + 2 * i], 1))
        events.append((data[2 + 2 * i], -1))
    events.sort()  # at equal moments the end (-1) comes before the start (+1)
    best = cur = 0
    for _, delta in events:
        cur += delta
        best = max(best, cur)
    return f"{best}\n"


def fmt(meetings: list[tuple[int, int]]) -> str:
    return f"{len(meetings)}\n" + "".join(f"{l} {r}\n" for l, r in meetings)


def random_meetings(rng: random.Random, n: int, horizon: int, longest: int) -> list[tuple[int, int]]:
    out = []
    for _ in range(n):
        l = rng.randint(0, horizon - 1)
        out.append((l, min(horizon, l + rng.randint(1, longest))))
    return out


def cases(rng: random.Random) -> list[str]:
    tests = [
        [(0, 1)],
        [(0, MAX_T)],
        [(1, 3), (3, 5), (5, 7)],  # touching: one room
        [(5, 7), (3, 5), (1, 3)],
        [(1, 3), (2, 5), (4, 6)],  # chain of overlaps, but two rooms suffice
        [(1, 10), (2, 3), (4, 5), (6, 7), (8, 9)],
        [(7, 9), (1, 5), (8, 12), (2, 6)],  # the first sample, shuffled
        [(0, MAX_T)] * 5,
        [(MAX_T - 1, MAX_T), (0, MAX_T), (MAX_T // 2, MAX_T)],
        [(i, i + 1) for i in range(100)],
    ]
    for n in (5, 10, 50, 200):
        tests.append(random_meetings(rng, n, 100, 20))
    for n in (1000, 5000):
        tests.append(random_meetings(rng, n, MAX_T, 10**7))
    tests.append(random_meetings(rng, MAX_N, MAX_T, 10**6))
    tests.append(random_meetings(rng, MAX_N, 1000, 50))  # many equal moments
    nested = [(i, MAX_T - i) for i in range(MAX_N)]
    rng.shuffle(nested)
    tests.append(nested)
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
