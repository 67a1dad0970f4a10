"""Judge-layer speed: compile figures (PCH, cache) and judge figures (sandboxed vs unsandboxed).

    compile_figures()  compile time of a typical 60-line C++17 solution in the sandbox, plain and with
                       the precompiled <bits/stdc++.h> (target: at most 0.6 of plain), beside g++ run
                       directly on the host as the anchor; and a cache hit (target: no compile at all).
    judge_figures()    wall time to judge the accepted solutions of the clean Codeflaws dev problems on
                       all their hidden tests through the judge, against a bare `subprocess.run` judge of
                       the same binaries on the same tests (target: at most 1.3x). Problems alternate
                       between the two so that the load of a shared machine hits both alike.

Each returns printable lines; bench/sandbox.py calls them. Runnable alone:

    python bench/sandbox_judge.py [--backend native] [--problems N] [--skip-judge]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox import open_backend  # noqa: E402
from sandbox.backend import Backend  # noqa: E402
from sandbox.checkers import CheckerSpec, check  # noqa: E402
from sandbox.compile_cache import CompileCache  # noqa: E402
from sandbox.compiler import Compiled, compile_source  # noqa: E402
from sandbox.judge import Judge, JudgeTest  # noqa: E402
from sandbox.languages import get_language  # noqa: E402
from sandbox.verdict import Verdict  # noqa: E402

DATA = REPO.parent / "shared" / "cp-data" / "codeflaws_dev.jsonl"

# A typical contest solution (Dijkstra with a few helpers), 60 lines, written for this benchmark.
TYPICAL_CPP17 = r"""#include <bits/stdc++.h>
using namespace std;

using ll = long long;
const ll INF = (ll)4e18;

struct Edge {
    int to;
    ll w;
};

