"""The real request path (requests) against a Codeforces stand-in on 127.0.0.1: spacing, retries,
challenge pages, timeouts, dropped connections, the cache, --refresh and --offline."""

from __future__ import annotations

import time

import pytest

from agent.codeforces.cache import ResponseCache
from agent.codeforces.client import ApiError, ClientConfig, CodeforcesClient, NetworkError
from agent.codeforces.cloudflare import CloudflareChallengeError
from fake_codeforces import CALL_LIMIT, DROP, FakeCodeforces, Reply, api_body, api_ok, page, start

PATHS = __import__("pathlib").Path(__file__).resolve().parent / "data" / "codeforces_pages"


@pytest.fixture()
def fake():
    fake = FakeCodeforces()
    server, thread = start(fake)
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def make_client(fake, tmp_path, **kw) -> CodeforcesClient:
    options = dict(base_url=fake.base_url, min_interval_s=0.0, timeout_s=2.0, retries=3, backoff_s=0.01)
    options.update({k: kw.pop(k) for k in list(kw) if k in ClientConfig.__dataclass_fields__})
    return CodeforcesClient(ClientConfig(**options), ResponseCache(tmp_path / "cache"), **kw)


def test_page_is_fetched_with_user_agent_and_cached(fake, tmp_path):
    fake.route("/contest/1/problem/A", page("<html>A</html>"))
    client = make_client(fake, tmp_path)
    assert client.get_page("/contest/1/problem/A") == "<html>A</html>"
    assert (
        client.get_page("https://codeforces.com/contest/1/problem/A") == "<html>A</html>"
    )  # cache, any host
    assert len(fake.hits("/contest/1/problem/A")) == 1
    assert fake.seen[0].user_agent.startswith("cpagent/")
    entry = client.cache.get(client.url("/contest/1/problem/A"))
    assert entry is not None and 0 <= entry.age_s() < 60


def test_refresh_bypasses_and_offline_uses_only_the_cache(fake, tmp_path):
    fake.route("/contest/1/problem/A", page("old"), page("new"))
    make_client(fake, tmp_path).get_page("/contest/1/problem/A")
    assert make_client(fake, tmp_path, refresh=True).get_page("/contest/1/problem/A") == "new"
    offline = make_client(fake, tmp_path, offline=True)
    assert offline.get_page("/contest/1/problem/A") == "new"
    with pytest.raises(NetworkError, match="not in the cache") as info:
        offline.get_page("/contest/2/problem/B")
    assert "--offline" in info.value.message
    assert len(fake.seen) == 2 and offline.requests_made == 0


def test_calls_are_spaced(fake, tmp_path):
    fake.route("/api/user.rating", api_ok([]))
    client = make_client(fake, tmp_path, min_interval_s=0.3)
    for handle in ("a", "b", "c"):
        client.call_api("user.rating", {"handle": handle}, max_age_s=0)
    times = [s.at for s in fake.seen]
    assert len(times) == 3
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.28


def test_call_limit_exceeded_is_retried_with_backoff(fake, tmp_path):
    fake.route(
        "/api/contest.list",
        CALL_LIMIT,
        CALL_LIMIT,
        api_ok([{"id": 1, "name": "R1", "type": "CF", "phase": "FINISHED"}]),
    )
    waits: list[float] = []
    client = make_client(fake, tmp_path, backoff_s=0.5, sleep=lambda s: waits.append(s))
    assert client.call_api("contest.list", {"gym": "false"})[0]["name"] == "R1"
    assert len(fake.seen) == 3
    assert waits[:2] == [0.5, 1.0]  # exponential backoff between attempts


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_busy_server_is_retried(fake, tmp_path, status):
    fake.route("/contest/1/problem/A", page("busy", status), page("ok"))
    assert make_client(fake, tmp_path).get_page("/contest/1/problem/A") == "ok"
    assert len(fake.seen) == 2


def test_retries_are_bounded_and_the_error_names_the_url(fake, tmp_path):
    fake.route("/contest/1/problem/A", page("down", 503))
    with pytest.raises(NetworkError) as info:
        make_client(fake, tmp_path, retries=2).get_page("/contest/1/problem/A")
    assert "/contest/1/problem/A" in info.value.message and "HTTP 503" in info.value.message
    assert "3 attempts" in info.value.message and "--html" in info.value.hint
    assert len(fake.seen) == 3


def test_challenge_page_stops_at_once_with_the_hint(fake, tmp_path):
    challenge = (PATHS / "challenge.html").read_text()
    fake.route("/contest/1/problem/A", page(challenge, 403, headers=(("cf-mitigated", "challenge"),)))
    with pytest.raises(CloudflareChallengeError) as info:
        make_client(fake, tmp_path).get_page("/contest/1/problem/A", spec="1A")
    assert len(fake.seen) == 1  # never retried, never worked around
    hint = info.value.hint
    assert "--html" in hint and "cpagent listen" in hint and "retry" in hint and "cpagent fetch 1A" in hint


