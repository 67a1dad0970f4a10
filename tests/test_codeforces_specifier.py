"""Problem specifiers as cf-tool and oj users type them."""

from __future__ import annotations

import pytest

from agent.codeforces.specifier import SpecifierError, parse_specifier


@pytest.mark.parametrize(
    "text,kind,contest,index,pid,url",
    [
        ("1873B", "contest", "1873", "B", "1873B", "https://codeforces.com/contest/1873/problem/B"),
        ("1873b", "contest", "1873", "B", "1873B", "https://codeforces.com/contest/1873/problem/B"),
        ("1873 b", "contest", "1873", "B", "1873B", "https://codeforces.com/contest/1873/problem/B"),
        (" 1873/B ", "contest", "1873", "B", "1873B", "https://codeforces.com/contest/1873/problem/B"),
        ("1872 F1", "contest", "1872", "F1", "1872F1", "https://codeforces.com/contest/1872/problem/F1"),
        ("gym 100001 a", "gym", "100001", "A", "gym100001A", "https://codeforces.com/gym/100001/problem/A"),
        ("gym100001A", "gym", "100001", "A", "gym100001A", "https://codeforces.com/gym/100001/problem/A"),
        (
            "https://codeforces.com/contest/1873/problem/B",
            "contest",
            "1873",
            "B",
            "1873B",
            "https://codeforces.com/contest/1873/problem/B",
        ),
        (
            "https://codeforces.com/problemset/problem/1873/B",
            "problemset",
            "1873",
            "B",
            "1873B",
            "https://codeforces.com/problemset/problem/1873/B",
        ),
        (
            "http://m1.codeforces.com/contest/1873/problem/b?locale=ru",
            "contest",
            "1873",
            "B",
            "1873B",
            "https://codeforces.com/contest/1873/problem/B?locale=ru",
        ),
        (
            "https://codeforces.com/gym/100001/problem/A",
            "gym",
            "100001",
            "A",
            "gym100001A",
            "https://codeforces.com/gym/100001/problem/A",
        ),
        (
            "https://codeforces.com/group/yg7WhsFsAp/contest/355496/problem/P35",
            "group",
            "355496",
            "P35",
            "group355496P35",
            "https://codeforces.com/group/yg7WhsFsAp/contest/355496/problem/P35",
        ),
        (
            "https://codeforces.com/problemsets/acmsguru/problem/99999/123",
            "acmsguru",
            "99999",
            "123",
            "acmsguru123",
            "https://codeforces.com/problemsets/acmsguru/problem/99999/123",
        ),
        ("1873", "contest", "1873", None, "1873", "https://codeforces.com/contest/1873/problems"),
        ("gym 100001", "gym", "100001", None, "gym100001", "https://codeforces.com/gym/100001/problems"),
        (
            "https://codeforces.com/contest/1873",
            "contest",
            "1873",
            None,
            "1873",
            "https://codeforces.com/contest/1873/problems",
        ),
    ],
)
def test_forms(text, kind, contest, index, pid, url):
    ref = parse_specifier(text)
    assert (ref.kind, ref.contest_id, ref.index) == (kind, contest, index)
    assert ref.problem_id == pid
    assert ref.url() == url
    assert ref.is_contest == (index is None)


def test_canonical_url_drops_the_locale_and_the_mirror():
    ref = parse_specifier("http://m2.codeforces.com/problemset/problem/1/A?locale=ru")
    assert ref.canonical_url() == "https://codeforces.com/problemset/problem/1/A"
    assert ref.url("http://127.0.0.1:8080") == "http://127.0.0.1:8080/problemset/problem/1/A?locale=ru"


@pytest.mark.parametrize(
    "text", ["", "hello", "B1873", "https://codeforces.com/blog/entry/1", "gym", "1873 BB2"]
)
def test_rejects_with_a_hint(text):
    with pytest.raises(SpecifierError) as info:
        parse_specifier(text)
    assert "1873B" in info.value.hint
