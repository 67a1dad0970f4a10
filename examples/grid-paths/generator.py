#!/usr/bin/env python3
"""Hidden tests for "Grid Paths", deterministic from the seed.

Usage: python3 generator.py SEED [--out DIR]. The samples come first, then hand-picked edge cases (a blocked
start or finish, obstacles in the first row and column, one-cell grids), then random and max-size grids, some
nearly empty so the counts exceed 32 bits before the modulo. Answers come from the reference solution `solve`.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_N = 400
MOD = 10**9 + 7


def solve(text: str) -> str:
    lines = text.split()
    n, m, grid = int(lines[0]), int(lines[1]), lines[2:]
    row = [0] * m
    for i in range(n):
        for j in range(m):
            if grid[i][j] == "#":
                row[j] = 0
            elif i == 0 and j == 0:
                row[j] = 1
            elif j > 0:
                row[j] = (row[j] + row[j - 1]) % MOD
    return f"{row[m - 1]}\n"


def fmt(grid: list[str]) -> str:
    return f"{len(grid)} {len(grid[0])}\n" + "".join(r + "\n" for r in grid)


def random_grid(rng: random.Random, n: int, m: int, density: float) -> list[str]:
    rows = [["#" if rng.random() < density else "." for _ in range(m)] for _ in range(n)]
    rows[0][0] = rows[n - 1][m - 1] = "."
    return ["".join(r) for r in rows]


def cases(rng: random.Random) -> list[str]:
    tests = [
        ["."],
        ["#"],
        ["#.", ".."],  # blocked start
        ["..", ".#"],  # blocked finish
        [".#..", "....", "...."],  # an obstacle in the first row
        ["....", "#...", "....", "...."],  # an obstacle in the first column
        [".#", "#."],
        ["." * 7],
        ["."] * 9,
        ["." * MAX_N],
    ]
    for n, m in ((5, 5), (8, 13), (20, 20), (50, 30)):
        tests.append(random_grid(rng, n, m, 0.2))
    for n, m, density in ((MAX_N, MAX_N, 0.0), (MAX_N, MAX_N, 0.02), (250, MAX_N, 0.1)):
        tests.append(random_grid(rng, n, m, density))
    tests.append(random_grid(rng, 40, 40, 0.0))
    tests.append(random_grid(rng, 17, 17, 0.0))
    tests.append(random_grid(rng, 2, MAX_N, 0.0))
    diagonal = [["." for _ in range(100)] for _ in range(100)]
    for i in range(1, 99):
        diagonal[i][99 - i] = "#"  # an anti-diagonal wall: no way through
    tests.append(["".join(r) for r in diagonal])
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
