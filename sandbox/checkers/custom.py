"""testlib-compatible custom checkers, compiled and run inside the sandbox.

A checker is run as `checker input.txt output.txt answer.txt` in its own sandbox (the contestant's
output is untrusted data, and so is a checker shipped with a dataset). Exit codes follow testlib:
0 OK, 1 WA, 2 PE, 3 fail, 4 "dirt" and 8 unexpected EOF (both a wrong output format, so PE),
7 points (AC with the points testlib printed first). A checker that fails, crashes or runs out of
time is IE: the checker broke, the program did nothing wrong.
"""

from __future__ import annotations

import re

from sandbox.backend import Backend
from sandbox.checkers.result import CheckResult, clip
from sandbox.compile_cache import CompileCache
from sandbox.compiler import Compiled, compile_source
from sandbox.errors import SandboxError
from sandbox.spec import FileSpec, RunResult, RunSpec
from sandbox.verdict import Status, Verdict

EXIT_VERDICT = {0: Verdict.AC, 1: Verdict.WA, 2: Verdict.PE, 4: Verdict.PE, 7: Verdict.AC, 8: Verdict.PE}
POINTS_EXIT = 7
FAIL_EXIT = 3
_FIRST_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def verdict_of_exit(result: RunResult, role: str) -> CheckResult:
    """Map a testlib program's run (checker or interactor) to a check result."""
    message = clip(result.stderr.decode("utf-8", errors="replace"))
    if result.status is Status.IE:
        return CheckResult(Verdict.IE, f"{role} could not run: {result.message}")
    code = result.exit_code
    if result.status in (Status.OK, Status.RE) and code in EXIT_VERDICT:
        points = None
        if code == POINTS_EXIT:
            match = _FIRST_NUMBER.search(message)
            points = float(match.group()) if match else None
        return CheckResult(EXIT_VERDICT[code], message, points)
    if code == FAIL_EXIT:
        return CheckResult(Verdict.IE, clip(f"{role} failed: {message}"))
    why = f"{role} ended with {result.status.value}"
    if result.signal:
        why += f" (signal {result.signal})"
    elif code is not None:
        why += f" (exit code {code})"
    return CheckResult(Verdict.IE, clip(f"{why}: {message}" if message else why))


class CustomChecker:
    """A compiled testlib checker. `spec_for` + `result_of` let a judge batch checker runs."""

    def __init__(
        self,
        backend: Backend,
        source: str,
        language: str = "cpp17",
        cache: CompileCache | None = None,
        *,
        time_limit_s: float = 10.0,
        memory_mb: int = 1024,
    ) -> None:
        self.backend = backend
        self.time_limit_s = time_limit_s
        self.memory_mb = memory_mb
        self.compiled: Compiled = compile_source(backend, source, language, cache=cache)
        if self.compiled.status is Status.CE:
            raise SandboxError(
                f"the custom checker does not compile: {self.compiled.message[:300]}",
                hint="fix the problem's checker source (testlib.h must be included inline "
                "or available to the compiler)",
            )
        if not self.compiled.ok:
            raise SandboxError(
                f"the custom checker could not be compiled: {self.compiled.message[:300]}",
                hint="run `cpagent doctor` to see which sandbox layer fails",
            )

    def spec_for(self, input: bytes, output: bytes, answer: bytes) -> RunSpec:
        files = self.compiled.files + (
            FileSpec("input.txt", content=input),
            FileSpec("output.txt", content=output),
            FileSpec("answer.txt", content=answer),
        )
        tmpfs = max(64, (len(input) + len(output) + len(answer)) // (1024 * 1024) * 2 + 64)
        return self.compiled.run_spec(cpu_time_s=self.time_limit_s, memory_mb=self.memory_mb).with_(
            command=self.compiled.command + ("input.txt", "output.txt", "answer.txt"),
            files=files,
            tmpfs_mb=tmpfs,
            language=f"checker:{self.compiled.language}",
        )

    def result_of(self, result: RunResult) -> CheckResult:
        return verdict_of_exit(result, "checker")

    def check(self, input: bytes, output: bytes, answer: bytes) -> CheckResult:
        return self.result_of(self.backend.run(self.spec_for(input, output, answer)))