struct Graph {
    int n;
    vector<vector<Edge>> adj;
    explicit Graph(int n) : n(n), adj(n) {}
    void add(int a, int b, ll w) {
        adj[a].push_back({b, w});
        adj[b].push_back({a, w});
    }
    vector<ll> dijkstra(int s) const {
        vector<ll> d(n, INF);
        priority_queue<pair<ll, int>, vector<pair<ll, int>>, greater<>> pq;
        d[s] = 0;
        pq.push({0, s});
        while (!pq.empty()) {
            auto [dist, v] = pq.top();
            pq.pop();
            if (dist != d[v]) continue;
            for (const Edge& e : adj[v]) {
                if (d[v] + e.w < d[e.to]) {
                    d[e.to] = d[v] + e.w;
                    pq.push({d[e.to], e.to});
                }
            }
        }
        return d;
    }
};

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    int n, m;
    if (!(cin >> n >> m)) return 0;
    Graph g(n);
    for (int i = 0; i < m; i++) {
        int a, b;
        ll w;
        cin >> a >> b >> w;
        g.add(a - 1, b - 1, w);
    }
    vector<ll> d = g.dijkstra(0);
    map<ll, int> seen;
    for (ll x : d) seen[x]++;
    string out;
    for (int i = 0; i < n; i++)
        out += (d[i] == INF ? string("-1") : to_string(d[i])) + (i + 1 < n ? " " : "\n");
    cout << out << seen.size() << "\n";
    return 0;
}
"""


def _median_time(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compile_figures(backend: Backend | None = None, repeats: int = 3) -> list[str]:
    own = backend is None
    backend = backend or open_backend("native")
    try:
        with tempfile.TemporaryDirectory(prefix="cpagent-bench-compile-") as tmp:
            cache = CompileCache(Path(tmp) / "cache")
            lang = get_language("cpp17")
            tool = lang.toolchain()
            cache.precompiled_header(tool.executable, tool.version, lang.flags, "bits/stdc++.h")  # built once
            source = Path(tmp) / "main.cpp"

            def host(i: int) -> None:
                source.write_text(TYPICAL_CPP17 + f"// host {i}\n")
                subprocess.run(
                    [str(tool.executable), *lang.flags, str(source), "-o", str(Path(tmp) / "a.out")],
                    check=True,
                    capture_output=True,
                )

            def sandboxed(pch: bool):  # type: ignore[no-untyped-def]
                def one(i: int) -> None:
                    c = compile_source(
                        backend,
                        TYPICAL_CPP17 + f"// {pch} {i} {time.time_ns()}\n",
                        "cpp17",
                        cache=cache,
                        use_pch=pch,
                    )
                    assert c.ok and not c.cached, c.message

                return one

            t_host = _median_time(host, repeats)
            t_plain = _median_time(sandboxed(False), repeats)
            t_pch = _median_time(sandboxed(True), repeats)
            first = compile_source(backend, TYPICAL_CPP17, "cpp17", cache=cache)
            start = time.perf_counter()
            hit = compile_source(backend, TYPICAL_CPP17, "cpp17", cache=cache)
            t_hit = time.perf_counter() - start
            assert first.ok and hit.cached
        lines = TYPICAL_CPP17.count("\n")
        return [
            f"compile C++17 ({lines} lines, median of {repeats}, backend {backend.name}):",
            f"  g++ on the host, no sandbox (anchor)   {t_host:6.3f} s",
            f"  sandbox, plain                         {t_plain:6.3f} s",
            f"  sandbox, precompiled bits/stdc++.h     {t_pch:6.3f} s   = {t_pch / t_plain:.2f} of plain "
            f"(target <= 0.60: {'met' if t_pch <= 0.6 * t_plain else 'NOT met'})",
            f"  cache hit                              {t_hit * 1000:6.2f} ms  (cached={hit.cached}, "
            f"compile_s={hit.compile_s}, no compiler run)",
        ]
    finally:
        if own:
            backend.close()


# -- judging ---------------------------------------------------------------------------------------------


def _bare_judge(
    compiled: list[Compiled],
    tests: list[JudgeTest],
    stdins: list[Path],
    checker: CheckerSpec,
    time_limit_s: float,
    slots: int,
) -> int:
    """The unsandboxed reference: subprocess.run of each binary on each test, the same token check."""
    jobs = [(c, k) for c in compiled for k in range(len(tests))]

    def one(job: tuple[Compiled, int]) -> bool:
        program, k = job
        binary = program.files[0].source
        with open(stdins[k], "rb") as stdin:
            try:
                proc = subprocess.run(
                    [str(binary)], stdin=stdin, capture_output=True, timeout=2 * time_limit_s + 1
                )
            except subprocess.TimeoutExpired:
                return False
        answer = tests[k].answer or b""
        return (
            proc.returncode == 0 and check(checker, tests[k].input, proc.stdout, answer).verdict is Verdict.AC
        )

    with ThreadPoolExecutor(max_workers=slots) as pool:
        return sum(pool.map(one, jobs))


def cpu_meter():  # type: ignore[no-untyped-def]
    """bench/sandbox.py's CpuMeter (CPU of this process and everything it starts, sandboxes included);
    it must exist before the backend is opened so that the runs' cgroups are created inside it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("sandbox_bench", Path(__file__).with_name("sandbox.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CpuMeter()


