"""The one HTTP client for Codeforces: pages and API calls share its spacing, retries and cache.

- at least `min_interval_s` (2 s) between two requests, as the API asks of its callers;
- a timeout on every request; an identifying User-Agent;
- retries with exponential backoff on HTTP 429 and 5xx, on `Call limit exceeded`, on timeouts and
  dropped connections; never on a 403 or a Cloudflare challenge, which end at once with a hint;
- the disk cache: `refresh` skips reading it, `offline` reads nothing else.

The base URL comes from the `base_url` parameter or `$CPAGENT_CODEFORCES_URL`, so that tests can point
the real request path at a server on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from agent.codeforces.cache import ResponseCache
from agent.codeforces.cloudflare import challenge_error, is_challenge, looks_like_challenge_html
from agent.errors import CpagentError

DEFAULT_BASE_URL = "https://codeforces.com"
USER_AGENT = "cpagent/0.1 (competitive-programming research tool; +https://github.com/cpagent/cpagent)"


class NetworkError(CpagentError):
    """Codeforces could not be reached, or kept failing after every retry."""


class ApiError(CpagentError):
    """The API answered `FAILED` with a reason (unknown contest, bad handle, ...)."""


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class ClientConfig:
    base_url: str = DEFAULT_BASE_URL
    min_interval_s: float = 2.0  # Codeforces: at most one API call per 2 seconds
    timeout_s: float = 20.0  # connect and read, each
    retries: int = 3  # further attempts after the first
    backoff_s: float = 2.0  # first wait; doubles each retry, capped at max_backoff_s
    max_backoff_s: float = 30.0
    user_agent: str = USER_AGENT

    @classmethod
    def from_env(cls, **overrides: Any) -> "ClientConfig":
        """Defaults, then `$CPAGENT_CODEFORCES_URL`, `_INTERVAL_S`, `_TIMEOUT_S`, `_RETRIES`, `_BACKOFF_S`."""
        values: dict[str, Any] = {
            "base_url": os.environ.get("CPAGENT_CODEFORCES_URL", DEFAULT_BASE_URL).rstrip("/"),
            "min_interval_s": _env_float("CPAGENT_CODEFORCES_INTERVAL_S", 2.0),
            "timeout_s": _env_float("CPAGENT_CODEFORCES_TIMEOUT_S", 20.0),
            "retries": int(_env_float("CPAGENT_CODEFORCES_RETRIES", 3)),
            "backoff_s": _env_float("CPAGENT_CODEFORCES_BACKOFF_S", 2.0),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


@dataclass
class _Spacing:
    """Wall-clock spacing between requests, shared by every call of one client (thread-safe)."""

    interval_s: float
    sleep: Callable[[float], None] = time.sleep
    _last: float = field(default=float("-inf"))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self) -> None:
        with self._lock:
            delay = self._last + self.interval_s - time.monotonic()
            if delay > 0:
                self.sleep(delay)
            self._last = time.monotonic()


class CodeforcesClient:
    def __init__(
        self,
        config: ClientConfig | None = None,
        cache: ResponseCache | None = None,
        *,
        refresh: bool = False,
        offline: bool = False,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config or ClientConfig.from_env()
        self.cache = cache if cache is not None else ResponseCache()
        self.refresh = refresh
        self.offline = offline
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = self.config.user_agent
        self._sleep = sleep
        self._spacing = _Spacing(self.config.min_interval_s, sleep)
        self.requests_made = 0  # for tests and logs: how many times the network was asked

    # -- URLs -------------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        """A path (or a Codeforces URL, whose host is replaced) under the configured base URL."""
        parts = urlsplit(path)
        if parts.scheme:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.config.base_url.rstrip("/") + "/" + path.lstrip("/")

    def api_url(self, method: str, params: Mapping[str, Any] | None = None) -> str:
        query = urlencode(sorted((k, v) for k, v in (params or {}).items() if v is not None))
        return self.url(f"/api/{method}") + (f"?{query}" if query else "")

    # -- public calls -----------------------------------------------------------------------------
    def get_page(self, path: str, *, max_age_s: float | None = None, spec: str = "SPEC") -> str:
        """A page's HTML, from the cache when there and fresh enough, else fetched and cached."""
        url = self.url(path)
        cached = self._cached(url, max_age_s)
        if cached is not None:
            return cached
        text = self._fetch(url, spec=spec, api=False)
        self.cache.put(url, text)
        return text

    def call_api(
        self, method: str, params: Mapping[str, Any] | None = None, *, max_age_s: float | None = 3600.0
    ) -> Any:
        """The `result` of an API method; `max_age_s=0` always asks the network (unless offline)."""
        url = self.api_url(method, params)
        cached = self._cached(url, max_age_s)
        if cached is not None:
            return json.loads(cached)["result"]
        text = self._fetch(url, spec=method, api=True)
        self.cache.put(url, text)
        return json.loads(text)["result"]

    # -- internals --------------------------------------------------------------------------------
    def _cached(self, url: str, max_age_s: float | None) -> str | None:
        if self.offline:
            entry = self.cache.get(url)  # offline: any age will do
            if entry is None:
                raise NetworkError(
                    f"{url}: not in the cache, and --offline forbids the network",
                    hint="run the same command once without --offline",
                )
            return entry.text
        if self.refresh:
            return None
        entry = self.cache.get(url, max_age_s=max_age_s)
        return entry.text if entry is not None else None

    def _backoff(self, attempt: int, retry_after: str | None = None) -> float:
        wait = min(self.config.backoff_s * (2**attempt), self.config.max_backoff_s)
        if retry_after and retry_after.strip().isdigit():
            wait = min(max(wait, float(retry_after)), self.config.max_backoff_s)
        return wait

    def _fetch(self, url: str, *, spec: str, api: bool) -> str:
        attempts = self.config.retries + 1
        problem = "no answer"
        wait = 0.0
        for attempt in range(attempts):
            if attempt:
                self._sleep(wait)  # the backoff chosen after the previous failed attempt
            self._spacing.wait()
            self.requests_made += 1
            retry_after = None
            try:
                response = self.session.get(url, timeout=(self.config.timeout_s, self.config.timeout_s))
            except requests.Timeout:
                problem = f"no answer within {self.config.timeout_s:g} s"
            except requests.ConnectionError as exc:
                problem = f"connection failed ({_reason(exc)})"
            except requests.RequestException as exc:
                raise NetworkError(
                    f"{url}: request failed ({exc.__class__.__name__})",
                    hint="check the URL and CPAGENT_CODEFORCES_URL",
                ) from None
            else:
                text = response.text
                if is_challenge(response.status_code, response.headers, text):
                    raise challenge_error(url, response.status_code, spec)
                if urlsplit(response.url).path.rstrip("/") in ("/enter", "/register"):
                    raise NetworkError(
                        f"{url}: Codeforces asks to log in to see this page",
                        hint=f"open it in a browser, save it and pass `--html FILE` ({spec})",
                    )
                retry_after = response.headers.get("Retry-After")
                body = _api_body(text) if api else None
                if body is not None and body.get("status") == "FAILED":
                    comment = str(body.get("comment", "no reason given"))
                    if "call limit exceeded" not in comment.lower():
                        raise ApiError(
                            f"{url}: the Codeforces API refused the call: {comment}",
                            hint="check the contest id, handle or parameters",
                        )
                    problem = f"the API answered {comment!r}"
                elif response.status_code == 429 or response.status_code >= 500:
                    problem = f"HTTP {response.status_code}"
                elif response.status_code == 404:
                    raise NetworkError(f"{url}: not found (HTTP 404)", hint="check the problem specifier")
                elif response.status_code >= 400:
                    raise NetworkError(f"{url}: HTTP {response.status_code}", hint="check the URL")
                elif api and body is None:
                    if looks_like_challenge_html(text):
                        raise challenge_error(url, response.status_code, spec)
                    raise NetworkError(
                        f"{url}: the API answered with something that is not JSON",
                        hint="retry later; Codeforces may be under maintenance",
                    )
                elif api and body.get("status") != "OK":
                    raise NetworkError(f"{url}: unexpected API status {body.get('status')!r}")
                else:
                    return text
            wait = self._backoff(attempt, retry_after)
        raise NetworkError(
            f"{url}: {problem}, after {attempts} attempt{'s' if attempts > 1 else ''}",
            hint="check the network and retry later; a page fetched before works with --offline; "
            "or save the page from a browser and pass --html FILE",
        )


def _api_body(text: str) -> dict[str, Any] | None:
    try:
        body = json.loads(text)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _reason(exc: Exception) -> str:
    text = str(exc)
    for marker in (
        "Connection refused",
        "Name or service not known",
        "Temporary failure in name resolution",
        "Connection reset by peer",
        "Remote end closed connection",
        "Connection aborted",
        "No route to host",
        "Network is unreachable",
    ):
        if marker.lower() in text.lower():
            return marker.lower()
    return exc.__class__.__name__
