"""The ray executor on a real Ray cluster started on this machine (a head node and worker nodes, each a
`ray start` process on loopback): compiles come back into the head's cache, every spec of a batch is
answered exactly once when a node dies, `cpagent eval --executor ray:ADDRESS` gives the local executor's
results.json, also when a worker node is killed mid-run, and `cpagent doctor` reports the nodes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("ray", reason="Ray is not installed (pip install 'cpagent[ray]'): the ray executor is not tested")

from ray_cluster import LocalCluster  # noqa: E402

from sandbox.compile_cache import CompileCache  # noqa: E402
from sandbox.compiler import compile_source  # noqa: E402
from sandbox.verdict import Status  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
CPAGENT = Path(sys.executable).with_name("cpagent")
PROBLEMS = ("grid-paths", "divisible-segment")
EVAL_TIMEOUT_S = 600

# Each run burns about 0.1 s of CPU so that a batch is still running when a node is killed.
PROGRAM = r"""
#include <stdio.h>
int main(void) {
    long long n, x = 0;
    if (scanf("%lld", &n) != 1) return 1;
    for (long long i = 0; i < 60000000LL; i++) x += i & 1;
    printf("%lld %lld\n", n * 2, x);
    return 0;
}
"""


def _secure_here() -> str:
    from sandbox.doctor import probe

    report = probe()
    if not report.secure:
        return "the native sandbox is not secure on this machine (see `cpagent doctor`)"
    return ""


@pytest.fixture(scope="module")
def cluster():
    reason = _secure_here()
    if reason:
        pytest.skip(reason)
    c = LocalCluster(head_cpus=1)
    try:
        c.add_worker(1)
        c.wait_for_nodes(2)
        yield c
    finally:
        c.stop()


def _subset(tmp: Path) -> Path:
    subset = tmp / "problems"
    subset.mkdir()
    for name in PROBLEMS:
        os.symlink(EXAMPLES / name, subset / name)
    return subset


def _eval_cmd(problems: Path, run_dir: Path, *extra: str) -> list[str]:
    return [str(CPAGENT), "eval", str(problems), "--policy", "dataset", "-o", str(run_dir), "--json", *extra]


def _stable(results: dict) -> dict:
    """results.json less what legitimately differs between two runs: timings and the configuration's backend."""
    out = json.loads(json.dumps(results))
    out["summary"].pop("wall_s", None)
    out["summary"].pop("stage_seconds", None)
    out.pop("config", None)
    out.pop("dataset", None)
    for p in out["problems"]:
        p.pop("stages", None)
        if p.get("clustering", {}).get("cost"):
            p["clustering"]["cost"].pop("wall_s", None)
    return out