def judge_figures(
    backend: Backend | None = None, max_problems: int | None = None, time_multiplier: float = 1.5,
    meter=None,  # type: ignore[no-untyped-def]
) -> list[str]:
    bench_dir = Path(__file__).resolve().parent
    sys.path.insert(0, str(bench_dir))
    from judge_codeflaws import checker_for, clean_problems, evenly_spread

    if not DATA.is_file():
        return [f"judge figures: skipped, {DATA} not found"]
    own = backend is None
    backend = backend or open_backend("native")
    try:
        rows = clean_problems(DATA)
        if max_problems:
            rows = evenly_spread(rows, max_problems)
        judge = Judge(backend, CompileCache(Path(tempfile.mkdtemp(prefix="cpagent-bench-judge-"))))
        t_sandbox = t_bare = 0.0
        c_sandbox = c_bare = 0.0
        metered = meter is not None and getattr(meter, "path", None) is not None
        runs = ac_sandbox = ac_bare = 0
        for n, row in enumerate(rows):
            tests = [
                JudgeTest(str(i), t["input"].encode(), t["output"].encode())
                for i, t in enumerate(row["hidden_tests"])
            ]
            compiled = [judge.compile(s["code"], "c99") for s in row["correct_solutions"]]  # not timed
            compiled = [c for c in compiled if c.ok]
            limit = (row.get("time_limit_s") or 2.0) * time_multiplier
            checker = checker_for(row)
            with tempfile.TemporaryDirectory() as tmp:
                stdins = []
                for i, t in enumerate(tests):
                    p = Path(tmp) / f"{i}.in"
                    p.write_bytes(t.input)
                    stdins.append(p)

                def sandboxed() -> int:
                    reports = judge.judge_many(compiled, tests, checker=checker, time_limit_s=limit)
                    return sum(t.verdict is Verdict.AC for r in reports for t in r.tests)

                def bare() -> int:
                    return _bare_judge(compiled, tests, stdins, checker, limit, backend.slots)

                order = (sandboxed, bare) if n % 2 == 0 else (bare, sandboxed)
                for fn in order:
                    cpu0 = meter.seconds() if metered else 0.0
                    start = time.perf_counter()
                    passed = fn()
                    elapsed = time.perf_counter() - start
                    cpu = (meter.seconds() - cpu0) if metered else 0.0
                    if fn is sandboxed:
                        t_sandbox += elapsed
                        c_sandbox += cpu
                        ac_sandbox += passed
                    else:
                        t_bare += elapsed
                        c_bare += cpu
                        ac_bare += passed
            runs += len(compiled) * len(tests)
        ratio = t_sandbox / t_bare if t_bare else float("nan")
        try:
            load = f"{os.getloadavg()[0]:.1f}"
        except OSError:
            load = "?"
        cpu_lines = [
            f"  CPU over every process involved (independent of the load): sandboxed {c_sandbox:.2f} s, "
            f"bare {c_bare:.2f} s, ratio {c_sandbox / c_bare:.2f}x; "
            f"{c_sandbox / max(runs, 1) * 1000:.2f} vs {c_bare / max(runs, 1) * 1000:.2f} ms CPU per run"
        ] if metered and c_bare else ["  CPU: not measured (needs root and a cpuacct/cpu cgroup)"]
        return [
            f"judge accepted Codeflaws solutions ({len(rows)} clean problems, {runs} runs, "
            f"{backend.slots} slots, backend {backend.name}):",
            f"  bare subprocess.run judge (anchor)     {t_bare:8.2f} s   ({ac_bare} AC)",
            f"  sandboxed judge                        {t_sandbox:8.2f} s   ({ac_sandbox} AC)",
            f"  ratio {ratio:.2f}x (target <= 1.30: {'met' if ratio <= 1.3 else 'NOT met'}), "
            f"{t_sandbox / max(runs, 1) * 1000:.2f} ms per run sandboxed, "
            f"{t_bare / max(runs, 1) * 1000:.2f} bare (load average {load} at the end)",
        ] + cpu_lines
    finally:
        if own:
            backend.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", default="native")
    parser.add_argument("--insecure", action="store_true")
    parser.add_argument(
        "--problems", type=int, default=None, help="judge figures on N problems (default all)"
    )
    parser.add_argument("--skip-judge", action="store_true")
    parser.add_argument("--skip-compile", action="store_true")
    args = parser.parse_args(argv)
    try:
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    except OSError:
        pass
    meter = cpu_meter()  # before the backend: its run cgroups are then created inside the meter's
    try:
        with open_backend(args.backend, insecure=args.insecure) as backend:
            if not args.skip_compile:
                print("\n".join(compile_figures(backend)), flush=True)
            if not args.skip_judge:
                print("\n".join(judge_figures(backend, args.problems, meter=meter)), flush=True)
    finally:
        meter.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
