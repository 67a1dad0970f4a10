"""The judge: compile once, run on every test, check, and give one verdict.

    Judge(backend).judge(source, "cpp17", tests, checker=..., time_limit_s=2.0) -> JudgeReport
    Judge(backend).judge_many([(source, lang), ...], tests, ...)               -> [JudgeReport, ...]

A test's verdict comes from its run when the run hit a limit or crashed (RE, TLE, MLE, OLE: the
backend decided by the verdict precedence of sandbox/verdict.py), else from the checker. The program's
verdict is IE when any test is IE (the sandbox failed even after the backend's retries: the report
says nothing about the program), otherwise the verdict of the first failing test in test order, as
on Codeforces, otherwise AC. Input comes from a host file (never a pipe: many old solutions size their
input with fstat), or as `input_file` in the work directory for file-I/O problems.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sandbox.backend import Backend
from sandbox.checkers import CheckerSpec, CheckResult, check
from sandbox.checkers.custom import CustomChecker
from sandbox.compile_cache import CompileCache
from sandbox.compiler import Compiled, compile_source
from sandbox.errors import SandboxError
from sandbox.interactive import pair_verdict, run_pair
from sandbox.spec import FileSpec, RunResult, RunSpec
from sandbox.verdict import Status, Verdict, verdict_of_status


@dataclass(frozen=True)
class JudgeTest:
    name: str
    input: bytes
    answer: bytes | None = None  # None: only a custom checker or an interactor can judge


@dataclass(frozen=True)
class TestOutcome:
    name: str
    verdict: Verdict
    run: RunResult | None
    checker_message: str = ""
    points: float | None = None

    def to_json(self) -> dict[str, Any]:
        run = self.run
        return {
            "name": self.name,
            "verdict": self.verdict.value,
            "status": run.status.value if run else None,
            "cpu_s": round(run.cpu_s, 4) if run else None,
            "wall_s": round(run.wall_s, 4) if run else None,
            "memory_mb": round(run.memory_mb, 2) if run else None,
            "exit_code": run.exit_code if run else None,
            "signal": run.signal if run else None,
            "wall_limited": run.wall_limited if run else False,
            "checker_message": self.checker_message,
            "points": self.points,
        }


@dataclass(frozen=True)
class JudgeReport:
    verdict: Verdict
    compile: Compiled
    tests: tuple[TestOutcome, ...] = ()
    max_cpu_s: float = 0.0
    max_memory_mb: float = 0.0

    @property
    def passed(self) -> int:
        return sum(t.verdict is Verdict.AC for t in self.tests)

    @property
    def first_failure(self) -> TestOutcome | None:
        return next((t for t in self.tests if t.verdict is not Verdict.AC), None)

    def to_json(self) -> dict[str, Any]:
        """The contract: verdict, compile details, one entry per test run, peaks."""
        failure = self.first_failure
        return {
            "verdict": self.verdict.value,
            "compile": self.compile.to_json(),
            "tests": [t.to_json() for t in self.tests],
            "passed": self.passed,
            "total": len(self.tests),
            "first_failure": failure.name if failure else None,
            "max_cpu_s": round(self.max_cpu_s, 4),
            "max_memory_mb": round(self.max_memory_mb, 2),
        }


@dataclass(frozen=True)
class JudgeTask:
    """What judging one program needs besides the program (plain data, shared by a batch)."""

    tests: tuple[JudgeTest, ...]
    checker: CheckerSpec = field(default_factory=CheckerSpec)
    time_limit_s: float = 1.0
    memory_mb: int = 256
    input_file: str | None = None
    output_file: str | None = None
    stop_at_first_failure: bool = False
    wall_time_s: float | None = None  # None: the backend's default (2 x CPU + 1 s, at least 3 s)


def _safe_name(name: str | None, what: str) -> str | None:
    """A plain file name in the work directory: no paths, no '..' (and the backend never follows links)."""
    if name is None:
        return None
    p = PurePosixPath(name)
    if p.is_absolute() or len(p.parts) != 1 or name in (".", "..") or not name:
        raise SandboxError(f"{what} {name!r} must be a plain file name", hint="use a name like input.txt")
    return name


def report_of(compiled: Compiled, outcomes: Sequence[TestOutcome]) -> JudgeReport:
    """The program's verdict from its tests: IE if any, else the first failure in order, else AC."""
    verdicts = [o.verdict for o in outcomes]
    if Verdict.IE in verdicts:
        verdict = Verdict.IE
    else:
        verdict = next((v for v in verdicts if v is not Verdict.AC), Verdict.AC)
    runs = [o.run for o in outcomes if o.run is not None]
    return JudgeReport(
        verdict=verdict,
        compile=compiled,
        tests=tuple(outcomes),
        max_cpu_s=max((r.cpu_s for r in runs), default=0.0),
        max_memory_mb=max((r.memory_mb for r in runs), default=0.0),
    )


