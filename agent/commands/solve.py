"""`cpagent solve SPEC|DIR`: sample, filter, cluster, score and select up to k submissions for one problem."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from agent import ui
from agent.commands._common import add_pipeline_options, close_policy, make_source
from agent.evaluate import versions, write_json_atomic
from agent.pipeline import Pipeline, PipelineConfig
from agent.problems.loader import load_problem
from agent.store import RunStore
from sandbox.languages.detect import extension_for_language


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "solve", help="solve one problem: up to k submissions",
        description="Sample candidates from a policy, drop those failing the examples, cluster the rest by "
                    "behaviour on generated inputs, score them and select up to k submissions. Stopped runs "
                    "resume with the same command.",
        epilog="examples:\n  cpagent solve examples/two-sums --policy dataset\n"
               "  cpagent solve 1873B --policy openai:http://127.0.0.1:8000/v1 --model codegemma -n 200\n"
               "  cpagent solve problem/ --policy jax:checkpoints/small -n 64",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("problem", help="a problem directory, a dataset file with #ID, or a Codeforces specifier")
    add_pipeline_options(p)
    p.add_argument("--html", default=None, help="problem page saved from a browser (for a Codeforces specifier)")
    p.add_argument("-o", "--output", default=None, help="run directory (default runs/solve-<problem id>)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    problem = load_problem(args.problem, html_file=args.html)
    safe_id = re.sub(r"[^A-Za-z0-9_.-]+", "_", problem.id)
    run_dir = Path(args.output or f"runs/solve-{safe_id}")
    source, policy = make_source(args)
    config = PipelineConfig(samples=args.samples, k=args.k, seed=args.seed, batch_size=args.batch_size,
                            judge_hidden=False, selection=args.selection, scorer=args.scorer,
                            backend=args.backend, insecure=args.insecure, jobs=args.jobs)
    from sandbox.backend import open_backend

    store = RunStore(run_dir)
    store.set_meta("config", config.to_json())
    write_json_atomic(run_dir / "config.json", {"config": config.to_json(), "problem": problem.id,
                                                "identity": problem.identity(), "source": source.name,
                                                "versions": versions()})
    store.add_problem(problem.id, problem.identity(), problem.name, 0)
    ui.info(f"solving {problem.id} ({problem.name}) with {source.name} into {run_dir}")
    with open_backend(args.backend, insecure=args.insecure, slots=args.jobs) as backend:
        try:
            result = Pipeline(store, config, backend, progress=not args.json, policy=policy).run_problem(problem,
                                                                                                        source)
        finally:
            close_policy(policy)
    store.close()

    by_id = {c["id"]: c for c in result["candidates"]}
    sizes: dict[int, int] = {}
    for c in result["candidates"]:
        if c["cluster"] is not None:
            sizes[c["cluster"]] = sizes.get(c["cluster"], 0) + c["count"]
    out_dir = run_dir / "submissions"
    out_dir.mkdir(parents=True, exist_ok=True)
    codes = {c.candidate_id: c.code for c in RunStore(run_dir).candidates(problem.id)}
    submissions = []
    for rank, cid in enumerate(result["selected"], 1):
        cand = by_id[cid]
        path = out_dir / f"{rank:02d}_{cid}{extension_for_language(cand['language'])}"
        path.write_text(codes[cid], encoding="utf-8")
        submissions.append({"rank": rank, "id": cid, "language": cand["language"], "cluster": cand["cluster"],
                            "cluster_size": sizes.get(cand["cluster"], 0), "score": cand["score"],
                            "file": str(path)})
    data = {"problem": problem.id, "run_dir": str(run_dir), "submissions": submissions,
            "counts": {k: result[k] for k in ("n_samples", "n_candidates", "n_compiled", "n_passed_public",
                                               "n_clusters")},
            "stages": result["stages"], "note": result["selection"]["note"] or result["clustering"]["reason"]}
    write_json_atomic(run_dir / "solve.json", data)
    if args.json:
        ui.print_json(data)
        return 0
    counts = data["counts"]
    ui.info(f"{counts['n_samples']} samples, {counts['n_candidates']} distinct, {counts['n_compiled']} compiled, "
            f"{counts['n_passed_public']} pass the examples, {counts['n_clusters']} clusters")
    if not submissions:
        ui.failure("no candidate passed the examples: nothing to submit")
        ui.hint("sample more (-n) or use a stronger policy")
        return 1
    for s in submissions:
        score = f"{s['score']:.3f}" if s["score"] is not None else "-"
        print(f"{s['rank']:>2}. {s['file']}  cluster {s['cluster']} (size {s['cluster_size']}), score {score}")
    ui.success(f"{len(submissions)} submissions written to {out_dir}")
    return 0
