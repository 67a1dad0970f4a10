"""`cpagent clusters RUN_DIR`: the clusters of a run as a table, or as a self-contained HTML report."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

from agent import ui
from agent.report import collect, format_table, write_report


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("clusters", help="show the clusters of a run",
                       epilog="examples:\n  cpagent clusters runs/examples\n"
                              "  cpagent clusters runs/examples --problem two-sums --html report.html",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", help="a run directory written by solve or eval")
    p.add_argument("--problem", default=None, help="only this problem id")
    p.add_argument("--html", default=None, help="write a self-contained HTML report to this file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    run_dir = Path(args.run_dir)
    views = collect(run_dir, args.problem)
    if args.html:
        write_report(run_dir, Path(args.html), args.problem)
        ui.success(f"report written to {args.html}")
    if args.json:
        ui.print_json([asdict(v) for v in views])
    elif not args.html:
        for view in views:
            print(format_table(view))
    return 0
