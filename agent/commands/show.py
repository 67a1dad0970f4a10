"""`cpagent show PROBLEM`: print any problem the loader reads (directory, dataset, JSON, page, specifier)."""

from __future__ import annotations

import argparse

from agent import ui
from agent.codeforces.client import ClientConfig, CodeforcesClient
from agent.problems.loader import load_problem
from agent.problems.model import Problem

EPILOG = """examples:
  cpagent show examples/two-sums
  cpagent show ../shared/cp-data/codeflaws_dev.jsonl#cf/1A --json
  cpagent show saved-page.html
  cpagent show 1873B --offline"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "show",
        help="print a problem from any source cpagent reads",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("problem", help="problem directory, FILE[#ID] (.jsonl/.json/.parquet/.html), or specifier")
    p.add_argument("--json", action="store_true", help="print the problem model as JSON")
    p.add_argument("--statement", action="store_true", help="print the whole statement (text mode)")
    p.add_argument("--offline", action="store_true", help="for specifiers: use only the cache")
    p.set_defaults(handler=run)


def _summary(problem: Problem, full_statement: bool) -> str:
    files = f"{problem.input_file or 'stdin'} → {problem.output_file or 'stdout'}"
    lines = [
        f"{problem.id}: {problem.name}",
        f"  limits      {problem.time_limit_s:g} s, {problem.memory_mb} MB   ({files})",
        f"  checker     {problem.checker.kind}"
        + ("   interactive" if problem.interactive else "")
        + ("   multi-test" if problem.multi_test else ""),
        f"  tests       {len(problem.public_tests)} sample, {len(problem.hidden_tests)} hidden",
    ]
    if problem.submissions:
        groups: dict[str, int] = {}
        for s in problem.submissions:
            groups[s.expected] = groups.get(s.expected, 0) + 1
        lines.append("  submissions " + ", ".join(f"{n} {g}" for g, n in sorted(groups.items())))
    if problem.rating or problem.tags:
        lines.append(f"  rating      {problem.rating or '-'}   tags: {', '.join(problem.tags) or '-'}")
    if problem.source_url:
        lines.append(f"  source      {problem.source_url}")
    statement = problem.statement.strip()
    if statement:
        if not full_statement and len(statement) > 1200:
            statement = statement[:1200].rstrip() + "\n  ... (--statement prints all of it)"
        lines += ["", statement]
    for t in problem.public_tests[:3]:
        lines += [
            "",
            f"--- sample {t.name} input",
            t.input.rstrip("\n"),
            f"--- sample {t.name} output",
            (t.output or "").rstrip("\n"),
        ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    client = CodeforcesClient(ClientConfig.from_env(), offline=args.offline)
    problem = load_problem(args.problem, client=client)
    if args.json:
        ui.print_json(problem.to_json())
    else:
        print(_summary(problem, args.statement))
    return 0
