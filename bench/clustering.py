"""Benchmark: behavioural clustering on the `clean` problems of Codeflaws (real near-miss programs).

For each problem, the accepted and rejected C submissions form the candidate pool; candidates that
fail a public test are filtered out; the survivors are clustered three ways in the same run:

- `none`: no generated inputs (the anchor at 0%: every survivor behaves alike on nothing);
- `generated`: clustering's own inputs (structure inference, mutation, random, boundary);
- `hidden`: the dataset's hidden tests as inputs (the upper bound for any generator).

Figures: distinguishing rate (of rejected survivors, the share in a cluster holding no accepted
one; target >= 80%), cohesion (share of accepted survivors in the largest cluster holding an
accepted one; target >= 97%), cost (sandbox runs and wall time per problem, and their growth
with the number of candidates, `--growth`), and the failures by category (why an accepted program
left the main cluster; what the hidden tests catch in a rejected program that the inputs missed).

Problems are read through `agent.problems` as the pipeline reads them (a sample whose answer differs
from its verified hidden copy takes the hidden answer). Each problem's results are cached on disk
(`--cache`), keyed by the problem, the mode, the parameters and the source of the code they depend on,
so a rerun or a crash redoes only what changed: all 624 clean problems take several runs of a few hours.

    nice .venv/bin/python bench/clustering.py --limit 0 --jobs 2          # all 624, resumable
    nice .venv/bin/python bench/clustering.py --limit 60 --jobs 2         # a development subset
    .venv/bin/python bench/clustering.py --limit 5 --growth 5,10,20,40
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.problems.jsonl import problem_from_row  # noqa: E402
from agent.problems.model import Problem  # noqa: E402
from clustering import BehaviourClustering, ClusterCandidate, ClusteringProblem  # noqa: E402
from clustering.execution import InputFiles, Limits, compile_program, program_output, run_matrix  # noqa: E402
from clustering.signatures import FAILURE_OUTCOMES  # noqa: E402
from sandbox import open_backend  # noqa: E402
from sandbox.backend import Backend  # noqa: E402
from sandbox.checkers import check  # noqa: E402

DATA = REPO.parent / "shared" / "cp-data" / "codeflaws_dev.jsonl"
MODES = ("none", "generated", "hidden")
TIME_FACTOR = 2.0  # as clustering's default: a slow, shared machine must not fail correct programs
LARGE_INPUT = 1000  # characters: a hidden test this long is a size test (TLE, overflow), out of reach of small inputs
# Bump when the benchmark's own measuring changes (what a cached entry means).
BENCH_VERSION = "2"
GENERATED_VERSION = "3"  # bumped when cached `generated` entries were written by other code than their key says
# The code each mode's result depends on: a change there invalidates that mode's cached entries.
_ALL = sorted(str(p.relative_to(REPO)) for p in (REPO / "clustering").glob("*.py"))
_GIVEN = ["clustering/cluster.py", "clustering/signatures.py", "clustering/validation.py",
          "clustering/execution.py"]
DEPENDS = {"survivors": ["clustering/execution.py"], "none": _GIVEN, "hidden": _GIVEN, "generated": _ALL}


@dataclass
class ProblemFigures:
    id: str
    accepted: int = 0  # accepted survivors of the public tests
    rejected: int = 0  # rejected survivors of the public tests
    distinguished: dict[str, int] = field(default_factory=dict)  # per mode
    cohesive: dict[str, int] = field(default_factory=dict)  # accepted in the largest accepted cluster
    runs: dict[str, int] = field(default_factory=dict)
    wall_s: dict[str, float] = field(default_factory=dict)
    cpu_s: dict[str, float] = field(default_factory=dict)  # this process's CPU (sandboxed runs excluded)
    inputs: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    programs: int = 0
    sandbox_failures: int = 0  # inputs dropped for IE, programs not compiled for IE (never behaviour)
    # Failure categories of the generated inputs (see `categories`), counted per program.
    cohesion_failures: dict[str, int] = field(default_factory=dict)
    distinguishing_failures: dict[str, int] = field(default_factory=dict)
    note: str = ""


# The sources as this process imported them: an edit while a long run goes on must not relabel its results.
_SOURCES = {rel: (REPO / rel).read_bytes() for rels in DEPENDS.values() for rel in rels}


def fingerprint(what: str, extra: Any = None) -> str:
    """Hash of the code a cached result depends on, the benchmark's version and the parameters."""
    h = hashlib.sha256(f"{BENCH_VERSION}\0{what}\0{json.dumps(extra, sort_keys=True, default=str)}".encode())
    for rel in DEPENDS[what]:
        h.update(_SOURCES[rel])
    return h.hexdigest()[:16]


