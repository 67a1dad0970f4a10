"""`cpagent doctor`: the JSON contract, the exit status, and what it says when a layer is missing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli import main
from sandbox import UnsafeSandboxError, open_backend
from sandbox.native import bwrap, layers

REPO = Path(__file__).resolve().parents[1]


def doctor_json(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main(["doctor", "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_json_contract_and_exit_status_agree_with_the_backend(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = doctor_json(capsys)
    assert set(report) == {"layers", "secure", "backends"}
    names = []
    for layer in report["layers"]:  # type: ignore[union-attr]
        assert set(layer) == {"name", "ok", "detail", "hint"}
        assert isinstance(layer["ok"], bool) and layer["detail"]
        if not layer["ok"]:
            assert layer["hint"], layer  # every missing layer says what to do
        names.append(layer["name"])
    for expected in ("bwrap", "user namespaces", "namespace pid", "namespace net", "namespace ipc",
                     "namespace uts", "seccomp", "rlimits", "docker engine", "compiler gcc", "compiler g++",
                     "compiler python3", "compiler pypy3"):
        assert expected in names
    assert any(n.startswith("cgroups v") for n in names)
    assert set(report["backends"]) == {"native", "docker", "unsafe"}  # type: ignore[arg-type]
    assert code == (0 if report["secure"] else 1)
    try:
        open_backend("native", slots=1).close()
        opened = True
    except UnsafeSandboxError:
        opened = False
    assert opened == report["secure"] == report["backends"]["native"]  # type: ignore[index]


def test_missing_bwrap_is_reported_with_the_fix(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(bwrap, "find_bwrap", lambda: None)
    layers.userns_layer.cache_clear()
    try:
        code, report = doctor_json(capsys)
    finally:
        layers.userns_layer.cache_clear()
    assert code == 1 and report["secure"] is False and report["backends"]["native"] is False  # type: ignore[index]
    by_name = {layer["name"]: layer for layer in report["layers"]}  # type: ignore[union-attr]
    assert by_name["bwrap"]["ok"] is False
    assert "apt-get install bubblewrap" in by_name["bwrap"]["hint"]


def test_human_output_ends_with_a_verdict_line() -> None:
    proc = subprocess.run([sys.executable, "-m", "agent", "doctor"], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.stdout == ""  # human lines go to stderr
    last = proc.stderr.strip().splitlines()[-1]
    if proc.returncode == 0:
        assert last.startswith("[SUCCESS]")
    else:
        assert proc.returncode == 1 and last.startswith("[HINT]")
    assert "[INFO] ok bwrap" in proc.stderr or "[WARNING] MISSING bwrap" in proc.stderr
