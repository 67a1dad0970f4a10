"""`cpagent serve` as a real HTTP server, the `openai` backend against it, and retries against a stub."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from agent.cli import main
from policy_model import OpenAIPolicy, PolicyPrompt, SampleOptions, ServerError, make_policy
from policy_model._openai_policy import api_key_from_env
from policy_model.testing import tiny_checkpoint

REPO = Path(__file__).resolve().parents[1]
PROMPT = PolicyPrompt(statement="Print the sum of two integers.", name="A+B", language="cpp17", rating=800)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`cpagent serve` on a free loopback port, with a tiny checkpoint; yields its base URL."""
    ckpt = tiny_checkpoint(tmp_path_factory.mktemp("serve") / "tiny-ckpt")
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent", "serve", "--checkpoint", str(ckpt), "--port", "0", "--json",
         "--batch-size", "4"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if line.startswith("}"):
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(240):
        proc.kill()
        pytest.fail(f"cpagent serve did not start: {proc.stderr.read() if proc.poll() is not None else 'timeout'}")
    info = json.loads("".join(lines))
    yield info["url"]
    proc.terminate()
    proc.wait(timeout=30)


def test_models_and_routes(served: str) -> None:
    r = requests.get(f"{served}/models", timeout=30)
    assert r.status_code == 200 and r.json()["data"][0]["id"] == "tiny-ckpt"
    assert requests.get(f"{served}/nothing", timeout=30).status_code == 404
    bad = requests.post(f"{served}/completions", data=b"{not json", timeout=30)
    assert bad.status_code == 400 and bad.json()["error"]["type"] == "invalid_request_error"
    bad = requests.post(f"{served}/completions", json={"prompt": 3}, timeout=30)
    assert bad.status_code == 400 and "prompt" in bad.json()["error"]["message"]
    bad = requests.post(f"{served}/completions", json={"prompt": "x", "max_tokens": 100000}, timeout=30)
    assert bad.status_code == 400 and "max_seq_len" in bad.json()["error"]["message"]


def test_completions(served: str) -> None:
    body = {"model": "tiny-ckpt", "prompt": "int main() {", "n": 3, "max_tokens": 8, "temperature": 0.9,
            "seed": 5, "logprobs": 1}
    a = requests.post(f"{served}/completions", json=body, timeout=120).json()
    assert a["object"] == "text_completion" and len(a["choices"]) == 3
    for c in a["choices"]:
        lps = c["logprobs"]["token_logprobs"]
        assert 1 <= len(lps) <= 8 and all(x <= 0 for x in lps)
        assert c["finish_reason"] in ("stop", "length")
    assert a["usage"]["completion_tokens"] == sum(len(c["logprobs"]["tokens"]) for c in a["choices"])
    b = requests.post(f"{served}/completions", json=body, timeout=120).json()
    assert [c["text"] for c in a["choices"]] == [c["text"] for c in b["choices"]]  # seeded


def test_chat_completions(served: str) -> None:
    body = {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
            "n": 2, "max_tokens": 6, "logprobs": True}
    a = requests.post(f"{served}/chat/completions", json=body, timeout=120).json()
    assert a["object"] == "chat.completion" and len(a["choices"]) == 2
    assert a["choices"][0]["message"]["role"] == "assistant"
    assert all(t["logprob"] <= 0 for t in a["choices"][0]["logprobs"]["content"])


def test_openai_backend_against_our_server(served: str) -> None:
    policy = make_policy(f"openai:{served}")
    got = list(policy.sample(PROMPT, 5, SampleOptions(batch_size=2, concurrency=2, max_new_tokens=8)))
    assert len(got) == 5
    assert all(c.backend == "openai" and c.logprob is not None and c.num_tokens for c in got)
    assert {c.meta["model"] for c in got} == {"tiny-ckpt"}
    assert sorted(c.meta["batch"] for c in got) == [0, 0, 1, 1, 2]
    chat = list(policy.sample(PROMPT, 2, SampleOptions(batch_size=2, max_new_tokens=6, chat=True)))
    assert len(chat) == 2 and all(c.logprob is not None for c in chat)


