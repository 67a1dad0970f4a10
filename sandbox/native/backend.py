"""The `native` backend: bubblewrap + cgroups + seccomp on a plain Linux machine, no daemon needed.

Fast path (default): warm worker slots, each a long-lived bwrap sandbox with the runner inside
(runner.py), built once and reused. For every run the runner has already made a *standby*: the run's
init B (fresh PID and mount namespaces, fresh tmpfs) and its program process C, already inside the
run's cgroups. The host sends the run straight to C (which writes the files, confines itself and
starts the program: the compiled exec helper for binaries, the warm interpreter for Python, the
zygote) and the limits to B (which watches and reports straight back). Simple path (`warm=False`,
or CPAGENT_SANDBOX_WARM=0): one bwrap sandbox per run, started and torn down around it.

Fail closed: when bubblewrap/user namespaces, cgroups or seccomp are missing, constructing the
backend raises UnsafeSandboxError naming what to install, unless the user passed insecure=True.
With insecure=True a missing cgroup layer falls back to rlimits (no MLE detection, CPU from
rusage) and a missing seccomp layer to no filter; a missing bwrap cannot be worked around.
"""

from __future__ import annotations

import os
import signal
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Sequence
from typing import Any

from sandbox.backend import Backend, register_backend
from sandbox.errors import UnsafeSandboxError
from sandbox.native import layers, runner
from sandbox.native.bwrap import PYTHON, find_bwrap, system_mounts
from sandbox.native.cgroups import CgroupManager, CgroupStats, RunCgroup
from sandbox.native.helper_build import helper_binary
from sandbox.native.seccomp import filter_bpf
from sandbox.native.slot import Slot, SlotBroken, SlotConfig, Standby, recv_frame
from sandbox.native.status import Observation, classify
from sandbox.spec import MiB, RunResult, RunSpec
from sandbox.verdict import Status

NOFILE = 256
REPLY_GRACE_S = 15.0  # beyond the wall limit, before a silent slot is declared broken


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() not in ("0", "false", "no", "off", "")


def helper_request(req: dict[str, Any], blobs: Sequence[bytes]) -> bytes:
    """The exec helper's request (see helper.c): length-prefixed fields in host byte order."""
    out = bytearray()

    def u32(v: int) -> None:
        out.extend(struct.pack("=I", v))

    def text(b: bytes) -> None:
        u32(len(b))
        out.extend(b)

    u32(len(req["argv"]))
    for a in req["argv"]:
        text(os.fsencode(a))
    u32(len(req["env"]))
    for k, v in req["env"]:
        text(os.fsencode(f"{k}={v}"))
    u32(len(req["files"]))
    for f in req["files"]:
        text(os.fsencode(f["name"]))
        u32(0o755 if f["exec"] else 0o644)
        out.extend(struct.pack("=i", f.get("fd", -1)))
        text(blobs[f["blob"]] if "blob" in f else b"")
    out.extend(struct.pack("=ii", req["stdin_fd"], req["stdout_fd"]))
    out.extend(struct.pack("=QQQQQ", int(req["cpu_s"]) + 2, req["fsize"], req["stack"], req["nofile"],
                           req["address_space"] or 0))
    u32(req["tmpfs_mb"])
    return struct.pack("=I", len(out)) + bytes(out)


class SlotPool:
    """Up to `size` warm slots; `acquire(n)` takes n at once so interactive runs cannot deadlock."""

    def __init__(self, config: SlotConfig, size: int) -> None:
        self.config = config
        self.size = size
        self._idle: list[Slot] = []
        self._count = 0
        self._cond = threading.Condition()
        self._closed = False

    def acquire(self, n: int = 1) -> list[Slot]:
        with self._cond:
            while True:
                if self._closed:
                    raise SlotBroken("the backend is closed")
                creatable = self.size - self._count
                if len(self._idle) + creatable >= n or (n > self.size and not self._count - len(self._idle)):
                    take = self._idle[:n]
                    del self._idle[: len(take)]
                    missing = n - len(take)
                    self._count += missing
                    break
                self._cond.wait()
        slots = list(take)
        try:
            for _ in range(missing):
                slots.append(Slot(self.config))
                missing -= 1
        except SlotBroken:
            with self._cond:
                self._count -= missing
                self._cond.notify_all()
            for s in slots:
                self.release(s)
            raise
        return slots

    def release(self, slot: Slot) -> None:
        with self._cond:
            if slot.alive() and not self._closed and self._count <= self.size:
                self._idle.append(slot)
                slot = None  # type: ignore[assignment]
            else:
                self._count -= 1
            self._cond.notify_all()
        if slot is not None:
            slot.close()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for s in idle:
            s.close()


