"""Fetch a Codeforces problem (or a whole contest) into Problems: specifier → page → parser.

A saved page (`html_file`) takes the place of the network, for pages a browser can open but we may not
(a Cloudflare challenge, a private group).
"""

from __future__ import annotations

from pathlib import Path

from agent.codeforces.client import CodeforcesClient
from agent.codeforces.page import parse_contest_table, parse_problem_pages, pdf_contest_error
from agent.codeforces.specifier import ProblemRef, parse_specifier
from agent.errors import ProblemFormatError
from agent.problems.model import Problem


def read_html_file(path: str | Path) -> str:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProblemFormatError(
            f"{path}: cannot be read ({exc.strerror})",
            hint="pass the page saved from the browser (File → Save Page As, HTML only)",
        ) from None
    if data.startswith(b"%PDF"):
        return data.decode("latin-1")
    return data.decode("utf-8", errors="replace")


def fetch_problems(
    spec: str | None, client: CodeforcesClient | None = None, html_file: str | Path | None = None
) -> list[Problem]:
    """The problem(s) a specifier names; a contest specifier gives all of its problems."""
    ref: ProblemRef | None = parse_specifier(spec) if spec else None
    if html_file is not None:
        return parse_problem_pages(read_html_file(html_file), ref.url() if ref else str(html_file))
    if ref is None:
        raise ProblemFormatError("nothing to fetch", hint="give a specifier (1873B, a URL) or --html FILE")
    client = client or CodeforcesClient()
    html = client.get_page(ref.url(client.config.base_url), spec=spec or "SPEC")
    try:
        problems = parse_problem_pages(html, ref.url())
    except ProblemFormatError:
        if not ref.is_contest:
            raise
        # No statements on the complete-problemset page: PDF-only contests look like this. Their
        # dashboard still lists the problems; say what they are rather than "not a problem page".
        base = client.config.base_url.rstrip("/")
        rows = parse_contest_table(client.get_page(base + ref.contest_path(), spec=spec or "SPEC"))
        if rows:
            raise pdf_contest_error(ref.url(), rows) from None
        raise
    if not ref.is_contest and len(problems) != 1:
        raise ProblemFormatError(f"{ref.url()}: expected one problem on the page, found {len(problems)}")
    return problems
