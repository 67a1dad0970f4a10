"""What one run asks for (`RunSpec`) and what it gave (`RunResult`): the contract of every backend.

Specs are plain frozen data so that a batch can be shipped to worker slots, another process, a
container or a Ray task unchanged, and results serialize to the JSON the command line prints.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.verdict import Status

MiB = 1024 * 1024


@dataclass(frozen=True)
class FileSpec:
    """A file placed in the run's private work directory before the program starts.

    Exactly one of `content` and `source` is given. `source` is a host path (for example a cached
    binary) that the backend copies or binds read-only; it is never written back.
    """

    name: str
    content: bytes | None = None
    source: Path | None = None
    executable: bool = False

    def __post_init__(self) -> None:
        if (self.content is None) == (self.source is None):
            raise ValueError(f"FileSpec {self.name!r}: give exactly one of content or source")
        if self.name.startswith("/") or ".." in Path(self.name).parts:
            raise ValueError(f"FileSpec {self.name!r}: must be a relative path inside the work directory")


@dataclass(frozen=True)
class RunSpec:
    """One program run under limits. Paths in `command` are relative to the work directory.

    Defaults are those of a typical Codeforces problem: 1 s CPU, 256 MB.
    """

    command: tuple[str, ...]
    files: tuple[FileSpec, ...] = ()
    stdin: Path | None = None  # a host file: many old solutions size their input with fstat
    cpu_time_s: float = 1.0
    wall_time_s: float | None = None  # None: a few times the CPU limit, so sleeping programs end
    memory_mb: int = 256
    max_processes: int = 1  # threads count as processes for the kernel's limits
    output_limit_bytes: int = 64 * MiB  # per stream (stdout, stderr kept to a smaller cap)
    stderr_limit_bytes: int = 64 * 1024
    file_size_limit_bytes: int = 64 * MiB  # any one file the program writes
    tmpfs_mb: int = 64  # size of the writable work directory and /tmp
    env: tuple[tuple[str, str], ...] = ()
    collect: tuple[str, ...] = ()  # work-directory files to return (e.g. output.txt)
    language: str = ""  # lets fast paths (a Python zygote) recognise what they can serve

    def effective_wall_s(self) -> float:
        if self.wall_time_s is not None:
            return self.wall_time_s
        return max(2.0 * self.cpu_time_s + 1.0, 3.0)

    def with_(self, **changes: Any) -> "RunSpec":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class RunResult:
    """What the sandbox observed. Never guessed: MLE comes from the cgroup, TLE from CPU accounting."""

    status: Status
    exit_code: int | None = None
    signal: int | None = None
    cpu_s: float = 0.0
    wall_s: float = 0.0
    memory_mb: float = 0.0
    stdout: bytes = b""
    stderr: bytes = b""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    oom_killed: bool = False
    wall_limited: bool = False  # TLE because the wall clock ran out (idle or sleeping program)
    backend: str = ""
    message: str = ""  # why, for IE and OLE
    files: tuple[tuple[str, bytes], ...] = ()
    extra: tuple[tuple[str, Any], ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    def file(self, name: str) -> bytes | None:
        for n, data in self.files:
            if n == name:
                return data
        return None

    def to_json(self, text_limit: int | None = None) -> dict[str, Any]:
        """The `--json` contract: bytes as UTF-8 text (invalid bytes replaced), times in seconds."""

        def text(b: bytes) -> str:
            if text_limit is not None:
                b = b[:text_limit]
            return b.decode("utf-8", errors="replace")

        return {
            "status": self.status.value,
            "exit_code": self.exit_code,
            "signal": self.signal,
            "cpu_s": round(self.cpu_s, 4),
            "wall_s": round(self.wall_s, 4),
            "memory_mb": round(self.memory_mb, 2),
            "stdout": text(self.stdout),
            "stderr": text(self.stderr),
            "stdout_truncated": self.stdout_truncated,
            "stderr_truncated": self.stderr_truncated,
            "oom_killed": self.oom_killed,
            "wall_limited": self.wall_limited,
            "backend": self.backend,
            "message": self.message,
        }
