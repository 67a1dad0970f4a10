"""The `docker` backend: long-lived hardened containers, one per worker slot, driven through the SDK.

Each slot is one container started once (`sleep infinity` as its only process) with no network, a
read-only root, size-limited tmpfs for /work, /tmp and /dev/shm, every capability dropped,
no-new-privileges, a non-root user, and pids and memory limits; Docker's default seccomp profile
applies. A run never starts a container: its files are copied in with `put_archive`, the program
runs with `exec_run` under a small POSIX shell wrapper (`timeout` for the wall clock, `prlimit`
for CPU and file size), and its outputs come back with `get_archive`. CPU time and OOM kills come
from the container's own cgroup, read by the wrapper before and after the program.

The image must hold the toolchains and coreutils/util-linux (`timeout`, `prlimit`); it is named by
`CPAGENT_DOCKER_IMAGE` (default `cpagent-sandbox`). Build it without a registry, e.g. by
`docker import` of a Debian root file system (see docs/sandbox.md).
"""

from __future__ import annotations

import io
import itertools
import os
import signal
import tarfile
import threading
from dataclasses import dataclass
from typing import Any

from sandbox.backend import Backend, register_backend
from sandbox.errors import SandboxError
from sandbox.spec import RunResult, RunSpec
from sandbox.verdict import Status

DEFAULT_IMAGE = "cpagent-sandbox"
SANDBOX_USER = "65534:65534"
LABEL = "cpagent.sandbox"

# Runs inside the container: limits, stdin from a file, outputs to files, counters before and after.
WRAPPER = r"""
cd "$1" || exit 121
wall=$2; cpu=$3; fsize=$4; shift 4
cg=/sys/fs/cgroup
cpu_now() {
  if [ -r $cg/cpu.stat ]; then sed -n 's/^usage_usec //p' $cg/cpu.stat
  elif [ -r $cg/cpuacct/cpuacct.usage ]; then echo $(( $(cat $cg/cpuacct/cpuacct.usage) / 1000 ))
  else echo 0; fi
}
oom_now() {
  if [ -r $cg/memory.events ]; then sed -n 's/^oom_kill //p' $cg/memory.events
  elif [ -r $cg/memory/memory.oom_control ]; then sed -n 's/^oom_kill //p' $cg/memory/memory.oom_control
  else echo 0; fi
}
c0=$(cpu_now); o0=$(oom_now)
if [ -f .stdin ]; then in=.stdin; else in=/dev/null; fi
timeout -s KILL "$wall" prlimit --cpu="$cpu" --fsize="$fsize" --nofile=256 --core=0 -- "$@" <"$in" >.stdout 2>.stderr
rc=$?
printf 'rc=%s\ncpu0=%s\ncpu1=%s\noom0=%s\noom1=%s\n' "$rc" "$c0" "$(cpu_now)" "$o0" "$(oom_now)" >.status
"""


@dataclass(frozen=True)
class DockerConfig:
    """How slot containers are made; `container_kwargs` is the exact `containers.run` call, as data."""

    image: str = DEFAULT_IMAGE
    memory_mb: int = 1024  # container ceiling; each run lowers it with `update`
    pids_limit: int = 64
    tmpfs_mb: int = 256
    user: str = SANDBOX_USER

    def container_kwargs(self, slot: int) -> dict[str, Any]:
        tmpfs_opts = f"size={self.tmpfs_mb}m,mode=1777,nosuid,nodev"
        return {
            "image": self.image,
            "command": ["sleep", "infinity"],
            "detach": True,
            "name": None,
            "labels": {LABEL: "1", f"{LABEL}.slot": str(slot), f"{LABEL}.owner": str(os.getpid())},
            "network_mode": "none",
            "read_only": True,
            "tmpfs": {"/work": tmpfs_opts, "/tmp": tmpfs_opts, "/dev/shm": tmpfs_opts},
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges:true"],
            "user": self.user,
            "pids_limit": self.pids_limit,
            "mem_limit": f"{self.memory_mb}m",
            "memswap_limit": f"{self.memory_mb}m",
            "ipc_mode": "private",
            "working_dir": "/work",
            "environment": {"PATH": "/usr/local/bin:/usr/bin:/bin"},
            "auto_remove": False,
            "stop_signal": "SIGKILL",
        }


