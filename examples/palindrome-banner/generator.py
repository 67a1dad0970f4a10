#!/usr/bin/env python3
"""Hidden tests for "Palindrome Banner", deterministic from the seed.

Usage: python3 generator.py SEED [--out DIR]. The samples come first, then hand-picked edge cases (single
tiles, odd-length palindromes, requests touching both ends), then random strips over small and full alphabets
and max-size tests. Answers come from the reference solution `solve` (prefix parities as bit masks).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_N, MAX_Q = 5 * 10**4, 10**4


def solve(text: str) -> str:
    data = text.split()
    n, q, s = int(data[0]), int(data[1]), data[2]
    prefix = [0] * (n + 1)
    for i, c in enumerate(s):
        prefix[i + 1] = prefix[i] ^ (1 << (ord(c) - 97))
    out = []
    for j in range(q):
        l, r = int(data[3 + 2 * j]), int(data[4 + 2 * j])
        out.append("YES" if bin(prefix[r] ^ prefix[l - 1]).count("1") <= 1 else "NO")
    return "".join(a + "\n" for a in out)


def fmt(s: str, queries: list[tuple[int, int]]) -> str:
    return f"{len(s)} {len(queries)}\n{s}\n" + "".join(f"{l} {r}\n" for l, r in queries)


def strip(rng: random.Random, n: int, letters: str) -> str:
    return "".join(rng.choice(letters) for _ in range(n))


def random_queries(rng: random.Random, n: int, q: int, longest: int) -> list[tuple[int, int]]:
    out = []
    for _ in range(q):
        l = rng.randint(1, n)
        out.append((l, min(n, l + rng.randint(0, longest - 1))))
    return out


def all_queries(n: int) -> list[tuple[int, int]]:
    return [(l, r) for l in range(1, n + 1) for r in range(l, n + 1)]


def cases(rng: random.Random) -> list[str]:
    tests = [
        ("a", [(1, 1)]),
        ("ab", all_queries(2)),
        ("aba", all_queries(3)),
        ("racecar", all_queries(7)),
        ("abcabcd", all_queries(7)),
        ("zz", [(1, 2), (2, 2)]),
        ("abcdefghijklmnopqrstuvwxyz", [(1, 26), (1, 1), (26, 26), (5, 6)]),
        ("aabbccddeeffgghh" * 2, all_queries(32)),
    ]
    for n, q, letters in ((10, 30, "ab"), (50, 100, "abc"), (200, 300, "abcde"), (1000, 1000, "ab")):
        s = strip(rng, n, letters)
        tests.append((s, random_queries(rng, n, q, n)))
    s = strip(rng, MAX_N, "abcdefghijklmnopqrstuvwxyz")
    tests.append((s, random_queries(rng, MAX_N, MAX_Q, MAX_N)))
    s = strip(rng, MAX_N, "ab")
    tests.append((s, random_queries(rng, MAX_N, MAX_Q, 50)))
    half = strip(rng, MAX_N // 2, "xyz")
    mirrored = [(rng.randint(1, 100), MAX_N - rng.randint(0, 100)) for _ in range(MAX_Q // 2)]
    tests.append((half + half[::-1], mirrored))
    return [fmt(s, qs) for s, qs in tests]


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
