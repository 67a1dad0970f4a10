"""What a user types to name a Codeforces problem or contest, as cf-tool and oj users type it.

    https://codeforces.com/contest/1873/problem/B        contest problem
    https://codeforces.com/problemset/problem/1873/B     problemset problem
    https://codeforces.com/gym/100001/problem/A          gym problem
    https://codeforces.com/group/Gid/contest/355496/problem/P35
    https://codeforces.com/problemsets/acmsguru/problem/99999/123
    https://codeforces.com/contest/1873                  a whole contest (also /problems, gym, group)
    1873B   1873b   1873 b   1873/B   1873 B1            contest 1873, problem B
    gym 100001 a   gym100001A                            gym problem
    1873    gym 100001                                   a whole contest

Any host is accepted in a URL (mirrors, a saved copy served locally); requests always go to the
configured base URL, and the problem records its canonical https://codeforces.com address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from agent.errors import CpagentError

CANONICAL_BASE = "https://codeforces.com"
KINDS = ("contest", "problemset", "gym", "group", "acmsguru")

_INDEX = r"[A-Za-z][0-9]?"
_SHORT = re.compile(
    rf"^\s*(?:(?P<gym>gym)\s*)?(?P<contest>\d+)(?:\s*[/ ]?\s*(?P<index>{_INDEX}))?\s*$", re.IGNORECASE
)
_PATHS = (
    ("contest", re.compile(r"^/contest/(?P<contest>\d+)(?:/problem/(?P<index>[^/]+))?(?:/problems)?/?$")),
    ("problemset", re.compile(r"^/problemset/problem/(?P<contest>\d+)/(?P<index>[^/]+)/?$")),
    ("gym", re.compile(r"^/gym/(?P<contest>\d+)(?:/problem/(?P<index>[^/]+))?(?:/problems)?/?$")),
    (
        "group",
        re.compile(
            r"^/group/(?P<group>[^/]+)/contest/(?P<contest>\d+)(?:/problem/(?P<index>[^/]+))?(?:/problems)?/?$"
        ),
    ),
    ("acmsguru", re.compile(r"^/problemsets/acmsguru/problem/(?P<contest>\d+)/(?P<index>[^/]+)/?$")),
)


class SpecifierError(CpagentError):
    """Text that names no Codeforces problem."""


@dataclass(frozen=True)
class ProblemRef:
    """A Codeforces problem (index set) or a whole contest (index None)."""

    kind: str  # one of KINDS
    contest_id: str
    index: str | None = None
    group: str | None = None  # group id, for kind "group"
    locale: str | None = None  # ?locale=ru, kept when the user asked for it

    @property
    def is_contest(self) -> bool:
        return self.index is None

    @property
    def problem_id(self) -> str:
        """Our problem id: 1873B, gym100001A, group355496P35, acmsguru123; a contest: 1873, gym100001."""
        prefix = {"gym": "gym", "group": "group", "acmsguru": "acmsguru"}.get(self.kind, "")
        if self.kind == "acmsguru":
            return f"acmsguru{self.index}"
        return f"{prefix}{self.contest_id}{self.index or ''}"

    def path(self) -> str:
        """The page's path: a problem's statement, or a contest's complete problemset page."""
        if self.kind == "acmsguru":
            return f"/problemsets/acmsguru/problem/{self.contest_id}/{self.index}"
        if self.kind == "problemset":
            return f"/problemset/problem/{self.contest_id}/{self.index}"
        root = {
            "contest": f"/contest/{self.contest_id}",
            "gym": f"/gym/{self.contest_id}",
            "group": f"/group/{self.group}/contest/{self.contest_id}",
        }[self.kind]
        return f"{root}/problem/{self.index}" if self.index else f"{root}/problems"

    def contest_path(self) -> str:
        if self.kind == "group":
            return f"/group/{self.group}/contest/{self.contest_id}"
        return f"/{'gym' if self.kind == 'gym' else 'contest'}/{self.contest_id}"

    def url(self, base: str = CANONICAL_BASE) -> str:
        query = f"?locale={self.locale}" if self.locale else ""
        return base.rstrip("/") + self.path() + query

    def canonical_url(self) -> str:
        """The address users know (the contest's problem page, not /problemset), without locale."""
        return CANONICAL_BASE + self.path()

    def problem(self, index: str) -> "ProblemRef":
        return ProblemRef(self.kind, self.contest_id, index.upper(), self.group, self.locale)


def _from_url(text: str) -> ProblemRef | None:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    locale = (parse_qs(parts.query).get("locale") or [None])[0]
    path = re.sub(r"/+", "/", parts.path)
    for kind, pattern in _PATHS:
        m = pattern.match(path)
        if m:
            index = m.group("index")
            group = m.groupdict().get("group")
            return ProblemRef(kind, m.group("contest"), index.upper() if index else None, group, locale)
    return None


def parse_specifier(text: str) -> ProblemRef:
    """A URL or a short form → ProblemRef; anything else → SpecifierError with the forms we accept."""
    text = text.strip()
    ref = _from_url(text)
    if ref:
        return ref
    m = _SHORT.match(text)
    if m:
        index = m.group("index")
        return ProblemRef(
            "gym" if m.group("gym") else "contest",
            str(int(m.group("contest"))),
            index.upper() if index else None,
        )
    raise SpecifierError(
        f"{text!r} does not name a Codeforces problem",
        hint="use a problem URL, or 1873B, '1873 b', 'gym 100001 a' (see `cpagent fetch --help`)",
    )


def try_parse_specifier(text: str) -> ProblemRef | None:
    try:
        return parse_specifier(text)
    except SpecifierError:
        return None
