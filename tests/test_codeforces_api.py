"""The API methods: parsing of real recorded answers (fixtures/codeforces_api), and each method's
request (path and parameters) through the client against the stand-in server."""

from __future__ import annotations

import json

import pytest

from agent.codeforces.api import (
    ApiFormatError,
    CodeforcesApi,
    parse_contest_list,
    parse_problemset,
    parse_rating,
    parse_standings,
    parse_status,
)
from agent.codeforces.cache import ResponseCache
from agent.codeforces.client import ClientConfig, CodeforcesClient
from fake_codeforces import FakeCodeforces, Reply, start


def _fixture(cp_data, prefix: str) -> dict:
    folder = cp_data / "fixtures" / "codeforces_api"
    (path,) = sorted(folder.glob(prefix + "*"))[:1]
    return json.loads(path.read_text())


def test_standings(cp_data):
    standings = parse_standings(
        _fixture(cp_data, "contest.standings___contest_standings__standings_374__")["result"]
    )
    assert standings.contest.id == 374 and standings.contest.name == "Codeforces Round #220 (Div. 2)"
    assert standings.contest.duration_s == 7200 and standings.contest.phase == "FINISHED"
    assert [p.index for p in standings.problems][:2] == ["A", "B"]
    first = standings.rows[0]
    assert first.rank == 1 and first.handles == ("Deception",) and first.points == 4902.0
    assert first.successful_hack_count == 11
    assert len(first.problem_results) == len(standings.problems)
    assert first.problem_results[0].best_submission_time_s == 4174
    assert [r.rank for r in standings.rows] == sorted(r.rank for r in standings.rows)


def test_standings_second_page(cp_data):
    page = parse_standings(
        _fixture(cp_data, "contest.standings___contest_standings__standings_374_offset_1")["result"]
    )
    assert page.rows[0].rank >= 50


def test_status(cp_data):
    subs = parse_status(_fixture(cp_data, "contest.status___contest_status__status_374__")["result"])
    assert len(subs) == 50
    first = subs[0]
    assert (first.id, first.contest_id, first.problem.index) == (15081641, 374, "C")
    assert first.verdict == "OK" and first.language == "GNU C++11" and first.handles == ("Sa1378",)
    assert first.passed_test_count == 47 and first.time_ms == 421 and first.memory_bytes == 38195200
    assert {s.verdict for s in subs} >= {"OK"}


def test_problemset_with_solved_counts(cp_data):
    problems = parse_problemset(
        _fixture(
            cp_data, "problemset.problems___problemset_problem_statices__problem_statistics_query_tags_dp___"
        )["result"]
    )
    assert len(problems) == 489
    assert all("dp" in p.tags for p in problems)
    assert all(p.solved_count is not None for p in problems)
    assert problems[0].problem_id == f"{problems[0].contest_id}{problems[0].index}"


def test_user_rating(cp_data):
    changes = parse_rating(_fixture(cp_data, "user.rating___")["result"])
    assert len(changes) == 73
    assert changes[0].contest_id == 1 and changes[0].old_rating == 1500 and changes[0].new_rating == 1502
    assert all(a.new_rating == b.old_rating for a, b in zip(changes, changes[1:], strict=False))


def test_contest_list_parsing():
    contests = parse_contest_list(
        [
            {
                "id": 1873,
                "name": "Round",
                "type": "ICPC",
                "phase": "FINISHED",
                "frozen": False,
                "durationSeconds": 8100,
                "startTimeSeconds": 1695047700,
            }
        ]
    )
    assert contests[0].id == 1873 and contests[0].duration_s == 8100


def test_missing_field_is_a_clear_error():
    with pytest.raises(ApiFormatError, match="'rows'"):
        parse_standings({"contest": {"id": 1, "name": "x"}, "problems": []})


@pytest.fixture()
def api(tmp_path):
    fake = FakeCodeforces()
    server, thread = start(fake)
    client = CodeforcesClient(
        ClientConfig(base_url=fake.base_url, min_interval_s=0.0, timeout_s=2, backoff_s=0.01),
        ResponseCache(tmp_path),
    )
    yield fake, CodeforcesApi(client)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _serve_fixture(fake, cp_data, path: str, prefix: str) -> None:
    body = (sorted((cp_data / "fixtures" / "codeforces_api").glob(prefix + "*"))[0]).read_bytes()
    fake.route(path, Reply(body=body, content_type="application/json"))


def test_each_method_requests_its_path_and_parameters(api, cp_data):
    fake, client = api
    _serve_fixture(
        fake, cp_data, "/api/contest.standings", "contest.standings___contest_standings__standings_374__"
    )
    _serve_fixture(fake, cp_data, "/api/contest.status", "contest.status___contest_status__status_374__")
    _serve_fixture(fake, cp_data, "/api/problemset.problems", "problemset.problems___")
    _serve_fixture(fake, cp_data, "/api/user.rating", "user.rating___")
    fake.route(
        "/api/contest.list", Reply(body=b'{"status":"OK","result":[]}', content_type="application/json")
    )

    assert client.contest_standings(374, from_=1, count=50).contest.id == 374
    assert len(client.contest_status(374, count=50)) == 50
    assert client.problemset_problems(tags=["dp", "implementation"])
    assert client.user_rating("Fefer_Ivan")[0].handle == "Fefer_Ivan"
    assert client.contest_list(gym=True) == ()
    queries = {s.path: s.query for s in fake.seen}
    assert queries["/api/contest.standings"] == "contestId=374&count=50&from=1"
    assert queries["/api/problemset.problems"] == "tags=dp%3Bimplementation"
    assert queries["/api/user.rating"] == "handle=Fefer_Ivan"
    assert queries["/api/contest.list"] == "gym=true"
    assert "contestId=374" in queries["/api/contest.status"]
    # A second call within max_age is answered from the cache.
    client.user_rating("Fefer_Ivan")
    assert len(fake.hits("/api/user.rating")) == 1
