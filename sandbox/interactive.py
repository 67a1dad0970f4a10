"""Interactive problems: the solution and the interactor joined by pipes, and the verdict of the pair.

`run_pair` uses the backend's own `run_interactive` (the native backend puts each side in its own
sandbox). For the unsafe backend, which isolates nothing anyway, `run_pair_unsafe` joins two plain
processes with the same limits the unsafe backend applies, so interactive problems can be developed and
tested on any machine.

The interactor follows testlib: `interactor input.txt output.txt`, its stdin reading the solution's
stdout and its stdout feeding the solution's stdin; its exit code decides (0 OK, 1 WA, 2 PE, 3 fail).
A solution that forgets to flush waits forever for an answer that never comes: the wall limit ends it
as TLE (marked as wall), never a hang.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from sandbox.backend import IE_RETRIES, Backend
from sandbox.checkers.custom import verdict_of_exit
from sandbox.checkers.result import CheckResult
from sandbox.spec import MiB, RunResult, RunSpec
from sandbox.verdict import Status, Verdict, verdict_of_status


def run_pair(backend: Backend, solution: RunSpec, interactor: RunSpec) -> tuple[RunResult, RunResult]:
    """Run the pair; a sandbox failure (IE on either side) is retried like `Backend.run` retries."""
    for _ in range(IE_RETRIES + 1):
        if type(backend).run_interactive is Backend.run_interactive and backend.name == "unsafe":
            sol, inter = run_pair_unsafe(solution, interactor)
        else:
            sol, inter = backend.run_interactive(solution, interactor)
        if Status.IE not in (sol.status, inter.status):
            break
    return sol, inter


def pair_verdict(solution: RunResult, interactor: RunResult) -> tuple[Verdict, str]:
    """One verdict for the pair. The interactor failing is IE; then what the solution did (a limit, a
    crash: the interactor's complaint about an early end of input is only a consequence), except that a
    solution killed by SIGPIPE died because the interactor had already decided and left; then the
    interactor's verdict."""
    said: CheckResult = verdict_of_exit(interactor, "interactor")
    if said.verdict is Verdict.IE or solution.status is Status.IE:
        return Verdict.IE, said.message or solution.message
    if solution.status is not Status.OK and not (
        solution.signal == signal.SIGPIPE and said.verdict is not Verdict.AC
    ):
        return verdict_of_status(solution.status), said.message
    return said.verdict, said.message


# -- the unsafe pipe-joining ------------------------------------------------------------------------


def _write_files(spec: RunSpec, work: Path) -> None:
    for f in spec.files:
        dest = work / f.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if f.content is not None:
            dest.write_bytes(f.content)
        else:
            assert f.source is not None
            shutil.copyfile(f.source, dest)
        if f.executable:
            dest.chmod(0o755)


def _limits(spec: RunSpec):  # type: ignore[no-untyped-def]
    cpu = max(1, int(spec.cpu_time_s + 0.999))
    mem = spec.memory_mb * MiB

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_AS, (mem * 4, mem * 4))
        resource.setrlimit(resource.RLIMIT_FSIZE, (spec.file_size_limit_bytes,) * 2)
        os.setsid()

    return apply


class _Side:
    """One process of the pair: started, then reaped with its own resource usage (wait4)."""

    def __init__(self, spec: RunSpec, work: Path, stdin: int, stdout: int) -> None:
        self.spec, self.work = spec, work
        self.err_path = work / ".stderr"
        self.started = time.monotonic()
        with open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(
                list(spec.command),
                cwd=work,
                stdin=stdin,
                stdout=stdout,
                stderr=err,
                preexec_fn=_limits(spec),
                env=dict(spec.env) or {"PATH": "/usr/bin:/bin"},
                pass_fds=(),
            )
        self.status: int | None = None
        self.rusage: resource.struct_rusage | None = None
        self.wall = 0.0
        self.wall_limited = False
        self.done = threading.Event()
        threading.Thread(target=self._reap, daemon=True).start()

    def _reap(self) -> None:
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.status, self.rusage = status, usage
        self.wall = time.monotonic() - self.started
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.done.set()

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def result(self, collect_stdout: bytes = b"") -> RunResult:
        rc = self.proc.returncode
        assert rc is not None and self.rusage is not None
        sig = -rc if rc < 0 else None
        cpu = self.rusage.ru_utime + self.rusage.ru_stime
        status = Status.OK
        if (
            self.wall_limited
            or sig == signal.SIGXCPU
            or (sig == signal.SIGKILL and cpu >= self.spec.cpu_time_s)
        ):
            status = Status.TLE
        elif rc != 0:
            status = Status.RE
        elif cpu > self.spec.cpu_time_s:
            status = Status.TLE
        files = []
        for name in self.spec.collect:
            path = self.work / name
            if path.is_file() and not path.is_symlink():  # never follow a planted link
                files.append((name, path.read_bytes()[: self.spec.output_limit_bytes]))
        stderr = self.err_path.read_bytes()
        return RunResult(
            status=status,
            exit_code=rc if rc >= 0 else None,
            signal=sig,
            cpu_s=cpu,
            wall_s=self.wall,
            memory_mb=self.rusage.ru_maxrss / 1024.0,
            stdout=collect_stdout,
            stderr=stderr[: self.spec.stderr_limit_bytes],
            stderr_truncated=len(stderr) > self.spec.stderr_limit_bytes,
            wall_limited=self.wall_limited,
            backend="unsafe",
            files=tuple(files),
        )


def run_pair_unsafe(solution: RunSpec, interactor: RunSpec) -> tuple[RunResult, RunResult]:
    """Two unisolated processes joined by pipes, each under its own rlimits and wall limit."""
    with (
        tempfile.TemporaryDirectory(prefix="cpagent-sol-") as sol_tmp,
        tempfile.TemporaryDirectory(prefix="cpagent-int-") as int_tmp,
    ):
        sol_work, int_work = Path(sol_tmp), Path(int_tmp)
        try:
            _write_files(solution, sol_work)
            _write_files(interactor, int_work)
        except OSError as exc:
            ie = RunResult(Status.IE, backend="unsafe", message=f"could not write files: {exc}")
            return ie, ie
        to_sol_r, to_sol_w = os.pipe()
        to_int_r, to_int_w = os.pipe()
        try:
            sol = _Side(solution, sol_work, stdin=to_sol_r, stdout=to_int_w)
            try:
                inter = _Side(interactor, int_work, stdin=to_int_r, stdout=to_sol_w)
            except OSError:
                sol.kill()
                sol.done.wait()
                raise
        except OSError as exc:
            ie = RunResult(Status.IE, backend="unsafe", message=f"could not start: {exc}")
            return ie, ie
        finally:
            for fd in (to_sol_r, to_sol_w, to_int_r, to_int_w):
                os.close(fd)  # the children hold their ends; ours would keep the pipes open forever
        for side in (sol, inter):
            remaining = side.spec.effective_wall_s() - (time.monotonic() - side.started)
            if not side.done.wait(max(0.0, remaining)):
                side.wall_limited = True
                side.kill()
                side.done.wait()
        return sol.result(), inter.result()