def test_plain_403_is_treated_as_a_block(fake, tmp_path):
    fake.route("/contest/1/problem/A", page("Forbidden", 403))
    with pytest.raises(CloudflareChallengeError, match="HTTP 403"):
        make_client(fake, tmp_path).get_page("/contest/1/problem/A")


def test_challenge_served_as_503_is_recognised(fake, tmp_path):
    fake.route("/contest/1/problem/A", page((PATHS / "challenge.html").read_text(), 503))
    with pytest.raises(CloudflareChallengeError):
        make_client(fake, tmp_path).get_page("/contest/1/problem/A")
    assert len(fake.seen) == 1


def test_slow_answer_times_out_then_succeeds(fake, tmp_path):
    fake.route("/contest/1/problem/A", Reply(body=b"late", delay_s=1.5), page("fast"))
    started = time.monotonic()
    assert make_client(fake, tmp_path, timeout_s=0.3).get_page("/contest/1/problem/A") == "fast"
    assert time.monotonic() - started < 1.5  # the slow answer was not waited for


def test_slow_answers_every_time_end_in_a_timeout_error(fake, tmp_path):
    fake.route("/contest/1/problem/A", Reply(body=b"late", delay_s=0.8))
    with pytest.raises(NetworkError, match="no answer within 0.2 s"):
        make_client(fake, tmp_path, timeout_s=0.2, retries=1).get_page("/contest/1/problem/A")


def test_dropped_connection_is_retried(fake, tmp_path):
    fake.route("/contest/1/problem/A", DROP, page("after drop"))
    assert make_client(fake, tmp_path).get_page("/contest/1/problem/A") == "after drop"
    assert len(fake.seen) == 2


def test_unreachable_host(tmp_path):
    with socket_port() as port:
        pass  # the port is free again: nothing listens there
    client = CodeforcesClient(
        ClientConfig(
            base_url=f"http://127.0.0.1:{port}", min_interval_s=0, timeout_s=1, retries=1, backoff_s=0.01
        ),
        ResponseCache(tmp_path),
    )
    with pytest.raises(NetworkError) as info:
        client.get_page("/contest/1/problem/A")
    assert f"127.0.0.1:{port}/contest/1/problem/A" in info.value.message
    assert "connection failed" in info.value.message and info.value.hint


def test_api_failure_is_not_retried_and_names_the_reason(fake, tmp_path):
    fake.route(
        "/api/contest.standings",
        api_body('{"status":"FAILED","comment":"contestId: Contest with id 99999 not found"}', 400),
    )
    with pytest.raises(ApiError, match="Contest with id 99999 not found"):
        make_client(fake, tmp_path).call_api("contest.standings", {"contestId": 99999})
    assert len(fake.seen) == 1


def test_api_that_answers_html_is_an_error(fake, tmp_path):
    fake.route("/api/user.rating", page("<html>maintenance</html>"))
    with pytest.raises(NetworkError, match="not JSON"):
        make_client(fake, tmp_path).call_api("user.rating", {"handle": "x"})


def test_env_configures_the_client(monkeypatch):
    monkeypatch.setenv("CPAGENT_CODEFORCES_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("CPAGENT_CODEFORCES_INTERVAL_S", "0.25")
    config = ClientConfig.from_env()
    assert (config.base_url, config.min_interval_s) == ("http://127.0.0.1:9", 0.25)
    assert ClientConfig().min_interval_s == 2.0  # the default keeps Codeforces' rule


def test_cache_ignores_corrupt_entries(tmp_path):
    cache = ResponseCache(tmp_path)
    cache.put("https://x/a", "text")
    cache.path_for("https://x/a").write_text("{not json")
    assert cache.get("https://x/a") is None
    cache.put("https://x/a", "again", fetched_at=time.time() - 100)
    assert cache.get("https://x/a", max_age_s=10) is None
    assert cache.get("https://x/a", max_age_s=1000).text == "again"


class socket_port:
    """A free local port (bound, then released on exit)."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def test_login_redirect_is_named(fake, tmp_path):
    fake.route("/group/G/contest/1/problem/A", page("", 302, headers=(("Location", "/enter?back=%2Fgroup"),)))
    fake.route("/enter", page("<html>Login</html>"))
    with pytest.raises(NetworkError, match="asks to log in") as info:
        make_client(fake, tmp_path).get_page("/group/G/contest/1/problem/A")
    assert "--html" in info.value.hint


def test_retry_after_is_honoured_within_the_cap(fake, tmp_path):
    fake.route("/contest/1/problem/A", page("slow down", 429, headers=(("Retry-After", "7"),)), page("ok"))
    waits: list[float] = []
    client = make_client(fake, tmp_path, backoff_s=0.5, sleep=lambda s: waits.append(s))
    assert client.get_page("/contest/1/problem/A") == "ok"
    assert waits == [7.0]
