"""A disk cache of Codeforces responses, keyed by URL, each entry with the time it was fetched.

Lives under the user cache directory (`platformdirs`), or `$CPAGENT_CACHE_DIR` when set. Problem pages
rarely change, so they are reused until `--refresh`; API answers are reused only while younger than the
caller's `max_age_s`. `--offline` reads the cache and never the network. Entries are written atomically
(temporary file, then rename), so a crash never leaves a half entry behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs


def default_cache_dir() -> Path:
    env = os.environ.get("CPAGENT_CACHE_DIR")
    root = Path(env) if env else Path(platformdirs.user_cache_dir("cpagent"))
    return root / "codeforces"


@dataclass(frozen=True)
class CachedResponse:
    url: str
    text: str
    fetched_at: float  # seconds since the epoch
    status: int = 200

    def age_s(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.fetched_at


class ResponseCache:
    """URL → (text, fetch time). Unreadable entries count as missing, never as errors."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def path_for(self, url: str) -> Path:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.root / key[:2] / f"{key}.json"

    def get(self, url: str, max_age_s: float | None = None) -> CachedResponse | None:
        path = self.path_for(url)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entry = CachedResponse(
                url=data["url"],
                text=data["text"],
                fetched_at=float(data["fetched_at"]),
                status=int(data.get("status", 200)),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if entry.url != url:
            return None
        if max_age_s is not None and entry.age_s() > max_age_s:
            return None
        return entry

    def put(self, url: str, text: str, status: int = 200, fetched_at: float | None = None) -> CachedResponse:
        entry = CachedResponse(url, text, time.time() if fetched_at is None else fetched_at, status)
        path = self.path_for(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(
                    {"url": url, "fetched_at": entry.fetched_at, "status": status, "text": text}, handle
                )
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return entry