class NativeBackend(Backend):
    name = "native"
    secure = True

    def __init__(
        self, *, insecure: bool = False, slots: int | None = None, warm: bool | None = None,
        zygote: bool | None = None,
    ) -> None:
        super().__init__(slots)
        self.warm = _env_flag("CPAGENT_SANDBOX_WARM", True) if warm is None else warm
        self.zygote = _env_flag("CPAGENT_SANDBOX_ZYGOTE", True) if zygote is None else zygote
        bwrap = find_bwrap()
        missing: list[layers.Layer] = []
        if bwrap is None:
            raise UnsafeSandboxError(
                "bubblewrap (bwrap) is not installed: the native sandbox cannot start",
                hint="apt-get install bubblewrap (or use --backend unsafe --insecure for trusted programs)",
            )
        for layer in (layers.runner_layer(), layers.userns_layer()):
            if not layer.ok:
                raise UnsafeSandboxError(f"{layer.name}: {layer.detail}", hint=layer.hint)
        cg_layer, layout = layers.cgroup_layer()
        self.cgroups: CgroupManager | None = None
        if layout is not None:
            try:
                self.cgroups = CgroupManager(layout)
                self.cgroups.prepare()
            except (OSError, Exception) as exc:  # noqa: BLE001 - any failure means the layer is missing
                self.cgroups = None
                cg_layer = layers.Layer(cg_layer.name, False, f"cannot create cgroups: {exc}", cg_layer.hint
                                        or "run as root or in a delegated cgroup")
        if self.cgroups is None:
            missing.append(cg_layer)
        sc_layer = layers.seccomp_layer()
        bpf = b""
        if sc_layer.ok:
            bpf = filter_bpf()
        else:
            missing.append(sc_layer)
        if missing and not insecure:
            raise UnsafeSandboxError(
                "refusing to run untrusted code: " + "; ".join(f"{m.name}: {m.detail}" for m in missing),
                hint="; ".join(m.hint for m in missing if m.hint) + " (or pass --insecure to run anyway)",
            )
        self.missing_layers = tuple(m.name for m in missing)
        self.secure = not missing
        self.config = SlotConfig(bwrap=bwrap, mounts=system_mounts(), seccomp_bpf=bpf, zygote=self.zygote,
                                 host_uid=layers.sandbox_uid(),
                                 helper=helper_binary() if _env_flag("CPAGENT_SANDBOX_HELPER", True) else None)
        self.pool = SlotPool(self.config, self.slots)
        self._remover = ThreadPoolExecutor(max_workers=1, thread_name_prefix="native-cgroup-remover")
        self._preparer = ThreadPoolExecutor(max_workers=self.slots + 2, thread_name_prefix="native-standby")

    # -- one run ------------------------------------------------------------------------------------
    def _run_once(self, spec: RunSpec) -> RunResult:
        try:
            slot = self._take(1)[0]
        except SlotBroken as exc:
            return RunResult(Status.IE, backend=self.name, message=f"sandbox slot failed to start: {exc}")
        try:
            return self._execute(slot, spec)
        finally:
            self._give(slot)

    def _take(self, n: int) -> list[Slot]:
        if self.warm:
            return self.pool.acquire(n)
        return [Slot(self.config) for _ in range(n)]

    def _give(self, slot: Slot) -> None:
        if self.warm:
            self.pool.release(slot)
        else:
            slot.close()

    def _execute(
        self, slot: Slot, spec: RunSpec, *, stdin_fd: int | None = None, stdout_fd: int | None = None,
        relay_fd: int | None = None,
    ) -> RunResult:
        """One run on one slot. fds given here are closed once sent (so pipes see EOF properly)."""
        own: list[int] = []  # fds opened (or handed over) here, closed once sent
        for fd in (stdin_fd, stdout_fd, relay_fd):
            if fd is not None:
                own.append(fd)
        cg: RunCgroup | None = None
        standby: Standby | None = None
        try:
            c_fds: list[int] = []
            c_blobs: list[bytes] = []
            files = []
            try:
                for f in spec.files:
                    entry: dict[str, Any] = {"name": f.name, "exec": f.executable}
                    if f.content is not None:
                        entry["blob"] = len(c_blobs)
                        c_blobs.append(f.content)
                    else:
                        fd = os.open(f.source, os.O_RDONLY | os.O_CLOEXEC)  # type: ignore[arg-type]
                        own.append(fd)
                        entry["fd"] = len(c_fds)
                        c_fds.append(fd)
                    files.append(entry)
                if stdin_fd is None and spec.stdin is not None:
                    stdin_fd = os.open(spec.stdin, os.O_RDONLY | os.O_CLOEXEC)
                    own.append(stdin_fd)
            except OSError as exc:
                return RunResult(Status.IE, backend=self.name, message=f"cannot open a file of the run: {exc}")
            c_req: dict[str, Any] = {
                "argv": list(spec.command), "env": [list(kv) for kv in spec.env], "files": files,
                "cpu_s": spec.cpu_time_s, "fsize": spec.file_size_limit_bytes, "stack": spec.memory_mb * MiB,
                "nofile": NOFILE, "tmpfs_mb": spec.tmpfs_mb, "zygote": self._python(spec),
                "address_space": None if self.cgroups is not None else spec.memory_mb * MiB * 2,
                "stdin_fd": -1, "stdout_fd": -1,
            }
            if stdin_fd is not None:
                c_req["stdin_fd"] = len(c_fds)
                c_fds.append(stdin_fd)
            if stdout_fd is not None:
                c_req["stdout_fd"] = len(c_fds)
                c_fds.append(stdout_fd)
            b_req: dict[str, Any] = {
                "wall_s": spec.effective_wall_s(), "cpu_s": spec.cpu_time_s, "output_limit": spec.output_limit_bytes,
                "stderr_limit": spec.stderr_limit_bytes, "collect": list(spec.collect),
                "fsize": spec.file_size_limit_bytes, "cpu_fd": -1, "relay_fd": -1, "cgroup_v2": False,
            }
            b_fds: list[int] = []
            if relay_fd is not None:
                b_req["relay_fd"] = len(b_fds)
                b_fds.append(relay_fd)
            try:
                pending, slot.pending = slot.pending, None
                if pending is not None:
                    pending.result()  # the standby asked for at the end of the previous run
                if not slot.prepared:
                    self._prepare(slot, spec)
                standby = slot.take_standby()
                if standby.kind != self._kind(spec):
                    # Made for a different kind of run (a switch between Python and compiled
                    # programs): make the right one, so that how a program runs never depends on
                    # what ran before it. Costs one slower run per switch.
                    standby.close()
                    stale, slot.next_cgroup = slot.next_cgroup, None
                    if stale is not None:
                        self._remover.submit(stale.remove)
                    self._prepare(slot, spec)
                    standby = slot.take_standby()
                cg, slot.next_cgroup = slot.next_cgroup, None
                if cg is not None:
                    # C already sits in this cgroup; its parent does not when the helper execs in place.
                    waiting_parent = standby.kind == "python" and not self._python(spec)
                    cg.set_limits(memory_bytes=spec.memory_mb * MiB,
                                  max_processes=spec.max_processes + (1 if waiting_parent else 0))
                    cpu_fd = cg.open_cpu_fd()
                    own.append(cpu_fd)
                    b_req.update(cpu_fd=len(b_fds), cgroup_v2=cg.version == 2)
                    b_fds.append(cpu_fd)
                baseline = cg.start_measuring() if cg is not None else 0.0
                b_req["cpu_base"] = baseline  # what the standby used while waiting is not the program's
                b_req["t0"] = time.monotonic()
                try:
                    if standby.kind == "helper":
                        standby.send(standby.exec_sock, {}, [], c_fds, raw=helper_request(c_req, c_blobs))
                    else:
                        standby.send(standby.exec_sock, c_req, c_blobs, c_fds)
                    standby.send(standby.watch_sock, b_req, [], b_fds)
                except OSError as exc:  # the standby died; the slot's runner is fine
                    return RunResult(Status.IE, backend=self.name,
                                     message=f"the run's process ended before the program started: {exc}")
                if self.warm:
                    # The next run's standby is made while this one runs, from another thread: creating
                    # a cgroup waits on the kernel's cgroup lock, held while a process joins one.
                    slot.pending = self._preparer.submit(self._prepare, slot, spec)
            except (SlotBroken, OSError) as exc:
                slot.kill()
                return RunResult(Status.IE, backend=self.name, message=f"sandbox slot failed: {exc}")
            finally:
                for fd in own:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                own.clear()
            try:
                reply, reply_blobs = recv_frame(standby.watch_sock,
                                                time.monotonic() + spec.effective_wall_s() + REPLY_GRACE_S)
            except (SlotBroken, OSError) as exc:
                slot.kill()  # a watcher that neither reports nor dies: rebuild the whole slot
                return RunResult(Status.IE, backend=self.name, message=f"the run's watcher failed: {exc}")
            stats = cg.stats(cpu_baseline=baseline) if cg is not None else None
            leftover = cg.kill_all() if cg is not None else 0
            return self._result(spec, reply, reply_blobs, stats, leftover)
        finally:
            for fd in own:
                try:
                    os.close(fd)
                except OSError:
                    pass
            if standby is not None:
                standby.close()
            if cg is not None:
                self._remover.submit(cg.remove)  # rmdir waits for the kernel: off the caller's path

    def _kind(self, spec: RunSpec) -> str:
        """Which standby serves `spec`: the exec helper for compiled programs, the runner for Python."""
        return "helper" if self.config.helper is not None and not self._python(spec) else "python"

    def _prepare(self, slot: Slot, spec: RunSpec) -> None:
        """Create a cgroup (when there are cgroups) and ask the slot's runner for a standby inside it.

        The standby's kind follows `spec` (the next run is most often like this one): the exec
        helper for compiled programs, a forked runner process for Python (the zygote). A wrong guess
        costs speed only: the helper execs python3, the runner process spawns a binary.
        """
        cg = None
        procs: list[int] = []
        kind = self._kind(spec)
        if self.cgroups is not None:
            cg = self.cgroups.create(memory_bytes=spec.memory_mb * MiB, max_processes=spec.max_processes + 1)
            procs = cg.open_procs_fds()
        try:
            slot.prepare(procs, cg, kind)
        except SlotBroken:
            if cg is not None:
                cg.remove()
            raise
        finally:
            for fd in procs:
                os.close(fd)

    def _python(self, spec: RunSpec) -> bool:
        """Whether the zygote will serve this run (the same rule the runner applies inside)."""
        if not self.zygote or spec.language not in ("python3", "") or not spec.command:
            return False
        return runner.zygote_plan({"argv": list(spec.command), "env": [list(kv) for kv in spec.env]},
                                  executable=PYTHON) is not None


    def _result(
        self, spec: RunSpec, reply: dict[str, Any], blobs: list[bytes], stats: CgroupStats | None, leftover: int
    ) -> RunResult:
        if "error" in reply:
            return RunResult(Status.IE, backend=self.name, message=f"sandbox runner failed: {reply['error']}")
        if len(blobs) < 2:
            return RunResult(Status.IE, backend=self.name, message="sandbox runner sent an incomplete reply")
        stdout, stderr = blobs[0], blobs[1]
        report = reply.get("report") or {}
        killed = str(reply.get("killed") or "")
        exit_code = report.get("exit_code")
        code: int | None = None
        sig: int | None = None
        if exit_code is not None:
            code, sig = (exit_code, None) if exit_code >= 0 else (None, -exit_code)
        elif killed:
            sig = signal.SIGKILL
        cpu_s = stats.cpu_s if stats is not None else float(report.get("user_s", 0.0)) + float(report.get("sys_s", 0.0))
        setup_error = str(report.get("setup_error") or "")
        if not report and not killed:
            setup_error = "the run's init process died without a report"
        verdict = classify(Observation(
            exit_code=code, signal=sig, cpu_s=cpu_s, cpu_limit_s=spec.cpu_time_s, killed_for=killed,
            oom_kills=stats.oom_kills if stats is not None else 0,
            stdout_truncated=bool(reply.get("stdout_truncated")), setup_error=setup_error,
        ))
        files: list[tuple[str, bytes]] = []
        notes: list[str] = []
        for (name, err), data in zip(report.get("files", []), blobs[2:]):
            if err:
                notes.append(f"{name}: {err}")
            else:
                files.append((name, data))
        message = verdict.message
        if notes:
            message = "; ".join(filter(None, [message, "collect " + ", ".join(notes)]))
        extra: list[tuple[str, Any]] = [("zygote", bool(report.get("zygote")))]
        if leftover:
            extra.append(("leftover_processes_killed", leftover))
        if stats is not None and stats.fork_refusals:
            extra.append(("fork_refusals", stats.fork_refusals))
        return RunResult(
            status=verdict.status, exit_code=code, signal=sig, cpu_s=cpu_s, wall_s=float(reply.get("wall_s", 0.0)),
            memory_mb=(stats.peak_bytes / MiB) if stats is not None else 0.0,
            stdout=stdout, stderr=stderr, stdout_truncated=bool(reply.get("stdout_truncated")),
            stderr_truncated=bool(reply.get("stderr_truncated")), oom_killed=verdict.oom_killed,
            wall_limited=verdict.wall_limited, backend=self.name, message=message, files=tuple(files),
            extra=tuple(extra),
        )

    # -- interactive ------------------------------------------------------------------------------------
    def run_interactive(self, solution: RunSpec, interactor: RunSpec) -> tuple[RunResult, RunResult]:
        """Solution stdout -> interactor stdin; interactor stdout -> solution stdin (and captured)."""
        try:
            slots = self._take(2)
        except SlotBroken as exc:
            ie = RunResult(Status.IE, backend=self.name, message=f"sandbox slot failed to start: {exc}")
            return ie, ie
        to_sol_r, to_sol_w = os.pipe2(os.O_CLOEXEC)
        to_int_r, to_int_w = os.pipe2(os.O_CLOEXEC)
        results: dict[str, RunResult] = {}

        def run(key: str, slot: Slot, spec: RunSpec, **kw: int) -> None:
            try:
                results[key] = self._execute(slot, spec, **kw)
            except Exception as exc:  # noqa: BLE001 - becomes IE, never a crash of the judge
                results[key] = RunResult(Status.IE, backend=self.name, message=f"interactive run failed: {exc}")

        threads = [
            threading.Thread(target=run, args=("sol", slots[0], solution),
                             kwargs=dict(stdin_fd=to_sol_r, stdout_fd=to_int_w)),
            threading.Thread(target=run, args=("int", slots[1], interactor),
                             kwargs=dict(stdin_fd=to_int_r, relay_fd=to_sol_w)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for s in slots:
            self._give(s)
        return results["sol"], results["int"]

    def close(self) -> None:
        super().close()
        self._preparer.shutdown(wait=True)
        self.pool.close()
        self._remover.shutdown(wait=True)
        if self.cgroups is not None:
            self.cgroups.close()


def _open(insecure: bool = False, slots: int | None = None) -> Backend:
    return NativeBackend(insecure=insecure, slots=slots)


register_backend("native", _open)


def open_native(**kwargs: Any) -> NativeBackend:
    """Build the native backend with its extra options (warm, zygote)."""
    return NativeBackend(**kwargs)


__all__: Sequence[str] = ("NativeBackend", "SlotPool", "open_native")