def _client(timeout: float = 5.0) -> Any:
    import docker  # the optional `docker` extra

    return docker.from_env(timeout=int(max(1, timeout)))


def engine_status() -> tuple[bool, str, str]:
    """(reachable, detail, hint) for the doctor and for tests that need an engine."""
    try:
        import docker  # noqa: F401
    except ImportError:
        return False, "the docker SDK is not installed", "pip install 'cpagent[docker]'"
    try:
        client = _client(timeout=3)
        client.ping()
        version = client.version().get("Version", "?")
    except Exception as exc:  # noqa: BLE001 - any failure means "no engine here"
        return False, f"no Docker engine reachable ({type(exc).__name__})", \
            "install docker.io and start dockerd (or set DOCKER_HOST)"
    return True, f"Docker engine {version}", ""


def parse_status(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        try:
            out[key] = int(value.strip() or 0)
        except ValueError:
            continue
    return out


def classify_exit(spec: RunSpec, counters: dict[str, int], stdout_len: int, wall_s: float) -> tuple[Status, dict[str, Any]]:
    """Status from the wrapper's counters (pure, unit-tested)."""
    rc = counters.get("rc", 125)
    cpu_s = max(0, counters.get("cpu1", 0) - counters.get("cpu0", 0)) / 1e6
    oom = counters.get("oom1", 0) > counters.get("oom0", 0)
    code: int | None = rc
    sig: int | None = None
    if rc >= 128:  # the shell reports death by signal N as 128+N
        code, sig = None, rc - 128
    fields: dict[str, Any] = dict(exit_code=code, signal=sig, cpu_s=cpu_s, oom_killed=oom)
    if rc in (121, 125, 126, 127) and not counters:
        return Status.IE, fields
    if oom:
        return Status.MLE, fields
    if sig == signal.SIGXCPU or cpu_s > spec.cpu_time_s:
        return Status.TLE, fields
    if sig == signal.SIGKILL and wall_s >= spec.effective_wall_s() * 0.95:
        fields["wall_limited"] = True
        return Status.TLE, fields
    if stdout_len > spec.output_limit_bytes or sig == signal.SIGXFSZ:
        return Status.OLE, fields
    if sig is not None or rc != 0:
        return Status.RE, fields
    return Status.OK, fields


def files_tar(spec: RunSpec, directory: str) -> bytes:
    """The run's files (and stdin as .stdin) as a tar archive rooted at `directory`."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        def add(name: str, data: bytes, mode: int) -> None:
            info = tarfile.TarInfo(f"{directory}/{name}")
            info.size, info.mode, info.uid, info.gid = len(data), mode, 65534, 65534
            tar.addfile(info, io.BytesIO(data))

        d = tarfile.TarInfo(directory)
        d.type, d.mode, d.uid, d.gid = tarfile.DIRTYPE, 0o777, 65534, 65534
        tar.addfile(d)
        for f in spec.files:
            data = f.content if f.content is not None else f.source.read_bytes()  # type: ignore[union-attr]
            add(f.name, data, 0o755 if f.executable else 0o644)
        if spec.stdin is not None:
            add(".stdin", spec.stdin.read_bytes(), 0o444)
    return buf.getvalue()


def read_tar_files(stream: Any, limit: int) -> dict[str, bytes]:
    """Regular files from a `get_archive` stream; links and devices are refused."""
    data = b"".join(stream)
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                f = tar.extractfile(member)
                if f is not None:
                    out[os.path.basename(member.name)] = f.read(limit + 1)
    return out


class DockerBackend(Backend):
    name = "docker"
    secure = True

    def __init__(self, *, insecure: bool = False, slots: int | None = None, config: DockerConfig | None = None) -> None:
        super().__init__(slots)
        ok, detail, hint = engine_status()
        if not ok:
            raise SandboxError(f"the docker backend is unavailable: {detail}", hint=hint)
        self.config = config or DockerConfig(image=os.environ.get("CPAGENT_DOCKER_IMAGE", DEFAULT_IMAGE))
        self.client = _client(timeout=60)
        try:
            self.client.images.get(self.config.image)
        except Exception as exc:  # noqa: BLE001
            raise SandboxError(f"docker image {self.config.image!r} not found ({type(exc).__name__})",
                               hint="build it from a root file system: see docs/sandbox.md (docker import)") from exc
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._count = 0
        self._seq = itertools.count()

    def _container(self) -> Any:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            self._count += 1
            slot = self._count
        return self.client.containers.run(**self.config.container_kwargs(slot))

    def _release(self, container: Any, healthy: bool) -> None:
        if healthy:
            with self._lock:
                self._idle.append(container)
            return
        try:
            container.remove(force=True)
        except Exception:  # noqa: BLE001
            pass

    def _run_once(self, spec: RunSpec) -> RunResult:
        import time

        try:
            container = self._container()
        except Exception as exc:  # noqa: BLE001
            return RunResult(Status.IE, backend=self.name, message=f"cannot start a slot container: {exc}")
        healthy = False
        directory = f"/work/r{next(self._seq)}"
        try:
            mem = min(spec.memory_mb, self.config.memory_mb)
            container.update(mem_limit=f"{mem}m", memswap_limit=f"{mem}m")
            if not container.put_archive("/", files_tar(spec, directory.lstrip("/"))):
                return RunResult(Status.IE, backend=self.name, message="put_archive failed")
            cpu = max(1, int(spec.cpu_time_s + 0.999)) + 1
            fsize = max(spec.file_size_limit_bytes, spec.output_limit_bytes + 1)
            argv = ["/bin/sh", "-c", WRAPPER, "wrapper", directory, f"{spec.effective_wall_s():.3f}", str(cpu),
                    str(fsize), *spec.command]
            start = time.monotonic()
            exec_result = container.exec_run(argv, user=self.config.user, environment=dict(spec.env) or None,
                                             workdir=directory)
            wall = time.monotonic() - start
            names = [".status", ".stdout", ".stderr", *spec.collect]
            got: dict[str, bytes] = {}
            for name in names:
                try:
                    stream, _ = container.get_archive(f"{directory}/{name}")
                    got.update(read_tar_files(stream, max(spec.output_limit_bytes, spec.file_size_limit_bytes)))
                except Exception:  # noqa: BLE001 - a missing output file
                    continue
            container.exec_run(["rm", "-rf", directory], user=self.config.user)
            if ".status" not in got:
                return RunResult(Status.IE, backend=self.name,
                                 message=f"the wrapper left no status (exit {exec_result.exit_code})")
            stdout = got.get(".stdout", b"")
            stderr = got.get(".stderr", b"")
            status, fields = classify_exit(spec, parse_status(got[".status"].decode()), len(stdout), wall)
            healthy = status is not Status.IE
            return RunResult(
                status=status, wall_s=wall, stdout=stdout[: spec.output_limit_bytes],
                stderr=stderr[: spec.stderr_limit_bytes], stdout_truncated=len(stdout) > spec.output_limit_bytes,
                stderr_truncated=len(stderr) > spec.stderr_limit_bytes, backend=self.name,
                files=tuple((n, got[n]) for n in spec.collect if n in got), **fields,
            )
        except Exception as exc:  # noqa: BLE001 - the engine failed: IE, retried by run()
            return RunResult(Status.IE, backend=self.name, message=f"docker: {exc}")
        finally:
            self._release(container, healthy)

    def close(self) -> None:
        super().close()
        with self._lock:
            idle, self._idle = self._idle, []
        for c in idle:
            try:
                c.remove(force=True)
            except Exception:  # noqa: BLE001
                pass


def _open(insecure: bool = False, slots: int | None = None) -> Backend:
    return DockerBackend(insecure=insecure, slots=slots)


register_backend("docker", _open)

__all__ = ["DockerBackend", "DockerConfig", "WRAPPER", "classify_exit", "engine_status"]
