"""A Codeforces problem page (HTML) → Problem, with a real HTML parser (BeautifulSoup on lxml).

Handles contest, problemset, gym and group pages, a contest's complete problemset page (several
statements), and the old acm.sgu.ru archive. Samples keep their exact lines: `<br>` line breaks,
`test-example-line` divs (the highlighted multi-test samples), non-breaking spaces and entities.
A page that only embeds a PDF, a challenge page, or any page without a statement is refused with a
message that says what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bs4 import BeautifulSoup, Tag

from agent.codeforces.cloudflare import challenge_error, looks_like_challenge_html
from agent.codeforces.markdown import blocks, convert_tex, inline, raw_text
from agent.codeforces.specifier import ProblemRef, try_parse_specifier
from agent.errors import ProblemFormatError
from agent.problems.model import Problem, TestCase
from agent.problems.text import looks_multi_test, strip_index_prefix

STANDARD_STREAMS = {
    "standard input",
    "standard output",
    "stdin",
    "stdout",
    "стандартный ввод",
    "стандартный вывод",
}
INTERACTION_TITLES = {"interaction", "протокол взаимодействия", "взаимодействие"}
SECTION_CLASSES = (
    "input-specification",
    "output-specification",
    "interaction-specification",
    "sample-tests",
    "note",
)
_NUMBER = re.compile(r"(\d+(?:[.,]\d+)?)")
_TITLE_INDEX = re.compile(r"^\s*([A-Za-z]?[0-9]*[A-Za-z]?[0-9]*)\.\s+")


class PdfStatementError(ProblemFormatError):
    """The page has no HTML statement, only a PDF."""


@dataclass(frozen=True)
class ContestRow:
    """One line of a contest's problem table: what is known without the statement."""

    index: str
    name: str
    time_limit_s: float | None
    memory_mb: int | None
    input_file: str | None
    output_file: str | None


def _where(url: str | None) -> str:
    return url or "the page"


def _text(el: Tag | None) -> str:
    return " ".join(el.get_text(" ").split()) if el else ""


def _header_value(el: Tag | None) -> str:
    """A header field's value: its text without the `.property-title` label ('time limit per test')."""
    if el is None:
        return ""
    parts = []
    for child in el.children:
        if isinstance(child, Tag) and "property-title" in (child.get("class") or []):
            continue
        parts.append(child.get_text(" ") if isinstance(child, Tag) else str(child))
    return " ".join("".join(parts).replace("\u00a0", " ").split())


def _seconds(value: str, where: str) -> float:
    m = _NUMBER.search(value)
    if not m:
        raise ProblemFormatError(f"{where}: cannot read the time limit from {value!r}")
    seconds = float(m.group(1).replace(",", "."))
    return seconds / 1000.0 if re.search(r"\bms\b|millisec|миллисек", value) else seconds


def _megabytes(value: str, where: str) -> int:
    m = _NUMBER.search(value)
    if not m:
        raise ProblemFormatError(f"{where}: cannot read the memory limit from {value!r}")
    amount = float(m.group(1).replace(",", "."))
    low = value.lower()
    if "kilo" in low or "кило" in low or re.search(r"\bkb\b", low):
        amount /= 1024
    elif "giga" in low or "гига" in low or re.search(r"\bgb\b", low):
        amount *= 1024
    return max(1, int(amount))


def _stream_file(value: str) -> str | None:
    value = value.strip()
    return None if not value or value.lower() in STANDARD_STREAMS else value


