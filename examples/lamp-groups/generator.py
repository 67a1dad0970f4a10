#!/usr/bin/env python3
"""Hidden tests for "Lamp Groups", deterministic from the seed.

Usage: python3 generator.py SEED [--out DIR]. The samples come first, then hand-picked edge cases (a group at
the very end of the street, groups of exactly k lamps, a test that starts with lamps on right after one that
ended with lamps on), then random and max-size tests. Answers come from the reference solution `solve`.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_SUM_N = 2 * 10**5


def solve(text: str) -> str:
    data = text.split()
    t, pos, out = int(data[0]), 1, []
    for _ in range(t):
        k, s = int(data[pos + 1]), data[pos + 2]
        pos += 3
        out.append(sum(1 for block in s.split("0") if len(block) >= k))
    return "".join(f"{x}\n" for x in out)


def fmt(cases: list[tuple[int, str]]) -> str:
    return f"{len(cases)}\n" + "".join(f"{len(s)} {k}\n{s}\n" for k, s in cases)


def random_street(rng: random.Random, n: int, p_on: float) -> str:
    return "".join("1" if rng.random() < p_on else "0" for _ in range(n))


def cases(rng: random.Random) -> list[str]:
    tests = [
        [(1, "1")],
        [(1, "0")],
        [(1, "1"), (1, "1"), (2, "11")],  # every street ends lit, the next one starts lit
        [(3, "0111"), (2, "110"), (4, "1111")],
        [(2, "1011"), (2, "11"), (3, "111011")],
        [(5, "11111"), (6, "11111")],  # exactly k and one short
        [(1, "0000000"), (1, "1111111")],
        [(k, "1" * k + "0" + "1" * (k - 1)) for k in range(1, 12)],
    ]
    for _ in range(4):
        group = []
        for _ in range(rng.randint(5, 40)):
            n = rng.randint(1, 30)
            group.append((rng.randint(1, n), random_street(rng, n, rng.choice((0.3, 0.6, 0.9)))))
        tests.append(group)
    many = []
    for _ in range(10**4):
        n = rng.randint(1, 20)
        many.append((rng.randint(1, 4), random_street(rng, n, 0.7)))
    tests.append(many)
    tests.append([(3, random_street(rng, MAX_SUM_N, 0.8))])
    tests.append([(1, "1" * MAX_SUM_N)])
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
