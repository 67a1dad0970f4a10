"""Recognise a Cloudflare challenge (or a plain 403) and say what the user can do instead.

We never try to get around a challenge: we stop, and point at the three ways that work: wait and retry,
save the page from a browser and pass it with `--html FILE`, or send it with Competitive Companion to
`cpagent listen`.
"""

from __future__ import annotations

from collections.abc import Mapping

from agent.errors import CpagentError

# Text that appears on Cloudflare's interstitial pages, and never on a Codeforces problem page.
_MARKERS = (
    "just a moment...",
    "cf-browser-verification",
    "cf_chl_opt",
    "challenge-platform",
    "cf-challenge",
    "checking your browser before accessing",
    "attention required! | cloudflare",
    "enable javascript and cookies to continue",
)


class CloudflareChallengeError(CpagentError):
    """Codeforces answered with a challenge page or 403 instead of the content."""


def challenge_hint(spec: str = "SPEC") -> str:
    return (
        "retry in a few minutes; or open the page in a browser, save it (Ctrl+S) and run "
        f"`cpagent fetch {spec} --html saved.html`; or start `cpagent listen` and send the problem "
        "with the Competitive Companion browser extension"
    )


def looks_like_challenge_html(text: str) -> bool:
    head = text[:20000].lower()
    return any(marker in head for marker in _MARKERS)


def is_challenge(status: int, headers: Mapping[str, str], text: str) -> bool:
    """A challenge: Cloudflare's header, or its page markup, or any 403 (Codeforces' blocks are 403s)."""
    if status == 403:
        return True
    if str(headers.get("cf-mitigated", "")).lower() == "challenge":
        return True
    return status in (429, 503) and looks_like_challenge_html(text)


def challenge_error(url: str, status: int | None = None, spec: str = "SPEC") -> CloudflareChallengeError:
    what = f"HTTP {status}" if status else "a challenge page"
    return CloudflareChallengeError(
        f"{url}: Codeforces answered with {what} (Cloudflare protection) instead of the page",
        hint=challenge_hint(spec),
    )
