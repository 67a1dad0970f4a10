"""The host's side of the per-run wire: the watch request to a run's init B and B's fixed-size reply.

Both are plain structs in host byte order, mirrored by helper.c (the C watcher) and runner.py (the
Python watcher used where no C compiler built the helper), so a run's result costs the host one
`struct.unpack` instead of a JSON parse, and the watcher never allocates Python objects. Pure
functions, unit-tested without a sandbox.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass

REPLY_MAGIC = 0x43505231  # "CPR1"
#: magic, flags, exit_code, killed, wall_s, user_s, sys_s, cpu_s, stdout_len, stderr_len, error_len, nfiles
REPLY = struct.Struct("=IIiIddddIIII")
FILE_HEAD = struct.Struct("=III")  # name length, error length, data length
WATCH_HEAD = struct.Struct("=ddddQQQiiII")  # t0, wall, cpu, cpu_base, out, err, fsize, cpu_fd, relay_fd, v2, n

FLAG_STDOUT_TRUNCATED = 1
FLAG_STDERR_TRUNCATED = 2
FLAG_STARTED = 4
FLAG_ZYGOTE = 8
FLAG_HAS_STATUS = 16
KILLED = {0: "", 1: "wall", 2: "cpu", 3: "output"}
MAX_REPLY_BYTES = 1 << 31


class WireError(Exception):
    """The watcher's reply was cut short, late, or malformed (the slot is then rebuilt)."""

    def __init__(self, message: str, *, late: bool = False) -> None:
        super().__init__(message)
        self.late = late  # no reply by the run's deadline: the host's watchdog's case


@dataclass(frozen=True)
class Reply:
    """What a run's watcher reported: how the program ended, its outputs and collected files."""

    exit_code: int | None  # >= 0 an exit status, < 0 minus the signal, None when there is none
    killed: str  # "", "wall", "cpu" or "output": why the watcher stopped the run
    wall_s: float
    user_s: float
    sys_s: float
    cpu_s: float | None  # from the run's cgroup, minus what the standby used; None when not measured
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool
    stderr_truncated: bool
    zygote: bool
    setup_error: str
    files: tuple[tuple[str, str, bytes], ...]  # (name, why it was not collected or "", data)


def watch_request(
    *, t0: float, wall_s: float, cpu_s: float, cpu_base: float, output_limit: int, stderr_limit: int,
    fsize: int, cpu_fd: int, relay_fd: int, cgroup_v2: bool, collect: Sequence[str],
) -> bytes:
    """The watch request body, length-prefixed (fd fields are indexes into the fds sent with it)."""
    body = bytearray(WATCH_HEAD.pack(t0, wall_s, cpu_s, cpu_base, output_limit, stderr_limit, fsize, cpu_fd,
                                     relay_fd, int(cgroup_v2), len(collect)))
    for name in collect:
        raw = os.fsencode(name)
        body += struct.pack("=I", len(raw)) + raw
    return struct.pack("=I", len(body)) + bytes(body)


def parse_reply(head: bytes) -> tuple[dict[str, object], list[int]]:
    """The fixed record: its fields, and the sizes of the blobs that follow (stdout, stderr, error)."""
    magic, flags, code, killed, wall, user, sys_, cpu, n_out, n_err, n_error, n_files = REPLY.unpack(head)
    if magic != REPLY_MAGIC or killed not in KILLED or n_files > 4096:
        raise WireError("the run's watcher sent a malformed reply")
    fields: dict[str, object] = {
        "exit_code": code if flags & FLAG_HAS_STATUS else None, "killed": KILLED[killed], "wall_s": wall,
        "user_s": user, "sys_s": sys_, "cpu_s": cpu if cpu >= 0 else None,
        "stdout_truncated": bool(flags & FLAG_STDOUT_TRUNCATED), "stderr_truncated": bool(flags & FLAG_STDERR_TRUNCATED),
        "zygote": bool(flags & FLAG_ZYGOTE), "n_files": n_files,
    }
    return fields, [n_out, n_err, n_error]


class _Reader:
    """Exact reads from a socket under one deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline

    def read(self, n: int) -> bytes:
        if n > MAX_REPLY_BYTES:
            raise WireError("the run's watcher announced an impossible size")
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            try:
                k = self.sock.recv_into(view[got:], n - got, socket.MSG_DONTWAIT)
            except BlockingIOError:
                left = self.deadline - time.monotonic()
                if left <= 0:
                    raise WireError("the run's watcher did not answer in time", late=True) from None
                select.select([self.sock], [], [], left)
                continue
            if k == 0:
                raise WireError("the run's watcher closed its connection without a full reply (it died)")
            got += k
        return bytes(buf)


def recv_reply(sock: socket.socket, deadline: float) -> Reply:
    """Read one reply; WireError when it is late, cut short or malformed."""
    reader = _Reader(sock, deadline)
    fields, sizes = parse_reply(reader.read(REPLY.size))
    stdout, stderr, error = (reader.read(n) for n in sizes)
    files = []
    for _ in range(int(fields.pop("n_files"))):  # type: ignore[call-overload]
        n_name, n_err, n_data = FILE_HEAD.unpack(reader.read(FILE_HEAD.size))
        name, err, data = reader.read(n_name), reader.read(n_err), reader.read(n_data)
        files.append((os.fsdecode(name), err.decode("utf-8", "replace"), data))
    return Reply(stdout=stdout, stderr=stderr, setup_error=error.decode("utf-8", "replace"), files=tuple(files),
                 **fields)  # type: ignore[arg-type]
