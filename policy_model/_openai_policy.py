"""The `openai` backend: any OpenAI-compatible server (vLLM, llama.cpp, Ollama, TGI, `cpagent serve`).

Each batch is one request with `n` samples; `concurrency` requests are in flight at once. A request
that meets a 429, a 5xx, a timeout or a refused connection is retried with exponential backoff and
jitter (honouring Retry-After). Candidates are yielded as soon as their request completes, so when one
request finally fails, every sample already received has reached the caller before the error is raised.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any
from urllib.parse import urlparse

import requests

from policy_model._extract import extract_code
from policy_model._policy import Candidate, Policy, SampleOptions
from policy_model._prompt import (COMPLETION_STOP, BatchPlan, PolicyPrompt, plan_batches, render_chat_messages,
                                  render_completion_prompt)
from policy_model.errors import PolicyError, ServerError

API_KEY_VARIABLES = ("CPAGENT_API_KEY", "OPENAI_API_KEY")
_RETRY_STATUS = {408, 409, 429}


def normalize_base_url(url: str) -> str:
    """"http://host:8000" -> "http://host:8000/v1"; a URL with a path is kept as given."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise PolicyError(f"not an http(s) URL: {url!r}", hint="e.g. openai:http://127.0.0.1:8000/v1")
    url = url.rstrip("/")
    return url + "/v1" if parsed.path in ("", "/") else url


