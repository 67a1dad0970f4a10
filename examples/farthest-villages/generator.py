#!/usr/bin/env python3
"""Hidden tests for "Farthest Villages", deterministic from the seed.

Usage: python3 generator.py SEED [--out DIR]. The samples come first, then hand-picked trees (village 1 in the
middle, the farthest village by road count not the farthest by length, long roads), then random trees, stars,
caterpillars and 10^4-village paths, relabelled at random. Answers come from the reference solution `solve`.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_N, MAX_W = 10**4, 10**9


def farthest(adj: list[list[tuple[int, int]]], start: int) -> tuple[int, int]:
    dist = [-1] * len(adj)
    dist[start] = 0
    stack = [start]
    while stack:
        u = stack.pop()
        for v, w in adj[u]:
            if dist[v] < 0:
                dist[v] = dist[u] + w
                stack.append(v)
    best = max(range(1, len(adj)), key=dist.__getitem__)
    return best, dist[best]


def solve(text: str) -> str:
    data = list(map(int, text.split()))
    n = data[0]
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n + 1)]
    for i in range(n - 1):
        u, v, w = data[1 + 3 * i : 4 + 3 * i]
        adj[u].append((v, w))
        adj[v].append((u, w))
    a, _ = farthest(adj, 1)
    return f"{farthest(adj, a)[1]}\n"


def fmt(n: int, edges: list[tuple[int, int, int]]) -> str:
    return f"{n}\n" + "".join(f"{u} {v} {w}\n" for u, v, w in edges)


def relabel(rng: random.Random, n: int, edges: list[tuple[int, int, int]]) -> tuple[int, list]:
    perm = list(range(1, n + 1))
    rng.shuffle(perm)
    out = [(perm[u - 1], perm[v - 1], w) if rng.random() < 0.5 else (perm[v - 1], perm[u - 1], w)
           for u, v, w in edges]
    rng.shuffle(out)
    return n, out


def random_tree(rng: random.Random, n: int, maxw: int, spread: int) -> list[tuple[int, int, int]]:
    """Parent of i among the `spread` previous villages: small spread gives deep trees."""
    return [(i, rng.randint(max(1, i - spread), i - 1), rng.randint(1, maxw)) for i in range(2, n + 1)]


def cases(rng: random.Random) -> list[tuple[int, list]]:
    tests: list[tuple[int, list]] = [
        (2, [(1, 2, MAX_W)]),
        (3, [(1, 2, 10), (1, 3, 20)]),  # village 1 in the middle
        (4, [(2, 1, 1), (1, 3, 1), (3, 4, 1)]),
        (5, [(1, 2, 1), (2, 3, 1), (3, 4, 1), (1, 5, 100)]),  # most roads is not the longest way
        (6, [(1, 2, 1), (2, 3, 1), (3, 4, 1), (4, 5, 1), (1, 6, 3)]),
        (4, [(1, 2, MAX_W), (2, 3, MAX_W), (3, 4, MAX_W)]),  # beyond 32 bits
        (7, [(4, 1, 5), (4, 2, 5), (4, 3, 5), (4, 5, 5), (4, 6, 5), (4, 7, 6)]),
    ]
    for n in (5, 10, 30, 100, 1000):
        tests.append(relabel(rng, n, random_tree(rng, n, 20, n)))
    tests.append(relabel(rng, MAX_N, random_tree(rng, MAX_N, MAX_W, MAX_N)))
    tests.append(relabel(rng, MAX_N, random_tree(rng, MAX_N, MAX_W, 3)))
    tests.append(relabel(rng, MAX_N, [(i, i + 1, rng.randint(1, MAX_W)) for i in range(1, MAX_N)]))  # a path
    tests.append(relabel(rng, MAX_N, [(1, i, rng.randint(1, 1000)) for i in range(2, MAX_N + 1)]))  # a star
    size, spine = 3000, 1500
    caterpillar = [(i, i + 1, rng.randint(1, 10)) for i in range(1, spine)]
    caterpillar += [(rng.randint(1, spine), i, rng.randint(1, MAX_W)) for i in range(spine + 1, size + 1)]
    tests.append(relabel(rng, size, caterpillar))
    return tests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seed", type=int)
    parser.add_argument("--out", type=Path, default=HERE / "tests" / "hidden")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    samples = [p.read_text() for p in sorted((HERE / "tests" / "sample").glob("*.in"))]
    inputs = samples + [fmt(n, edges) for n, edges in cases(rng)]
    args.out.mkdir(parents=True, exist_ok=True)
    for old in [*args.out.glob("*.in"), *args.out.glob("*.ans")]:
        old.unlink()
    for i, text in enumerate(inputs, 1):
        (args.out / f"{i:02d}.in").write_text(text)
        (args.out / f"{i:02d}.ans").write_text(solve(text))


if __name__ == "__main__":
    main()
