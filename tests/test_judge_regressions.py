"""Judge regressions, one folder per case under tests/sandbox_regressions/ (see its README.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sandbox.checkers import CheckerSpec
from sandbox.compile_cache import CompileCache
from sandbox.judge import Judge, JudgeTest

CASES = Path(__file__).resolve().parent / "sandbox_regressions"


def _cases() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if (p / "case.yaml").is_file())


@pytest.fixture(scope="module")
def judge(backend, tmp_path_factory) -> Judge:
    return Judge(backend, CompileCache(tmp_path_factory.getbasetemp() / "compile-cache"))


def _checker(value: Any) -> CheckerSpec:
    if value is None:
        return CheckerSpec()
    if isinstance(value, str):
        return CheckerSpec(value)
    return CheckerSpec(
        kind=value["kind"],
        abs_eps=float(value.get("abs_eps", 1e-6)),
        rel_eps=float(value.get("rel_eps", 1e-6)),
    )


def test_there_are_cases():
    assert len(_cases()) >= 10


@pytest.mark.parametrize("folder", _cases(), ids=lambda p: p.name)
def test_regression(folder: Path, judge: Judge, backend):
    case = yaml.safe_load((folder / "case.yaml").read_text())
    if case.get("requires") == "isolation" and not backend.secure:
        pytest.skip(f"{folder.name} needs an isolating backend; {backend.name} isolates nothing")
    tests = [
        JudgeTest(
            f"{i + 1:02d}",
            t.get("input", "").encode(),
            None if t.get("answer") is None else str(t["answer"]).encode(),
        )
        for i, t in enumerate(case["tests"])
    ]
    report = judge.judge(
        (folder / case["source"]).read_text(),
        case["language"],
        tests,
        checker=_checker(case.get("checker")),
        time_limit_s=float(case.get("time_limit_s", 1.0)),
        memory_mb=int(case.get("memory_mb", 256)),
        input_file=case.get("input_file"),
        output_file=case.get("output_file"),
    )
    assert report.verdict.value == case["expected"], (case["why"], report.to_json())
