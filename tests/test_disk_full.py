"""A full disk mid-run: one clear message, nothing finished is lost, and the same command resumes the run."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from agent.errors import DiskFullError
from agent.store import RunStore

REPO = Path(__file__).resolve().parent.parent


def _fields(code: str) -> dict:
    return {"language": "python3", "code": code, "logprob": None, "num_tokens": None, "label": None, "meta": {}}


def test_a_full_database_raises_one_clear_error_and_keeps_earlier_work(tmp_path):
    store = RunStore(tmp_path)
    store.add_problem("p", "id", "P", 0)
    store.add_samples("p", [(0, "c0", _fields("print(0)"))])
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "database or disk is full"
    with pytest.raises(DiskFullError, match="no space left") as info:
        store.add_samples("p", [(i, f"c{i}", _fields("x" * 20000 + str(i))) for i in range(1, 40)])
    assert "run the same command again" in info.value.hint
    store.close()
    again = RunStore(tmp_path)  # a new connection: the space is back
    assert again.num_samples("p") == 1  # the failed write left nothing half-done, the earlier one stayed
    again.add_samples("p", [(1, "c1", _fields("print(1)"))])
    assert again.num_samples("p") == 2


def _mount_tmpfs(path: Path, size: str, remount: bool = False) -> bool:
    opts = f"remount,size={size}" if remount else f"size={size}"
    return subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)], capture_output=True).returncode == 0


def _stable(results: dict) -> dict:
    out = json.loads(json.dumps(results))
    for key in ("wall_s", "stage_seconds"):
        out["summary"].pop(key, None)
    for p in out["problems"]:
        p.pop("stages", None)
        p.get("clustering", {}).get("cost", {}).pop("wall_s", None)
    return out


@pytest.mark.slow
def test_eval_on_a_disk_that_fills_up_resumes_after_space_is_freed(tmp_path):
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs to fill needs root (CI runs as root)")
    problems = tmp_path / "problems"
    problems.mkdir()
    os.symlink(REPO / "examples" / "grid-paths", problems / "grid-paths")

    reference = tmp_path / "reference"
    cmd = [sys.executable, "-m", "agent", "eval", str(problems), "--policy", "dataset", "--json"]
    done = subprocess.run([*cmd, "-o", str(reference)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]

    disk = tmp_path / "disk"
    disk.mkdir()
    if not _mount_tmpfs(disk, "128k"):
        pytest.skip("this machine cannot mount a tmpfs")
    try:
        run_dir = disk / "run"
        stopped_midway = False
        # Grow the disk until the run fills it part-way through: some samples stored, the run not finished.
        for kib in range(128, 1025, 64):
            shutil.rmtree(run_dir, ignore_errors=True)
            assert _mount_tmpfs(disk, f"{kib}k", remount=True)
            full = subprocess.run([*cmd, "-o", str(run_dir)], capture_output=True, text=True, timeout=600)
            if full.returncode == 0:
                break
            assert full.returncode == 2
            assert "Traceback" not in full.stderr, full.stderr[-3000:]
            assert "[FAILURE] no space left on the disk holding" in full.stderr
            assert "run the same command again" in full.stderr
            db = sqlite3.connect(run_dir / "run.sqlite")
            stored = db.execute("SELECT COUNT(*) FROM samples").fetchone()[0]
            db.close()
            if stored:
                stopped_midway = True
                break
        assert stopped_midway, "no disk size stopped the run part-way"
        assert not (run_dir / "results.json").exists()

        assert _mount_tmpfs(disk, "64m", remount=True)  # space freed
        resumed = subprocess.run([*cmd, "-o", str(run_dir)], capture_output=True, text=True, timeout=600)
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        got = json.loads((run_dir / "results.json").read_text())
        want = json.loads((reference / "results.json").read_text())
        assert _stable(got) == _stable(want)
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