def api_key_from_env(env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    return next((env[v] for v in API_KEY_VARIABLES if env.get(v)), None)


def retry_delay(attempt: int, backoff_s: float, rng: random.Random, retry_after: str | None = None) -> float:
    """Exponential backoff with full jitter in [0.5, 1.5) of the step; Retry-After wins when given."""
    if retry_after:
        try:
            return min(max(float(retry_after), 0.0), 60.0)
        except ValueError:
            pass
    return backoff_s * (2**attempt) * (0.5 + rng.random())


def post_json(
    url: str, body: dict[str, Any], *, headers: Mapping[str, str], timeout_s: float, max_retries: int,
    backoff_s: float, rng: random.Random, sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """POST with retries on 429/5xx/timeouts/refused connections; other errors fail at once."""
    last = ""
    unreachable = False
    for attempt in range(max_retries + 1):
        retry_after = None
        try:
            r = requests.post(url, json=body, headers=dict(headers), timeout=timeout_s)
        except requests.ConnectionError as exc:
            last, unreachable = f"connection failed ({type(exc).__name__})", True
        except requests.Timeout:
            last, unreachable = f"no answer within {timeout_s:g} s", False
        else:
            if r.status_code == 200:
                try:
                    return r.json()
                except ValueError:
                    last, unreachable = "the answer is not JSON", False
            elif r.status_code in _RETRY_STATUS or r.status_code >= 500:
                last, unreachable = f"HTTP {r.status_code}: {_error_text(r)}", False
                retry_after = r.headers.get("Retry-After")
            else:
                raise ServerError(f"{url}: HTTP {r.status_code}: {_error_text(r)}",
                                  hint="check the model name and the request options for this server")
        if attempt < max_retries:
            sleep(retry_delay(attempt, backoff_s, rng, retry_after))
    if unreachable:
        raise ServerError(f"cannot reach the policy server at {url}: {last}",
                          hint="start one with `cpagent serve --checkpoint DIR`, or check the URL in --policy openai:URL")
    raise ServerError(f"{url}: gave up after {max_retries + 1} attempts: {last}",
                      hint="the server is overloaded or failing; retry later or lower --concurrency")


def _error_text(r: requests.Response) -> str:
    try:
        err = r.json().get("error")
        if isinstance(err, dict):
            return str(err.get("message", err))
        if err:
            return str(err)
    except (ValueError, AttributeError):
        pass
    return r.text[:200].strip() or r.reason or ""


class OpenAIPolicy(Policy):
    """Samples from an OpenAI-compatible HTTP server.

    Args:
      base_url: e.g. "http://127.0.0.1:8000/v1".
      model: the model name to request (default: the first one /v1/models lists).
      api_key: default from $CPAGENT_API_KEY or $OPENAI_API_KEY.
    """

    name = "openai"

    def __init__(self, base_url: str, *, model: str | None = None, api_key: str | None = None) -> None:
        self.base_url = normalize_base_url(base_url)
        self.api_key = api_key if api_key is not None else api_key_from_env()
        self._model = model

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def model_name(self, timeout_s: float = 30.0) -> str:
        if self._model is None:
            try:
                r = requests.get(f"{self.base_url}/models", headers=self.headers, timeout=timeout_s)
                r.raise_for_status()
                self._model = str(r.json()["data"][0]["id"])
            except requests.ConnectionError as exc:
                raise ServerError(f"cannot reach the policy server at {self.base_url}",
                                  hint="start one with `cpagent serve --checkpoint DIR`, or check the URL") from exc
            except (requests.RequestException, ValueError, KeyError, IndexError, TypeError) as exc:
                raise ServerError(f"{self.base_url}/models did not name a model ({exc})",
                                  hint="give the model name explicitly (model=...)") from exc
        return self._model

    def _body(self, prompt: PolicyPrompt, plan: BatchPlan, o: SampleOptions) -> tuple[str, dict[str, Any]]:
        body: dict[str, Any] = {"model": self.model_name(o.timeout_s), "n": plan.size, "max_tokens": o.max_new_tokens,
                                "temperature": plan.temperature, "top_p": o.top_p, "seed": plan.seed}
        if o.top_k is not None:
            body["top_k"] = o.top_k  # not OpenAI's own, but vLLM, llama.cpp, TGI and ours accept it
        if o.chat:
            body["messages"] = render_chat_messages(prompt, plan.conditioning)
            body["logprobs"] = True
            if o.stop:
                body["stop"] = list(o.stop)[:4]
            return "/chat/completions", body
        body["prompt"] = render_completion_prompt(prompt, plan.conditioning)
        body["stop"] = list(COMPLETION_STOP + o.stop)[:4]
        body["logprobs"] = 1
        return "/completions", body

    def _run_batch(self, prompt: PolicyPrompt, plan: BatchPlan, o: SampleOptions) -> list[Candidate]:
        path, body = self._body(prompt, plan, o)
        answer = post_json(self.base_url + path, body, headers=self.headers, timeout_s=o.timeout_s,
                           max_retries=o.max_retries, backoff_s=o.backoff_s, rng=random.Random(plan.seed))
        out = []
        for k, choice in enumerate(answer.get("choices") or []):
            if o.chat:
                text = ((choice.get("message") or {}).get("content")) or ""
                lps = [t.get("logprob") for t in ((choice.get("logprobs") or {}).get("content") or [])]
            else:
                text = choice.get("text") or ""
                lps = list((choice.get("logprobs") or {}).get("token_logprobs") or [])
            lps = [float(x) for x in lps if x is not None]
            code = extract_code(text, prompt.language, open_fence=not o.chat)
            out.append(Candidate(
                code=code.code, language=code.language or prompt.language,
                logprob=sum(lps) if lps else None, num_tokens=len(lps) if lps else None, backend=self.name,
                meta={"batch": plan.index, "index": k, "temperature": plan.temperature,
                      "rating": plan.conditioning.rating, "tags": list(plan.conditioning.tags),
                      "finish_reason": choice.get("finish_reason"), "model": answer.get("model"),
                      "server": self.base_url},
            ))
        return out

    def sample(self, prompt: PolicyPrompt, n: int, options: SampleOptions | None = None) -> Iterator[Candidate]:
        o = options or SampleOptions()
        plans = plan_batches(prompt, n, o.batch_size, seed=o.seed, temperatures=o.temperature_choices,
                             conditioning=o.conditioning)
        self.model_name(o.timeout_s)
        pool = ThreadPoolExecutor(max_workers=o.concurrency, thread_name_prefix="policy-openai")
        pending: set[Future[list[Candidate]]] = set()
        failure: BaseException | None = None
        try:
            for plan in plans:
                pending.add(pool.submit(self._run_batch, prompt, plan, o))
                if len(pending) < o.concurrency:
                    continue
                failure = yield from self._drain(pending, FIRST_COMPLETED, failure)
                if failure is not None:
                    break
            while pending:
                failure = yield from self._drain(pending, FIRST_COMPLETED, failure)
        finally:
            for f in pending:
                f.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
        if failure is not None:
            raise failure

    @staticmethod
    def _drain(pending: set[Future[list[Candidate]]], how: str, failure: BaseException | None):
        done, _ = wait(pending, return_when=how)
        for f in done:
            pending.discard(f)
            try:
                batch = f.result()
            except PolicyError as exc:
                failure = failure or exc
                continue
            yield from batch
        return failure
