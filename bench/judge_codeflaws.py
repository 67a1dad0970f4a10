"""Judge the `clean` Codeflaws problems and compare with the labels (correctness on real data).

Every accepted submission must be AC on every hidden test; every rejected submission whose
`local.vector` marks a failing test must be non-AC. Prints the agreement and every disagreement with
its reason. C submissions are compiled as Codeflaws did (`gcc -std=c99 -O2 -lm`, our c99 language;
it also defines ONLINE_JUDGE as Codeforces does), outputs compared by whitespace tokens (float
tolerance 1e-6 for the problems labelled `tokens_float_1e-6`), stdin fed from a file.

Time limits: the problem's own limit times `--time-multiplier` (default 1.5, because this shared
2-core machine is slower than Codeforces' judges and other people's jobs run beside ours); problems
whose limit is missing (0 in the data) get 2 s. The wall limit is 10 times the CPU limit (`--wall-factor`):
on a loaded machine a program waits for a core, and only its CPU time says it is too slow.

    python bench/judge_codeflaws.py                       # all clean problems (about 20 minutes)
    python bench/judge_codeflaws.py --sample 12 --json    # a fixed, evenly spread sample
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sandbox import open_backend  # noqa: E402
from sandbox.checkers import CheckerSpec  # noqa: E402
from sandbox.compile_cache import CompileCache  # noqa: E402
from sandbox.judge import Judge, JudgeReport, JudgeTest  # noqa: E402

DATA = REPO.parent / "shared" / "cp-data" / "codeflaws_dev.jsonl"
DEFAULT_TIME_LIMIT_S = 2.0
TIME_MULTIPLIER = 1.5
# Wall limit per test, as a multiple of the CPU limit. Generous: on a shared, loaded machine a program's
# wall clock runs while it waits for a core, and only CPU time says whether it is too slow.
WALL_FACTOR = 10.0


@dataclass(frozen=True)
class Disagreement:
    problem: str
    submission: int
    label: str  # accepted / rejected
    verdict: str
    test: str | None
    reason: str


def clean_problems(path: Path = DATA) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [r for r in rows if r.get("clean")]


def evenly_spread(rows: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """A fixed sample: n problems spread evenly over the file's order."""
    if n >= len(rows):
        return rows
    step = len(rows) / n
    return [rows[int(i * step)] for i in range(n)]


def checker_for(row: dict[str, Any]) -> CheckerSpec:
    if str(row.get("checker", "")).startswith("tokens_float"):
        return CheckerSpec("float", abs_eps=1e-6, rel_eps=1e-6)
    return CheckerSpec("tokens")


def must_fail(sub: dict[str, Any]) -> bool:
    """A rejected submission counts when its local re-run marks a failing hidden test."""
    vector = str((sub.get("local") or {}).get("vector", ""))
    return any(c in "WRT" for c in vector)


def _reason(report: JudgeReport) -> str:
    if report.verdict.value in ("CE", "IE") and not report.tests:
        return (
            report.compile.message.splitlines()[0][:200] if report.compile.message else report.verdict.value
        )
    failure = report.first_failure
    if failure is None:
        return "passed every hidden test"
    run = failure.run
    bits = [failure.checker_message[:160]] if failure.checker_message else []
    if run is not None:
        bits.append(f"cpu {run.cpu_s:.2f} s, wall {run.wall_s:.2f} s, {run.memory_mb:.0f} MB")
        if run.exit_code not in (None, 0) or run.signal:
            bits.append(f"exit {run.exit_code} signal {run.signal}")
    return "; ".join(bits)


def judge_problem(
    judge: Judge, row: dict[str, Any], multiplier: float, wall_factor: float = WALL_FACTOR
) -> tuple[Counter, list[Disagreement]]:
    tests = [
        JudgeTest(f"{i + 1:02d}", t["input"].encode(), t["output"].encode())
        for i, t in enumerate(row["hidden_tests"])
    ]
    accepted = row["correct_solutions"]
    rejected = [s for s in row["incorrect_solutions"] if must_fail(s)]
    programs = [(s["code"], "c99") for s in accepted + rejected]
    limit = (row.get("time_limit_s") or DEFAULT_TIME_LIMIT_S) * multiplier
    reports = judge.judge_many(
        programs,
        tests,
        checker=checker_for(row),
        time_limit_s=limit,
        memory_mb=int(row.get("memory_mb") or 256),
        stop_at_first_failure=True,
        wall_time_s=max(3.0, wall_factor * limit),
    )
    counts: Counter = Counter()
    problems: list[Disagreement] = []
    for k, (sub, report) in enumerate(zip(accepted + rejected, reports)):
        label = "accepted" if k < len(accepted) else "rejected"
        ok = (report.verdict.value == "AC") == (label == "accepted")
        counts[f"{label}_total"] += 1
        counts[f"{label}_agree"] += ok
        counts[f"verdict_{label}_{report.verdict.value}"] += 1
        if not ok:
            failure = report.first_failure
            problems.append(
                Disagreement(
                    row["id"],
                    int(sub.get("submission_id") or 0),
                    label,
                    report.verdict.value,
                    failure.name if failure else None,
                    _reason(report),
                )
            )
    return counts, problems


