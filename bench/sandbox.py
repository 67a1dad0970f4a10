"""Sandbox speed, each figure printed beside an anchor measured in the same run.

1. A trivial C program through the native fast path (warm slots) against a bare `os.posix_spawn` of
   the same binary with no isolation. Target: overhead <= 2 ms per run, or >= half the bare throughput.
2. A trivial Python program through the zygote against starting python3 per run (same sandbox,
   zygote off). Target: >= 4x.
3. If bench/sandbox_judge.py exists (the judge's figures): its compile_figures() and judge_figures().

Measurements alternate between the figure and its anchor in short blocks and report the median
block, so that load from other processes on the machine hits both alike.

    .venv/bin/python bench/sandbox.py [--runs 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox import FileSpec, RunSpec, Status  # noqa: E402
from sandbox.native import NativeBackend  # noqa: E402

TRIVIAL_C = "int main(void){return 0;}\n"
TRIVIAL_PY = "import sys\nprint(sum(map(int, '1 2 3'.split())))\n"


def rate(fn: Callable[[int], None], runs: int) -> float:
    start = time.perf_counter()
    fn(runs)
    return runs / (time.perf_counter() - start)


def alternate(pairs: list[tuple[str, Callable[[int], None]]], runs: int, rounds: int) -> dict[str, float]:
    """Median runs/s of each measurement over `rounds` alternating blocks."""
    got: dict[str, list[float]] = {name: [] for name, _ in pairs}
    for _ in range(rounds):
        for name, fn in pairs:
            got[name].append(rate(fn, runs))
    return {name: statistics.median(v) for name, v in got.items()}


def bare_spawn(path: str, threads: int) -> Callable[[int], None]:
    def one() -> None:
        pid = os.posix_spawn(path, [path], {"PATH": "/usr/bin:/bin"})
        os.waitpid(pid, 0)

    def go(n: int) -> None:
        if threads == 1:
            for _ in range(n):
                one()
            return
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda _: one(), range(n)))

    return go


def sandboxed(backend: NativeBackend, spec: RunSpec, parallel: bool) -> Callable[[int], None]:
    def go(n: int) -> None:
        if parallel:
            results = backend.run_batch([spec] * n)
        else:
            results = [backend.run(spec) for _ in range(n)]
        bad = [r for r in results if r.status is not Status.OK]
        if bad:
            raise SystemExit(f"sandboxed run failed: {bad[0]}")

    return go


class CpuMeter:
    """CPU time of this process and everything it starts, from a cgroup of its own (root, cgroup v1
    cpuacct or v2 cpu): the sandbox's per-run cgroups are created below our own cgroup, so the
    runner, the run's init, the program and the bare-spawned children are all counted, wherever they
    were reaped. Unlike wall time this does not depend on the machine's load. None where unavailable."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.parent: Path | None = None
        self.v2 = False
        try:
            lines = Path("/proc/self/cgroup").read_text().splitlines()
        except OSError:
            return
        for line in lines:
            _, controllers, rel = line.split(":", 2)
            if "cpuacct" in controllers.split(","):
                base = Path("/sys/fs/cgroup/cpuacct") / rel.lstrip("/")
                break
        else:
            rel = next((ln.split(":", 2)[2] for ln in lines if ln.startswith("0::")), None)
            if rel is None:
                return
            base, self.v2 = Path("/sys/fs/cgroup") / rel.lstrip("/"), True
        target = base / f"cpagent-bench-{os.getpid()}"
        try:
            target.mkdir()
            (target / "cgroup.procs").write_text(str(os.getpid()))
        except OSError:
            try:
                target.rmdir()
            except OSError:
                pass
            return
        self.path, self.parent = target, base

    def seconds(self) -> float:
        assert self.path is not None
        if self.v2:
            for line in (self.path / "cpu.stat").read_text().splitlines():
                if line.startswith("usage_usec "):
                    return int(line.split()[1]) / 1e6
            return 0.0
        return int((self.path / "cpuacct.usage").read_text()) / 1e9

    def close(self) -> None:
        if self.path is None or self.parent is None:
            return
        try:
            (self.parent / "cgroup.procs").write_text(str(os.getpid()))
            self.path.rmdir()
        except OSError:
            pass
        self.path = None


METER: CpuMeter | None = None