def normalize_sample(text: str) -> str:
    """Sample text as a program sees it: nbsp → space, trailing spaces and blank tail dropped, final '\\n'.

    The newline right after `<pre>` is markup, not data; a line holding only `&nbsp;` is an empty line
    of the sample (Codeforces writes empty output lines that way), so it is kept.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\n")
    lines = [line.replace("\u00a0", " ").rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n" if lines else ""


def sample_text(pre: Tag) -> str:
    """A sample <pre>: one line per `test-example-line` div when the page highlights tests, else its text."""
    lines = pre.select(".test-example-line")
    if lines:
        return normalize_sample("\n".join(raw_text(line).replace("\n", "") for line in lines))
    return normalize_sample(raw_text(pre))


def _samples(root: Tag) -> tuple[TestCase, ...]:
    inputs = root.select(".sample-test .input pre") or root.select(".input pre")
    outputs = root.select(".sample-test .output pre") or root.select(".output pre")
    width = max(2, len(str(len(inputs))))
    return tuple(
        TestCase(sample_text(i), sample_text(o), f"{n:0{width}d}")
        for n, (i, o) in enumerate(zip(inputs, outputs, strict=False), 1)  # an unpaired <pre> is ignored
    )


def _section_markdown(section: Tag) -> tuple[str, str]:
    """(title, markdown) of one statement section; samples are written as fenced blocks."""
    title_el = section.find(class_="section-title", recursive=False)
    title = _text(title_el)
    if "sample-tests" in (section.get("class") or []):
        parts = []
        for n, test in enumerate(_samples(section), 1):
            parts.append(f"Input {n}:\n```\n{test.input}```\nOutput {n}:\n```\n{test.output}```")
        return title or "Examples", "\n\n".join(parts)
    skip = {id(title_el)} if title_el else None
    return title, convert_tex("\n\n".join(blocks(section, skip)))


def _statement(st: Tag) -> tuple[str, bool, str]:
    """(markdown, interactive, input section text) of a `.problem-statement`."""
    parts: list[str] = []
    interactive = False
    input_text = ""
    for child in st.find_all(recursive=False):
        classes = child.get("class") or []
        if "header" in classes:
            continue
        if (
            not any(c in classes for c in SECTION_CLASSES)
            and child.find(class_="section-title", recursive=False) is None
        ):
            legend = convert_tex("\n\n".join(blocks(child)))  # the legend: a div without a class
            if legend:
                parts.append(legend)
            continue
        title, body = _section_markdown(child)
        if title.lower() in INTERACTION_TITLES or "interaction-specification" in classes:
            interactive = True
        if "input-specification" in classes:
            input_text = body
        parts.append(f"## {title}\n\n{body}".rstrip() if title else body)
    return "\n\n".join(p for p in parts if p).strip() + "\n", interactive, input_text


def _sidebar(soup: BeautifulSoup) -> dict[str, str]:
    """Contest and group names from the sidebar's `.rtable` links."""
    found: dict[str, str] = {}
    for a in soup.select(".rtable th a[href]"):
        href = re.sub(r"^https?://[^/]+", "", str(a["href"])).rstrip("/")
        name = " ".join(a.get_text(" ").split())
        if re.fullmatch(r"/group/[^/]+", href):
            found.setdefault("group_name", name)
        elif re.fullmatch(r"(/group/[^/]+)?/(contest|gym)/\d+", href):
            found.setdefault("contest_name", name)
    return found


def _contest_ref(soup: BeautifulSoup) -> ProblemRef | None:
    """For a saved page with no URL: the contest its sidebar links to (problem index from the statement)."""
    for a in soup.select(".rtable th a[href]"):
        href = re.sub(r"^https?://[^/]+", "", str(a["href"])).rstrip("/")
        if re.fullmatch(r"(/group/[^/]+)?/(contest|gym)/\d+", href):
            return try_parse_specifier("https://codeforces.com" + href)
    return None


def _tags_and_rating(soup: BeautifulSoup) -> tuple[tuple[str, ...], int | None]:
    tags, rating = [], None
    for box in soup.select(".tag-box"):
        text = " ".join(box.get_text(" ").split())
        if re.fullmatch(r"\*\d+", text):
            rating = int(text[1:])
        elif text:
            tags.append(text)
    return tuple(tags), rating