# --- a loopback stub for failures -------------------------------------------------------------------


class Stub:
    """An OpenAI-like server answering from a script: `answers(k)` gives request k's (status, headers)."""

    def __init__(self, answers) -> None:
        self.answers, self.requests = answers, []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append((dict(self.headers), body))
                status, headers = stub.answers(len(stub.requests) - 1)
                doc = {"model": "stub", "choices": [
                    {"text": f"int main(){{return {body.get('seed', 0) % 7};}}\n```\nprose", "finish_reason": "stop",
                     "logprobs": {"token_logprobs": [-0.5, -0.25]}} for _ in range(body.get("n", 1))]}
                if status != 200:
                    doc = {"error": {"message": f"stub says {status}"}}
                data = json.dumps(doc).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


FAST = dict(backoff_s=0.01, timeout_s=10.0)


def test_retries_429_and_5xx_then_succeeds(monkeypatch) -> None:
    monkeypatch.setenv("CPAGENT_API_KEY", "sekrit")
    script = {0: (429, {"Retry-After": "0"}), 1: (503, {})}
    stub = Stub(lambda k: script.get(k, (200, {})))
    try:
        got = list(OpenAIPolicy(stub.url, model="m").sample(PROMPT, 3, SampleOptions(batch_size=3, **FAST)))
    finally:
        stub.close()
    assert len(got) == 3 and len(stub.requests) == 3
    assert got[0].code.startswith("int main(){return") and got[0].logprob == -0.75 and got[0].num_tokens == 2
    headers, body = stub.requests[-1]
    assert headers["Authorization"] == "Bearer sekrit"
    assert body["n"] == 3 and body["model"] == "m" and "```cpp" in body["prompt"]


def test_failed_request_keeps_samples_already_received() -> None:
    stub = Stub(lambda k: (200, {}) if k == 0 else (500, {}))
    got = []
    try:
        with pytest.raises(ServerError, match="gave up after 3 attempts"):
            opts = SampleOptions(batch_size=2, concurrency=1, max_retries=2, **FAST)
            for cand in OpenAIPolicy(stub.url, model="m").sample(PROMPT, 6, opts):
                got.append(cand)
    finally:
        stub.close()
    assert len(got) == 2  # the first request's samples reached the caller before the error


def test_client_errors_are_not_retried() -> None:
    stub = Stub(lambda k: (400, {}))
    try:
        with pytest.raises(ServerError, match="HTTP 400: stub says 400"):
            list(OpenAIPolicy(stub.url, model="m").sample(PROMPT, 2, SampleOptions(**FAST)))
    finally:
        stub.close()
    assert len(stub.requests) == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_server_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
    start = time.monotonic()
    with pytest.raises(ServerError) as info:
        list(OpenAIPolicy(url, model="m").sample(PROMPT, 2, SampleOptions(max_retries=1, **FAST)))
    assert "cannot reach" in info.value.message and "cpagent serve" in info.value.hint
    with pytest.raises(ServerError, match="cannot reach"):
        list(OpenAIPolicy(url).sample(PROMPT, 2, SampleOptions(max_retries=1, **FAST)))  # asks /models first
    assert time.monotonic() - start < 30


def test_api_key_from_env() -> None:
    assert api_key_from_env({"OPENAI_API_KEY": "a"}) == "a"
    assert api_key_from_env({"OPENAI_API_KEY": "a", "CPAGENT_API_KEY": "b"}) == "b"
    assert api_key_from_env({}) is None


def test_serve_command_errors(monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.delenv("CPAGENT_CHECKPOINT", raising=False)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "[FAILURE] no checkpoint to serve" in err and "[HINT]" in err and "Traceback" not in err
    assert main(["serve", "--checkpoint", str(tmp_path / "nope")]) == 2
    assert "[FAILURE] checkpoint not found" in capsys.readouterr().err
