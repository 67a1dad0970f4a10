"""Several OpenAI-compatible servers as one policy: `openai:URL1,URL2,...`.

Sampling a million programs takes more than one server. Each batch (one request of `n` samples) goes to
the healthy server with the fewest requests in flight, up to `concurrency` requests per server. A server
is healthy when its `/models` answers; one that fails a request is checked at once and, if it does not
answer, left out until a later check (every `recheck_s`) finds it back. The failed batch is sent again to
another server with the same seed, so a lost server loses no samples and none are counted twice: a
batch's candidates are taken from the one request that answered.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import requests

from policy_model._openai_policy import OpenAIPolicy, retry_delay
from policy_model._policy import Candidate, Policy, SampleOptions
from policy_model._prompt import BatchPlan, PolicyPrompt, plan_batches
from policy_model.errors import PolicyError, ServerError

HEALTH_TIMEOUT_S = 5.0
RECHECK_S = 10.0


@dataclass
class ServerState:
    """One server's place in the spread (mutable; guarded by the policy's lock)."""

    policy: OpenAIPolicy
    healthy: bool = True
    checked_at: float = float("-inf")
    in_flight: int = 0
    sent: int = 0  # requests sent, answered or not
    failed: int = 0

    @property
    def url(self) -> str:
        return self.policy.base_url


class MultiServerPolicy(Policy):
    """Spreads the batches of `sample` over several OpenAI-compatible servers, with health checks.

    Args:
      base_urls: the servers, e.g. ["http://10.0.0.1:8000/v1", "http://10.0.0.2:8000/v1"].
      model, api_key: as for `OpenAIPolicy` (each server otherwise names its own first model).
      recheck_s: how long a server that did not answer is left out before it is checked again.
    """

    name = "openai"

    def __init__(self, base_urls: Sequence[str], *, model: str | None = None, api_key: str | None = None,
                 recheck_s: float = RECHECK_S, health_timeout_s: float = HEALTH_TIMEOUT_S,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        urls = [u.strip() for u in base_urls if u.strip()]
        if not urls:
            raise PolicyError("no policy server URL given", hint="use openai:URL1,URL2,...")
        policies = [OpenAIPolicy(u, model=model, api_key=api_key) for u in urls]
        unique = list({p.base_url: p for p in policies}.values())
        self.servers = [ServerState(p) for p in unique]
        self.recheck_s = recheck_s
        self.health_timeout_s = health_timeout_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()

    # -- health ------------------------------------------------------------------------------------------
    def answers(self, server: ServerState) -> bool:
        """Whether the server's /models answers now (the check, with no retries)."""
        try:
            r = requests.get(f"{server.url}/models", headers=server.policy.headers, timeout=self.health_timeout_s)
            return r.status_code == 200
        except requests.RequestException:
            return False

    def check(self, server: ServerState) -> bool:
        ok = self.answers(server)
        with self._lock:
            server.healthy, server.checked_at = ok, self._clock()
        return ok

    def check_all(self) -> list[ServerState]:
        """Check every server at once; the healthy ones, or ServerError naming every URL when none is."""
        with ThreadPoolExecutor(max_workers=len(self.servers)) as pool:
            list(pool.map(self.check, self.servers))
        healthy = [s for s in self.servers if s.healthy]
        if not healthy:
            raise ServerError(f"none of the {len(self.servers)} policy servers answers: "
                              + ", ".join(s.url for s in self.servers),
                              hint="start them (`cpagent serve --checkpoint DIR` on each), or check the URLs "
                                   "in --policy openai:URL1,URL2")
        return healthy

    # -- spreading ----------------------------------------------------------------------------------------
    def _pick(self, exclude: set[str]) -> ServerState | None:
        """The healthy server with the fewest requests in flight, checking again those left out long enough."""
        now = self._clock()
        with self._lock:
            due = [s for s in self.servers if not s.healthy and s.url not in exclude
                   and now - s.checked_at >= self.recheck_s]
            for s in due:
                s.checked_at = now  # one thread re-checks it
        for s in due:
            self.check(s)
        with self._lock:
            ready = [s for s in self.servers if s.healthy and s.url not in exclude]
            if not ready:
                return None
            best = min(ready, key=lambda s: (s.in_flight, s.sent))
            best.in_flight += 1
            best.sent += 1
            return best

    def _run_batch(self, prompt: PolicyPrompt, plan: BatchPlan, o: SampleOptions) -> list[Candidate]:
        """One batch, on one server at a time; a failed server is checked and the batch sent elsewhere."""
        once = dataclasses.replace(o, max_retries=0)
        rng = random.Random(plan.seed)
        tried: set[str] = set()
        last: PolicyError | None = None
        for attempt in range(o.max_retries + len(self.servers)):
            server = self._pick(tried)
            if server is None:  # every server tried (or down): wait, then start over
                tried.clear()
                self._sleep(retry_delay(min(attempt, 5), o.backoff_s, rng))
                server = self._pick(tried)
                if server is None:
                    continue
            try:
                return server.policy._run_batch(prompt, plan, once)
            except ServerError as exc:
                last = exc
                with self._lock:
                    server.failed += 1
                tried.add(server.url)
                self.check(server)
            finally:
                with self._lock:
                    server.in_flight -= 1
        raise ServerError(f"no policy server could answer batch {plan.index}: "
                          + (last.message if last else "none was healthy"),
                          hint="the servers are down or overloaded; check them (GET URL/models) and retry")

    # -- the Policy face ----------------------------------------------------------------------------------
    def sample(self, prompt: PolicyPrompt, n: int, options: SampleOptions | None = None) -> Iterator[Candidate]:
        o = options or SampleOptions()
        plans = plan_batches(prompt, n, o.batch_size, seed=o.seed, temperatures=o.temperature_choices,
                             conditioning=o.conditioning)
        for server in self.check_all():
            server.policy.model_name(o.timeout_s)
        width = o.concurrency * len(self.servers)
        pool = ThreadPoolExecutor(max_workers=width, thread_name_prefix="policy-multi")
        pending: set[Future[list[Candidate]]] = set()
        failure: BaseException | None = None
        try:
            for plan in plans:
                pending.add(pool.submit(self._run_batch, prompt, plan, o))
                if len(pending) < width:
                    continue
                failure = yield from OpenAIPolicy._drain(pending, FIRST_COMPLETED, failure)
                if failure is not None:
                    break
            while pending:
                failure = yield from OpenAIPolicy._drain(pending, FIRST_COMPLETED, failure)
        finally:
            for f in pending:
                f.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
        if failure is not None:
            raise failure

    def stats(self) -> list[dict[str, Any]]:
        """Per server: URL, healthy, requests sent and failed (for logs and tests)."""
        with self._lock:
            return [{"url": s.url, "healthy": s.healthy, "sent": s.sent, "failed": s.failed} for s in self.servers]