def cpu_per_run(make: Callable[[], object], go: Callable[[object, int], None], runs: int) -> float | None:
    """Milliseconds of CPU per run, every process involved counted (see CpuMeter)."""
    if METER is None or METER.path is None:
        return None
    thing = make()
    try:
        go(thing, 2)  # warm
        c0 = METER.seconds()
        go(thing, runs)
        c1 = METER.seconds()
    finally:
        close = getattr(thing, "close", None)
        if close is not None:
            close()
    return 1000 * (c1 - c0) / runs


def cpu_alternate(pairs: list[tuple[str, Callable[[int], None]]], runs: int, rounds: int) -> dict[str, float] | None:
    """Median milliseconds of CPU per run of each measurement over `rounds` alternating blocks (every
    process involved counted, see CpuMeter): like `alternate`, so that a burst of other work on the
    machine (cold caches, preemption) hits a figure and its anchor alike."""
    if METER is None or METER.path is None:
        return None
    got: dict[str, list[float]] = {name: [] for name, _ in pairs}
    for _ in range(rounds):
        for name, fn in pairs:
            c0 = METER.seconds()
            fn(runs)
            got[name].append(1000 * (METER.seconds() - c0) / runs)
    return {name: statistics.median(v) for name, v in got.items()}


def cpu_lines(title: str, figure: float | None, anchor: float | None, figure_name: str, anchor_name: str,
              target: str) -> list[str]:
    if figure is None or anchor is None:
        return [f"{title}: not measured (needs root and a cpuacct/cpu cgroup)"]
    return [
        f"{title} (CPU time over every process involved; independent of the machine's load):",
        f"  {figure_name:<26}{figure:7.2f} ms CPU/run",
        f"  {anchor_name:<26}{anchor:7.2f} ms CPU/run   <- anchor",
        f"  {target}",
    ]


def c_figures(runs: int, rounds: int, work: Path) -> list[str]:
    src = work / "trivial.c"
    src.write_text(TRIVIAL_C)
    binary = work / "trivial"
    subprocess.run(["gcc", "-O2", "-o", str(binary), str(src)], check=True)
    spec = RunSpec(command=("./trivial",), files=(FileSpec("trivial", source=binary, executable=True),))
    slots = os.cpu_count() or 1
    one = NativeBackend(slots=1)
    many = NativeBackend(slots=slots)
    try:
        for b in (one, many):  # warm the slots (the bench measures the fast path, not start-up)
            b.run_batch([spec] * (2 * b.slots))
        r = alternate([
            ("bare", bare_spawn(str(binary), 1)),
            ("sandbox", sandboxed(one, spec, parallel=False)),
            ("bare_par", bare_spawn(str(binary), slots)),
            ("sandbox_par", sandboxed(many, spec, parallel=True)),
        ], runs, rounds)
    finally:
        one.close()
        many.close()
    cpu_bare = cpu_per_run(lambda: None, lambda _b, n: bare_spawn(str(binary), 1)(n), runs)
    cpu_sandbox = cpu_per_run(lambda: NativeBackend(slots=1),
                              lambda b, n: sandboxed(b, spec, parallel=False)(n), runs)  # type: ignore[arg-type]
    overhead_ms = 1000 * (1 / r["sandbox"] - 1 / r["bare"])
    ok = overhead_ms <= 2.0 or r["sandbox"] >= 0.5 * r["bare"]
    ok_par = r["sandbox_par"] >= 0.5 * r["bare_par"] or 1000 * (1 / r["sandbox_par"] - 1 / r["bare_par"]) <= 2.0
    return [
        "trivial C program, one at a time:",
        f"  native fast path   {r['sandbox']:8.1f} runs/s   ({1000 / r['sandbox']:.2f} ms/run)",
        f"  bare posix_spawn   {r['bare']:8.1f} runs/s   ({1000 / r['bare']:.2f} ms/run)   <- anchor",
        f"  overhead {overhead_ms:.2f} ms/run, throughput {r['sandbox'] / r['bare']:.2f} of bare"
        f"   target <= 2 ms or >= 0.5: {'MET' if ok else 'NOT MET'}",
        f"trivial C program, {slots} at a time (one worker slot per core):",
        f"  native fast path   {r['sandbox_par']:8.1f} runs/s",
        f"  bare posix_spawn   {r['bare_par']:8.1f} runs/s   <- anchor",
        f"  throughput {r['sandbox_par'] / r['bare_par']:.2f} of bare   target >= 0.5 (or <= 2 ms): "
        f"{'MET' if ok_par else 'NOT MET'}",
    ] + cpu_lines(
        "trivial C program, CPU per run", cpu_sandbox, cpu_bare, "native fast path", "bare posix_spawn",
        f"overhead {(cpu_sandbox or 0) - (cpu_bare or 0):.2f} ms CPU/run   target <= 2 ms: "
        f"{'MET' if cpu_sandbox is not None and cpu_bare is not None and cpu_sandbox - cpu_bare <= 2.0 else 'NOT MET'}")


