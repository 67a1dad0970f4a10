"""How fast problems load: the 24 MB codeflaws dataset and the saved Codeforces pages.

Each figure is printed beside an anchor measured in the same run on the same data, so numbers from a
loaded or a fast machine compare: `json.loads` of every line (the floor for reading JSONL), and a bare
BeautifulSoup parse of each page (the floor for the page parser).

    .venv/bin/python bench/problems_load.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bs4 import BeautifulSoup

from agent.codeforces.page import parse_problem_page
from agent.problems.jsonl import read_jsonl

CP_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "cp-data"


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    path = CP_DATA / "codeflaws_dev.jsonl"
    size_mb = path.stat().st_size / 2**20
    anchor = best(lambda: [json.loads(line) for line in path.open(encoding="utf-8")], args.repeat)
    figure = best(lambda: read_jsonl(path), args.repeat)
    n = len(read_jsonl(path))
    print(
        f"read_jsonl({path.name}, {size_mb:.0f} MB, {n} problems): {figure:.2f} s"
        f"   anchor json.loads per line: {anchor:.2f} s   ratio {figure / anchor:.1f}x"
    )

    pages = sorted((CP_DATA / "fixtures" / "codeforces_html").glob("*.html"))
    texts = [p.read_text(encoding="utf-8") for p in pages]
    anchor = best(lambda: [BeautifulSoup(t, "lxml") for t in texts], args.repeat)
    figure = best(lambda: [parse_problem_page(t) for t in texts], args.repeat)
    print(
        f"parse_problem_page x{len(texts)} saved pages: {figure * 1000 / len(texts):.1f} ms/page"
        f"   anchor BeautifulSoup(lxml) alone: {anchor * 1000 / len(texts):.1f} ms/page"
        f"   ratio {figure / anchor:.1f}x"
    )


if __name__ == "__main__":
    main()
