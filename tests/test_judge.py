"""The judge: verdict per test and per program, early stopping, batches, file I/O, custom checkers, IE."""

from __future__ import annotations


import pytest

from sandbox import RunResult, RunSpec, SandboxError, Status, Verdict
from sandbox.backend import Backend
from sandbox.checkers import CheckerSpec
from sandbox.compile_cache import CompileCache
from sandbox.judge import Judge, JudgeTest

SUM = (
    '#include <stdio.h>\nint main(){long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",a+b);return 0;}\n'
)
TESTS = [JudgeTest(f"{i:02d}", f"{i} {i * 3}\n".encode(), f"{i * 4}\n".encode()) for i in range(1, 9)]


@pytest.fixture(scope="module")
def judge(backend, tmp_path_factory) -> Judge:
    return Judge(backend, CompileCache(tmp_path_factory.getbasetemp() / "compile-cache"))


def verdicts(report) -> list[str]:
    return [t.verdict.value for t in report.tests]


def test_accepted(judge):
    report = judge.judge(SUM, "c11", TESTS)
    assert report.verdict is Verdict.AC and report.passed == len(TESTS)
    assert report.max_cpu_s >= 0 and report.max_memory_mb > 0


def test_wrong_answer_on_one_test(judge):
    report = judge.judge(SUM.replace("a+b", "a+b+(a==5)"), "c11", TESTS)
    assert report.verdict is Verdict.WA
    assert verdicts(report)[4] == "WA" and verdicts(report).count("AC") == 7
    assert "expected: '20', found: '21'" in report.tests[4].checker_message


def test_first_failure_in_test_order_decides(judge):
    source = SUM.replace("return 0;", "if(a==2) for(;;); if(a==6) return 1; return 0;")
    report = judge.judge(source, "c11", TESTS, time_limit_s=0.5)
    assert verdicts(report)[1] == "TLE" and verdicts(report)[5] == "RE"
    assert report.verdict is Verdict.TLE and report.first_failure.name == "02"


def test_stop_at_first_failure_drops_later_tests(judge):
    report = judge.judge(SUM.replace("a+b", "a+b+(a>=3)"), "c11", TESTS, stop_at_first_failure=True)
    assert report.verdict is Verdict.WA
    assert [t.name for t in report.tests] == ["01", "02", "03"]


def test_runtime_error_after_correct_output_is_re(judge):
    source = SUM.replace("return 0;", "fflush(stdout); { volatile int* p = 0; *p = 1; } return 0;")
    report = judge.judge(source, "c11", TESTS[:2])
    assert report.verdict is Verdict.RE
    assert report.tests[0].run.signal == 11


def test_compile_error(judge):
    report = judge.judge("int main( {", "cpp17", TESTS)
    assert report.verdict is Verdict.CE and report.tests == ()
    assert report.to_json()["compile"]["message"]


def test_python_and_pypy(judge):
    source = "a, b = map(int, input().split())\nprint(a + b)\n"
    assert judge.judge(source, "python3", TESTS).verdict is Verdict.AC
    assert judge.judge(source.replace("a + b", "a - b"), "pypy3", TESTS[:2]).verdict is Verdict.WA


def test_memory_limit(judge, backend):
    if not backend.secure:
        pytest.skip("the unsafe backend has no cgroup, and MLE is never guessed from an exit code")
    hog = (
        "#include <stdlib.h>\n#include <stdio.h>\n"
        "int main(){ size_t n = 512u<<20; volatile char* p = malloc(n); long s = 0; if(!p) return 3;"
        " for(size_t i = 0; i < n; i += 4096) p[i] = (char)i;"
        ' for(size_t i = 0; i < n; i += 4096) s += p[i]; printf("%ld\\n", s); return 0; }\n'
    )
    report = judge.judge(hog, "c11", TESTS[:1], memory_mb=64)
    assert report.verdict is Verdict.MLE, report.to_json()


