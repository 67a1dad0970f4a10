"""AlphaCode's offline contest simulation: score our submissions under the contest's rules and place the
result in the real standings. Pure functions over plain data; fetching and solving live elsewhere.

Rules follow Codeforces. A `CF` round: a problem worth P points solved at minute t after w rejected attempts
scores max(0.3·P, P − t·P/250 − 50·w); unsolved problems score nothing. An `ICPC` round: the number solved,
then the penalty Σ(t + 20·w) over solved problems. Ties put us anywhere among the tied participants, so
every placement is given with best and worst bounds, as AlphaCode reported it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.errors import CpagentError


@dataclass(frozen=True)
class ProblemAttempt:
    """Our outcome on one contest problem: solved or not, when, and after how many rejected submissions."""

    index: str
    solved: bool
    minute: float = 0.0
    rejected: int = 0  # wrong submissions before the first accepted one (all of them if unsolved)


@dataclass(frozen=True)
class StandingRow:
    handle: str
    rank: int
    points: float
    penalty: int
    participant_type: str = "CONTESTANT"


@dataclass(frozen=True)
class Standings:
    contest_id: int
    name: str
    kind: str  # "CF" or "ICPC" (IOI is scored like ICPC's points here)
    duration_s: int
    problems: tuple[tuple[str, float], ...]  # (index, points)
    rows: tuple[StandingRow, ...]


@dataclass(frozen=True)
class Placement:
    points: float
    penalty: int
    solved: int
    rank_best: int
    rank_worst: int
    participants: int
    percentile_best: float  # share of participants ranked below us, best case, in percent
    percentile_worst: float
    rating: float | None = None
    rating_best: float | None = None
    rating_worst: float | None = None
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "points": self.points, "penalty": self.penalty, "solved": self.solved,
            "rank": {"best": self.rank_best, "worst": self.rank_worst},
            "participants": self.participants,
            "percentile": {"best": round(self.percentile_best, 2), "worst": round(self.percentile_worst, 2)},
            "rating": None if self.rating is None else {
                "estimate": round(self.rating), "best": round(self.rating_best or 0), "worst": round(self.rating_worst or 0)},
            "notes": list(self.notes),
        }


def standings_from_api(pages: Sequence[Any]) -> Standings:
    """Merge pages of `agent.codeforces.api.Standings` (one contest) into the table the simulation uses."""
    if not pages:
        raise CpagentError("no standings given", hint="pass --standings FILE (a contest.standings response) or --api")
    contest = pages[0].contest
    rows: dict[tuple[str, int], StandingRow] = {}
    for page in pages:
        if page.contest.id != contest.id:
            raise CpagentError(f"standings of contest {page.contest.id} mixed with contest {contest.id}")
        for row in page.rows:
            if row.participant_type != "CONTESTANT":
                continue  # practice, virtual and out-of-competition rows are not the field we place in
            handle = ",".join(row.handles) or (row.team_name or "?")
            rows[(handle, row.rank)] = StandingRow(handle, row.rank, row.points, row.penalty)
    return Standings(
        contest_id=contest.id, name=contest.name, kind=contest.type or "CF", duration_s=contest.duration_s or 7200,
        problems=tuple((p.index, float(p.points or 1.0)) for p in pages[0].problems),
        rows=tuple(sorted(rows.values(), key=lambda r: r.rank)),
    )


def load_standings(paths: Sequence[str | Path]) -> Standings:
    """Read one or more saved `contest.standings` API responses (pages of one contest) into one table."""
    from agent.codeforces.api import parse_standings

    pages = []
    for path in paths:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CpagentError(f"{path}: not a readable contest.standings response ({exc})",
                               hint="save it from https://codeforces.com/api/contest.standings?contestId=N") from None
        if not isinstance(data, dict) or data.get("status") != "OK" or "result" not in data:
            status = data.get("status") if isinstance(data, dict) else None
            comment = data.get("comment", "") if isinstance(data, dict) else ""
            raise CpagentError(f"{path}: the API answered {status!r}: {comment}")
        pages.append(parse_standings(data["result"]))
    return standings_from_api(pages)


def cf_problem_score(points: float, minute: float, rejected: int) -> float:
    return max(0.3 * points, points - int(minute) * points / 250.0 - 50.0 * rejected)


def score(standings: Standings, attempts: Sequence[ProblemAttempt]) -> tuple[float, int, int]:
    """(points, penalty, solved) of our attempts under the contest's rules."""
    values = dict(standings.problems)
    points, penalty, solved = 0.0, 0, 0
    for a in attempts:
        if not a.solved:
            continue
        solved += 1
        if standings.kind == "CF":
            points += cf_problem_score(values.get(a.index, 500.0), a.minute, a.rejected)
        else:
            points += 1.0
            penalty += int(a.minute) + 20 * a.rejected
    return points, penalty, solved