def _one_statement(st: Tag, ref: ProblemRef | None, where: str) -> Problem:
    header = st.find(class_="header")
    if header is None:
        raise ProblemFormatError(f"{where}: the statement has no header (title and limits)")
    title = _text(header.find(class_="title"))
    m = _TITLE_INDEX.match(title)
    index = (ref.index if ref and ref.index else None) or (m.group(1).upper() if m and m.group(1) else None)
    holder = st.find_parent(attrs={"problemindex": True})
    if holder is not None and not (ref and ref.index):
        index = str(holder["problemindex"]).upper()
    statement, interactive, input_text = _statement(st)
    if ref and index and ref.index != index:
        ref = ref.problem(index)
    return Problem(
        id=ref.problem_id if ref and ref.index else (index or "problem"),
        name=strip_index_prefix(title, index),
        statement=statement,
        time_limit_s=_seconds(_header_value(header.find(class_="time-limit")), where),
        memory_mb=_megabytes(_header_value(header.find(class_="memory-limit")), where),
        public_tests=_samples(st),
        interactive=interactive,
        input_file=_stream_file(_header_value(header.find(class_="input-file"))),
        output_file=_stream_file(_header_value(header.find(class_="output-file"))),
        multi_test=looks_multi_test(input_text),
        source_url=ref.canonical_url() if ref and ref.index else None,
        contest_id=ref.contest_id if ref else None,
        index=index,
    )


def _acmsguru(holder: Tag, ref: ProblemRef | None, where: str) -> Problem:
    """The acm.sgu.ru archive: a title in <h3>/<h4>, limits as text, samples in <pre> pairs."""
    title_el = holder.find(["h3", "h4"])
    if title_el is None:
        raise ProblemFormatError(f"{where}: an acm.sgu.ru page without its title")
    text = " ".join(holder.get_text(" ").split())
    tl = re.search(r"time\s+limit per test:?\s*([0-9.]+)\s*sec", text, re.IGNORECASE)
    ml = re.search(
        r"memory\s+limit(?: per test)?:?\s*(\d+)\s*(kilobytes|KB|megabytes|MB)", text, re.IGNORECASE
    )
    if not tl or not ml:
        raise ProblemFormatError(f"{where}: cannot read the limits of this acm.sgu.ru problem")
    memory = int(ml.group(1)) // 1024 if ml.group(2).lower().startswith("k") else int(ml.group(1))
    pres = holder.select("font > pre")
    pairs: list[tuple[Tag, Tag]] = list(zip(pres[0::2], pres[1::2], strict=False))
    if not pairs:
        for table in holder.find_all("table"):
            cells = table.find_all("pre")
            if len(cells) == 4:  # header row ("Input" / "Output") then the sample
                pairs.append((cells[2], cells[3]))
            elif len(cells) == 2:
                pairs.append((cells[0], cells[1]))
    title = " ".join(title_el.get_text(" ").split())
    index = ref.index if ref else (title.split(".", 1)[0] or None)
    tests = tuple(TestCase(sample_text(i), sample_text(o), f"{n:02d}") for n, (i, o) in enumerate(pairs, 1))
    return Problem(
        id=ref.problem_id if ref else f"acmsguru{index}",
        name=strip_index_prefix(title, index),
        statement=convert_tex("\n\n".join(blocks(holder))) + "\n",
        time_limit_s=float(tl.group(1)),
        memory_mb=max(1, memory),
        public_tests=tests,
        source_url=ref.canonical_url() if ref else None,
        contest_id=ref.contest_id if ref else None,
        index=index,
        meta={"contest_name": "acm.sgu.ru archive"},
    )


def _has_pdf(soup: BeautifulSoup) -> bool:
    if soup.select_one('embed[type="application/pdf"], object[type="application/pdf"]'):
        return True
    for el in soup.select("iframe[src], embed[src], object[data]"):
        if ".pdf" in str(el.get("src") or el.get("data") or "").lower():
            return True
    return False


def _no_statement(soup: BeautifulSoup, ref: ProblemRef | None, where: str) -> ProblemFormatError:
    if _has_pdf(soup):
        return PdfStatementError(
            f"{where}: this problem's statement is only a PDF; there is no HTML statement or samples to read",
            hint="read the PDF in a browser and write the problem directory by hand "
            "(docs/problems.md), or send the problem with Competitive Companion to `cpagent listen`",
        )
    title = _text(soup.title) or "no title"
    return ProblemFormatError(
        f"{where}: not a Codeforces problem page (no problem statement found; page title: {title!r})",
        hint="check the problem URL or specifier (e.g. 1873B); a saved page must be the problem's own page",
    )


