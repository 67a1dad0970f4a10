#!/usr/bin/env python3
"""Hidden tests for "Leaderboard", deterministic from the seed.

Usage: python3 generator.py SEED [--out DIR]. The samples come first, then hand-picked edge cases (shared
places in the middle of the board, ties listed out of name order, ten or more solved problems), then random
and max-size boards with many ties. Answers come from the reference solution `solve`.
"""

from __future__ import annotations

import argparse
import random
import string
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_N = 10**4


def solve(text: str) -> str:
    data = text.split()
    n = int(data[0])
    rows = sorted((-int(data[2 + 3 * i]), int(data[3 + 3 * i]), data[1 + 3 * i]) for i in range(n))
    out, place = [], 0
    for i, (s, p, name) in enumerate(rows):
        if i == 0 or (s, p) != rows[i - 1][:2]:
            place = i + 1
        out.append(f"{place} {name}\n")
    return "".join(out)


def fmt(rows: list[tuple[str, int, int]]) -> str:
    return f"{len(rows)}\n" + "".join(f"{name} {s} {p}\n" for name, s, p in rows)


def names(rng: random.Random, n: int) -> list[str]:
    seen: set[str] = set()
    while len(seen) < n:
        seen.add("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(1, 10))))
    out = sorted(seen)
    rng.shuffle(out)
    return out


def board(rng: random.Random, n: int, max_s: int, max_p: int) -> list[tuple[str, int, int]]:
    return [(name, rng.randint(0, max_s), rng.randint(0, max_p)) for name in names(rng, n)]


def cases(rng: random.Random) -> list[str]:
    tests = [
        [("solo", 0, 0)],
        [("b", 1, 10), ("a", 1, 10)],  # a tie listed out of name order
        [("x", 2, 5), ("y", 2, 5), ("z", 1, 0)],  # a shared first place, then third
        [("ann", 10, 100), ("bea", 9, 0), ("cid", 11, 500)],  # two-digit scores
        [("m", 3, 7), ("k", 3, 7), ("l", 3, 7), ("a", 2, 1), ("z", 4, 1000000)],
        [("aa", 0, 1000000), ("a", 0, 1000000), ("aaa", 0, 1000000)],
        [(c, 15 - i % 3, 0) for i, c in enumerate(string.ascii_lowercase)],
    ]
    for n in (5, 10, 40, 100):
        tests.append(board(rng, n, 15, 20))
    tests.append(board(rng, 1000, 15, 10**6))
    tests.append(board(rng, 3000, 15, 200))  # many shared places
    tests.append(board(rng, MAX_N, 15, 10**6))
    tests.append(board(rng, MAX_N, 1, 3))
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
