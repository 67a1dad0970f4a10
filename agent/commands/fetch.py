"""`cpagent fetch SPEC`: a Codeforces problem (or contest) into a problem directory."""

from __future__ import annotations

import argparse
from pathlib import Path

from agent import ui
from agent.codeforces.cache import ResponseCache
from agent.codeforces.client import ClientConfig, CodeforcesClient
from agent.codeforces.fetch import fetch_problems
from agent.errors import CpagentError
from agent.problems.directory import write_problem_dir
from agent.problems.model import Problem

EPILOG = """examples:
  cpagent fetch 1873B                      # writes ./1873B/
  cpagent fetch https://codeforces.com/gym/100001/problem/A -o problems/gymA
  cpagent fetch "gym 100001 a" --json
  cpagent fetch 1873B --html saved.html    # a page saved from the browser, no network
  cpagent fetch 1873 -o contest1873        # every problem of a contest: contest1873/1873A, ...
  cpagent fetch 1873B --offline            # only from the cache

environment: CPAGENT_CODEFORCES_URL (base URL), CPAGENT_CACHE_DIR (cache root)"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fetch",
        help="fetch a Codeforces problem into a problem directory",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("spec", nargs="?", help="1873B, '1873 b', 'gym 100001 a', a problem or contest URL")
    p.add_argument("--html", metavar="FILE", help="parse this saved page instead of downloading it")
    p.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        help="problem directory to write (default ./ID; for a contest, the folder holding them)",
    )
    p.add_argument("--json", action="store_true", help="print the problem as JSON on stdout")
    p.add_argument("--refresh", action="store_true", help="download again even if the page is cached")
    p.add_argument("--offline", action="store_true", help="use only the cache, never the network")
    p.add_argument("--force", action="store_true", help="replace an existing directory")
    p.set_defaults(handler=run)


def _destinations(problems: list[Problem], output: str | None, contest: bool) -> list[Path]:
    if contest:
        root = Path(output) if output else Path(".")
        return [root / p.id for p in problems]
    return [Path(output) if output else Path(problems[0].id)]


def run(args: argparse.Namespace) -> int:
    if not args.spec and not args.html:
        raise CpagentError(
            "nothing to fetch", hint="cpagent fetch 1873B  (or: cpagent fetch --html saved.html)"
        )
    if args.refresh and args.offline:
        raise CpagentError("--refresh and --offline contradict each other", hint="use one of them")
    client = None
    if not args.html:
        client = CodeforcesClient(
            ClientConfig.from_env(), ResponseCache(), refresh=args.refresh, offline=args.offline
        )
        ui.info(f"network: {client.config.base_url} (cache: {client.cache.root})")
    problems = fetch_problems(args.spec, client=client, html_file=args.html)
    contest = len(problems) > 1 or (args.spec is not None and _is_contest_spec(args.spec))
    dests = _destinations(problems, args.output, contest)
    for dest in dests:  # check all before writing any, so a clash leaves nothing half done
        if dest.exists() and not args.force:
            raise CpagentError(f"{dest}: already exists", hint="pass --force to replace it, or choose -o DIR")
    for problem, dest in zip(problems, dests, strict=True):
        write_problem_dir(problem, dest, overwrite=args.force)
        ui.success(f"{problem.id} ({problem.name}): {len(problem.public_tests)} sample test(s) → {dest}")
        if not problem.public_tests:
            ui.warning(f"{problem.id}: the page has no sample tests")
    if args.json:
        data = [p.to_json() for p in problems]
        ui.print_json(data if contest else data[0])
    return 0


def _is_contest_spec(spec: str) -> bool:
    from agent.codeforces.specifier import try_parse_specifier

    ref = try_parse_specifier(spec)
    return bool(ref and ref.is_contest)