def parse_problem_pages(html: str, url: str | None = None) -> list[Problem]:
    """Every problem on a page: one for a problem page, all of them for a complete-problemset page."""
    where = _where(url)
    if html.lstrip().startswith("%PDF"):
        raise PdfStatementError(
            f"{where}: this is a PDF, not a problem page",
            hint="Codeforces has only a PDF statement for this problem; write the "
            "problem directory by hand (docs/problems.md)",
        )
    if looks_like_challenge_html(html):
        raise challenge_error(where, spec=url or "SPEC")
    soup = BeautifulSoup(html, "lxml")
    ref = try_parse_specifier(url) if url else None
    if ref is None:
        ref = _contest_ref(soup)
    statements = soup.select("div.problem-statement")
    if not statements:
        holder = soup.select_one(".problemindexholder")
        if holder is not None and holder.find(["h3", "h4"]) and (ref is None or ref.kind == "acmsguru"):
            return [_acmsguru(holder, ref, where)]
        raise _no_statement(soup, ref, where)
    problems = [
        _one_statement(st, ref if len(statements) == 1 else (ref and replace(ref, index=None)), where)
        for st in statements
    ]
    extra = _sidebar(soup)
    tags, rating = _tags_and_rating(soup) if len(problems) == 1 else ((), None)
    return [
        replace(p, tags=tags, rating=rating, meta={**extra, "source": "codeforces page"}) for p in problems
    ]


_ROW_DETAILS = re.compile(
    r"(?P<inp>[^/]+?)\s*/\s*(?P<out>\S+(?: output)?)\s+(?P<tl>[0-9.]+)\s*s,\s*(?P<ml>\d+)\s*MB"
)


def parse_contest_table(html: str) -> list[ContestRow]:
    """The problem table of a contest's dashboard (`table.problems`): index, name, limits, file names.

    Used to tell the user what a contest holds when its statements are PDFs only.
    """
    soup = BeautifulSoup(html, "lxml")
    rows = []
    for tr in soup.select("table.problems tr"):
        cells = tr.find_all("td", recursive=False)
        if len(cells) < 2 or cells[0].find("a") is None:
            continue
        index = _text(cells[0].find("a"))
        name_link = cells[1].find("a")
        name = _text(name_link) if name_link else _text(cells[1])
        details = _ROW_DETAILS.search(" ".join(cells[1].get_text(" ").replace(name, "", 1).split()))
        inp = out = None
        tl = ml = None
        if details:
            inp = details.group("inp").strip() if "." in details.group("inp") else None
            out = details.group("out").strip() if "." in details.group("out") else None
            tl, ml = float(details.group("tl")), int(details.group("ml"))
        rows.append(ContestRow(index, name, tl, ml, inp, out))
    return rows


def pdf_contest_error(where: str, rows: list[ContestRow]) -> PdfStatementError:
    def one(r: ContestRow) -> str:
        limits = f"{r.time_limit_s:g} s, {r.memory_mb} MB" if r.time_limit_s is not None else "limits unknown"
        files = (
            f", {r.input_file or 'stdin'}/{r.output_file or 'stdout'}"
            if r.input_file or r.output_file
            else ""
        )
        return f"{r.index}. {r.name} ({limits}{files})"

    return PdfStatementError(
        f"{where}: this contest has no HTML statements (PDF only) for its {len(rows)} problems: "
        + "; ".join(one(r) for r in rows),
        hint="read the PDF in a browser and write each problem directory by hand (docs/problems.md), "
        "or send a problem with Competitive Companion to `cpagent listen`",
    )


def parse_problem_page(html: str, url: str | None = None) -> Problem:
    """One problem page → Problem. A complete-problemset page here is an error naming how many it holds."""
    problems = parse_problem_pages(html, url)
    if len(problems) != 1:
        raise ProblemFormatError(
            f"{_where(url)}: the page holds {len(problems)} problems, not one",
            hint="fetch the contest as a whole, or name one problem (e.g. 1873B)",
        )
    return problems[0]


__all__ = [
    "PdfStatementError",
    "inline",
    "normalize_sample",
    "parse_problem_page",
    "parse_problem_pages",
    "sample_text",
]
