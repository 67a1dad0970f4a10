"""Interactive problems: an interactor and the solution joined by pipes, testlib exit codes deciding."""

from __future__ import annotations

import os
import sys
import time

import pytest

from sandbox import SandboxError, Verdict, open_backend
from sandbox.compile_cache import CompileCache
from sandbox.judge import Judge, JudgeTest

# Guess the number in [1, 1000]: "? x" is answered "<", ">" or "="; "! x" ends. testlib conventions.
INTERACTOR = r"""#include <stdio.h>
#include <string.h>
int main(int argc, char** argv) {
    if (argc < 3) return 3;
    FILE* in = fopen(argv[1], "r"); FILE* log = fopen(argv[2], "w");
    int secret; if (!in || fscanf(in, "%d", &secret) != 1) return 3;
    for (int q = 0; q < 30; q++) {
        char op[4]; int x;
        if (scanf("%3s %d", op, &x) != 2) { fprintf(stderr, "wrong output format Unexpected EOF"); return 2; }
        if (strcmp(op, "!") == 0) {
            if (log) fprintf(log, "%d queries\n", q);
            if (x == secret) { fprintf(stderr, "ok guessed %d", x); return 0; }
            fprintf(stderr, "wrong answer expected %d, found %d", secret, x); return 1;
        }
        if (strcmp(op, "?") != 0) { fprintf(stderr, "wrong output format bad query"); return 2; }
        printf("%s\n", x < secret ? ">" : x > secret ? "<" : "=");
        fflush(stdout);
    }
    fprintf(stderr, "wrong answer too many queries"); return 1;
}
"""

SOLUTION = r"""#include <bits/stdc++.h>
int main() {
    int lo = 1, hi = 1000;
    while (true) {
        int mid = (lo + hi) / 2;
        printf("? %d\n", mid); fflush(stdout);
        char r[4]; if (scanf("%3s", r) != 1) return 0;
        if (r[0] == '=') { printf("! %d\n", mid); fflush(stdout); return 0; }
        if (r[0] == '>') lo = mid + 1; else hi = mid - 1;
    }
}
"""

PY_SOLUTION = """import sys
lo, hi = 1, 1000
while True:
    mid = (lo + hi) // 2
    print("?", mid, flush=True)
    r = sys.stdin.readline().strip()
    if r == "=":
        print("!", mid, flush=True)
        break
    lo, hi = (mid + 1, hi) if r == ">" else (lo, mid - 1)
"""


@pytest.fixture(scope="module")
def judge(tmp_path_factory):
    name = os.environ.get("CPAGENT_TEST_BACKEND", "native")  # unsafe: develop without isolation
    try:
        backend = open_backend(name, insecure=name == "unsafe")
    except SandboxError as exc:
        print(f"{name} backend unavailable ({exc.message}); testing on the unsafe backend", file=sys.stderr)
        backend = open_backend("unsafe", insecure=True)
    yield Judge(backend, CompileCache(tmp_path_factory.getbasetemp() / "compile-cache"))
    backend.close()


TESTS = [JudgeTest(str(n), f"{n}\n".encode(), None) for n in (1, 500, 777, 1000)]


def _judge(judge: Judge, source: str, language: str = "cpp17", tests=TESTS):
    return judge.judge(source, language, tests, interactor=(INTERACTOR, "c11"), time_limit_s=1.0)


def test_correct_solution_is_ac(judge):
    report = _judge(judge, SOLUTION)
    assert report.verdict is Verdict.AC, report.to_json()
    assert all("ok guessed" in t.checker_message for t in report.tests)


def test_python_solution_is_ac(judge):
    assert _judge(judge, PY_SOLUTION, "python3").verdict is Verdict.AC


def test_wrong_guess_is_wa(judge):
    report = _judge(judge, SOLUTION.replace('printf("! %d\\n", mid)', 'printf("! %d\\n", mid + 1)'))
    assert report.verdict is Verdict.WA
    assert "expected" in report.tests[0].checker_message


def test_garbage_is_pe(judge):
    report = _judge(judge, '#include <stdio.h>\nint main(){puts("hello");return 0;}\n', "c11")
    assert report.verdict is Verdict.PE


def test_missing_flush_is_tle_not_a_hang(judge):
    no_flush = SOLUTION.replace('printf("? %d\\n", mid); fflush(stdout);', 'printf("? %d\\n", mid);')
    start = time.monotonic()
    report = _judge(judge, no_flush, tests=TESTS[:1])
    assert report.verdict is Verdict.TLE
    assert report.tests[0].run is not None and report.tests[0].run.wall_limited
    assert time.monotonic() - start < 20


def test_crash_is_re(judge):
    crash = SOLUTION.replace("int lo = 1, hi = 1000;", "int lo = 1, hi = 1000; volatile int* p = 0; *p = 1;")
    assert _judge(judge, crash, tests=TESTS[:1]).verdict is Verdict.RE


def test_interactor_that_does_not_compile_is_a_user_error(judge):
    with pytest.raises(SandboxError):
        judge.judge(SOLUTION, "cpp17", TESTS[:1], interactor=("int main( {", "c11"))