def _beats(kind: str, ours: tuple[float, int], theirs: tuple[float, int]) -> int:
    """+1 if we rank above them, -1 below, 0 tied."""
    (p, pen), (q, qen) = ours, theirs
    if abs(p - q) > 1e-9:
        return 1 if p > q else -1
    if kind != "CF" and pen != qen:
        return 1 if pen < qen else -1
    return 0


def expected_rank(rating: float, others: Sequence[float]) -> float:
    """Elo expected rank: 1 + Σ P(other beats us), as Codeforces' rating system and CodeElo define it."""
    return 1.0 + sum(1.0 / (1.0 + 10 ** ((rating - r) / 400.0)) for r in others)


def rating_for_rank(rank: float, others: Sequence[float]) -> float:
    """The rating whose expected rank among `others` equals `rank` (bisection; expected rank falls with rating)."""
    lo, hi = -1000.0, 6000.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if expected_rank(mid, others) > rank:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def place(
    standings: Standings, attempts: Sequence[ProblemAttempt], ratings: Mapping[str, float] | None = None
) -> Placement:
    points, penalty, solved = score(standings, attempts)
    ours = (points, penalty)
    above = tied = 0
    for row in standings.rows:
        b = _beats(standings.kind, ours, (row.points, row.penalty))
        above += b < 0
        tied += b == 0
    n = len(standings.rows)
    total = n + 1  # the field including us
    best, worst = above + 1, above + tied + 1
    notes: list[str] = []
    rating = rating_best = rating_worst = None
    if ratings:
        others = [ratings[r.handle] for r in standings.rows if r.handle in ratings]
        missing = n - len(others)
        if missing:
            notes.append(f"{missing} of {n} participants have no known rating and are left out of the Elo estimate")
        if others:
            rating_best = rating_for_rank(best, others)
            rating_worst = rating_for_rank(worst, others)
            rating = rating_for_rank((best + worst) / 2, others)
    else:
        notes.append("no participant ratings given (--ratings): no rating estimate")
    return Placement(
        points=round(points, 2), penalty=penalty, solved=solved, rank_best=best, rank_worst=worst,
        participants=n, percentile_best=100.0 * (total - best) / total,
        percentile_worst=100.0 * (total - worst) / total,
        rating=rating, rating_best=rating_best, rating_worst=rating_worst, notes=tuple(notes),
    )


def load_ratings(path: str | Path) -> dict[str, float]:
    """Participants' ratings before the contest: a `contest.ratingChanges` response (oldRating), a
    `user.info` response (rating), or a plain {handle: rating} mapping."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CpagentError(f"{path}: not a readable ratings file ({exc})") from None
    if isinstance(data, dict) and "result" in data:
        out: dict[str, float] = {}
        for item in data["result"]:
            if "oldRating" in item:
                out[item["handle"]] = float(item["oldRating"])
            elif "rating" in item:
                out[item["handle"]] = float(item["rating"])
        return out
    if isinstance(data, dict):
        return {str(k): float(v) for k, v in data.items()}
    raise CpagentError(f"{path}: expected a ratingChanges/user.info response or a handle→rating mapping")