class Cache:
    """One JSON file per (problem, mode, fingerprint); written atomically so a crash leaves none half done."""

    def __init__(self, root: Path | None) -> None:
        self.root = root

    def _path(self, pid: str, what: str, key: str) -> Path:
        assert self.root is not None
        return self.root / pid.replace("/", "_") / f"{what}-{key}.json"

    def get(self, pid: str, what: str, key: str) -> Any:
        if self.root is None:
            return None
        p = self._path(pid, what, key)
        try:
            return json.loads(p.read_text())
        except (OSError, ValueError):
            return None

    def put(self, pid: str, what: str, key: str, value: Any) -> None:
        if self.root is None:
            return
        p = self._path(pid, what, key)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(value))
        tmp.replace(p)


def problem_of(problem: Problem) -> ClusteringProblem:
    return ClusteringProblem(
        statement=problem.statement, public_inputs=tuple(t.input for t in problem.public_tests),
        public_outputs=tuple(t.output or "" for t in problem.public_tests), checker=problem.checker,
        time_limit_s=problem.time_limit_s, memory_mb=problem.memory_mb)


def pool_of(problem: Problem) -> list[tuple[ClusterCandidate, bool, str]]:
    """(candidate, accepted?, first hidden failure as the dataset recorded it) for every submission."""
    out = []
    for s in problem.submissions:
        vector = str((s.meta.get("local") or {}).get("vector", ""))
        out.append((ClusterCandidate(s.name, s.code, s.language), bool(s.correct), vector))
    return out


def survivors(backend: Backend, problem: Problem, cp: ClusteringProblem,
              pool: list[tuple[ClusterCandidate, bool, str]]) -> list[str]:
    """Names of the submissions that pass every public test."""
    compiled = [compile_program(backend, c.source, c.language) for c, _, _ in pool]
    ok = [i for i, comp in enumerate(compiled) if comp.ok]
    limits = Limits(cp.time_limit_s * TIME_FACTOR, cp.memory_mb)
    tests = [(f"pub{j}", text) for j, text in enumerate(cp.public_inputs)]
    with InputFiles() as files:
        matrix = run_matrix(backend, [compiled[i] for i in ok], tests, limits, files)
    out = []
    for i, results in zip(ok, matrix):
        if any(r.status.value == "IE" for r in results):
            raise RuntimeError(f"{problem.id}: sandbox failure (IE) while filtering {pool[i][0].id}")
        passed = all(
            r.ok and check(cp.checker, inp.encode(), program_output(r, limits), ans.encode()).verdict.value == "AC"
            for r, inp, ans in zip(results, cp.public_inputs, cp.public_outputs))
        if passed:
            out.append(pool[i][0].id)
    return out


def _numbers(text: str) -> list[float] | None:
    try:
        return [float(t) for t in text.split()]
    except ValueError:
        return None


def _output_kind(a: bytes, b: bytes) -> str:
    """How two answers to one input differ: float digits, order only, or another answer."""
    ta, tb = a.decode(errors="replace").split(), b.decode(errors="replace").split()
    na, nb = _numbers(" ".join(ta)), _numbers(" ".join(tb))
    if na is not None and nb is not None and len(na) == len(nb):
        if all(abs(x - y) <= 1e-4 * max(1.0, abs(x), abs(y)) for x, y in zip(na, nb)):
            return "float digits"
    if sorted(ta) == sorted(tb):
        return "order (print-any)"
    if len(ta) != len(tb):
        return "answer of another length"
    return "another answer"


