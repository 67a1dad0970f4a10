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
from sandbox.native import layers, runner, wire
from sandbox.native.bwrap import PYTHON, find_bwrap, system_mounts
from sandbox.native.cgroups import Baseline, CgroupManager, CgroupStats, RunCgroup
from sandbox.native.helper_build import helper_binary, zygote_library
from sandbox.native.seccomp import filter_bpf
from sandbox.native.slot import Slot, SlotBroken, SlotConfig, Standby
from sandbox.native.status import Observation, classify
from sandbox.native.watchdog import Watchdog
from sandbox.native.wire import WireError
from sandbox.spec import MiB, RunResult, RunSpec
from sandbox.verdict import Status

NOFILE = 256
REPLY_GRACE_S = 15.0  # beyond the wall limit, before the watchdog declares a silent slot broken


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


def slot_cpus(size: int, pin: bool | None = None) -> list[int | None]:
    """The core each of `size` slots is pinned to, or None for all (not pinned).

    Pinned by default when the slots cover every core this process may use, as judges pin their
    boxes: each run's chain of processes (the host's request, the standby, the program, the watcher's
    reply) then hands over on one core instead of waking an idle one (a costly inter-processor wake-up
    on a virtual machine), which made the judge ~5% faster on 2 cores (bench/sandbox_judge.py), and a
    program's timing does not depend on which core it lands on. Fewer slots than cores (`-j 1`, one
    slot per Ray actor, several processes each with a few slots) are left to the kernel's balancing:
    pinning them would crowd them onto the first cores."""
    cpus = sorted(os.sched_getaffinity(0))
    if pin is None:
        pin = _env_flag("CPAGENT_SANDBOX_PIN", True) and size >= len(cpus) > 1
    return [cpus[i % len(cpus)] for i in range(size)] if pin else [None] * size


class SlotPool:
    """Up to `size` warm slots; `acquire(n)` takes n at once so interactive runs cannot deadlock."""

    def __init__(self, config: SlotConfig, size: int, cpus: list[int | None] | None = None) -> None:
        self.config = config
        self.size = size
        self._idle: list[Slot] = []
        self._count = 0
        self._cond = threading.Condition()
        self._closed = False
        #: the cores of the places no live slot holds (a rebuilt slot takes its predecessor's core)
        self._free_cpus: list[int | None] = list(cpus if cpus is not None else [None] * size)

    def _new_slot(self) -> Slot:
        with self._cond:
            cpu = self._free_cpus.pop(0) if self._free_cpus else None
        try:
            slot = Slot(self.config, cpu=cpu)
        except BaseException:
            self._give_cpu(cpu)
            raise
        return slot

    def _give_cpu(self, cpu: int | None) -> None:
        with self._cond:
            if len(self._free_cpus) < self.size:
                self._free_cpus.append(cpu)

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
                slots.append(self._new_slot())
                missing -= 1
        except BaseException as exc:
            # Whatever failed (a slot that did not start, no descriptors left...), the places taken
            # are given back: a leaked count would leave later callers waiting forever.
            with self._cond:
                self._count -= missing
                self._cond.notify_all()
            for s in slots:
                self.release(s)
            if isinstance(exc, SlotBroken):
                raise
            raise SlotBroken(f"a sandbox slot could not start: {type(exc).__name__}: {exc}") from exc
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
            self._give_cpu(slot.cpu)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for s in idle:
            s.close()
            self._give_cpu(s.cpu)