def python_figures(runs: int, rounds: int) -> list[str]:
    spec = RunSpec(command=("/usr/bin/python3", "-B", "main.py"), files=(FileSpec("main.py", content=TRIVIAL_PY.encode()),),
                   language="python3", env=(("PYTHONIOENCODING", "utf-8"), ("PYTHONHASHSEED", "0")))
    zygote = NativeBackend(slots=1, zygote=True)
    plain = NativeBackend(slots=1, zygote=False)
    n = max(10, runs // 4)
    try:
        for b in (zygote, plain):
            b.run_batch([spec] * 2)
        check = zygote.run(spec)
        if not dict(check.extra).get("zygote"):
            raise SystemExit("the zygote did not serve the Python run")
        pairs = [("zygote", sandboxed(zygote, spec, parallel=False)), ("plain", sandboxed(plain, spec, parallel=False))]
        r = alternate(pairs, n, rounds)
        cpu = cpu_alternate(pairs, n, rounds)
    finally:
        zygote.close()
        plain.close()
    speedup = r["zygote"] / r["plain"]
    cpu_zygote, cpu_plain = (cpu["zygote"], cpu["plain"]) if cpu is not None else (None, None)
    return [
        "trivial Python program, one at a time, in the sandbox:",
        f"  zygote (warm interpreter, fork per run)  {r['zygote']:8.1f} runs/s   ({1000 / r['zygote']:.2f} ms/run)",
        f"  python3 started per run                  {r['plain']:8.1f} runs/s   ({1000 / r['plain']:.2f} ms/run)"
        "   <- anchor",
        f"  speed-up {speedup:.2f}x   target >= 4x: {'MET' if speedup >= 4 else 'NOT MET'}",
    ] + cpu_lines(
        "trivial Python program, CPU per run", cpu_zygote, cpu_plain, "zygote", "python3 started per run",
        f"{(cpu_plain or 0) / (cpu_zygote or 1):.2f}x less CPU   target >= 4x: "
        f"{'MET' if cpu_zygote and cpu_plain and cpu_plain / cpu_zygote >= 4 else 'NOT MET'}")


def judge_figures(max_problems: int | None = None) -> list[str]:
    path = Path(__file__).with_name("sandbox_judge.py")
    if not path.exists():
        return ["(bench/sandbox_judge.py not present: compile and judge figures skipped)"]
    spec = importlib.util.spec_from_file_location("sandbox_judge_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lines: list[str] = []
    for name in ("compile_figures", "judge_figures"):
        fn = getattr(module, name, None)
        if fn is None:
            lines.append(f"(bench/sandbox_judge.py has no {name}())")
            continue
        kwargs: dict[str, object] = {}
        if name == "judge_figures":
            kwargs["meter"] = METER
            if max_problems:
                kwargs["max_problems"] = max_problems
        lines.extend(str(x) for x in fn(**kwargs))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200, help="runs per block (default 200)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating blocks per figure (default 5)")
    parser.add_argument("--skip-judge", action="store_true", help="only the sandbox's own figures")
    parser.add_argument("--judge-problems", type=int, default=None,
                        help="judge only the first N clean Codeflaws problems (default: all)")
    args = parser.parse_args(argv)
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} at start")
    global METER
    METER = CpuMeter()
    with tempfile.TemporaryDirectory(prefix="cpagent-bench-") as tmp:
        for line in c_figures(args.runs, args.rounds, Path(tmp)):
            print(line, flush=True)
    for line in python_figures(args.runs, args.rounds):
        print(line, flush=True)
    try:
        if not args.skip_judge:
            for line in judge_figures(args.judge_problems):
                print(line, flush=True)
    finally:
        METER.close()
    try:
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