def categories(backend: Backend, cp: ClusteringProblem, model: BehaviourClustering, pool: dict[str, Any],
               accepted: set[str], hidden_inputs: list[str]) -> tuple[Counter, Counter]:
    """Why the generated inputs failed, per program.

    Cohesion: for an accepted program outside the main accepted cluster, the first input on which it
    differs from that cluster: which side failed (crash, limit, nothing printed) or how the two answers
    differ, and the generator that made the input. Distinguishing: for a rejected program inside an
    accepted cluster, what the dataset's hidden tests catch it with (its first failing test's verdict,
    and whether that test is a size test) or that they do not catch it either.
    """
    clusters = model.clusters_
    with_acc = [c for c in clusters if set(c.members) & accepted]
    coh, dist = Counter(), Counter()
    if not with_acc:
        return coh, dist
    main = max(with_acc, key=lambda c: len(set(c.members) & accepted))
    inputs = model.inputs_
    public = [p.split() for p in cp.public_inputs]
    for cl in with_acc:
        for m in cl.members:
            if m in accepted:
                continue
            vector = pool[m][2]
            first = next(((i, ch) for i, ch in enumerate(vector) if ch not in ".-"), None)
            if first is None:
                dist["hidden tests do not catch it either"] += 1
                continue
            i, ch = first
            verdict = {"W": "WA", "R": "RE", "T": "TLE"}.get(ch, ch)
            if i < len(hidden_inputs) and hidden_inputs[i].split() in public:
                # It passed that very input at our filter: the dataset's run and ours disagree (undefined behaviour).
                dist[f"{verdict} on a public test in the dataset's run, passed here"] += 1
                continue
            size = "size test" if i < len(hidden_inputs) and len(hidden_inputs[i]) > LARGE_INPUT else "small test"
            dist[f"{verdict} on a {size}"] += 1
    limits = Limits(cp.time_limit_s * TIME_FACTOR, cp.memory_mb)
    for cl in with_acc:
        if cl is main:
            continue
        for m in cl.members:
            if m not in accepted:
                continue
            j = next((p for p, (a, b) in enumerate(zip(cl.signature, main.signature)) if a != b), None)
            if j is None:  # differs only in compile outcome
                coh["compile"] += 1
                continue
            a, b = cl.signature[j], main.signature[j]
            item = inputs[j]
            origin = f"{item.origin}:{item.detail.split(' ')[0]}" if item.detail else item.origin
            if a in FAILURE_OUTCOMES:
                coh[f"accepted program {a} ({origin})"] += 1
                continue
            if b in FAILURE_OUTCOMES:
                coh[f"main cluster {b} ({origin})"] += 1
                continue
            ref = next(x for x in main.members if x in accepted)
            progs = [compile_program(backend, pool[x][0].source, pool[x][0].language) for x in (m, ref)]
            with InputFiles() as files:
                runs = run_matrix(backend, progs, [(item.key, item.text)], limits, files)
            outs = [program_output(r[0], limits) for r in runs]
            coh[f"{_output_kind(outs[0], outs[1])} ({origin})"] += 1
    return coh, dist