def test_output_to_a_file(judge):
    fio = (
        '#include <stdio.h>\nint main(){freopen("input.txt","r",stdin);freopen("output.txt","w",stdout);'
        'long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",a+b);return 0;}\n'
    )
    report = judge.judge(fio, "c11", TESTS, input_file="input.txt", output_file="output.txt")
    assert report.verdict is Verdict.AC
    stdout_only = judge.judge(SUM, "c11", TESTS[:1], input_file="input.txt", output_file="output.txt")
    assert stdout_only.verdict is not Verdict.AC


def test_output_file_symlink_is_refused(judge, backend):
    if not backend.secure:
        pytest.skip("the unsafe backend isolates nothing, links included")
    planted = (
        '#include <stdio.h>\n#include <unistd.h>\nint main(){symlink("input.txt","output.txt");'
        "return 0;}\n"
    )
    tests = [JudgeTest("1", b"4\n", b"4\n")]
    report = judge.judge(planted, "c11", tests, input_file="input.txt", output_file="output.txt")
    assert report.verdict is Verdict.WA  # the link is never followed, so there is no output


@pytest.mark.parametrize("name", ["../x.txt", "/etc/passwd", "a/b.txt", ".."])
def test_io_file_names_must_be_plain(judge, name):
    with pytest.raises(SandboxError):
        judge.judge(SUM, "c11", TESTS[:1], input_file=name)


def test_float_checker_through_the_judge(judge):
    source = '#include <stdio.h>\nint main(){double a,b;scanf("%lf %lf",&a,&b);printf("%.9f\\n",a/b);}\n'
    tests = [JudgeTest("1", b"1 3\n", b"0.3333333\n")]
    assert judge.judge(source, "c11", tests).verdict is Verdict.WA
    assert judge.judge(source, "c11", tests, checker=CheckerSpec("float")).verdict is Verdict.AC


def test_custom_checker_through_the_judge(judge):
    from tests.test_checkers import SUM_CHECKER

    spec = CheckerSpec("custom", source=SUM_CHECKER, language="cpp17")
    tests = [JudgeTest("1", b"2 3\n", None), JudgeTest("2", b"10 20\n", None)]
    assert judge.judge(SUM, "c11", tests, checker=spec).verdict is Verdict.AC
    wrong = judge.judge(SUM.replace("a+b", "a*b"), "c11", tests, checker=spec)
    assert wrong.verdict is Verdict.WA and "expected 5, found 6" in wrong.tests[0].checker_message


def test_judge_many_keeps_order_and_reports_each(judge):
    programs = [
        (SUM, "c11"),
        (SUM.replace("a+b", "a-b"), "c11"),
        ("int main( {", "c11"),
        ("a, b = map(int, input().split())\nprint(a + b)\n", "python3"),
    ]
    seen: dict[int, str] = {}
    reports = judge.judge_many(
        programs,
        TESTS,
        stop_at_first_failure=True,
        on_report=lambda i, r: seen.__setitem__(i, r.verdict.value),
    )
    assert [r.verdict.value for r in reports] == ["AC", "WA", "CE", "AC"]
    assert seen == {0: "AC", 1: "WA", 2: "CE", 3: "AC"}
    assert len(reports[1].tests) == 1


def test_report_json_contract(judge):
    data = judge.judge(SUM, "c11", TESTS[:2]).to_json()
    assert set(data) >= {"verdict", "compile", "tests", "passed", "total", "max_cpu_s", "max_memory_mb"}
    assert set(data["compile"]) >= {"ok", "cached", "compile_s", "message"}
    assert set(data["tests"][0]) >= {"name", "verdict", "cpu_s", "wall_s", "memory_mb", "checker_message"}


class Broken(Backend):
    """A sandbox whose setup always fails: the judge must say IE, never a verdict about the program."""

    name = "broken"

    def __init__(self, inner: Backend) -> None:
        super().__init__(1)
        self.inner = inner

    def _run_once(self, spec: RunSpec) -> RunResult:
        if spec.language.startswith("compile:"):
            return self.inner.run(spec)
        return RunResult(Status.IE, message="setup failed", backend=self.name)


def test_sandbox_failure_is_ie_never_ac(backend, tmp_path):
    report = Judge(Broken(backend), CompileCache(tmp_path)).judge(SUM, "c11", TESTS[:3])
    assert report.verdict is Verdict.IE
    assert all(t.verdict is Verdict.IE for t in report.tests)
