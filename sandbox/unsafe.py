"""A backend with no isolation: plain `subprocess` under rlimits.

It exists as the reference point for benchmarks (the "unsandboxed judge") and for users who pass
--insecure on a machine with no namespaces. It is never chosen by default.
"""

from __future__ import annotations

import os
import resource
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from sandbox.backend import Backend, register_backend
from sandbox.errors import UnsafeSandboxError
from sandbox.spec import MiB, RunResult, RunSpec
from sandbox.verdict import Status


def materialize(spec: RunSpec, workdir: Path) -> None:
    """Write the spec's files into a work directory (shared by backends that copy files in)."""
    for f in spec.files:
        dest = workdir / f.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if f.content is not None:
            dest.write_bytes(f.content)
        else:
            assert f.source is not None
            shutil.copyfile(f.source, dest)
        if f.executable:
            dest.chmod(0o755)


def _wait(proc: subprocess.Popen[bytes], wall_s: float) -> tuple[bool, resource.struct_rusage]:
    """Wait for the child with a wall limit; return (wall_limited, the child's own rusage).

    `os.wait4` reports the resources of this child (and the descendants it waited for), unlike
    RUSAGE_CHILDREN, which sums every child this process ever reaped, across threads and runs.
    """
    wall_limited = False
    pidfd = os.pidfd_open(proc.pid)
    try:
        ready, _, _ = select.select([pidfd], [], [], wall_s)
        if not ready:
            wall_limited = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    finally:
        os.close(pidfd)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall_limited, usage


class UnsafeBackend(Backend):
    name = "unsafe"
    secure = False

    def __init__(self, *, insecure: bool = False, slots: int | None = None) -> None:
        if not insecure:
            raise UnsafeSandboxError(
                "the unsafe backend runs programs without isolation",
                hint="pass --insecure only for programs you trust",
            )
        super().__init__(slots)

    def _run_once(self, spec: RunSpec) -> RunResult:
        with tempfile.TemporaryDirectory(prefix="cpagent-unsafe-") as tmp:
            work = Path(tmp)
            try:
                materialize(spec, work)
            except OSError as exc:
                return RunResult(Status.IE, backend=self.name, message=f"could not write files: {exc}")
            cpu = max(1, int(spec.cpu_time_s + 0.999))
            mem = spec.memory_mb * MiB

            def limits() -> None:
                resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
                resource.setrlimit(resource.RLIMIT_AS, (mem * 4, mem * 4))
                resource.setrlimit(resource.RLIMIT_FSIZE, (spec.file_size_limit_bytes,) * 2)
                os.setsid()

            stdin = open(spec.stdin, "rb") if spec.stdin else subprocess.DEVNULL
            out_path, err_path = work / ".stdout", work / ".stderr"
            start = time.monotonic()
            try:
                with open(out_path, "wb") as out, open(err_path, "wb") as err:
                    proc = subprocess.Popen(
                        list(spec.command), cwd=work, stdin=stdin, stdout=out, stderr=err,
                        preexec_fn=limits, env=dict(spec.env) or {"PATH": "/usr/bin:/bin"},
                    )
                    wall_limited, usage = _wait(proc, spec.effective_wall_s())
            except OSError as exc:
                return RunResult(Status.IE, backend=self.name, message=str(exc))
            finally:
                if stdin is not subprocess.DEVNULL:
                    stdin.close()
            wall = time.monotonic() - start
            stdout = out_path.read_bytes()
            stderr = err_path.read_bytes()
            rc = proc.returncode
            sig = -rc if rc < 0 else None
            code = rc if rc >= 0 else None
            # This child's own rusage (from wait4), so concurrent runs never add to each other's time.
            cpu_s = usage.ru_utime + usage.ru_stime
            status = Status.OK
            if wall_limited or sig in (signal.SIGXCPU,) or cpu_s > spec.cpu_time_s:
                status = Status.TLE
            elif len(stdout) > spec.output_limit_bytes or sig == signal.SIGXFSZ:
                status = Status.OLE
            elif rc != 0:
                status = Status.RE
            files = tuple((n, (work / n).read_bytes()) for n in spec.collect if (work / n).is_file())
            return RunResult(
                status=status, exit_code=code, signal=sig, cpu_s=cpu_s, wall_s=wall,
                memory_mb=usage.ru_maxrss / 1024.0,
                stdout=stdout[: spec.output_limit_bytes], stderr=stderr[: spec.stderr_limit_bytes],
                stdout_truncated=len(stdout) > spec.output_limit_bytes,
                stderr_truncated=len(stderr) > spec.stderr_limit_bytes,
                wall_limited=wall_limited, backend=self.name, files=files,
            )


register_backend("unsafe", UnsafeBackend)