class Judge:
    """Judges programs on tests through one backend. Thread-safe; reuse it for many programs."""

    def __init__(self, backend: Backend, cache: CompileCache | None = None) -> None:
        self.backend = backend
        self.cache = cache
        self._custom: dict[tuple[str, str], CustomChecker] = {}

    # -- the public face -----------------------------------------------------------------------
    def compile(self, source: str, language: str) -> Compiled:
        return compile_source(self.backend, source, language, cache=self.cache)

    def judge(
        self,
        source: str,
        language: str,
        tests: Sequence[JudgeTest],
        *,
        checker: CheckerSpec = CheckerSpec(),
        time_limit_s: float = 1.0,
        memory_mb: int = 256,
        input_file: str | None = None,
        output_file: str | None = None,
        interactor: tuple[str, str] | None = None,
        stop_at_first_failure: bool = False,
        wall_time_s: float | None = None,
    ) -> JudgeReport:
        compiled = self.compile(source, language)
        return self.judge_compiled(
            compiled,
            tests,
            checker=checker,
            time_limit_s=time_limit_s,
            memory_mb=memory_mb,
            input_file=input_file,
            output_file=output_file,
            interactor=interactor,
            stop_at_first_failure=stop_at_first_failure,
            wall_time_s=wall_time_s,
        )

    def judge_compiled(
        self,
        compiled: Compiled,
        tests: Sequence[JudgeTest],
        *,
        checker: CheckerSpec = CheckerSpec(),
        time_limit_s: float = 1.0,
        memory_mb: int = 256,
        input_file: str | None = None,
        output_file: str | None = None,
        interactor: tuple[str, str] | None = None,
        stop_at_first_failure: bool = False,
        wall_time_s: float | None = None,
    ) -> JudgeReport:
        problem = JudgeTask(
            tuple(tests),
            checker,
            time_limit_s,
            memory_mb,
            _safe_name(input_file, "input file"),
            _safe_name(output_file, "output file"),
            stop_at_first_failure,
            wall_time_s,
        )
        if interactor is not None:
            return self._judge_interactive(compiled, problem, interactor)
        return self._judge_batch([compiled], problem)[0]

    def judge_many(
        self,
        programs: Sequence[tuple[str, str] | Compiled],
        tests: Sequence[JudgeTest],
        *,
        checker: CheckerSpec = CheckerSpec(),
        time_limit_s: float = 1.0,
        memory_mb: int = 256,
        input_file: str | None = None,
        output_file: str | None = None,
        stop_at_first_failure: bool = False,
        wall_time_s: float | None = None,
        on_report: Callable[[int, JudgeReport], None] | None = None,
    ) -> list[JudgeReport]:
        """Many programs x the same tests, all runs spread over the backend's worker slots.

        `programs` are (source, language) pairs or already compiled programs; compiles run in parallel
        too. Reports come back in the order of `programs` (and to `on_report` as each completes)."""
        problem = JudgeTask(
            tuple(tests),
            checker,
            time_limit_s,
            memory_mb,
            _safe_name(input_file, "input file"),
            _safe_name(output_file, "output file"),
            stop_at_first_failure,
            wall_time_s,
        )
        compiled = self._compile_all(programs)
        return self._judge_batch(compiled, problem, on_report)

    # -- compiling -----------------------------------------------------------------------------
    def _compile_all(self, programs: Sequence[tuple[str, str] | Compiled]) -> list[Compiled]:
        def one(program: tuple[str, str] | Compiled) -> Compiled:
            return program if isinstance(program, Compiled) else self.compile(*program)

        if len(programs) <= 1:
            return [one(p) for p in programs]
        with ThreadPoolExecutor(max_workers=self.backend.slots, thread_name_prefix="judge-compile") as pool:
            return list(pool.map(one, programs))

    def custom_checker(self, spec: CheckerSpec) -> CustomChecker:
        assert spec.source is not None
        key = (spec.source, spec.language or "cpp17")
        if key not in self._custom:
            self._custom[key] = CustomChecker(self.backend, spec.source, key[1], self.cache)
        return self._custom[key]

    # -- running -------------------------------------------------------------------------------
    def _spec(self, compiled: Compiled, test: JudgeTest, stdin: Path | None, problem: JudgeTask) -> RunSpec:
        spec = compiled.run_spec(
            stdin=None if problem.input_file else stdin,
            cpu_time_s=problem.time_limit_s,
            memory_mb=problem.memory_mb,
        )
        if problem.input_file:
            spec = spec.with_(files=spec.files + (FileSpec(problem.input_file, content=test.input),))
        if problem.output_file:
            spec = spec.with_(collect=(problem.output_file,))
        if problem.wall_time_s is not None:
            spec = spec.with_(wall_time_s=problem.wall_time_s)
        return spec

    def _output(self, result: RunResult, problem: JudgeTask) -> bytes | None:
        if problem.output_file:
            return result.file(problem.output_file)
        return result.stdout

    def _outcome(
        self, test: JudgeTest, result: RunResult, problem: JudgeTask, checked: CheckResult | None
    ) -> TestOutcome:
        if result.status is not Status.OK:
            return TestOutcome(test.name, verdict_of_status(result.status), result, result.message)
        assert checked is not None
        return TestOutcome(test.name, checked.verdict, result, checked.message, checked.points)

    def _check_builtin(self, test: JudgeTest, result: RunResult, problem: JudgeTask) -> CheckResult:
        output = self._output(result, problem)
        if output is None:
            return CheckResult(Verdict.WA, f"the program did not write {problem.output_file}")
        if test.answer is None:
            return CheckResult(Verdict.AC, "ran without error; no answer to compare")
        return check(problem.checker, test.input, output, test.answer)

    def _judge_batch(
        self,
        programs: Sequence[Compiled],
        problem: JudgeTask,
        on_report: Callable[[int, JudgeReport], None] | None = None,
    ) -> list[JudgeReport]:
        reports: list[JudgeReport | None] = [None] * len(programs)
        outcomes: list[dict[int, TestOutcome]] = [{} for _ in programs]
        alive: list[int] = []
        for i, compiled in enumerate(programs):
            if compiled.ok:
                alive.append(i)
            else:
                reports[i] = JudgeReport(
                    verdict=Verdict.CE if compiled.status is Status.CE else Verdict.IE, compile=compiled
                )
                if on_report:
                    on_report(i, reports[i])  # type: ignore[arg-type]
        tests = problem.tests
        custom = self.custom_checker(problem.checker) if problem.checker.kind == "custom" and alive else None
        with _stdin_files(tests) as stdins:
            next_test = {i: 0 for i in alive}
            # Without early stopping one wave runs everything; with it, each wave runs the next few tests
            # of every program still passing (a slot's worth, so one program alone still fills the slots).
            wave_size = max(1, self.backend.slots) if problem.stop_at_first_failure else len(tests)
            while alive:
                jobs = [
                    (i, t)
                    for i in alive
                    for t in range(next_test[i], min(len(tests), next_test[i] + wave_size))
                ]
                self._run_wave(programs, jobs, problem, stdins, custom, outcomes)
                still = []
                for i in alive:
                    next_test[i] = min(len(tests), next_test[i] + wave_size)
                    ran = [outcomes[i][t] for t in sorted(outcomes[i])]
                    failed = any(o.verdict is not Verdict.AC for o in ran)
                    if next_test[i] >= len(tests) or (problem.stop_at_first_failure and failed):
                        if problem.stop_at_first_failure and failed:
                            first = next(k for k, o in enumerate(ran) if o.verdict is not Verdict.AC)
                            ran = ran[: first + 1]
                        reports[i] = report_of(programs[i], ran)
                        if on_report:
                            on_report(i, reports[i])  # type: ignore[arg-type]
                    else:
                        still.append(i)
                alive = still
        return [r for r in reports if r is not None]

    def _run_wave(
        self,
        programs: Sequence[Compiled],
        jobs: list[tuple[int, int]],
        problem: JudgeTask,
        stdins: list[Path],
        custom: CustomChecker | None,
        outcomes: list[dict[int, TestOutcome]],
    ) -> None:
        tests = problem.tests
        specs = [self._spec(programs[i], tests[t], stdins[t], problem) for i, t in jobs]
        pending: list[tuple[int, int, RunResult]] = []
        for k, result in self.backend.iter_batch(specs):
            i, t = jobs[k]
            if result.status is Status.OK and custom is not None:
                pending.append((i, t, result))
                continue
            checked = self._check_builtin(tests[t], result, problem) if result.status is Status.OK else None
            outcomes[i][t] = self._outcome(tests[t], result, problem, checked)
        if not pending:
            return
        assert custom is not None
        check_specs: list[RunSpec] = []
        waiting: list[tuple[int, int, RunResult]] = []
        for i, t, result in pending:
            output = self._output(result, problem)
            if output is None:
                outcomes[i][t] = self._outcome(
                    tests[t],
                    result,
                    problem,
                    CheckResult(Verdict.WA, f"the program did not write {problem.output_file}"),
                )
                continue
            check_specs.append(custom.spec_for(tests[t].input, output, tests[t].answer or b""))
            waiting.append((i, t, result))
        for k, checker_run in self.backend.iter_batch(check_specs):
            i, t, result = waiting[k]
            outcomes[i][t] = self._outcome(tests[t], result, problem, custom.result_of(checker_run))

    # -- interactive ---------------------------------------------------------------------------
    def _judge_interactive(
        self, compiled: Compiled, problem: JudgeTask, interactor: tuple[str, str]
    ) -> JudgeReport:
        if not compiled.ok:
            return JudgeReport(
                verdict=Verdict.CE if compiled.status is Status.CE else Verdict.IE, compile=compiled
            )
        inter = self.compile(*interactor)
        if inter.status is Status.CE:
            raise SandboxError(
                f"the interactor does not compile: {inter.message[:300]}",
                hint="fix the problem's interactor source",
            )
        if not inter.ok:
            raise SandboxError(
                f"the interactor could not be compiled: {inter.message[:300]}",
                hint="run `cpagent doctor` to see which sandbox layer fails",
            )
        sol_wall = problem.wall_time_s or max(2.0 * problem.time_limit_s + 1.0, 3.0)

        def one(test: JudgeTest) -> TestOutcome:
            sol = compiled.run_spec(
                cpu_time_s=problem.time_limit_s, memory_mb=problem.memory_mb, wall_time_s=sol_wall
            )
            ispec = inter.run_spec(
                cpu_time_s=max(5.0, 2 * problem.time_limit_s), memory_mb=512, wall_time_s=sol_wall + 2.0
            ).with_(
                command=inter.command + ("input.txt", "output.txt"),
                files=inter.files
                + (
                    FileSpec("input.txt", content=test.input),
                    FileSpec("answer.txt", content=test.answer or b""),
                ),
                collect=("output.txt",),
                language=f"interactor:{inter.language}",
            )
            sol_result, inter_result = run_pair(self.backend, sol, ispec)
            verdict, message = pair_verdict(sol_result, inter_result)
            return TestOutcome(test.name, verdict, sol_result, message)

        outcomes: list[TestOutcome] = []
        if problem.stop_at_first_failure:
            for test in problem.tests:
                outcomes.append(one(test))
                if outcomes[-1].verdict is not Verdict.AC:
                    break
        else:
            with ThreadPoolExecutor(max_workers=max(1, self.backend.slots // 2)) as pool:
                outcomes = list(pool.map(one, problem.tests))
        return report_of(compiled, outcomes)


@contextmanager
def _stdin_files(tests: Sequence[JudgeTest]) -> Iterator[list[Path]]:
    """Each test's input as a host file, written once for all programs of a batch."""
    with tempfile.TemporaryDirectory(prefix="cpagent-judge-") as tmp:
        paths = []
        for k, test in enumerate(tests):
            path = Path(tmp) / f"{k:05d}.in"
            path.write_bytes(test.input)
            paths.append(path)
        yield paths