def measure(backend: Backend, row: dict[str, Any], seed: int, params: dict[str, Any], cache: Cache) -> ProblemFigures:
    problem = problem_from_row(row, f"{DATA.name}#{row['id']}")
    cp = problem_of(problem)
    fig = ProblemFigures(problem.id)
    pool_list = pool_of(problem)
    pool = {c.id: (c, a, v) for c, a, v in pool_list}
    key = fingerprint("survivors")
    names = cache.get(problem.id, "survivors", key)
    if names is None:
        names = survivors(backend, problem, cp, pool_list)
        cache.put(problem.id, "survivors", key, names)
    cands = [pool[n][0] for n in names]
    accepted = {n for n in names if pool[n][1]}
    fig.accepted, fig.rejected = len(accepted), len(cands) - len(accepted)
    if not accepted:
        fig.note = "no accepted survivor"
        return fig
    hidden = [t.input for t in problem.hidden_tests]
    for mode in MODES:
        mode_params = {"seed": seed, "max_rounds": 0} if mode == "none" else {"seed": seed}
        if mode == "generated":
            mode_params.update(params)
        key = fingerprint(mode, {**mode_params, "v": GENERATED_VERSION} if mode == "generated" else mode_params)
        entry = cache.get(problem.id, mode, key)
        if entry is None:
            cpu0 = time.process_time()
            model = BehaviourClustering(backend=backend, **mode_params)
            model.fit(cands, cp, inputs=hidden if mode == "hidden" else None)
            cost = model.result_.cost
            entry = {
                "clusters": [list(c.members) for c in model.clusters_], "runs": cost.runs, "wall_s": cost.wall_s,
                "cpu_s": time.process_time() - cpu0,  # other threads' work counts too when --jobs > 1
                "inputs": cost.inputs_kept, "dropped": len(model.dropped_), "programs": cost.programs,
                "sandbox_failures": sum(1 for d in model.dropped_ if "(IE)" in d.reason)
                + sum(1 for n in model.notes_ if "sandbox failure" in n),
            }
            if mode == "generated":
                # Enough to replay other drop rules offline: each cluster's outcomes and each input's origin.
                entry["signatures"] = [list(c.signature) for c in model.clusters_]
                entry["origins"] = [f"{i.origin}:{i.detail}" for i in model.inputs_]
                coh, dist = categories(backend, cp, model, pool, accepted, hidden)
                entry["cohesion_failures"], entry["distinguishing_failures"] = dict(coh), dict(dist)
            cache.put(problem.id, mode, key, entry)
        clusters = [set(c) for c in entry["clusters"]]
        with_acc = [c for c in clusters if c & accepted]
        fig.distinguished[mode] = sum(len(c) for c in clusters if not c & accepted)
        fig.cohesive[mode] = max(len(c & accepted) for c in with_acc) if with_acc else 0
        fig.runs[mode], fig.wall_s[mode], fig.cpu_s[mode] = entry["runs"], entry["wall_s"], entry["cpu_s"]
        fig.inputs[mode], fig.dropped[mode] = entry["inputs"], entry["dropped"]
        fig.programs = entry["programs"]
        fig.sandbox_failures += entry["sandbox_failures"]
        if mode == "generated":
            fig.cohesion_failures = entry["cohesion_failures"]
            fig.distinguishing_failures = entry["distinguishing_failures"]
    return fig


def growth(backend: Backend, rows: list[dict[str, Any]], sizes: list[int], seed: int) -> list[dict[str, Any]]:
    """Runs and wall time as the pool grows: distinct variants (a comment each) of the submissions."""
    out = []
    for n in sizes:
        runs, walls = [], []
        for row in rows:
            problem = problem_from_row(row, row["id"])
            base = [s.code for s in problem.submissions]
            cands = [ClusterCandidate(f"v{i}", base[i % len(base)] + f"\n/* variant {i} */\n", "c99")
                     for i in range(n)]
            model = BehaviourClustering(backend=backend, seed=seed).fit(cands, problem_of(problem))
            runs.append(model.result_.cost.runs)
            walls.append(model.result_.cost.wall_s)
        out.append({"candidates": n, "runs_per_problem": statistics.mean(runs),
                    "wall_s_per_problem": statistics.mean(walls)})
    return out


def _line(fig: ProblemFigures) -> str:
    return (f"{fig.id:10} acc {fig.accepted} rej {fig.rejected} | distinguished "
            + " ".join(f"{m}={fig.distinguished.get(m, 0)}" for m in MODES)
            + f" | cohesive gen {fig.cohesive.get('generated', 0)}/{fig.accepted}"
            + f" hid {fig.cohesive.get('hidden', 0)}/{fig.accepted}"
            + f" | runs {fig.runs.get('generated', 0)}"
            + (f" | sandbox failures {fig.sandbox_failures}" if fig.sandbox_failures else "")
            + f" {fig.note}")