def run(
    rows: list[dict[str, Any]],
    backend_name: str,
    insecure: bool,
    multiplier: float,
    cache_dir: Path | None,
    progress: bool,
    wall_factor: float = WALL_FACTOR,
) -> dict[str, Any]:
    totals: Counter = Counter()
    disagreements: list[Disagreement] = []
    start = time.monotonic()
    with open_backend(backend_name, insecure=insecure) as backend:
        judge = Judge(backend, CompileCache(cache_dir) if cache_dir else None)
        for n, row in enumerate(rows, 1):
            counts, problems = judge_problem(judge, row, multiplier, wall_factor)
            totals.update(counts)
            disagreements.extend(problems)
            if progress:
                print(
                    f"[{n}/{len(rows)}] {row['id']}: {counts['accepted_agree']}/{counts['accepted_total']} "
                    f"accepted AC, {counts['rejected_agree']}/{counts['rejected_total']} rejected non-AC"
                    + ("" if not problems else f"  <- {len(problems)} disagreement(s)"),
                    file=sys.stderr,
                    flush=True,
                )
                for d in problems:
                    print(
                        f"    DISAGREE #{d.submission} ({d.label}): {d.verdict} on test {d.test}: {d.reason}",
                        file=sys.stderr,
                        flush=True,
                    )
    agree = totals["accepted_agree"] + totals["rejected_agree"]
    total = totals["accepted_total"] + totals["rejected_total"]
    return {
        "problems": len(rows),
        "backend": backend_name,
        "time_multiplier": multiplier,
        "wall_factor": wall_factor,
        "accepted": {"agree": totals["accepted_agree"], "total": totals["accepted_total"]},
        "rejected": {"agree": totals["rejected_agree"], "total": totals["rejected_total"]},
        "agreement": round(agree / total, 6) if total else 1.0,
        "verdicts": {k[len("verdict_") :]: v for k, v in sorted(totals.items()) if k.startswith("verdict_")},
        "disagreements": [asdict(d) for d in disagreements],
        "wall_s": round(time.monotonic() - start, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sample", type=int, default=0, help="judge a fixed, evenly spread sample of N problems"
    )
    parser.add_argument("--problems", nargs="*", default=None, help="judge only these ids (e.g. cf/1A)")
    parser.add_argument("--time-multiplier", type=float, default=TIME_MULTIPLIER)
    parser.add_argument("--wall-factor", type=float, default=WALL_FACTOR)
    parser.add_argument("--backend", default="native")
    parser.add_argument("--insecure", action="store_true")
    parser.add_argument(
        "--cache-dir", type=Path, default=None, help="compile cache (default: the user cache)"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    if not DATA.is_file():
        print(
            f"{DATA} not found: this benchmark reads ../shared/cp-data beside the checkout", file=sys.stderr
        )
        return 2
    rows = clean_problems()
    if args.problems:
        rows = [r for r in rows if r["id"] in set(args.problems)]
    if args.sample:
        rows = evenly_spread(rows, args.sample)
    summary = run(
        rows,
        args.backend,
        args.insecure,
        args.time_multiplier,
        args.cache_dir,
        progress=not args.json,
        wall_factor=args.wall_factor,
    )
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        acc, rej = summary["accepted"], summary["rejected"]
        print(
            f"codeflaws clean problems: {summary['problems']}  backend: {summary['backend']}  "
            f"time limit x{summary['time_multiplier']}  ({summary['wall_s']} s)"
        )
        print(f"  accepted submissions AC on every hidden test: {acc['agree']}/{acc['total']}")
        print(f"  rejected submissions (failing locally) non-AC: {rej['agree']}/{rej['total']}")
        print(f"  agreement: {summary['agreement']:.4%}   verdicts: {summary['verdicts']}")
        for d in summary["disagreements"]:
            print(
                f"  DISAGREE {d['problem']} #{d['submission']} ({d['label']}): {d['verdict']} "
                f"on test {d['test']}: {d['reason']}"
            )
    return 0 if not summary["disagreements"] else 1


if __name__ == "__main__":
    sys.exit(main())
