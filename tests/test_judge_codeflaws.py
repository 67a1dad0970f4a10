"""Correctness on real data: a fixed sample of clean Codeflaws problems must judge exactly as labelled.

Accepted submissions AC on every hidden test, rejected ones (failing locally) non-AC. The full run is
`python bench/judge_codeflaws.py`; this is its evenly spread sample of a few problems.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from sandbox import SandboxError, open_backend

SAMPLE = 8


def _bench_module():
    path = Path(__file__).resolve().parents[1] / "bench" / "judge_codeflaws.py"
    spec = importlib.util.spec_from_file_location("judge_codeflaws", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_sample_of_clean_problems_agrees_fully(cp_data, tmp_path_factory):
    bench = _bench_module()
    name = os.environ.get("CPAGENT_TEST_BACKEND", "native")
    try:
        open_backend(name, insecure=name == "unsafe").close()
    except SandboxError as exc:
        print(f"{name} backend unavailable ({exc.message}); judging on the unsafe backend", file=sys.stderr)
        name = "unsafe"
    rows = bench.evenly_spread(bench.clean_problems(cp_data / "codeflaws_dev.jsonl"), SAMPLE)
    assert len(rows) == SAMPLE
    summary = bench.run(
        rows,
        name,
        name == "unsafe",
        bench.TIME_MULTIPLIER,
        tmp_path_factory.getbasetemp() / "compile-cache",
        progress=False,
    )
    assert summary["accepted"]["total"] > 0 and summary["rejected"]["total"] > 0
    assert summary["disagreements"] == [], summary["disagreements"]
    assert summary["agreement"] == 1.0
