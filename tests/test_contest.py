"""Contest simulation on the recorded standings of Codeforces Round #220 (contest 374)."""

from __future__ import annotations

import json

import pytest

from agent.contest import (
    ProblemAttempt, cf_problem_score, expected_rank, load_standings, place, rating_for_rank, score,
)
from agent.errors import CpagentError


@pytest.fixture()
def standings(cp_data):
    api = cp_data / "fixtures" / "codeforces_api"
    return load_standings([
        api / "contest.standings___contest_standings__standings_374__1_3_1_1__0.json",
        api / "contest.standings___contest_standings__standings_374_offset_1__1_3_2_1__0.json",
    ])


def test_standings_pages_are_merged(standings):
    assert standings.contest_id == 374 and standings.kind == "CF"
    assert [p for p, _ in standings.problems] == ["A", "B", "C", "D", "E"]
    ranks = [r.rank for r in standings.rows]
    assert ranks == sorted(ranks) and ranks[0] == 1 and ranks[-1] == 100 and len(ranks) == 100


def test_codeforces_scoring_rule():
    assert cf_problem_score(500, 0, 0) == 500
    assert cf_problem_score(500, 10, 1) == 500 - 20 - 50
    assert cf_problem_score(500, 119, 10) == 150  # never below 30 %


def test_placement_with_ties_gives_bounds(standings):
    nothing = place(standings, [ProblemAttempt("A", False, rejected=3)])
    assert nothing.points == 0 and nothing.rank_best == 101 and nothing.rank_worst == 101

    points, _, _ = score(standings, [ProblemAttempt("A", True, 0, 0)])
    assert points == 500
    # 2500 points at minute 0: ranked just below everyone who scored more.
    top = place(standings, [ProblemAttempt("E", True, 0, 0)])
    assert top.rank_best == 1 + sum(r.points > 2500 for r in standings.rows)

    # Equal to participants who share a score: the bounds span the tie.
    tied_points = 1000.0
    tied = [r for r in standings.rows if r.points == tied_points]
    assert len(tied) >= 2
    res = place(standings, [ProblemAttempt("B", True, 0, 0)])  # 1000 points
    assert res.rank_worst - res.rank_best == len(tied)
    assert res.percentile_best > res.percentile_worst


def test_elo_rating_inverts_expected_rank():
    others = [1200.0, 1500.0, 1800.0, 2100.0]
    r = rating_for_rank(2.5, others)
    assert expected_rank(r, others) == pytest.approx(2.5, abs=1e-6)
    assert rating_for_rank(1.2, others) > rating_for_rank(4.0, others)


def test_rating_estimate_from_ratings(standings, tmp_path):
    ratings = {row.handle: 2400 - 10 * i for i, row in enumerate(standings.rows)}
    result = place(standings, [ProblemAttempt("A", True, 5, 0), ProblemAttempt("B", True, 20, 1)], ratings)
    assert result.rating is not None and result.rating_worst <= result.rating <= result.rating_best
    assert json.dumps(result.to_json())


def test_bad_standings_file(tmp_path):
    bad = tmp_path / "s.json"
    bad.write_text('{"status": "FAILED", "comment": "contestId: Contest with id 1 not found"}')
    with pytest.raises(CpagentError, match="FAILED"):
        load_standings([bad])


def test_contest_command_on_round_220(cp_data, tmp_path, capsys):
    """The whole simulation through the CLI: contest 374's problems from the dataset, solved in order of
    difficulty with the dataset's own programs, scored and placed in the recorded standings."""
    from agent.cli import main

    api = cp_data / "fixtures" / "codeforces_api"
    pages = [api / "contest.standings___contest_standings__standings_374__1_3_1_1__0.json",
             api / "contest.standings___contest_standings__standings_374_offset_1__1_3_2_1__0.json"]
    standings = load_standings(pages)
    ratings = tmp_path / "ratings.json"
    ratings.write_text(json.dumps({r.handle: 2300 - 8 * i for i, r in enumerate(standings.rows)}))
    code = main(["contest", "374", "--problems", str(cp_data / "codeflaws_dev.jsonl"), "--standings",
                 *map(str, pages), "--ratings", str(ratings), "--minutes-per-problem", "10",
                 "-o", str(tmp_path / "run"), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    attempts = data["attempts"]
    assert [a["index"] for a in attempts] == ["B", "A"]  # rating 1500 before 2000
    assert [a["minute"] for a in attempts] == [10.0, 20.0]
    expected = place(standings, [ProblemAttempt(**a) for a in attempts], json.loads(ratings.read_text()))
    assert data["placement"] == expected.to_json()
    assert data["placement"]["rank"]["best"] <= data["placement"]["rank"]["worst"]
    assert data["placement"]["rating"] is not None
    assert (tmp_path / "run" / "contest.json").exists()
