"""Benchmark: behavioural clustering on the `clean` problems of Codeflaws (real near-miss programs).

For each problem, the accepted and rejected C submissions form the candidate pool; candidates that
fail a public test are filtered out; the survivors are clustered three ways in the same run:

- `none`: no generated inputs (the anchor at 0%: every survivor behaves alike on nothing);
- `generated`: clustering's own inputs (structure inference, mutation, random, boundary);
- `hidden`: the dataset's hidden tests as inputs (the upper bound for any generator).

Figures: distinguishing rate (of rejected survivors, the share in a cluster holding no accepted
one; target >= 80%), cohesion (share of accepted survivors in the largest cluster holding an
accepted one; target >= 97%), and cost (sandbox runs and wall time per problem, and their growth
with the number of candidates, `--growth`).

    nice .venv/bin/python bench/clustering.py --limit 100 --jobs 2
    .venv/bin/python bench/clustering.py --limit 5 --growth 5,10,20,40
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from clustering import BehaviourClustering, ClusterCandidate, ClusteringProblem  # noqa: E402
from clustering.execution import InputFiles, Limits, compile_program, program_output, run_matrix  # noqa: E402
from sandbox import open_backend  # noqa: E402
from sandbox.backend import Backend  # noqa: E402
from sandbox.checkers import check  # noqa: E402
from sandbox.checkers.spec import CheckerSpec  # noqa: E402

DATA = REPO.parent / "shared" / "cp-data" / "codeflaws_dev.jsonl"
MODES = ("none", "generated", "hidden")
TIME_FACTOR = 2.0  # as clustering's default: a slow, shared machine must not fail correct programs


@dataclass
class ProblemFigures:
    id: str
    accepted: int = 0  # accepted survivors of the public tests
    rejected: int = 0  # rejected survivors of the public tests
    distinguished: dict[str, int] = field(default_factory=dict)  # per mode
    cohesive: dict[str, int] = field(default_factory=dict)  # accepted in the largest accepted cluster
    runs: dict[str, int] = field(default_factory=dict)
    wall_s: dict[str, float] = field(default_factory=dict)
    inputs: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    programs: int = 0
    sandbox_failures: int = 0  # inputs dropped for IE, programs not compiled for IE (never behaviour)
    note: str = ""


def checker_of(row: dict[str, Any]) -> CheckerSpec:
    if str(row.get("checker", "")).startswith("tokens_float"):
        return CheckerSpec("float", abs_eps=1e-6, rel_eps=1e-6)
    return CheckerSpec("tokens")


def problem_of(row: dict[str, Any]) -> ClusteringProblem:
    return ClusteringProblem(
        statement=row["statement"], public_inputs=tuple(t["input"] for t in row["public_tests"]),
        public_outputs=tuple(t["output"] for t in row["public_tests"]), checker=checker_of(row),
        time_limit_s=float(row.get("time_limit_s") or 1.0), memory_mb=int(row.get("memory_mb") or 256))


def survivors(backend: Backend, row: dict[str, Any], problem: ClusteringProblem) -> list[tuple[ClusterCandidate, bool]]:
    """(candidate, accepted?) for every submission that passes every public test."""
    pool = [(ClusterCandidate(f"acc{i}", s["code"], "c99"), True) for i, s in enumerate(row["correct_solutions"])]
    pool += [(ClusterCandidate(f"rej{i}", s["code"], "c99"), False) for i, s in enumerate(row["incorrect_solutions"])]
    compiled = [compile_program(backend, c.source, c.language) for c, _ in pool]
    ok = [i for i, comp in enumerate(compiled) if comp.ok]
    limits = Limits(problem.time_limit_s * TIME_FACTOR, problem.memory_mb)
    tests = [(f"pub{j}", text) for j, text in enumerate(problem.public_inputs)]
    with InputFiles() as files:
        matrix = run_matrix(backend, [compiled[i] for i in ok], tests, limits, files)
    out = []
    for i, results in zip(ok, matrix):
        passed = all(
            r.ok and check(problem.checker, inp.encode(), program_output(r, limits), ans.encode()).verdict.value == "AC"
            for r, inp, ans in zip(results, problem.public_inputs, problem.public_outputs))
        if passed:
            out.append(pool[i])
    return out


def measure(backend: Backend, row: dict[str, Any], seed: int, params: dict[str, Any] | None = None) -> ProblemFigures:
    problem = problem_of(row)
    fig = ProblemFigures(row["id"])
    pool = survivors(backend, row, problem)
    cands = [c for c, _ in pool]
    accepted = {c.id for c, a in pool if a}
    fig.accepted, fig.rejected = len(accepted), len(cands) - len(accepted)
    if not accepted:
        fig.note = "no accepted survivor"
        return fig
    hidden = [t["input"] for t in row["hidden_tests"]]
    for mode in MODES:
        model = BehaviourClustering(backend=backend, seed=seed, max_rounds=0 if mode == "none" else 6,
                                    **(params if mode == "generated" else {}))
        model.fit(cands, problem, inputs=hidden if mode == "hidden" else None)
        clusters = [set(c.members) for c in model.clusters_]
        with_acc = [c for c in clusters if c & accepted]
        fig.distinguished[mode] = sum(1 for c in clusters if not c & accepted for m in c)
        fig.cohesive[mode] = max(len(c & accepted) for c in with_acc) if with_acc else 0
        cost = model.result_.cost
        fig.runs[mode], fig.wall_s[mode] = cost.runs, cost.wall_s
        fig.inputs[mode], fig.dropped[mode] = cost.inputs_kept, len(model.dropped_)
        fig.programs = cost.programs
        fig.sandbox_failures += sum(1 for d in model.dropped_ if "(IE)" in d.reason)
        fig.sandbox_failures += sum(1 for n in model.notes_ if "sandbox failure" in n)
    return fig


def growth(backend: Backend, rows: list[dict[str, Any]], sizes: list[int], seed: int) -> list[dict[str, Any]]:
    """Runs and wall time as the pool grows: distinct variants (a comment each) of the submissions."""
    out = []
    for n in sizes:
        runs, walls = [], []
        for row in rows:
            problem = problem_of(row)
            base = [s["code"] for s in row["correct_solutions"] + row["incorrect_solutions"]]
            cands = [ClusterCandidate(f"v{i}", base[i % len(base)] + f"\n/* variant {i} */\n", "c99")
                     for i in range(n)]
            model = BehaviourClustering(backend=backend, seed=seed).fit(cands, problem)
            runs.append(model.result_.cost.runs)
            walls.append(model.result_.cost.wall_s)
        out.append({"candidates": n, "runs_per_problem": statistics.mean(runs),
                    "wall_s_per_problem": statistics.mean(walls)})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=50, help="clean problems to measure (0: all)")
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="problems measured at the same time")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", default="native")
    parser.add_argument("--insecure", action="store_true", help="allow the unsafe backend (development only)")
    parser.add_argument("--growth", default="", help="pool sizes for the cost-growth table, e.g. 5,10,20,40")
    parser.add_argument("--json", type=Path, help="write per-problem figures here")
    parser.add_argument("--min-agreement", type=float, default=0.0,
                        help="BehaviourClustering(min_agreement=...) for the generated inputs (0: off)")
    args = parser.parse_args(argv)

    rows = [json.loads(line) for line in args.data.open()]
    clean = [r for r in rows if r.get("clean")][args.offset:]
    if args.limit:
        clean = clean[: args.limit]
    backend = open_backend(args.backend, insecure=args.insecure)
    start = time.monotonic()
    figures: list[ProblemFigures] = []
    try:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            params = {"min_agreement": args.min_agreement}
            for fig in pool.map(lambda r: measure(backend, r, args.seed, params), clean):
                figures.append(fig)
                print(f"{fig.id:10} acc {fig.accepted} rej {fig.rejected} | distinguished "
                      + " ".join(f"{m}={fig.distinguished.get(m, 0)}" for m in MODES)
                      + f" | cohesive gen {fig.cohesive.get('generated', 0)}/{fig.accepted}"
                      + f" hid {fig.cohesive.get('hidden', 0)}/{fig.accepted}"
                      + f" | runs {fig.runs.get('generated', 0)}"
                      + (f" | sandbox failures {fig.sandbox_failures}" if fig.sandbox_failures else "")
                      + f" {fig.note}", flush=True)
        table = growth(backend, clean[:5], [int(x) for x in args.growth.split(",") if x], args.seed)
    finally:
        backend.close()
    used = [f for f in figures if f.accepted]
    rejected = sum(f.rejected for f in used)
    accepted = sum(f.accepted for f in used)
    print(f"\nproblems {len(figures)} (with an accepted survivor: {len(used)}), accepted survivors {accepted}, "
          f"rejected survivors {rejected}, wall {time.monotonic() - start:.0f}s, backend {args.backend}, "
          f"problems with sandbox failures (IE) {sum(1 for f in figures if f.sandbox_failures)}")
    print(f"{'inputs':10} {'distinguishing':>15} {'cohesion':>9} {'runs/problem':>13} {'wall s/problem':>15} "
          f"{'inputs kept':>12}")
    for mode in MODES:
        dist = sum(f.distinguished.get(mode, 0) for f in used) / rejected if rejected else 0.0
        coh = sum(f.cohesive.get(mode, 0) for f in used) / accepted if accepted else 0.0
        runs = statistics.mean(f.runs.get(mode, 0) for f in used) if used else 0
        wall = statistics.mean(f.wall_s.get(mode, 0.0) for f in used) if used else 0
        kept = statistics.mean(f.inputs.get(mode, 0) for f in used) if used else 0
        print(f"{mode:10} {dist:>14.1%} {coh:>9.1%} {runs:>13.1f} {wall:>15.2f} {kept:>12.1f}")
    if table:
        print(f"\ncost growth (first {min(5, len(clean))} problems, distinct variants of their submissions):")
        for line in table:
            print(f"  {line['candidates']:4} candidates: {line['runs_per_problem']:8.1f} runs, "
                  f"{line['wall_s_per_problem']:6.2f} s per problem")
    if args.json:
        args.json.write_text(json.dumps([vars(f) for f in figures], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