class NativeBackend(Backend):
    name = "native"
    secure = True

    def __init__(
        self, *, insecure: bool = False, slots: int | None = None, warm: bool | None = None,
        zygote: bool | None = None, grace_s: float = REPLY_GRACE_S,
    ) -> None:
        super().__init__(slots)
        self.grace_s = grace_s
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
                                 helper=helper_binary() if _env_flag("CPAGENT_SANDBOX_HELPER", True) else None,
                                 zygote_lib=zygote_library() if self.zygote and _env_flag("CPAGENT_SANDBOX_HELPER", True)
                                 else None)
        self.pool = SlotPool(self.config, self.slots, slot_cpus(self.slots))
        self._remover = ThreadPoolExecutor(max_workers=1, thread_name_prefix="native-cgroup-remover")
        self.watchdog = Watchdog()

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

    def _ie(self, slot: Slot, message: str) -> RunResult:
        if slot.watchdog_fired:
            message = (f"the host's watchdog ended a run that stayed silent {self.grace_s:g} s past its wall limit "
                       f"(the slot was rebuilt): {message}")
        return RunResult(Status.IE, backend=self.name, message=message)

    def _execute(
        self, slot: Slot, spec: RunSpec, *, stdin_fd: int | None = None, stdout_fd: int | None = None,
        relay_fd: int | None = None,
    ) -> RunResult:
        """One run on one slot. fds given here are closed once sent (so pipes see EOF properly)."""
        own: list[int] = [fd for fd in (stdin_fd, stdout_fd, relay_fd) if fd is not None]
        standby: Standby | None = None
        token: int | None = None
        try:
            python = self._python(spec)
            kind = self._kind(spec, python)
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
                "nofile": NOFILE, "tmpfs_mb": spec.tmpfs_mb, "zygote": python,
                "address_space": None if self.cgroups is not None else spec.memory_mb * MiB * 2,
                "stdin_fd": -1, "stdout_fd": -1,
            }
            if stdin_fd is not None:
                c_req["stdin_fd"] = len(c_fds)
                c_fds.append(stdin_fd)
            if stdout_fd is not None:
                c_req["stdout_fd"] = len(c_fds)
                c_fds.append(stdout_fd)
            try:
                if not slot.prepared:
                    self._prepare(slot, kind, spec)
                standby = slot.take_standby()
                if standby.kind != kind:
                    # Made for a different kind of run (a switch between Python and compiled
                    # programs): make the right one, so that how a program runs never depends on
                    # what ran before it. Costs one slower run per switch.
                    self._discard(slot, standby)
                    self._prepare(slot, kind, spec)
                    standby = slot.take_standby()
                cg: RunCgroup | None = standby.cgroup
                b_fds: list[int] = []
                base: Baseline | None = None
                if cg is not None:
                    # C already sits in this cgroup; its parent does not when the helper execs in place.
                    waiting_parent = standby.kind == "python" and not python
                    cg.ensure_limits(memory_bytes=spec.memory_mb * MiB,
                                     max_processes=spec.max_processes + (1 if waiting_parent else 0))
                    base = cg.begin()  # what the standby used while waiting is not the program's
                    b_fds.append(cg.cpu_fd)
                if relay_fd is not None:
                    b_fds.append(relay_fd)
                t0 = time.monotonic()
                deadline = t0 + spec.effective_wall_s() + self.grace_s
                token = self.watchdog.arm(slot, deadline)
                b_req = wire.watch_request(
                    t0=t0, wall_s=spec.effective_wall_s(), cpu_s=spec.cpu_time_s,
                    cpu_base=base.cpu_s if base is not None else 0.0, output_limit=spec.output_limit_bytes,
                    stderr_limit=spec.stderr_limit_bytes, fsize=spec.file_size_limit_bytes,
                    cpu_fd=0 if cg is not None else -1, relay_fd=len(b_fds) - 1 if relay_fd is not None else -1,
                    cgroup_v2=cg is not None and cg.version == 2, collect=spec.collect)
                try:
                    if standby.kind == "helper" or slot.zygote_lib:
                        standby.send(standby.exec_sock, {}, [], c_fds, raw=helper_request(c_req, c_blobs))
                    else:
                        standby.send(standby.exec_sock, c_req, c_blobs, c_fds)
                    standby.send(standby.watch_sock, {}, [], b_fds, raw=b_req)
                except OSError as exc:  # the standby died; the slot's runner is fine
                    if slot.watchdog_fired:
                        raise
                    return RunResult(Status.IE, backend=self.name,
                                     message=f"the run's process ended before the program started: {exc}")
            except (SlotBroken, OSError) as exc:
                slot.kill()
                return self._ie(slot, f"sandbox slot failed: {exc}")
            finally:
                for fd in own:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                own.clear()
            if self.warm:
                try:  # the next run's standby is made while this one runs (most often the same kind)
                    self._prepare(slot, kind, spec)
                except SlotBroken:
                    pass  # this run carries on; the pool rebuilds the slot afterwards
            try:
                reply = wire.recv_reply(standby.watch_sock, deadline)
                self.watchdog.disarm(token)  # the slot's cgroups are read next: no kill from here on
            except (WireError, OSError) as exc:
                if isinstance(exc, WireError) and exc.late:
                    slot.watchdog_fired = True  # the deadline the watchdog holds, seen first by the reader
                slot.kill()  # a watcher that neither reports nor dies: rebuild the whole slot
                return self._ie(slot, f"the run's watcher failed: {exc}")
            stats = cg.finish(base) if cg is not None and base is not None else None
            if slot.watchdog_fired:  # it fired as the reply came: the counters may be gone, never guess
                return self._ie(slot, "the run's reply came as its deadline passed")
            return self._result(spec, reply, stats)
        finally:
            if token is not None:
                self.watchdog.disarm(token)
            for fd in own:
                try:
                    os.close(fd)
                except OSError:
                    pass
            if standby is not None:
                standby.close()
                self._recycle(slot, standby.cgroup)

    def _kind(self, spec: RunSpec, python: bool | None = None) -> str:
        """Which standby serves `spec`: the exec helper for compiled programs, the runner for Python."""
        if python is None:
            python = self._python(spec)
        return "helper" if self.config.helper is not None and not python else "python"

    def _cgroup_for(self, slot: Slot, spec: RunSpec) -> RunCgroup | None:
        """A run cgroup of this slot that no process uses: a recycled one, or a new one."""
        if self.cgroups is None:
            return None
        while slot.used_cgroups:  # recycled only now: their run's init has long exited (tmpfs freed)
            used = slot.used_cgroups.pop()
            if used in slot.cgroups and not slot.broken and used.recycle():
                slot.free_cgroups.append(used)
            elif used in slot.cgroups:
                slot.cgroups.remove(used)
                self._remover.submit(used.remove)
        if slot.free_cgroups:
            return slot.free_cgroups.pop()
        cg = self.cgroups.create(memory_bytes=spec.memory_mb * MiB, max_processes=spec.max_processes + 1)
        slot.cgroups.append(cg)
        return cg

    def _recycle(self, slot: Slot, cg: RunCgroup | None) -> None:
        """After a run (or a discarded standby): its cgroup is reused once empty and reset, else dropped.

        The reset waits until the cgroup is needed again, so that the run's init has exited and its
        tmpfs is gone by then (resetting earlier would have the kernel try to reclaim pages still in use).
        """
        if cg is None or cg not in slot.cgroups:
            return  # the slot was killed: its cgroups are gone
        if not cg.reusable or slot.broken:
            slot.cgroups.remove(cg)
            self._remover.submit(cg.remove)  # rmdir waits for the kernel: off the caller's path
            return
        slot.used_cgroups.append(cg)

    def _discard(self, slot: Slot, standby: Standby) -> None:
        standby.close()  # B sees the host go and exits; the kernel ends C with it
        if standby.cgroup is not None and standby.cgroup in slot.cgroups:
            standby.cgroup.kill_all()
        self._recycle(slot, standby.cgroup)
        standby.cgroup = None

    def _prepare(self, slot: Slot, kind: str, spec: RunSpec) -> None:
        """Ask the slot for a standby of this kind, its program process inside a free run cgroup.

        The standby's kind follows `spec` (the next run is most often like this one): the exec
        helper for compiled programs, a forked runner process for Python (the zygote). A wrong guess
        costs speed only: the next run makes the right one.
        """
        try:
            cg = self._cgroup_for(slot, spec)
        except OSError as exc:  # no cgroup could be made (out of descriptors, memory...): IE, retried
            raise SlotBroken(f"cannot create the run's cgroup: {exc}") from exc
        try:
            slot.prepare(cg.procs_fds() if cg is not None else [], cg, kind)
        except (SlotBroken, OSError) as exc:
            if cg is not None and cg in slot.cgroups and not slot.broken:
                slot.free_cgroups.append(cg)
            raise SlotBroken(str(exc)) from exc

    def _python(self, spec: RunSpec) -> bool:
        """Whether the zygote will serve this run (the same rule the runner applies inside)."""
        if not self.zygote or spec.language not in ("python3", "") or not spec.command:
            return False
        name = os.path.basename(spec.command[0])
        if name not in runner.PYTHON_NAMES:
            return False
        return runner.zygote_plan({"argv": list(spec.command), "env": [list(kv) for kv in spec.env]},
                                  executable=PYTHON) is not None

    def _result(self, spec: RunSpec, reply: wire.Reply, stats: CgroupStats | None) -> RunResult:
        code: int | None = None
        sig: int | None = None
        if reply.exit_code is not None:
            code, sig = (reply.exit_code, None) if reply.exit_code >= 0 else (None, -reply.exit_code)
        elif reply.killed:
            sig = signal.SIGKILL
        cpu_s = stats.cpu_s if stats is not None else reply.user_s + reply.sys_s
        verdict = classify(Observation(
            exit_code=code, signal=sig, cpu_s=cpu_s, cpu_limit_s=spec.cpu_time_s, killed_for=reply.killed,
            oom_kills=stats.oom_kills if stats is not None else 0,
            limit_hits=stats.limit_hits if stats is not None else 0,
            stdout_truncated=reply.stdout_truncated, setup_error=reply.setup_error,
        ))
        files: list[tuple[str, bytes]] = []
        notes: list[str] = []
        for name, err, data in reply.files:
            if err:
                notes.append(f"{name}: {err}")
            else:
                files.append((name, data))
        message = verdict.message
        if notes:
            message = "; ".join(filter(None, [message, "collect " + ", ".join(notes)]))
        extra: list[tuple[str, Any]] = [("zygote", reply.zygote)]
        if stats is not None and stats.fork_refusals:
            extra.append(("fork_refusals", stats.fork_refusals))
        if stats is not None and stats.limit_hits:
            extra.append(("memory_limit_hits", stats.limit_hits))
        return RunResult(
            status=verdict.status, exit_code=code, signal=sig, cpu_s=cpu_s, wall_s=reply.wall_s,
            memory_mb=(stats.peak_bytes / MiB) if stats is not None else 0.0,
            stdout=reply.stdout, stderr=reply.stderr, stdout_truncated=reply.stdout_truncated,
            stderr_truncated=reply.stderr_truncated, oom_killed=verdict.oom_killed,
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
        self.watchdog.close()
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
