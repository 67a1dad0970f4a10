"""The Codeforces API methods we use, with their answers as frozen dataclasses.

`problemset.problems`, `contest.list`, `contest.standings`, `contest.status` and `user.rating`, all
through one CodeforcesClient (spacing, retries, cache). The `parse_*` functions take the API's
`result` and nothing else, so they are tested on recorded answers without a network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.codeforces.client import CodeforcesClient
from agent.errors import CpagentError


class ApiFormatError(CpagentError):
    """An API answer without a field we need."""


def _get(data: dict[str, Any], key: str, where: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise ApiFormatError(
            f"Codeforces API answer ({where}): missing field {key!r}",
            hint="the API may have changed; retry later or report it",
        )
    return data[key]


@dataclass(frozen=True)
class ApiProblem:
    contest_id: int | None
    index: str
    name: str
    type: str = "PROGRAMMING"
    points: float | None = None
    rating: int | None = None
    tags: tuple[str, ...] = ()
    solved_count: int | None = None  # from problemStatistics, when the call returns them

    @property
    def problem_id(self) -> str:
        return f"{self.contest_id}{self.index}" if self.contest_id is not None else self.index


@dataclass(frozen=True)
class Contest:
    id: int
    name: str
    type: str
    phase: str
    frozen: bool = False
    duration_s: int | None = None
    start_time: int | None = None  # seconds since the epoch
    relative_time_s: int | None = None


@dataclass(frozen=True)
class ProblemResult:
    points: float
    rejected_attempt_count: int = 0
    type: str = "FINAL"
    penalty: int | None = None
    best_submission_time_s: int | None = None


@dataclass(frozen=True)
class RanklistRow:
    handles: tuple[str, ...]
    participant_type: str
    rank: int
    points: float
    penalty: int
    successful_hack_count: int
    unsuccessful_hack_count: int
    problem_results: tuple[ProblemResult, ...]
    team_name: str | None = None


@dataclass(frozen=True)
class Standings:
    contest: Contest
    problems: tuple[ApiProblem, ...]
    rows: tuple[RanklistRow, ...]


@dataclass(frozen=True)
class ApiSubmission:
    id: int
    contest_id: int | None
    creation_time: int
    relative_time_s: int | None
    problem: ApiProblem
    handles: tuple[str, ...]
    participant_type: str
    language: str
    verdict: str | None  # None while testing
    testset: str
    passed_test_count: int
    time_ms: int
    memory_bytes: int


@dataclass(frozen=True)
class RatingChange:
    contest_id: int
    contest_name: str
    handle: str
    rank: int
    rating_update_time: int
    old_rating: int
    new_rating: int


def parse_problem(data: dict[str, Any]) -> ApiProblem:
    return ApiProblem(
        contest_id=data.get("contestId"),
        index=str(_get(data, "index", "problem")),
        name=str(_get(data, "name", "problem")),
        type=str(data.get("type", "PROGRAMMING")),
        points=data.get("points"),
        rating=data.get("rating"),
        tags=tuple(data.get("tags") or ()),
    )


def parse_problemset(result: dict[str, Any]) -> tuple[ApiProblem, ...]:
    """`problemset.problems`: problems joined with their solved counts."""
    solved = {
        (s.get("contestId"), s.get("index")): s.get("solvedCount")
        for s in result.get("problemStatistics") or []
    }
    problems = []
    for item in _get(result, "problems", "problemset.problems"):
        p = parse_problem(item)
        problems.append(ApiProblem(**{**p.__dict__, "solved_count": solved.get((p.contest_id, p.index))}))
    return tuple(problems)


def parse_contest(data: dict[str, Any]) -> Contest:
    return Contest(
        id=int(_get(data, "id", "contest")),
        name=str(_get(data, "name", "contest")),
        type=str(data.get("type", "")),
        phase=str(data.get("phase", "")),
        frozen=bool(data.get("frozen", False)),
        duration_s=data.get("durationSeconds"),
        start_time=data.get("startTimeSeconds"),
        relative_time_s=data.get("relativeTimeSeconds"),
    )


def parse_contest_list(result: list[dict[str, Any]]) -> tuple[Contest, ...]:
    return tuple(parse_contest(c) for c in result)


def _party(data: dict[str, Any]) -> tuple[tuple[str, ...], str, str | None]:
    members = tuple(str(m.get("handle")) for m in data.get("members") or [])
    return members, str(data.get("participantType", "")), data.get("teamName")


def parse_standings(result: dict[str, Any]) -> Standings:
    rows = []
    for row in _get(result, "rows", "contest.standings"):
        handles, ptype, team = _party(_get(row, "party", "contest.standings row"))
        rows.append(
            RanklistRow(
                handles=handles,
                participant_type=ptype,
                rank=int(row.get("rank", 0)),
                points=float(row.get("points", 0.0)),
                penalty=int(row.get("penalty", 0)),
                successful_hack_count=int(row.get("successfulHackCount", 0)),
                unsuccessful_hack_count=int(row.get("unsuccessfulHackCount", 0)),
                problem_results=tuple(
                    ProblemResult(
                        points=float(r.get("points", 0.0)),
                        rejected_attempt_count=int(r.get("rejectedAttemptCount", 0)),
                        type=str(r.get("type", "FINAL")),
                        penalty=r.get("penalty"),
                        best_submission_time_s=r.get("bestSubmissionTimeSeconds"),
                    )
                    for r in row.get("problemResults") or []
                ),
                team_name=team,
            )
        )
    return Standings(
        contest=parse_contest(_get(result, "contest", "contest.standings")),
        problems=tuple(parse_problem(p) for p in _get(result, "problems", "contest.standings")),
        rows=tuple(rows),
    )


def parse_submission(data: dict[str, Any]) -> ApiSubmission:
    handles, ptype, _ = _party(_get(data, "author", "submission"))
    return ApiSubmission(
        id=int(_get(data, "id", "submission")),
        contest_id=data.get("contestId"),
        creation_time=int(data.get("creationTimeSeconds", 0)),
        relative_time_s=data.get("relativeTimeSeconds"),
        problem=parse_problem(_get(data, "problem", "submission")),
        handles=handles,
        participant_type=ptype,
        language=str(data.get("programmingLanguage", "")),
        verdict=data.get("verdict"),
        testset=str(data.get("testset", "")),
        passed_test_count=int(data.get("passedTestCount", 0)),
        time_ms=int(data.get("timeConsumedMillis", 0)),
        memory_bytes=int(data.get("memoryConsumedBytes", 0)),
    )


def parse_status(result: list[dict[str, Any]]) -> tuple[ApiSubmission, ...]:
    return tuple(parse_submission(s) for s in result)


def parse_rating(result: list[dict[str, Any]]) -> tuple[RatingChange, ...]:
    return tuple(
        RatingChange(
            contest_id=int(_get(r, "contestId", "user.rating")),
            contest_name=str(r.get("contestName", "")),
            handle=str(_get(r, "handle", "user.rating")),
            rank=int(r.get("rank", 0)),
            rating_update_time=int(r.get("ratingUpdateTimeSeconds", 0)),
            old_rating=int(_get(r, "oldRating", "user.rating")),
            new_rating=int(_get(r, "newRating", "user.rating")),
        )
        for r in result
    )


class CodeforcesApi:
    """Typed API calls over one shared client. Answers are cached for `max_age_s` (an hour by default)."""

    def __init__(self, client: CodeforcesClient | None = None) -> None:
        self.client = client or CodeforcesClient()

    def problemset_problems(
        self, tags: list[str] | None = None, problemset_name: str | None = None, *, max_age_s: float = 86400.0
    ) -> tuple[ApiProblem, ...]:
        params = {"tags": ";".join(tags) if tags else None, "problemsetName": problemset_name}
        return parse_problemset(self.client.call_api("problemset.problems", params, max_age_s=max_age_s))

    def contest_list(self, gym: bool = False, *, max_age_s: float = 3600.0) -> tuple[Contest, ...]:
        return parse_contest_list(
            self.client.call_api("contest.list", {"gym": str(gym).lower()}, max_age_s=max_age_s)
        )

    def contest_standings(
        self,
        contest_id: int,
        *,
        from_: int = 1,
        count: int | None = None,
        handles: list[str] | None = None,
        show_unofficial: bool = False,
        max_age_s: float = 600.0,
    ) -> Standings:
        params = {
            "contestId": contest_id,
            "from": from_,
            "count": count,
            "handles": ";".join(handles) if handles else None,
            "showUnofficial": "true" if show_unofficial else None,
        }
        return parse_standings(self.client.call_api("contest.standings", params, max_age_s=max_age_s))

    def contest_status(
        self,
        contest_id: int,
        *,
        handle: str | None = None,
        from_: int = 1,
        count: int | None = None,
        max_age_s: float = 600.0,
    ) -> tuple[ApiSubmission, ...]:
        params = {"contestId": contest_id, "handle": handle, "from": from_, "count": count}
        return parse_status(self.client.call_api("contest.status", params, max_age_s=max_age_s))

    def user_rating(self, handle: str, *, max_age_s: float = 3600.0) -> tuple[RatingChange, ...]:
        return parse_rating(self.client.call_api("user.rating", {"handle": handle}, max_age_s=max_age_s))