@pytest.fixture(scope="module")
def local_results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("local")
    proc = subprocess.run(_eval_cmd(_subset(tmp), tmp / "run"), capture_output=True, text=True,
                          timeout=EVAL_TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((tmp / "run" / "results.json").read_text())


def test_doctor_reports_every_node(cluster):
    proc = subprocess.run([str(CPAGENT), "doctor", "--executor", f"ray:{cluster.address}", "--json"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    assert {"layers", "secure", "backends", "cluster"} <= set(data)
    nodes = data["cluster"]["nodes"]
    assert len(nodes) == 2 and data["cluster"]["usable_nodes"] == 2 and data["cluster"]["slots"] == 2
    for node in nodes:
        assert node["cpus"] == 1 and node["secure"] and node["used"] and node["slots"] == 1
        names = {layer["name"] for layer in node["layers"]}
        assert {"bwrap", "seccomp", "namespace pid"} <= names


def test_compiles_come_home_and_every_spec_is_answered_once_when_a_node_dies(cluster, tmp_path):
    from sandbox.ray_backend import RayBackend

    victim = cluster.add_worker(1)
    cluster.wait_for_nodes(3)
    backend = RayBackend(address=cluster.address)
    try:
        assert backend.slots == 3
        cache = CompileCache(tmp_path / "cache")
        compiled = compile_source(backend, PROGRAM, "c11", cache=cache, use_pch=False)
        assert compiled.ok and not compiled.cached
        binary = compiled.files[0].source
        assert binary is not None and binary.is_file() and str(binary).startswith(str(tmp_path / "cache"))
        stdins = []
        for k in range(24):
            path = tmp_path / f"{k}.in"
            path.write_text(f"{k}\n")
            stdins.append(path)
        specs = [compiled.run_spec(stdin=p, cpu_time_s=10.0) for p in stdins]
        seen: list[int] = []
        killed = threading.Event()
        results = {}
        for index, result in backend.iter_batch(specs):
            seen.append(index)
            results[index] = result
            if len(seen) == 3 and not killed.is_set():
                cluster.kill_worker(victim)
                killed.set()
        assert killed.is_set()
        assert sorted(seen) == list(range(len(specs)))  # each spec answered exactly once
        for k, result in results.items():
            assert result.status is Status.OK, result.message
            assert result.stdout.split()[0] == str(2 * k).encode()
        assert backend.lost_slots >= 1  # the dead node's slot was found lost and its run sent elsewhere
        nodes = {dict(r.extra)["ray_node"] for r in results.values()}
        assert len(nodes) >= 2
    finally:
        backend.close()


def test_interactive_pair_runs_in_a_node_sandbox(cluster, tmp_path):
    from test_judge_interactive import INTERACTOR, PY_SOLUTION

    from sandbox.judge import Judge, JudgeTest
    from sandbox.ray_backend import RayBackend
    from sandbox.verdict import Verdict

    backend = RayBackend(address=cluster.address)
    try:
        judge = Judge(backend, CompileCache(tmp_path / "cache"))
        tests = [JudgeTest("1", b"1\n"), JudgeTest("2", b"777\n")]
        report = judge.judge(PY_SOLUTION, "python3", tests, interactor=(INTERACTOR, "c11"), time_limit_s=2.0)
        assert report.verdict is Verdict.AC, report.to_json()
        assert all(dict(t.run.extra)["ray_node"] for t in report.tests if t.run is not None)
    finally:
        backend.close()


def test_eval_on_ray_gives_the_local_results(cluster, local_results, tmp_path):
    proc = subprocess.run(_eval_cmd(_subset(tmp_path), tmp_path / "run", "--executor", f"ray:{cluster.address}"),
                          capture_output=True, text=True, timeout=EVAL_TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ray_results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert ray_results["config"]["backend"] == f"ray:{cluster.address}"
    assert _stable(ray_results) == _stable(local_results)


def test_eval_survives_a_worker_killed_mid_run(cluster, local_results, tmp_path):
    victim = cluster.add_worker(1)
    cluster.wait_for_nodes(3)
    run_dir = tmp_path / "run"
    log = open(tmp_path / "stderr.txt", "w+")
    proc = subprocess.Popen(_eval_cmd(_subset(tmp_path), run_dir, "--executor", f"ray:{cluster.address}"),
                            stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    try:
        db = run_dir / "run.sqlite"
        deadline = time.monotonic() + EVAL_TIMEOUT_S
        judged = 0
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists():
                try:
                    judged = sqlite3.connect(db, timeout=1).execute("SELECT COUNT(*) FROM public_verdicts").fetchone()[0]
                except sqlite3.Error:
                    judged = 0
                if judged >= 2:
                    break
            time.sleep(0.05)
        assert proc.poll() is None, "the run finished before a worker could be killed"
        cluster.kill_worker(victim)
        assert proc.wait(timeout=EVAL_TIMEOUT_S) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    log.seek(0)
    err = log.read()
    assert "lost a Ray sandbox slot" in err, err[-3000:]
    assert _stable(json.loads((run_dir / "results.json").read_text())) == _stable(local_results)