def summary(figures: list[ProblemFigures], wall: float, backend: str) -> str:
    used = [f for f in figures if f.accepted]
    rejected = sum(f.rejected for f in used)
    accepted = sum(f.accepted for f in used)
    lines = [f"problems {len(figures)} (with an accepted survivor: {len(used)}), accepted survivors {accepted}, "
             f"rejected survivors {rejected}, wall {wall:.0f}s, backend {backend}, "
             f"problems with sandbox failures (IE) {sum(1 for f in figures if f.sandbox_failures)}",
             f"{'inputs':10} {'distinguishing':>15} {'cohesion':>9} {'runs/problem':>13} {'wall s/problem':>15} "
             f"{'cpu s/problem':>14} {'inputs kept':>12}"]
    for mode in MODES:
        dist = sum(f.distinguished.get(mode, 0) for f in used) / rejected if rejected else 0.0
        coh = sum(f.cohesive.get(mode, 0) for f in used) / accepted if accepted else 0.0
        mean = (lambda xs: statistics.mean(xs) if used else 0.0)  # noqa: E731
        lines.append(f"{mode:10} {dist:>14.1%} {coh:>9.1%} {mean([f.runs.get(mode, 0) for f in used]):>13.1f} "
                     f"{mean([f.wall_s.get(mode, 0.0) for f in used]):>15.2f} "
                     f"{mean([f.cpu_s.get(mode, 0.0) for f in used]):>14.2f} "
                     f"{mean([f.inputs.get(mode, 0) for f in used]):>12.1f}")
    for title, attr in (("cohesion failures (accepted programs outside the main cluster)", "cohesion_failures"),
                        ("distinguishing failures (rejected programs in an accepted cluster)",
                         "distinguishing_failures")):
        total: Counter = Counter()
        for f in used:
            total.update(getattr(f, attr))
        lines.append(f"\n{title}: {sum(total.values())}")
        lines.extend(f"  {v:5}  {k}" for k, v in total.most_common())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=50, help="clean problems to measure (0: all)")
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--every", type=int, default=1, help="take every k-th clean problem (a spread subset)")
    parser.add_argument("--jobs", type=int, default=1, help="problems measured at the same time")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", default="native")
    parser.add_argument("--insecure", action="store_true", help="allow the unsafe backend (development only)")
    parser.add_argument("--growth", default="", help="pool sizes for the cost-growth table, e.g. 5,10,20,40")
    parser.add_argument("--json", type=Path, help="write per-problem figures here")
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                        / "cpagent" / "bench-clustering", help="per-problem results (reused when nothing changed)")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--cached-only", action="store_true", help="report only problems already in the cache")
    parser.add_argument("--params", default="{}",
                        help='extra BehaviourClustering parameters for the generated inputs, as JSON: \'{"max_rounds": 8}\'')
    args = parser.parse_args(argv)

    rows = [json.loads(line) for line in args.data.open()]
    clean = [r for r in rows if r.get("clean")][args.offset::max(1, args.every)]
    if args.limit:
        clean = clean[: args.limit]
    params = json.loads(args.params)
    cache = Cache(None if args.no_cache else args.cache)
    backend = open_backend(args.backend, insecure=args.insecure)
    start = time.monotonic()
    figures: list[ProblemFigures] = []

    def one(row: dict[str, Any]) -> ProblemFigures | None:
        try:
            if args.cached_only:
                return measure(_NoRuns(), row, args.seed, params, cache)
            return measure(backend, row, args.seed, params, cache)
        except _NotCached:
            return None
        except Exception as exc:  # one problem's failure must not lose the others' hours
            return ProblemFigures(row["id"], note=f"FAILED: {type(exc).__name__}: {exc}"[:300])

    pool = ThreadPoolExecutor(max_workers=max(1, args.jobs))
    table: list[dict[str, Any]] = []
    try:
        for fig in pool.map(one, clean):
            if fig is None:
                continue
            figures.append(fig)
            print(_line(fig), flush=True)
        table = growth(backend, clean[:5], [int(x) for x in args.growth.split(",") if x], args.seed)
    except KeyboardInterrupt:  # Ctrl-C: finish the problems under way (cached), start no other, report
        print("\n[interrupted: the problems under way finish and are cached; the rest is not started]", flush=True)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        backend.close()
    print()
    print(summary(figures, time.monotonic() - start, args.backend))
    failed = [f.id for f in figures if f.note.startswith("FAILED")]
    if failed:
        print(f"\nproblems that failed to measure ({len(failed)}): {' '.join(failed)}")
    if table:
        print(f"\ncost growth (first {min(5, len(clean))} problems, distinct variants of their submissions):")
        for line in table:
            print(f"  {line['candidates']:4} candidates: {line['runs_per_problem']:8.1f} runs, "
                  f"{line['wall_s_per_problem']:6.2f} s per problem")
    if args.json:
        args.json.write_text(json.dumps([asdict(f) for f in figures], indent=1))
    return 0


class _NotCached(Exception):
    pass


class _NoRuns:
    """A backend for `--cached-only`: any attempt to run means the entry is not cached."""

    def __getattr__(self, name: str) -> Any:
        raise _NotCached(name)


if __name__ == "__main__":
    sys.exit(main())
