"""One worker slot as the host sees it: a bwrap sandbox with the runner inside, and its socket.

A slot is started once and serves runs one after another. Anything unexpected from it (the runner
died, the socket closed, a reply did not come in time) marks the slot broken: the run in flight
becomes IE (retried by Backend.run) and the pool builds a new slot; a result is never invented.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
import struct
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sandbox.native.bwrap import SlotMounts, slot_argv

START_TIMEOUT_S = 20.0


class SlotBroken(Exception):
    """The slot cannot serve runs any more (its runner died or misbehaved)."""


@contextlib.contextmanager
def _on_cpu(cpu: int | None) -> Iterator[None]:
    """Start the block's processes on `cpu`: a child inherits the affinity of the thread that forks it
    (sched_setaffinity(0) on Linux applies to the calling thread only), and so do all its descendants."""
    if cpu is None:
        yield
        return
    before = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:  # the core went away (a cpuset changed): start it unpinned
        yield
        return
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


@dataclass(frozen=True)
class SlotConfig:
    bwrap: str
    mounts: SlotMounts
    seccomp_bpf: bytes
    zygote: bool = True
    host_uid: int | None = None  # run bwrap as this user (None: as ourselves)
    helper: bytes | None = None  # the compiled exec helper (None: the runner's Python plays its part)
    zygote_lib: bytes | None = None  # helper.c as the zygote library (None: two forks of the runner per Python run)


def runner_source() -> bytes:
    return resources.files("sandbox.native").joinpath("runner.py").read_bytes()


# -- wire (mirrors runner.py) -------------------------------------------------------------------------
def _recv_exact(sock: socket.socket, n: int, deadline: float) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise SlotBroken("the sandbox runner did not answer in time")
        ready, _, _ = select.select([sock], [], [], left)
        if not ready:
            continue
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise SlotBroken("the sandbox runner closed its connection (it died)")
        got += k
    return bytes(buf)


def recv_frame(sock: socket.socket, deadline: float) -> tuple[dict[str, Any], list[bytes]]:
    (n,) = struct.unpack(">I", _recv_exact(sock, 4, deadline))
    if n > 1 << 24:
        raise SlotBroken("the sandbox runner sent a malformed reply")
    try:
        header = json.loads(_recv_exact(sock, n, deadline))
        sizes = [int(s) for s in header.get("blobs", [])]
    except (ValueError, TypeError) as exc:
        raise SlotBroken(f"the sandbox runner sent a malformed reply: {exc}") from exc
    return header, [_recv_exact(sock, size, deadline) for size in sizes]


def send_frame(sock: socket.socket, header: dict[str, Any], blobs: Sequence[bytes] = ()) -> None:
    data = json.dumps(dict(header, blobs=[len(b) for b in blobs])).encode()
    sock.sendall(struct.pack(">I", len(data)) + data)
    for b in blobs:
        sock.sendall(b)


@dataclass
class Standby:
    """One run made ahead of time: its program process (C) and its init/watcher (B)."""

    exec_sock: socket.socket
    watch_sock: socket.socket
    pid: int
    kind: str = "python"
    cgroup: Any = None  # the run cgroup C already sits in (None without cgroups)

    def send(self, sock: socket.socket, header: dict[str, Any], blobs: Sequence[bytes], fds: Sequence[int],
             raw: bytes | None = None) -> None:
        socket.send_fds(sock, [b"F"], list(fds))
        if raw is not None:
            sock.sendall(raw)
        else:
            send_frame(sock, header, blobs)

    def close(self) -> None:
        self.exec_sock.close()
        self.watch_sock.close()


class Slot:
    """A started bwrap sandbox running runner.py; `request` is one run (not thread-safe by design)."""

    def __init__(self, config: SlotConfig, cpu: int | None = None) -> None:
        self.config = config
        self.cpu = cpu  # the core this slot and every process it starts run on (None: any)
        self.broken = False
        self.watchdog_fired = False  # the host's watchdog killed this slot (a run went silent)
        self.runs = 0
        self.next_cgroup: Any = None  # the cgroup the prepared standby's C sits in
        self.prepared = False  # a standby was asked for and not yet taken
        self.prepared_kind = "python"
        #: Run cgroups owned by this slot and reused run after run (emptied and reset in between):
        #: the free ones wait here; all are removed when the slot ends.
        self.free_cgroups: list[Any] = []
        self.used_cgroups: list[Any] = []  # their run ended: reset before reuse (see NativeBackend._recycle)
        self.cgroups: list[Any] = []
        self.server = False  # the C standby server (helper.c) answers on self._server
        self.c_watcher = False  # each run's B is the C watcher (helper.c), not Python
        self.zygote_lib = False
        self._sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server, server_theirs = (socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) if config.helper
                                       else (None, None))
        self._log = tempfile.TemporaryFile(prefix="cpagent-slot-")
        runner_fd = os.memfd_create("cpagent-runner", 0)
        helper_fd = os.memfd_create("cpagent-helper", 0) if config.helper else None
        lib_fd = os.memfd_create("cpagent-zygote-lib", 0) if config.helper and config.zygote_lib else None
        try:
            os.write(runner_fd, runner_source())
            os.lseek(runner_fd, 0, os.SEEK_SET)
            for fd, data in ((helper_fd, config.helper), (lib_fd, config.zygote_lib)):
                if fd is not None:
                    os.write(fd, data)  # type: ignore[arg-type]
                    os.lseek(fd, 0, os.SEEK_SET)
            argv = slot_argv(config.bwrap, config.mounts, runner_fd=runner_fd, sock_fd=theirs.fileno(),
                             helper_fd=helper_fd, server_fd=server_theirs.fileno() if server_theirs else None,
                             zygote_lib_fd=lib_fd)
            user_kw: dict[str, Any] = {}
            if config.host_uid is not None:
                user_kw = dict(user=config.host_uid, group=config.host_uid, extra_groups=[])
            try:
                with _on_cpu(cpu):
                    self._proc = subprocess.Popen(
                        argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
                        pass_fds=(runner_fd, theirs.fileno(), *(fd for fd in (helper_fd, lib_fd) if fd is not None),
                                  *([server_theirs.fileno()] if server_theirs is not None else [])),
                        close_fds=True, **user_kw,
                    )
            except OSError as exc:
                raise SlotBroken(f"cannot start bubblewrap: {exc}") from exc
        finally:
            os.close(runner_fd)
            for fd in (helper_fd, lib_fd):
                if fd is not None:
                    os.close(fd)
            theirs.close()
            if server_theirs is not None:
                server_theirs.close()
        try:
            send_frame(self._sock, {"zygote": config.zygote, "helper": config.helper is not None,
                                    "zygote_lib": lib_fd is not None}, [config.seccomp_bpf])
            hello, _ = recv_frame(self._sock, time.monotonic() + START_TIMEOUT_S)
        except (SlotBroken, OSError) as exc:
            self.kill()
            raise SlotBroken(f"the sandbox slot did not start: {exc}; {self.log_tail()}") from exc
        if not hello.get("ready"):
            self.kill()
            raise SlotBroken(f"the sandbox slot did not start: {hello}")
        self.server = bool(hello.get("server")) and self._server is not None
        self.c_watcher = bool(hello.get("watcher"))
        #: Python runs are made with the zygote library: their C takes the helper's binary request.
        self.zygote_lib = bool(hello.get("zygote_lib"))

    def log_tail(self, limit: int = 2000) -> str:
        try:
            self._log.seek(0)
            text = self._log.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""
        return text[-limit:] if text else "no output from bwrap"

    def prepare(self, procs_fds: Sequence[int], cgroup: Any = None, kind: str = "python") -> None:
        """Ask for the next run's standby, its C placed in the cgroup of these `cgroup.procs` fds.

        `kind` is "helper" (the C standby server makes it; C execs the program in its own place) or
        "python" (the runner makes it; C is a fork of the warm interpreter, the zygote).
        """
        if self.broken:
            raise SlotBroken("slot already broken")
        kind = "helper" if kind == "helper" and self.server else "python"
        try:
            if kind == "helper":
                socket.send_fds(self._server, [b"P"], list(procs_fds))  # type: ignore[arg-type]
            elif self.zygote_lib:  # the runner answers as the standby server does (helper.c, cpagent_serve)
                socket.send_fds(self._sock, [b"P"], list(procs_fds))
            else:
                socket.send_fds(self._sock, [b"F"], list(procs_fds))
                send_frame(self._sock, {"op": "prepare", "kind": kind})
        except OSError as exc:
            self.kill()
            raise SlotBroken(f"the sandbox runner is gone: {exc}; {self.log_tail(500)}") from exc
        self.prepared = True
        self.prepared_kind = kind
        self.next_cgroup = cgroup

    def take_standby(self, timeout_s: float = START_TIMEOUT_S) -> "Standby":
        """The standby made for the last `prepare`: sockets to its C (exec) and its B (watch)."""
        if self.broken or not self.prepared:
            raise SlotBroken("no standby was prepared")
        self.prepared = False
        cgroup, self.next_cgroup = self.next_cgroup, None
        deadline = time.monotonic() + timeout_s
        sock = self._server if self.prepared_kind == "helper" else self._sock
        assert sock is not None
        try:
            ready, _, _ = select.select([sock], [], [], timeout_s)
            if not ready:
                raise SlotBroken("the sandbox runner did not make a standby in time")
            if self.prepared_kind == "helper" or self.zygote_lib:
                msg, fds, _, _ = socket.recv_fds(sock, 5, 4)
                if not msg:
                    raise SlotBroken("the standby server closed its connection (it died)")
                msg += _recv_exact(sock, 5 - len(msg), deadline) if len(msg) < 5 else b""
                (value,) = struct.unpack("=I", msg[1:5])
                if msg[:1] != b"S":
                    header = {"error": _recv_exact(sock, min(value, 4096), deadline).decode("utf-8", "replace")}
                else:
                    header = {"standby": value, "kind": self.prepared_kind}
            else:
                msg, fds, _, _ = socket.recv_fds(sock, 1, 4)
                if not msg:
                    raise SlotBroken("the sandbox runner closed its connection (it died)")
                header, _ = recv_frame(sock, deadline)
        except (SlotBroken, OSError, struct.error) as exc:
            if cgroup is not None:
                self.free_cgroups.append(cgroup)  # emptied by kill() with the others
            self.kill()
            raise SlotBroken(f"{exc}; {self.log_tail(500)}") from exc
        socks = [socket.socket(fileno=fd) for fd in fds]
        if "error" in header or len(socks) != 2:
            for sk in socks:
                sk.close()
            if cgroup is not None:
                self.free_cgroups.append(cgroup)
            raise SlotBroken(f"the sandbox runner could not make a standby: {header.get('error', header)}")
        self.runs += 1
        return Standby(exec_sock=socks[0], watch_sock=socks[1], pid=int(header.get("standby", 0)),
                       kind=str(header.get("kind", "python")), cgroup=cgroup)

    def alive(self) -> bool:
        return not self.broken and self._proc.poll() is None

    def kill(self) -> None:
        self.broken = True
        try:
            self._proc.kill()
        except OSError:
            pass
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.next_cgroup = None
        cgroups, self.cgroups, self.free_cgroups, self.used_cgroups = self.cgroups, [], [], []
        for cg in cgroups:  # every process of the slot is dead: its run cgroups empty out
            cg.remove()

    def close(self) -> None:
        if not self.broken and self._proc.poll() is None:
            try:
                socket.send_fds(self._sock, [b"F"], [])
                send_frame(self._sock, {"op": "exit"})
                self._proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()
        self._sock.close()
        if self._server is not None:
            self._server.close()
        self._log.close()

    @property
    def pid(self) -> int:
        return self._proc.pid
