"""Wall time of one evaluation on a Ray cluster of 1, 2 and 4 worker nodes, beside the local executor
measured in the same run.

Every configuration runs the same `cpagent eval` of a few bundled examples (dataset policy) into a
fresh run directory, after one untimed local run that fills the compile cache (so every timed run
compiles nothing and measures judging, clustering and the executor). The Ray clusters are real: a head
node offering no CPU (it only hosts the driver) and W worker nodes of one CPU each, all `ray start`
processes on this machine (loopback), so W is also the number of sandbox slots. On a machine with few
cores the curve flattens once W passes the core count: the workers then share the same cores.

    .venv/bin/python bench/ray_scaling.py [--workers 1,2,4] [--problems grid-paths,divisible-segment,lamp-groups]

Printed per configuration: slots, the command's wall time (with Ray: connecting, probing every node
and starting the slots included), the pipeline's own wall time (results.json summary.wall_s), and the
ratio to the local executor's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from ray_cluster import LocalCluster  # noqa: E402

CPAGENT = Path(sys.executable).with_name("cpagent")


def timed_eval(problems: Path, out: Path, *extra: str) -> tuple[float, float, dict]:
    start = time.monotonic()
    proc = subprocess.run([str(CPAGENT), "eval", str(problems), "--policy", "dataset", "-o", str(out), "--json",
                           *extra], capture_output=True, text=True)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"eval {' '.join(extra)} failed:\n{proc.stderr[-3000:]}")
    results = json.loads((out / "results.json").read_text())
    return wall, float(results["summary"]["wall_s"]), results


def stable(results: dict) -> str:
    problems = [{k: v for k, v in p.items() if k not in ("stages", "clustering")} for p in results["problems"]]
    return json.dumps(problems, sort_keys=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--problems", default="grid-paths,divisible-segment,lamp-groups")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="cpagent-ray-bench-"))
    problems = tmp / "problems"
    problems.mkdir()
    for name in args.problems.split(","):
        os.symlink(REPO / "examples" / name, problems / name)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; problems: {args.problems}")
    timed_eval(problems, tmp / "warm")  # fills the compile cache; not timed
    rows: list[tuple[str, int, float, float]] = []
    reference = None
    for label, extra, slots in (("local -j 1", ["-j", "1"], 1), ("local", [], os.cpu_count() or 1)):
        wall, pipeline, results = timed_eval(problems, tmp / label.replace(" ", ""), *extra)
        reference = reference or stable(results)
        rows.append((label, slots, wall, pipeline))
        print(f"{label:<14} slots {slots:>2}  command {wall:7.1f} s  pipeline {pipeline:7.1f} s", flush=True)
    local_wall = rows[-1][2]
    for w in workers:
        with LocalCluster(head_cpus=0) as cluster:
            for _ in range(w):
                cluster.add_worker(1)
            cluster.wait_for_nodes(w + 1)
            wall, pipeline, results = timed_eval(problems, tmp / f"ray{w}", "--executor", f"ray:{cluster.address}")
        same = "same results" if stable(results) == reference else "RESULTS DIFFER"
        label = f"ray {w} worker{'s' if w > 1 else ''}"
        rows.append((label, w, wall, pipeline))
        print(f"{label:<14} slots {w:>2}  command {wall:7.1f} s  pipeline {pipeline:7.1f} s  "
              f"x{local_wall / wall:.2f} of local  ({same})", flush=True)
    print("\n| executor | slots | command wall (s) | pipeline wall (s) |\n|---|---|---|---|")
    for label, slots, wall, pipeline in rows:
        print(f"| {label} | {slots} | {wall:.1f} | {pipeline:.1f} |")


if __name__ == "__main__":
    main()
