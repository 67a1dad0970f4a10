"""`cpagent test SOURCE PROBLEM`: judge a program on a problem's tests, online-judge-tools style.

One line per test (verdict, time, memory), the slowest test, the peak memory and a summary line; exit
status 0 only when every test is AC. `cpagent test --all PROBLEM...` judges every bundled submission in
the problems' submissions/ folders and checks that each gets the verdict its folder promises
(accepted AC, wrong_answer WA, time_limit_exceeded TLE, runtime_error RE); PROBLEM may also be a
folder of problem directories, such as examples/.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from agent import ui
from agent.commands.run import add_backend_options, read_source
from agent.errors import CpagentError

EPILOG = """examples:
  cpagent test solution.cpp examples/two-sums
  cpagent test solution.py examples/two-sums --lang pypy3 --json
  cpagent test --all examples"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "test",
        help="judge a program on a problem's tests",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="SOURCE PROBLEM",
        help="the program's source and a problem directory (with --all: problem directories)",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="judge the problems' bundled submissions against the verdicts their folders promise",
    )
    p.add_argument("--lang", default=None, help="language id (default: from the file name)")
    p.add_argument("--samples", action="store_true", help="judge on the sample tests only")
    p.add_argument("--time-limit", type=float, default=None, help="override the problem's time limit (s)")
    p.add_argument("--json", action="store_true", help="print the judge report as JSON")
    add_backend_options(p)
    p.set_defaults(handler=run)


# -- reading -------------------------------------------------------------------------------------------


def load_problem(path: str) -> Any:
    from agent.problems import read_problem_dir

    return read_problem_dir(path)


def tests_of(problem: Any, samples_only: bool) -> list[Any]:
    from sandbox.judge import JudgeTest

    tests = problem.public_tests if samples_only else problem.all_tests
    if not tests:
        which = "sample tests" if samples_only else "tests"
        raise CpagentError(
            f"problem {problem.id} has no {which}",
            hint="add tests/sample/NAME.in and .ans (or tests/hidden/) to the problem directory",
        )
    return [
        JudgeTest(t.name or f"{i + 1:02d}", t.input.encode(), None if t.output is None else t.output.encode())
        for i, t in enumerate(tests)
    ]


def judge_kwargs(problem: Any, time_limit: float | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "checker": problem.checker,
        "time_limit_s": time_limit or problem.time_limit_s,
        "memory_mb": problem.memory_mb,
        "input_file": problem.input_file,
        "output_file": problem.output_file,
    }
    if problem.interactive:
        if problem.interactor is None:
            raise CpagentError(
                f"interactive problem {problem.id} has no interactor",
                hint="add interactor.cpp to the problem directory",
            )
        kwargs["interactor"] = (problem.interactor.source, problem.interactor.language)
    return kwargs


def problem_dirs(paths: list[str]) -> list[Path]:
    """Problem directories, expanding a folder of problems (like examples/) into its members."""
    from agent.problems import is_problem_dir

    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if is_problem_dir(path):
            found.append(path)
        elif path.is_dir():
            members = sorted(p for p in path.iterdir() if p.is_dir() and is_problem_dir(p))
            if not members:
                raise CpagentError(
                    f"{raw}: neither a problem directory nor a folder of them",
                    hint="a problem directory holds problem.md and tests/",
                )
            found.extend(members)
        else:
            raise CpagentError(f"{raw}: no such problem directory", hint="check the path")
    return found


# -- printing ------------------------------------------------------------------------------------------


def _line(outcome: Any) -> str:
    run = outcome.run
    timing = f"{run.cpu_s:.3f} s  {run.memory_mb:6.1f} MB" if run else ""
    text = f"{outcome.name}: {outcome.verdict.value:<3} {timing}"
    if run is not None and run.wall_limited:
        text += "  (wall-clock limit)"
    if outcome.verdict.value != "AC" and outcome.checker_message:
        text += f"  {ui.safe_text(outcome.checker_message.splitlines()[0][:160])}"
    return text


