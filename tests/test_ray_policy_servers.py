"""Sampling over several OpenAI-compatible servers (`openai:URL1,URL2`): real HTTP servers on loopback
answer /v1/models and /v1/completions; some are down from the start, one dies mid-run."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from policy_model import PolicyPrompt, SampleOptions, ServerError, make_policy
from policy_model._multi import MultiServerPolicy

PROMPT = PolicyPrompt(statement="Print the sum of two integers.", name="A+B", problem_id="ab", language="cpp17")


class StubServer:
    """An OpenAI-compatible server that answers each completion with `n` tiny programs."""

    def __init__(self, name: str, *, fail_after: int | None = None, delay_s: float = 0.02) -> None:
        self.name = name
        self.requests = 0
        self.fail_after = fail_after
        self.delay_s = delay_s
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                if stub.down():
                    self._send(503, {"error": "down"})
                else:
                    self._send(200, {"data": [{"id": f"model-{stub.name}"}]})

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with stub.lock:
                    stub.requests += 1
                if stub.down():
                    self._send(503, {"error": "down"})
                    return
                time.sleep(stub.delay_s)
                text = f"int main() {{ return {body['seed'] % 100}; }}\n```"
                self._send(200, {"model": body["model"], "choices": [
                    {"text": text, "finish_reason": "stop", "logprobs": {"token_logprobs": [-0.5, -0.25]}}
                    for _ in range(body["n"])]})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def down(self) -> bool:
        return self.fail_after is not None and self.requests > self.fail_after

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.fixture
def servers():
    made: list[StubServer] = []

    def make(*args, **kwargs) -> StubServer:
        made.append(StubServer(*args, **kwargs))
        return made[-1]

    yield make
    for s in made:
        s.close()


def _options(**kw) -> SampleOptions:
    return SampleOptions(**{"batch_size": 2, "concurrency": 1, "backoff_s": 0.01, "max_retries": 2, **kw})


def _batches(cands) -> Counter:
    return Counter(c.meta["batch"] for c in cands)


def test_make_policy_builds_the_spread_from_a_comma_list(servers):
    a, b = servers("a"), servers("b")
    policy = make_policy(f"openai:{a.url},{b.url},{a.url}")
    assert isinstance(policy, MultiServerPolicy)
    assert [s.url for s in policy.servers] == [a.url, b.url]  # the same server once


def test_requests_spread_over_every_server(servers):
    stubs = [servers(name) for name in "abc"]
    policy = MultiServerPolicy([s.url for s in stubs])
    cands = list(policy.sample(PROMPT, 24, _options()))
    assert len(cands) == 24
    assert _batches(cands) == {k: 2 for k in range(12)}  # each batch once, with its two samples
    by_server = Counter(c.meta["server"] for c in cands)
    assert set(by_server) == {s.url for s in stubs}
    assert all(s.requests >= 2 for s in stubs)
    assert {c.meta["model"] for c in cands} == {"model-a", "model-b", "model-c"}
    assert all(c.code.startswith("int main()") for c in cands)


def test_a_server_down_from_the_start_is_left_out(servers):
    live = servers("live")
    dead = closed_url()
    policy = MultiServerPolicy([dead, live.url], recheck_s=3600)
    cands = list(policy.sample(PROMPT, 8, _options()))
    assert len(cands) == 8 and {c.meta["server"] for c in cands} == {live.url}
    stats = {s["url"]: s for s in policy.stats()}
    assert stats[dead]["sent"] == 0 and not stats[dead]["healthy"]


def test_a_server_lost_mid_run_loses_no_batch(servers):
    steady = servers("steady", delay_s=0.05)
    dying = servers("dying", fail_after=2, delay_s=0.05)
    policy = MultiServerPolicy([dying.url, steady.url], recheck_s=3600)
    cands = list(policy.sample(PROMPT, 20, _options()))
    assert _batches(cands) == {k: 2 for k in range(10)}  # nothing lost, nothing twice
    stats = {s["url"]: s for s in policy.stats()}
    assert stats[dying.url]["failed"] >= 1 and not stats[dying.url]["healthy"]
    assert Counter(c.meta["server"] for c in cands)[dying.url] <= 4  # only what it answered before dying


def test_no_server_answers(servers):
    policy = MultiServerPolicy([closed_url(), closed_url()], health_timeout_s=1.0)
    with pytest.raises(ServerError) as exc:
        list(policy.sample(PROMPT, 2, _options()))
    assert "none of the 2 policy servers answers" in exc.value.message and exc.value.hint


def test_the_same_seeds_give_the_same_samples_whichever_server_answers(servers):
    one = MultiServerPolicy([servers("x").url])
    many = MultiServerPolicy([servers("y").url, servers("z").url])
    key = lambda cands: sorted((c.meta["batch"], c.code) for c in cands)  # noqa: E731
    assert key(one.sample(PROMPT, 12, _options())) == key(many.sample(PROMPT, 12, _options()))
