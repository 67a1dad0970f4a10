"""An OpenAI-compatible HTTP server for our JAX model: /v1/models, /v1/completions, /v1/chat/completions.

So every tool that speaks the OpenAI API (and our own `openai` backend, on other machines) can sample
from a cpagent checkpoint. Standard library HTTP server, one model, one sampling call at a time (XLA
already uses every core for one batch); requests with `n` samples are decoded `n` at a time.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from policy_model._checkpoint import Checkpoint
from policy_model._sampler import Sample, Sampler, SamplingParams
from policy_model.errors import PolicyError

DEFAULT_MAX_TOKENS = 256  # OpenAI's default (16) is too short for a program


class BadRequest(Exception):
    pass


def _pow2_at_least(n: int) -> int:
    b = 1
    while b < n:
        b *= 2
    return b


class PolicyServer:
    """The request logic, free of HTTP: JSON body in, OpenAI-shaped JSON out."""

    def __init__(self, checkpoint: Checkpoint, *, model_name: str = "cpagent", max_batch: int = 16,
                 max_n: int = 1024) -> None:
        self.checkpoint, self.model_name, self.max_batch, self.max_n = checkpoint, model_name, max_batch, max_n
        self.tokenizer = checkpoint.tokenizer
        self._samplers: dict[int, Sampler] = {}
        self._lock = threading.Lock()

    def models(self) -> dict[str, Any]:
        return {"object": "list", "data": [{"id": self.model_name, "object": "model", "created": 0,
                                             "owned_by": "cpagent"}]}

    def _params(self, body: dict[str, Any]) -> tuple[int, SamplingParams, int]:
        try:
            n = int(body.get("n") or 1)
            stop = body.get("stop") or ()
            stop = (stop,) if isinstance(stop, str) else tuple(str(s) for s in stop)
            params = SamplingParams(
                temperature=float(body.get("temperature", 1.0) if body.get("temperature") is not None else 1.0),
                top_p=float(body.get("top_p") if body.get("top_p") is not None else 1.0),
                top_k=int(body.get("top_k") or 0),
                max_new_tokens=int(body.get("max_tokens") or body.get("max_completion_tokens") or DEFAULT_MAX_TOKENS),
                stop=stop,
            )
            seed = int(body["seed"]) if body.get("seed") is not None else random.randrange(2**31)
        except (TypeError, ValueError) as exc:
            raise BadRequest(f"bad parameter: {exc}") from exc
        except PolicyError as exc:
            raise BadRequest(exc.message) from exc
        if not 1 <= n <= self.max_n:
            raise BadRequest(f"n must be between 1 and {self.max_n}")
        return n, params, seed

    def _sample(self, ids: Sequence[int], n: int, params: SamplingParams, seed: int) -> list[Sample]:
        batch = min(_pow2_at_least(n), self.max_batch)
        with self._lock:
            if batch not in self._samplers:
                self._samplers[batch] = Sampler(self.checkpoint.model, self.tokenizer, batch_size=batch)
            out: list[Sample] = []
            try:
                for chunk in self._samplers[batch].sample(list(ids), n, params, seed=seed):
                    out.extend(chunk)
            except PolicyError as exc:
                raise BadRequest(exc.message) from exc
        return out

    def _usage(self, prompt_tokens: int, samples: list[Sample]) -> dict[str, int]:
        done = sum(s.num_tokens for s in samples)
        return {"prompt_tokens": prompt_tokens, "completion_tokens": done, "total_tokens": prompt_tokens + done}

    def completions(self, body: dict[str, Any]) -> dict[str, Any]:
        prompts = body.get("prompt")
        if isinstance(prompts, str):
            prompts = [prompts]
        if not isinstance(prompts, list) or not prompts or not all(isinstance(p, str) for p in prompts):
            raise BadRequest("'prompt' must be a string or a list of strings")
        n, params, seed = self._params(body)
        want_lp = body.get("logprobs") is not None and body.get("logprobs") is not False
        choices, prompt_tokens, all_samples = [], 0, []
        for p_index, prompt in enumerate(prompts):
            ids = self.tokenizer.encode(prompt, add_bos=True)
            prompt_tokens += len(ids)
            samples = self._sample(ids, n, params, seed + p_index)
            all_samples += samples
            for s in samples:
                lp = None
                if want_lp:
                    lp = {"tokens": [self.tokenizer.id_to_piece(i) for i in s.token_ids],
                          "token_logprobs": list(s.token_logprobs), "top_logprobs": None, "text_offset": []}
                choices.append({"index": len(choices), "text": s.text, "finish_reason": s.finish_reason,
                                "logprobs": lp})
        return {"id": f"cmpl-{uuid.uuid4().hex}", "object": "text_completion", "created": int(time.time()),
                "model": self.model_name, "choices": choices, "usage": self._usage(prompt_tokens, all_samples)}

    def chat_ids(self, messages: list[dict[str, Any]]) -> list[int]:
        """Gemma's chat format when the tokenizer has turn tokens; a plain transcript otherwise."""
        tok = self.tokenizer
        start, end = tok.special_id("<start_of_turn>"), tok.special_id("<end_of_turn>")
        system = "\n\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "system")
        turns = [m for m in messages if m.get("role") != "system"]
        if system and turns and turns[0].get("role") == "user":
            turns = [{"role": "user", "content": system + "\n\n" + str(turns[0].get("content", ""))}] + turns[1:]
        elif system:
            turns = [{"role": "user", "content": system}] + turns
        ids = [tok.bos_id]
        if start is not None and end is not None:
            for m in turns:
                role = "model" if m.get("role") == "assistant" else "user"
                ids += [start] + tok.encode(f"{role}\n{m.get('content', '')}") + [end] + tok.encode("\n")
            return ids + [start] + tok.encode("model\n")
        text = "".join(f"{str(m.get('role', 'user')).upper()}: {m.get('content', '')}\n" for m in turns)
        return ids + tok.encode(text + "ASSISTANT: ")

    def chat_completions(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
            raise BadRequest("'messages' must be a non-empty list of {role, content} objects")
        n, params, seed = self._params(body)
        ids = self.chat_ids(messages)
        samples = self._sample(ids, n, params, seed)
        choices = []
        for k, s in enumerate(samples):
            lp = None
            if body.get("logprobs"):
                lp = {"content": [{"token": self.tokenizer.id_to_piece(i), "logprob": x, "bytes": None,
                                   "top_logprobs": []} for i, x in zip(s.token_ids, s.token_logprobs)]}
            choices.append({"index": k, "message": {"role": "assistant", "content": s.text},
                            "finish_reason": s.finish_reason, "logprobs": lp})
        return {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
                "model": self.model_name, "choices": choices, "usage": self._usage(len(ids), samples)}


def _handler(app: PolicyServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the CLI prints its own lines
            pass

        def _send(self, status: int, doc: dict[str, Any]) -> None:
            data = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, message: str, kind: str) -> None:
            self._send(status, {"error": {"message": message, "type": kind, "code": status}})

        def do_GET(self) -> None:
            if self.path.rstrip("/") in ("/v1/models", "/models"):
                self._send(200, app.models())
            elif self.path.rstrip("/") in ("/health", "/v1/health"):
                self._send(200, {"status": "ok"})
            else:
                self._error(404, f"no route {self.path}", "not_found")

        def do_POST(self) -> None:
            routes = {"/v1/completions": app.completions, "/v1/chat/completions": app.chat_completions}
            route = routes.get(self.path.rstrip("/"))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if route is None:
                self._error(404, f"no route {self.path}", "not_found")
                return
            try:
                body = json.loads(raw or b"{}")
                if not isinstance(body, dict):
                    raise BadRequest("the body must be a JSON object")
                self._send(200, route(body))
            except (json.JSONDecodeError, UnicodeDecodeError):
                self._error(400, "the body is not valid JSON", "invalid_request_error")
            except BadRequest as exc:
                self._error(400, str(exc), "invalid_request_error")
            except Exception as exc:  # noqa: BLE001 - a server answers 500 rather than dropping the connection
                self._error(500, f"{type(exc).__name__}: {exc}", "server_error")

    return Handler


def make_server(app: PolicyServer, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A bound, not yet serving, HTTP server (port 0 picks a free port: see `server.server_port`)."""
    try:
        server = ThreadingHTTPServer((host, port), _handler(app))
    except OSError as exc:
        raise PolicyError(f"cannot listen on {host}:{port}: {exc.strerror}",
                          hint="choose another --port, or stop the process using it") from exc
    server.daemon_threads = True
    return server
