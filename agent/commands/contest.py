"""`cpagent contest CONTEST`: AlphaCode's offline contest simulation.

Solve the contest's problems in order of difficulty, give each solved problem a submission time and the
number of wrong submissions before it, score the result under the contest's rules and place it in the real
standings, with best and worst bounds and an Elo rating estimate.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from agent import ui
from agent.commands._common import add_pipeline_options, make_source
from agent.contest import ProblemAttempt, load_ratings, load_standings, place, standings_from_api
from agent.errors import CpagentError
from agent.evaluate import write_json_atomic
from agent.pipeline import Pipeline, PipelineConfig
from agent.problems.loader import load_problems
from agent.store import RunStore


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "contest", help="simulate taking part in a Codeforces contest",
        epilog="examples:\n  cpagent contest 374 --problems ../shared/cp-data/codeflaws_dev.jsonl "
               "--standings standings.json --policy dataset\n  cpagent contest 1873 --problems problems/ --api",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("contest", help="contest id")
    p.add_argument("--problems", required=True,
                   help="where the contest's problems are: a dataset file or a directory of problem directories")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--standings", nargs="+", help="saved contest.standings responses (pages of one contest)")
    src.add_argument("--api", action="store_true", help="fetch the standings from the Codeforces API")
    p.add_argument("--ratings", default=None,
                   help="participants' ratings: a contest.ratingChanges or user.info response, or {handle: rating}")
    p.add_argument("--minutes-per-problem", type=float, default=None,
                   help="simulated minutes spent per problem (default: our real wall time)")
    add_pipeline_options(p)
    p.add_argument("-o", "--output", default=None, help="run directory (default runs/contest-<id>)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run)


def _attempt(index: str, result: dict[str, Any], minute: float) -> ProblemAttempt:
    hidden = {c["id"]: c["hidden_verdict"] for c in result["candidates"]}
    rejected = 0
    for cid in result["selected"]:
        verdict = hidden.get(cid)
        if verdict == "AC":
            return ProblemAttempt(index, True, minute, rejected)
        if verdict not in (None, "IE", "CE"):  # Codeforces does not count compile errors against you
            rejected += 1
    return ProblemAttempt(index, False, minute, rejected)


def run(args: argparse.Namespace) -> int:
    try:
        contest_id = int(args.contest)
    except ValueError:
        raise CpagentError(f"{args.contest!r} is not a contest id", hint="give the number, e.g. 374") from None
    if args.api:
        from agent.codeforces.api import CodeforcesApi

        standings = standings_from_api([CodeforcesApi().contest_standings(contest_id)])
    else:
        standings = load_standings(args.standings)
    if standings.contest_id != contest_id:
        raise CpagentError(f"the standings are of contest {standings.contest_id}, not {contest_id}")
    problems = [p for p in load_problems(args.problems) if str(p.contest_id) == str(contest_id)]
    if not problems:
        raise CpagentError(f"{args.problems}: no problem of contest {contest_id}",
                           hint="check --problems; its problems need a contest id")
    # In order of difficulty, as a contestant would take them: rating, then the problem letter.
    problems.sort(key=lambda p: (p.rating if p.rating is not None else 10_000, p.index or ""))
    ratings = load_ratings(args.ratings) if args.ratings else None

    run_dir = Path(args.output or f"runs/contest-{contest_id}")
    source, policy = make_source(args)
    config = PipelineConfig(samples=args.samples, k=args.k, seed=args.seed, batch_size=args.batch_size,
                            judge_hidden=True, selection=args.selection, scorer=args.scorer,
                            backend=args.backend, insecure=args.insecure, jobs=args.jobs)
    from sandbox.backend import open_backend

    store = RunStore(run_dir)
    store.set_meta("config", config.to_json())
    attempts, minute = [], 0.0
    with open_backend(args.backend, insecure=args.insecure, slots=args.jobs) as backend:
        pipeline = Pipeline(store, config, backend, progress=not args.json, policy=policy)
        for position, problem in enumerate(problems):
            store.add_problem(problem.id, problem.identity(), problem.name, position)
            started = time.monotonic()
            result = pipeline.run_problem(problem, source)
            spent = args.minutes_per_problem if args.minutes_per_problem is not None else (
                (time.monotonic() - started) / 60.0)
            minute += spent
            attempt = _attempt(problem.index or problem.id, result, minute)
            attempts.append(attempt)
            ui.info(f"{problem.id}: {'solved' if attempt.solved else 'not solved'} at minute {minute:.1f} "
                    f"after {attempt.rejected} rejected submissions")
    store.close()
    placement = place(standings, attempts, ratings)
    data = {"contest": contest_id, "name": standings.name, "rules": standings.kind,
            "attempts": [a.__dict__ for a in attempts], "placement": placement.to_json(),
            "note": "standings hold only the pages given" if not args.api else ""}
    write_json_atomic(run_dir / "contest.json", data)
    if args.json:
        ui.print_json(data)
        return 0
    pj = placement.to_json()
    ui.success(f"{standings.name}: {pj['points']} points, penalty {pj['penalty']}, rank {pj['rank']['best']}–"
               f"{pj['rank']['worst']} of {pj['participants']}, better than {pj['percentile']['worst']}–"
               f"{pj['percentile']['best']}% of the field")
    if pj["rating"]:
        ui.info(f"estimated rating {pj['rating']['estimate']} ({pj['rating']['worst']}–{pj['rating']['best']})")
    for note in pj["notes"]:
        ui.info(note)
    return 0