def print_report(report: Any) -> None:
    if report.verdict.value in ("CE", "IE") and not report.tests:
        ui.failure(
            f"{report.verdict.value}: "
            + ("compilation failed" if report.verdict.value == "CE" else "the sandbox failed while compiling")
        )
        for line in ui.safe_text(report.compile.message).splitlines()[:30]:
            print(f"    {line}", flush=True)
        return
    for outcome in report.tests:
        (ui.success if outcome.verdict.value == "AC" else ui.failure)(_line(outcome))
    runs = [t for t in report.tests if t.run is not None]
    if runs:
        slowest = max(runs, key=lambda t: t.run.cpu_s)
        heaviest = max(runs, key=lambda t: t.run.memory_mb)
        ui.info(f"slowest: {slowest.run.cpu_s:.3f} s (test {slowest.name})")
        ui.info(f"max memory: {heaviest.run.memory_mb:.1f} MB (test {heaviest.name})")
    total = len(report.tests)
    if report.verdict.value == "AC":
        ui.success(f"test success: {total} cases")
    else:
        failure = report.first_failure
        where = f", first failure: test {failure.name} {failure.verdict.value}" if failure else ""
        ui.failure(f"test failed ({report.verdict.value}): {report.passed} AC / {total} cases{where}")


# -- the two modes -----------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    if args.all:
        return run_all(args)
    if len(args.paths) != 2:
        raise CpagentError(
            "cpagent test needs SOURCE and PROBLEM",
            hint="cpagent test solution.cpp examples/two-sums   (or: cpagent test --all examples)",
        )
    from sandbox.backend import open_backend
    from sandbox.judge import Judge

    source, lang = read_source(args.paths[0], args.lang)
    problem = load_problem(args.paths[1])
    tests = tests_of(problem, args.samples)
    kwargs = judge_kwargs(problem, args.time_limit)
    with open_backend(args.backend, insecure=args.insecure) as backend:
        report = Judge(backend).judge(source, lang, tests, **kwargs)
    if args.json:
        ui.print_json({"problem": problem.id, "source": args.paths[0], "language": lang, **report.to_json()})
    else:
        print_report(report)
    return 0 if report.verdict.value == "AC" else 1


def run_all(args: argparse.Namespace) -> int:
    from agent.problems.model import GROUP_VERDICT
    from sandbox.backend import open_backend
    from sandbox.judge import Judge

    rows: list[dict[str, Any]] = []
    dirs = problem_dirs(args.paths)
    with open_backend(args.backend, insecure=args.insecure) as backend:
        judge = Judge(backend)
        for folder in dirs:
            problem = load_problem(str(folder))
            subs = [s for s in problem.submissions if s.expected in GROUP_VERDICT]
            if not subs:
                if not args.json:
                    ui.info(f"{problem.id}: no bundled submissions")
                continue
            tests = tests_of(problem, args.samples)
            kwargs = judge_kwargs(problem, args.time_limit)
            # The first failing test decides, as on a judge: stop there (a TLE costs its time limit).
            if problem.interactive:
                reports = [
                    judge.judge(s.code, s.language, tests, stop_at_first_failure=True, **kwargs) for s in subs
                ]
            else:
                reports = judge.judge_many(
                    [(s.code, s.language) for s in subs], tests, stop_at_first_failure=True, **kwargs
                )
            for sub, report in zip(subs, reports):
                expected = GROUP_VERDICT[sub.expected]
                got = report.verdict.value
                failure = report.first_failure
                row = {
                    "problem": problem.id,
                    "submission": sub.name,
                    "language": sub.language,
                    "expected": expected,
                    "verdict": got,
                    "agrees": got == expected,
                    "failed_test": failure.name if failure else None,
                    "max_cpu_s": round(report.max_cpu_s, 4),
                    "max_memory_mb": round(report.max_memory_mb, 2),
                }
                rows.append(row)
                if not args.json:
                    where = f" on test {row['failed_test']}" if row["failed_test"] else ""
                    text = f"{problem.id} {sub.name}: {got}{where} (expected {expected})"
                    (ui.success if row["agrees"] else ui.failure)(text)
    agree = sum(r["agrees"] for r in rows)
    if args.json:
        ui.print_json({"submissions": rows, "agree": agree, "total": len(rows)})
    elif rows and agree == len(rows):
        ui.success(
            f"all {len(rows)} submissions of {len(dirs)} problems got the verdict their folder promises"
        )
    else:
        ui.failure(
            f"{len(rows) - agree} of {len(rows)} submissions did not get the verdict their folder promises"
        )
    if not rows:
        raise CpagentError(
            "no bundled submissions to judge",
            hint="put programs under PROBLEM/submissions/accepted/ (or wrong_answer/, ...)",
        )
    return 0 if agree == len(rows) else 1
