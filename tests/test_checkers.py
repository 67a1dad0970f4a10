"""Checkers: each built-in kind, the PE rule, normalize's contract, real custom checkers in the sandbox."""

from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox import SandboxError, Verdict
from sandbox.checkers import CheckerSpec, check, normalize
from sandbox.checkers.custom import CustomChecker
from sandbox.compile_cache import CompileCache

TOKENS, EXACT, LINES, WORDS = (
    CheckerSpec("tokens"),
    CheckerSpec("exact"),
    CheckerSpec("lines"),
    CheckerSpec("words"),
)
FLOAT = CheckerSpec("float", abs_eps=1e-6, rel_eps=1e-6)


def v(spec: CheckerSpec, output: bytes, answer: bytes) -> Verdict:
    return check(spec, b"", output, answer).verdict


def test_tokens_ignore_layout_and_never_say_pe():
    assert v(TOKENS, b"1  2\n3\n\n", b"1 2 3\n") is Verdict.AC
    assert v(TOKENS, b"1 2", b"1 2 3") is Verdict.WA
    assert v(TOKENS, b"1 2 3 4", b"1 2 3") is Verdict.WA
    assert v(TOKENS, b"YES", b"yes") is Verdict.WA
    result = check(TOKENS, b"", b"1 5 3", b"1 2 3")
    assert result.message == "wrong answer 2nd tokens differ - expected: '2', found: '5'"


def test_exact_says_pe_when_only_whitespace_differs():
    assert v(EXACT, b"1 2\n", b"1 2\n") is Verdict.AC
    assert v(EXACT, b"1 2", b"1 2\n") is Verdict.PE
    assert v(EXACT, b"1\n2\n", b"1 2\n") is Verdict.PE
    assert v(EXACT, b"1 3\n", b"1 2\n") is Verdict.WA


def test_lines_ignore_trailing_blanks_but_not_line_breaks():
    assert v(LINES, b"a b  \r\nc\n\n\n", b"a b\nc") is Verdict.AC
    assert v(LINES, b"a\nb c\n", b"a b\nc\n") is Verdict.PE
    assert v(LINES, b"a b\nd\n", b"a b\nc\n") is Verdict.WA


def test_words_are_case_insensitive():
    assert v(WORDS, b"Yes\nNO", b"YES no") is Verdict.AC
    assert v(WORDS, b"yes", b"no") is Verdict.WA


def test_float_tolerance_like_testlib():
    assert v(FLOAT, b"0.3333333", b"0.333333333") is Verdict.AC
    assert v(FLOAT, b"0.33334", b"0.333333333") is Verdict.WA
    assert v(FLOAT, b"1000000001", b"1000000000.0") is Verdict.AC  # relative 1e-9
    assert v(FLOAT, b"1.5e3", b"1500") is Verdict.AC
    assert v(FLOAT, b"abc 1.0", b"abc 1") is Verdict.AC  # words compared exactly
    assert v(FLOAT, b"abd 1.0", b"abc 1") is Verdict.WA
    assert v(FLOAT, b"nan", b"1.0") is Verdict.WA
    assert v(FLOAT, b"1.0", b"1.0 2.0") is Verdict.WA
    loose = CheckerSpec("float", abs_eps=1e-2, rel_eps=0.0)
    assert v(loose, b"3.15", b"3.14159") is Verdict.AC


def test_normalize_canonical_forms():
    assert normalize(TOKENS, b" 1\t2\n\n3 ") == b"1 2 3"
    assert normalize(WORDS, b"YES\nNo") == b"yes no"
    assert normalize(LINES, b"a  \nb\n\n") == b"a\nb"
    assert normalize(EXACT, b"a  \n") == b"a  \n"
    assert normalize(FLOAT, b"0.5000000") == normalize(FLOAT, b"0.5")
    assert normalize(FLOAT, b"-0.0000000001") == normalize(FLOAT, b"0")
    assert normalize(FLOAT, b"0.5") != normalize(FLOAT, b"0.5001")


_floats = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(a=_floats, b=_floats)
def test_float_normalize_equal_implies_checker_accepts(a, b):
    out, ans = repr(a).encode(), repr(b).encode()
    if normalize(FLOAT, out) == normalize(FLOAT, ans):
        assert v(FLOAT, out, ans) is Verdict.AC


@settings(max_examples=300, deadline=None)
@given(
    tokens=st.lists(st.sampled_from([b"1", b"YES", b"yes", b"2.5", b"x"]), max_size=6),
    seps=st.lists(st.sampled_from([b" ", b"\n", b"  ", b"\t", b"\r\n"]), min_size=7, max_size=7),
)
def test_normalize_agrees_with_token_checkers(tokens, seps):
    joined = b"".join(t + s for t, s in zip(tokens, seps))
    plain = b" ".join(tokens)
    for spec in (TOKENS, WORDS, FLOAT):
        assert (normalize(spec, joined) == normalize(spec, plain)) == (v(spec, joined, plain) is Verdict.AC)


# -- custom checkers, compiled and run in the sandbox -------------------------------------------------

# testlib's conventions without testlib.h (not packaged by Debian): argv input output answer, exit codes.
SUM_CHECKER = r"""#include <cstdio>
#include <cstdlib>
int main(int argc, char** argv) {
    if (argc < 4) return 3;
    FILE* in = fopen(argv[1], "r"); FILE* out = fopen(argv[2], "r"); FILE* ans = fopen(argv[3], "r");
    if (!in || !out || !ans) { fprintf(stderr, "cannot open files"); return 3; }
    long long a, b, got;
    if (fscanf(in, "%lld %lld", &a, &b) != 2) { fprintf(stderr, "bad input"); return 3; }
    if (fscanf(out, "%lld", &got) != 1) {
        fprintf(stderr, "wrong output format Unexpected end of file");
        return 2;
    }
    if (got == -7) { fprintf(stderr, "0.5 half the points"); return 7; }
    if (got == -3) { fprintf(stderr, "checker fails on purpose"); return 3; }
    if (got == -9) { abort(); }
    if (got != a + b) { fprintf(stderr, "wrong answer expected %lld, found %lld", a + b, got); return 1; }
    fprintf(stderr, "ok the sum is %lld", got);
    return 0;
}
"""


@pytest.fixture(scope="module")
def checker(backend, tmp_path_factory):
    cache = CompileCache(tmp_path_factory.getbasetemp() / "compile-cache")
    return CustomChecker(backend, SUM_CHECKER, "cpp17", cache)


@pytest.mark.parametrize(
    "output,verdict",
    [
        (b"5\n", Verdict.AC),
        (b"6\n", Verdict.WA),
        (b"", Verdict.PE),
        (b"-7", Verdict.AC),
        (b"-3", Verdict.IE),
        (b"-9", Verdict.IE),
    ],
)
def test_custom_checker_exit_codes(checker, output, verdict):
    result = checker.check(b"2 3\n", output, b"")
    assert result.verdict is verdict, result


def test_custom_checker_messages_and_points(checker):
    assert checker.check(b"2 3\n", b"5", b"").message == "ok the sum is 5"
    assert "expected 5, found 6" in checker.check(b"2 3\n", b"6", b"").message
    assert checker.check(b"2 3\n", b"-7", b"").points == 0.5


def test_custom_checker_that_does_not_compile(backend, tmp_path_factory):
    cache = CompileCache(tmp_path_factory.getbasetemp() / "compile-cache")  # shares the built PCH
    with pytest.raises(SandboxError) as info:
        CustomChecker(backend, "int main( {", "cpp17", cache)
    assert "does not compile" in info.value.message
