"""`cpagent eval DATASET`: offline evaluation over a dataset, written to RUN_DIR/results.json."""

from __future__ import annotations

import argparse
from pathlib import Path

from agent import ui
from agent.commands._common import add_pipeline_options, close_policy, make_source
from agent.errors import CpagentError
from agent.evaluate import evaluate
from agent.pipeline import Pipeline, PipelineConfig
from agent.problems.loader import load_problems


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval", help="evaluate on a dataset (solve rate, pass@k, n@k)",
        description="Run the whole pipeline on every problem of a dataset and judge the selected submissions "
                    "on the hidden tests. Stopped runs resume with the same command.",
        epilog="examples:\n  cpagent eval examples --policy dataset -o runs/examples\n"
               "  cpagent eval ../shared/cp-data/codeflaws_dev.jsonl --policy dataset --clean --limit 50",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dataset", help="a JSONL file (shared schema), a CodeContests file, or a directory of problems")
    add_pipeline_options(p)
    p.add_argument("--limit", type=int, default=None, help="only the first N problems")
    p.add_argument("--clean", action="store_true", help="only problems whose dataset marks them clean")
    p.add_argument("-o", "--output", default=None, help="run directory (default runs/eval-<dataset name>)")
    p.add_argument("--resume", action="store_true", help="continue the run in -o (the default when it exists)")
    p.add_argument("--rescore", action="store_true",
                   help="apply a changed --scorer or --selection to the stored run in -o (samples, verdicts and "
                        "clusters are kept; no program runs again)")
    p.add_argument("--html", default=None, help="also write the HTML cluster report to this file")
    p.add_argument("--json", action="store_true", help="print results.json's summary as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    unreadable: list[dict[str, str]] = []

    def skip(where: str, exc: CpagentError) -> None:
        # One bad problem must not stop an evaluation of hundreds: say so now, keep it in the summary.
        ui.warning(f"skipped, cannot be read: {exc.message}")
        unreadable.append({"where": where, "error": exc.message})

    problems = load_problems(args.dataset, on_error=skip)
    if args.clean:
        problems = [p for p in problems if p.meta.get("clean")]
    if args.limit is not None:
        problems = problems[: args.limit]
    if not problems:
        hint = ("every problem failed to read: fix the problem files named above" if unreadable
                else "check --clean and --limit")
        raise CpagentError(f"{args.dataset}: no problems to evaluate", hint=hint)
    run_dir = Path(args.output or f"runs/eval-{Path(args.dataset).stem or 'dataset'}")
    if run_dir.exists() and (run_dir / "run.sqlite").exists() and not args.resume:
        ui.info(f"{run_dir} holds an earlier run: resuming it (choose another -o for a fresh run)")
    source, policy = make_source(args)
    config = PipelineConfig(samples=args.samples, k=args.k, seed=args.seed, batch_size=args.batch_size,
                            judge_hidden=True, selection=args.selection, scorer=args.scorer,
                            backend=args.backend, insecure=args.insecure, jobs=args.jobs)
    from sandbox.backend import open_backend

    ui.info(f"evaluating {len(problems)} problems with {source.name} into {run_dir}")
    with open_backend(args.backend, insecure=args.insecure, slots=args.jobs) as backend:
        def on_problem(result: dict) -> None:
            mark = {True: "solved", False: "not solved", None: "unknown"}[result["solved"]]
            ui.info(f"{result['id']}: {mark} ({result['n_candidates']} candidates, "
                    f"{result['n_passed_public']} pass the examples, {result['n_clusters']} clusters)")

        try:
            data = evaluate(problems, source, run_dir, config,
                            lambda store: Pipeline(store, config, backend, progress=not args.json, policy=policy),
                            dataset=str(args.dataset), on_problem=on_problem, unreadable=unreadable,
                            rescore=args.rescore)
        finally:
            close_policy(policy)
    summary = data["summary"]
    if args.html:
        from agent.report import write_report

        write_report(run_dir, Path(args.html))
        ui.info(f"cluster report written to {args.html}")
    if args.json:
        ui.print_json(summary)
    else:
        from agent.report import summary_rows

        ui.success(f"evaluated {summary['problems']} problems: "
                   + "; ".join(f"{name} {value}" for name, value in summary_rows(summary)[1:]))
        ui.info(f"results: {run_dir / 'results.json'}")
    return 0
