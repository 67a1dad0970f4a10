"""The Codeforces page parser: the five saved pages, each quirk of the parsed cases, Markdown, refusals.

Saved pages and expected parses are read in place from ../shared/cp-data/fixtures. The quirk pages are
our own templates (tests/data/codeforces_pages) into which the expected samples of
fixtures/codeforces_parsed are written with the quirk's markup (nbsp lines, entities, highlighted
`test-example-line` samples, Russian headers, file names in italics, ...).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.codeforces.cloudflare import CloudflareChallengeError
from agent.codeforces.page import PdfStatementError, normalize_sample, parse_problem_page, parse_problem_pages
from agent.errors import ProblemFormatError

PAGES = Path(__file__).resolve().parent / "data" / "codeforces_pages"
SAVED = ("1234a", "1234f", "group355496p35", "group357817c", "gym103505a")


# -- the five saved pages ------------------------------------------------------------------------------
@pytest.mark.parametrize("stem", SAVED)
def test_saved_page_matches_expected_parse(cp_data, stem):
    folder = cp_data / "fixtures" / "codeforces_html"
    case = json.loads((folder / f"{stem}.json").read_text())
    expected = case["expected"]
    problem = parse_problem_page(
        (folder / case["info"]["data"]).read_text(encoding="utf-8"), case["info"]["url"]
    )
    assert problem.name == expected["name"]
    assert problem.index == expected["mark"]
    assert problem.time_limit_s == expected["time_limit"]
    assert problem.memory_mb == expected["memory_limit"]
    assert [(t.input, t.output) for t in problem.public_tests] == [
        (t["input"], t["expected"]) for t in expected["tests"]
    ]
    assert problem.contest_id == str(expected["contest"]["_uid"])
    assert problem.meta["contest_name"] == expected["contest"]["name"]
    if "group" in expected:
        assert problem.meta["group_name"] == expected["group"]["name"]
    assert problem.id.startswith("gym") == expected["gym"]
    assert problem.source_url == expected["url"]
    assert problem.statement.count("## Input") == 1 and "$$$" not in problem.statement


def test_saved_page_without_url_finds_its_contest_in_the_sidebar(cp_data):
    page = (cp_data / "fixtures" / "codeforces_html" / "gym103505a.html").read_text(encoding="utf-8")
    problem = parse_problem_page(page)
    assert (problem.id, problem.source_url) == ("gym103505A", "https://codeforces.com/gym/103505/problem/A")


def test_tags_rating_and_statement_sections(cp_data):
    page = (cp_data / "fixtures" / "codeforces_html" / "1234f.html").read_text(encoding="utf-8")
    problem = parse_problem_page(page, "https://codeforces.com/contest/1234/problem/F")
    assert problem.rating == 2200 and "dp" in problem.tags
    for heading in ("## Input", "## Output", "## Examples"):
        assert heading in problem.statement
    assert "$s$" in problem.statement  # $$$s$$$ kept as TeX


# -- the quirks of fixtures/codeforces_parsed, on our own pages --------------------------------------------
def _plain(text: str) -> str:
    return "<pre>\n" + html.escape(text, quote=False) + "</pre>"


def _br(text: str) -> str:
    return (
        "<pre>"
        + "".join(html.escape(line, quote=False) + "<br />" for line in text.split("\n")[:-1])
        + "</pre>"
    )


def _nbsp(text: str) -> str:  # Codeforces writes an empty sample line as &nbsp;
    lines = [html.escape(line, quote=False) or "&nbsp;" for line in text.split("\n")[:-1]]
    return "<pre>\n" + "\n".join(lines) + "\n</pre>"


def _entities(text: str) -> str:  # every special character as an entity, some numeric
    return (
        "<pre>\n"
        + text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("#", "&#35;")
        .replace("=", "&#x3D;")
        + "</pre>"
    )


def _example_lines(text: str, deep: bool = False) -> str:
    out = []
    for n, line in enumerate(text.split("\n")[:-1]):
        body = html.escape(line, quote=False) or "<br />"
        if deep:
            body = f'<span><span class="x">{body}</span></span>'
        parity = "even" if n % 2 == 0 else "odd"
        out.append(
            f'<div class="test-example-line test-example-line-{parity} test-example-line-{n}">{body}</div>'
        )
    inner = "".join(out)
    if deep:
        inner = '<div class="wrapper">' + inner + "</div>"
    return f"<pre>{inner}</pre>"


LABELS = {
    "en": dict(
        TL_LABEL="time limit per test",
        ML_LABEL="memory limit per test",
        IN_LABEL="input",
        OUT_LABEL="output",
        INPUT_TITLE="Input",
        OUTPUT_TITLE="Output",
        EXAMPLES_TITLE="Examples",
        NOTE_TITLE="Note",
        STDIN="standard input",
        STDOUT="standard output",
        TL_UNIT="seconds",
        ML_UNIT="megabytes",
        INTERACTION="Interaction",
    ),
    "ru": dict(
        TL_LABEL="ограничение по времени на тест",
        ML_LABEL="ограничение по памяти на тест",
        IN_LABEL="ввод",
        OUT_LABEL="вывод",
        INPUT_TITLE="Входные данные",
        OUTPUT_TITLE="Выходные данные",
        EXAMPLES_TITLE="Примеры",
        NOTE_TITLE="Примечание",
        STDIN="стандартный ввод",
        STDOUT="стандартный вывод",
        TL_UNIT="секунды",
        ML_UNIT="мегабайт",
        INTERACTION="Протокол взаимодействия",
    ),
}

# case → (sample markup, options)
PROBLEM_CASES: dict[str, tuple[Callable[[str], str], dict[str, object]]] = {
    "problem__normal": (_plain, {}),
    "problem__gym": (_plain, {}),
    "problem__inside-group": (_plain, {}),
    "problem__file-input-output": (_plain, {}),
    "problem__cursive-input-output": (_plain, {"cursive": True}),
    "problem__russian-stdin-stdout": (_plain, {"lang": "ru"}),
    "problem__interactive": (_plain, {}),
    "problem__interactive-russian": (_plain, {"lang": "ru"}),
    "problem__nbsp": (_nbsp, {}),
    "problem__html-entities-1": (_entities, {}),
    "problem__html-entities-2": (_entities, {}),
    "problem__highlighted-input": (lambda t: _example_lines(t), {}),
    "problem__highlighted-input-deep": (lambda t: _example_lines(t, deep=True), {}),
}


def _fill(template: str, values: dict[str, object]) -> str:
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", str(value))
    assert "{{" not in template, "a placeholder was left unfilled"
    return template


def _contest_href(url: str) -> str:
    from agent.codeforces.specifier import parse_specifier

    return parse_specifier(url).contest_path()


def render_statement(
    expected: dict, markup: Callable[[str], str], lang: str = "en", cursive: bool = False
) -> str:
    labels = LABELS[lang]
    stream_in = expected["input"].get("fileName", labels["STDIN"])
    stream_out = expected["output"].get("fileName", labels["STDOUT"])
    if cursive:  # the file names in italics, as some pages set them
        stream_in = f'<span class="tex-font-style-sl">{stream_in}</span>'
        stream_out = f'<span class="tex-font-style-sl">{stream_out}</span>'
    samples = "".join(
        f'<div class="input"><div class="title">Input</div>{markup(t["input"])}</div>'
        f'<div class="output"><div class="title">Output</div>{markup(t["output"])}</div>'
        for t in expected["tests"]
    )
    extra = ""
    if expected["interactive"]:
        extra = (
            f'<div class="interaction-specification"><div class="section-title">{labels["INTERACTION"]}'
            "</div><p>Ask queries and flush the output.</p></div>"
        )
    seconds = expected["timeLimit"] / 1000
    return _fill(
        (PAGES / "statement.html").read_text(encoding="utf-8"),
        {
            **{
                k: v
                for k, v in labels.items()
                if k not in ("STDIN", "STDOUT", "TL_UNIT", "ML_UNIT", "INTERACTION")
            },
            "TITLE": html.escape(expected["name"]),
            "TL": f"{seconds:g} {labels['TL_UNIT']}",
            "ML": f"{expected['memoryLimit']} {labels['ML_UNIT']}",
            "INPUT": stream_in,
            "OUTPUT": stream_out,
            "SAMPLES": samples,
            "EXTRA": extra,
        },
    )


def render_problem_page(expected: dict, markup: Callable[[str], str], **options) -> str:
    index = expected["name"].split(".", 1)[0]
    return _fill(
        (PAGES / "problem_page.html").read_text(encoding="utf-8"),
        {
            "INDEX": index,
            "CONTEST_HREF": _contest_href(expected["url"]),
            "CONTEST_NAME": html.escape(expected["group"].removeprefix("Codeforces - ")),
            "STATEMENT": render_statement(expected, markup, **options),
        },
    )


def _assert_matches(problem, expected: dict) -> None:
    assert f"{problem.index}. {problem.name}" == expected["name"]
    assert round(problem.time_limit_s * 1000) == expected["timeLimit"]
    assert problem.memory_mb == expected["memoryLimit"]
    assert problem.interactive == expected["interactive"]
    assert problem.input_file == expected["input"].get("fileName")
    assert problem.output_file == expected["output"].get("fileName")
    assert [(t.input, t.output) for t in problem.public_tests] == [
        (t["input"], t["output"]) for t in expected["tests"]
    ]


@pytest.mark.parametrize("case", sorted(PROBLEM_CASES))
def test_quirk_page_parses_as_expected(cp_data, case):
    fixture = json.loads(
        (cp_data / "fixtures" / "codeforces_parsed" / f"{case}.json").read_text(encoding="utf-8")
    )
    markup, options = PROBLEM_CASES[case]
    page = render_problem_page(fixture["result"], markup, **options)
    problem = parse_problem_page(page, fixture["url"])
    _assert_matches(problem, fixture["result"])
    assert problem.meta["contest_name"] == fixture["result"]["group"].removeprefix("Codeforces - ")


def _acmsguru_samples_in_table(tests: list[dict]) -> str:
    rows = "".join(
        f'<tr><td><font face="Courier New"><pre>{html.escape(t["input"])}</pre></font></td>'
        f'<td><font face="Courier New"><pre>{html.escape(t["output"])}</pre></font></td></tr>'
        for t in tests
    )
    return f'<table border="1"><tr><td>Input</td><td>Output</td></tr>{rows}</table>'


def _acmsguru_samples_plain(tests: list[dict]) -> str:
    return "".join(
        f'<table border="1"><tr><td><pre>sample input</pre></td><td><pre>sample output</pre></td></tr>'
        f'<tr><td><pre>{html.escape(t["input"])}</pre></td><td><pre>{html.escape(t["output"])}</pre>'
        "</td></tr></table>"
        for t in tests
    )


@pytest.mark.parametrize(
    "case,template,samples",
    [
        ("problem__acm-sgu-ru-inside-table", "acmsguru_in_table.html", _acmsguru_samples_in_table),
        ("problem__acm-sgu-ru-not-inside-table", "acmsguru_plain.html", _acmsguru_samples_plain),
    ],
)
def test_acmsguru_pages(cp_data, case, template, samples):
    fixture = json.loads(
        (cp_data / "fixtures" / "codeforces_parsed" / f"{case}.json").read_text(encoding="utf-8")
    )
    expected = fixture["result"]
    page = _fill(
        (PAGES / template).read_text(encoding="utf-8"),
        {
            "INDEX": expected["name"].split(".")[0],
            "TITLE": html.escape(expected["name"]),
            "TL": f"{expected['timeLimit'] / 1000:g}",
            # Our pages state KB as the archive does; we read KB as KiB
            # (Competitive Companion divides by 1000).
            "ML_KB": expected["memoryLimit"] * 1024,
            "SAMPLES": samples(expected["tests"]),
        },
    )
    problem = parse_problem_page(page, fixture["url"])
    _assert_matches(problem, expected)
    assert problem.id == f"acmsguru{expected['name'].split('.')[0]}"


@pytest.mark.parametrize("case", ["contest__complete-problemset", "contest__normal"])
def test_contest_page_with_every_statement(cp_data, case):
    fixture = json.loads(
        (cp_data / "fixtures" / "codeforces_parsed" / f"{case}.json").read_text(encoding="utf-8")
    )
    results = fixture["result"]
    statements = "".join(
        f'<div class="problemindexholder" problemindex="{r["name"].split(".")[0]}"><div class="ttypography">'
        + render_statement(r, _plain)
        + "</div></div>"
        for r in results
    )
    page = _fill(
        (PAGES / "complete_problemset.html").read_text(encoding="utf-8"),
        {
            "CONTEST_HREF": _contest_href(fixture["url"]),
            "CONTEST_NAME": html.escape(results[0]["group"].removeprefix("Codeforces - ")),
            "PROBLEMS": statements,
        },
    )
    problems = parse_problem_pages(page, fixture["url"])
    assert len(problems) == len(results)
    contest = _contest_href(fixture["url"]).rsplit("/", 1)[1]
    for problem, expected in zip(problems, results, strict=True):
        _assert_matches(problem, expected)
        assert problem.id == f"{contest}{problem.index}"
    with pytest.raises(ProblemFormatError, match=f"holds {len(results)} problems"):
        parse_problem_page(page, fixture["url"])


def test_pdf_only_problem_is_refused_with_a_clear_message(cp_data):
    fixture = json.loads(
        (cp_data / "fixtures" / "codeforces_parsed" / "contest__statements-in-pdf.json").read_text()
    )
    assert all(not r["tests"] for r in fixture["result"])  # what the extension found: no samples at all
    page = (PAGES / "pdf_problem.html").read_text(encoding="utf-8")
    with pytest.raises(PdfStatementError, match="only a PDF") as info:
        parse_problem_page(page, "https://codeforces.com/gym/100524/problem/A")
    assert "problem directory" in info.value.hint
    with pytest.raises(PdfStatementError):
        parse_problem_page("%PDF-1.4\n...", "https://codeforces.com/gym/100524/problem/A")


def test_page_that_is_not_a_problem():
    page = (PAGES / "not_a_problem.html").read_text(encoding="utf-8")
    with pytest.raises(ProblemFormatError, match="not a Codeforces problem page") as info:
        parse_problem_page(page, "https://codeforces.com/contests")
    assert "https://codeforces.com/contests" in info.value.message and info.value.hint


def test_challenge_page_saved_by_mistake_is_named():
    page = (PAGES / "challenge.html").read_text(encoding="utf-8")
    with pytest.raises(CloudflareChallengeError) as info:
        parse_problem_page(page, "https://codeforces.com/contest/1/problem/A")
    assert "--html" in info.value.hint and "cpagent listen" in info.value.hint


# -- Markdown and sample details, on our own invented page -----------------------------------------------
@pytest.fixture(scope="module")
def quirky():
    return parse_problem_page(
        (PAGES / "markdown_quirks.html").read_text(encoding="utf-8"),
        "https://codeforces.com/contest/4242/problem/C",
    )


def test_header_fields(quirky):
    assert quirky.name == "Lanterns & Bridges"  # nbsp and &amp; in the title
    assert (quirky.time_limit_s, quirky.memory_mb) == (2.5, 512)
    assert (quirky.input_file, quirky.output_file) == ("lanterns.in", "lanterns.out")
    assert quirky.multi_test  # "the number of test cases"
    assert not quirky.interactive
    assert quirky.meta["contest_name"] == "Test Round 4242"


def test_highlighted_samples_with_br_entities_and_nbsp(quirky):
    (test,) = quirky.public_tests
    assert test.input == "2\n3 <>\n1 2 3\n\n7&8\n"
    assert test.output == "yes\nno\n"


def test_statement_markdown(quirky):
    md = quirky.statement
    assert "$a_{i} + b^{2}$" in md  # an old tex-span formula becomes TeX
    assert "$x_1 \\le y$" in md  # $$$...$$$ kept as $...$
    assert "$$\\sum_{i=1}^{n} a_i$$" in md  # display math
    assert "- first **bold** item\n- second `mono` item" in md
    assert "A <tag> & an entity" in md
    assert "![lanterns](/images/lanterns.png)" in md
    assert "| k | cost |\n| --- | --- |\n| 1 | 10 |" in md
    assert "*one* line" in md
    assert md.index("## Input") < md.index("## Output") < md.index("## Example") < md.index("## Note")
    assert "Input 1:\n```\n2\n3 <>\n" in md


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("\n1 2\n", "1 2\n"),  # the newline after <pre> is markup
        ("1 2   \n3\n\n\n", "1 2\n3\n"),  # trailing spaces and blank tail dropped
        ("\u00a0\n5 4\n\u00a0\n", "\n5 4\n"),  # an nbsp line is an empty line of the sample
        ("a\r\nb", "a\nb\n"),
        ("", ""),
    ],
)
def test_normalize_sample(raw, expected):
    assert normalize_sample(raw) == expected


def _dashboard(cp_data) -> tuple[dict, str]:
    fixture = json.loads(
        (cp_data / "fixtures" / "codeforces_parsed" / "contest__statements-in-pdf.json").read_text()
    )
    rows = []
    for r in fixture["result"]:
        index, name = r["name"].split(". ", 1)
        href = r["url"].removeprefix("https://codeforces.com")
        stdin = r["input"].get("fileName", "standard input")
        files = f"{stdin} / {r['output'].get('fileName', 'standard output')}"
        rows.append(
            f'<tr><td class="id"><a href="{href}">\n{index}\n</a></td><td><div style="float: left;">'
            f'<a href="{href}">{html.escape(name)}</a></div><div style="float: right; font-size: 1.1rem;">'
            f'<div class="notice">{files}</div>\n {r["timeLimit"] / 1000:g} s, {r["memoryLimit"]} MB'
            "</div></td>"
            '<td></td></tr>'
        )
    page = _fill(
        (PAGES / "contest_dashboard.html").read_text(encoding="utf-8"),
        {"CONTEST_HREF": "/gym/100524", "CONTEST_NAME": "A Gym Contest", "ROWS": "".join(rows)},
    )
    return fixture, page


def test_contest_table_of_a_pdf_contest(cp_data):
    from agent.codeforces.page import parse_contest_table

    fixture, page = _dashboard(cp_data)
    rows = parse_contest_table(page)
    assert len(rows) == len(fixture["result"])
    for row, expected in zip(rows, fixture["result"], strict=True):
        assert f"{row.index}. {row.name}" == expected["name"]
        assert (
            round(row.time_limit_s * 1000) == expected["timeLimit"]
            and row.memory_mb == expected["memoryLimit"]
        )
        assert row.input_file == expected["input"].get("fileName")
        assert row.output_file == expected["output"].get("fileName")


def test_fetching_a_pdf_contest_lists_its_problems(cp_data, tmp_path):
    from agent.codeforces.cache import ResponseCache
    from agent.codeforces.client import ClientConfig, CodeforcesClient
    from agent.codeforces.fetch import fetch_problems
    from fake_codeforces import FakeCodeforces, page, start

    fixture, dashboard = _dashboard(cp_data)
    fake = FakeCodeforces()
    server, thread = start(fake)
    try:
        fake.route("/gym/100524/problems", page((PAGES / "pdf_problem.html").read_text()))
        fake.route("/gym/100524", page(dashboard))
        client = CodeforcesClient(
            ClientConfig(base_url=fake.base_url, min_interval_s=0), ResponseCache(tmp_path)
        )
        with pytest.raises(PdfStatementError, match="PDF only") as info:
            fetch_problems("gym 100524", client)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    first = fixture["result"][0]
    assert first["name"] in info.value.message and first["input"]["fileName"] in info.value.message
    assert f"its {len(fixture['result'])} problems" in info.value.message
