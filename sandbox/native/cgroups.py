"""Control groups for one run: memory limit and peak, OOM-kill detection, process limit, CPU time.

The kernel's own accounting is the only source of MLE and of CPU time, so a program can never be
judged by a guess from its exit code. Both layouts are supported and detected at run time:

* v1 (separate hierarchies, e.g. /sys/fs/cgroup/memory, /pids, /cpuacct): one directory per
  controller per run; peak from `memory.max_usage_in_bytes`, OOM kills from `memory.oom_control`.
* v2 (one unified tree): one directory per run; peak from `memory.peak`, OOM kills from
  `memory.events`, CPU from `cpu.stat`. The controllers must be delegated to the cgroup cpagent runs
  in (root in the root cgroup, or `systemd-run --scope -p Delegate=yes`).

Run cgroups live under `<own cgroup>/cpagent-<pid>-<n>/`; a worker slot reuses its own run after run
(see `RunCgroup`: emptied, checked empty, counters read against a baseline), and `kill_all` empties
one whenever a process could have outlived its run.
The parsing functions are pure so that both layouts are unit-tested on any machine.
"""

from __future__ import annotations

import errno
import itertools
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

V1_CONTROLLERS = ("memory", "pids", "cpuacct")
# v1 charges memory+swap before memory, and Linux counts `failcnt` for the memory counter only: with
# both limits equal the memsw counter would refuse first and no refusal would ever be counted. A
# memsw limit one MiB above the memory limit lets the memory counter refuse (and count) first; on a
# machine with swap it lets a run swap at most that MiB.
MEMSW_SLACK = 1 << 20
V2_CONTROLLERS = ("memory", "pids", "cpu")


@dataclass(frozen=True)
class CgroupLayout:
    """Where this process's cgroups live: `version` 1 or 2, and the base directory per controller."""

    version: int
    bases: tuple[tuple[str, Path], ...]  # (controller, directory cpagent may create children in)

    def base(self, controller: str) -> Path:
        for name, path in self.bases:
            if name == controller:
                return path
        raise KeyError(controller)


@dataclass(frozen=True)
class CgroupStats:
    """What the kernel counted for one run."""

    cpu_s: float
    peak_bytes: int
    oom_kills: int
    limit_hits: int  # v1 memory.failcnt + memory.memsw.failcnt / v2 memory.events max
    fork_refusals: int = 0  # pids.events max: forks refused by the process limit


class CgroupUnavailable(Exception):
    """Why the cgroup layer cannot be used (with the fix in the message)."""


# -- pure parsing -------------------------------------------------------------------------------
def parse_mountinfo(text: str) -> tuple[dict[str, Path], Path | None]:
    """Map each v1 controller to its mount point, and find the v2 mount (if any)."""
    v1: dict[str, Path] = {}
    v2: Path | None = None
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        mount_point, fstype, super_opts = Path(fields[4]), tail[0], tail[2]
        if fstype == "cgroup2" and v2 is None:
            v2 = mount_point
        elif fstype == "cgroup":
            for opt in super_opts.split(","):
                if opt in V1_CONTROLLERS and opt not in v1:
                    v1[opt] = mount_point
    return v1, v2


def parse_proc_cgroup(text: str) -> tuple[dict[str, str], str | None]:
    """From /proc/<pid>/cgroup: the path of each v1 controller, and the v2 path (the `0::` line)."""
    v1: dict[str, str] = {}
    v2: str | None = None
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hier, controllers, path = parts
        if hier == "0" and controllers == "":
            v2 = path
            continue
        for c in controllers.split(","):
            v1[c] = path
    return v1, v2


def parse_v2_cpu_stat(text: str) -> float:
    """CPU seconds from a v2 `cpu.stat` (`usage_usec`)."""
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == "usage_usec":
            return int(value) / 1e6
    return 0.0


def parse_flat_keyed(text: str) -> dict[str, int]:
    """`key value` lines (v2 memory.events, v1 memory.oom_control)."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        try:
            out[key] = int(value)
        except ValueError:
            continue
    return out


def _join(mount: Path, cgroup_path: str) -> Path:
    return mount / cgroup_path.lstrip("/")


def layout_from(mountinfo: str, proc_cgroup: str, *, v2_controllers: str | None, pid: int) -> CgroupLayout:
    """Choose v1 when every needed controller has a v1 hierarchy, else v2 when it offers them all.

    `v2_controllers` is the content of `cgroup.controllers` of this process's v2 cgroup (None when
    unreadable). Raises CgroupUnavailable naming the missing controllers.
    """
    v1_mounts, v2_mount = parse_mountinfo(mountinfo)
    v1_paths, v2_path = parse_proc_cgroup(proc_cgroup)
    if all(c in v1_mounts and c in v1_paths for c in V1_CONTROLLERS):
        bases = tuple((c, _join(v1_mounts[c], v1_paths[c]) / f"cpagent-{pid}") for c in V1_CONTROLLERS)
        return CgroupLayout(1, bases)
    if v2_mount is not None and v2_path is not None:
        available = set((v2_controllers or "").split())
        missing = [c for c in V2_CONTROLLERS if c not in available]
        if not missing:
            return CgroupLayout(2, (("unified", _join(v2_mount, v2_path) / f"cpagent-{pid}"),))
        have_v1 = [c for c in V1_CONTROLLERS if c in v1_mounts]
        raise CgroupUnavailable(
            f"cgroup controllers {', '.join(missing)} are not delegated to this process's cgroup "
            f"({v2_path}) and v1 has only {', '.join(have_v1) or 'none'}"
        )
    raise CgroupUnavailable("no cgroup file system is mounted (neither v1 memory/pids/cpuacct nor v2)")


def detect_layout() -> CgroupLayout:
    """The layout of this machine, for this process."""
    try:
        mountinfo = Path("/proc/self/mountinfo").read_text()
        proc_cgroup = Path("/proc/self/cgroup").read_text()
    except OSError as exc:
        raise CgroupUnavailable(f"cannot read /proc: {exc}") from exc
    _, v2_mount = parse_mountinfo(mountinfo)
    _, v2_path = parse_proc_cgroup(proc_cgroup)
    v2_controllers = None
    if v2_mount is not None and v2_path is not None:
        try:
            v2_controllers = (_join(v2_mount, v2_path) / "cgroup.controllers").read_text()
        except OSError:
            v2_controllers = None
    return layout_from(mountinfo, proc_cgroup, v2_controllers=v2_controllers, pid=os.getpid())


# -- the run cgroups ------------------------------------------------------------------------------
def _write(path: Path, value: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


_INSTANCES = itertools.count()


class CgroupManager:
    """Creates one fresh cgroup per run under this process's own cgroup, and removes them.

    Each manager (one per backend) has its own base `cpagent-<pid>-<n>`, so closing one backend never
    touches the runs of another in the same process.
    """

    def __init__(self, layout: CgroupLayout) -> None:
        n = next(_INSTANCES)
        self.layout = CgroupLayout(layout.version, tuple((c, b.with_name(f"{b.name}-{n}")) for c, b in layout.bases))
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._prepared = False

    def prepare(self) -> None:
        """Create the per-process base directories (and, on v2, enable the controllers below it)."""
        with self._lock:
            if self._prepared:
                return
            remove_stale(self.layout)
            for _, base in self.layout.bases:
                base.mkdir(exist_ok=True)
            if self.layout.version == 2:
                base = self.layout.base("unified")
                try:
                    _write(base.parent / "cgroup.subtree_control", " ".join(f"+{c}" for c in V2_CONTROLLERS))
                    _write(base / "cgroup.subtree_control", " ".join(f"+{c}" for c in V2_CONTROLLERS))
                except OSError as exc:
                    raise CgroupUnavailable(
                        f"cannot enable the memory, pids and cpu controllers under {base.parent}: {exc}"
                    ) from exc
            self._prepared = True

    def create(self, *, memory_bytes: int, max_processes: int) -> "RunCgroup":
        self.prepare()
        with self._lock:
            name = f"r{next(self._seq)}"
        dirs = tuple((c, base / name) for c, base in self.layout.bases)
        for _, d in dirs:
            d.mkdir()
        cg = RunCgroup(self.layout.version, dirs)
        try:
            cg.set_limits(memory_bytes=memory_bytes, max_processes=max_processes)
        except OSError:
            cg.remove()
            raise
        return cg

    def close(self) -> None:
        for _, base in self.layout.bases:
            for child in list(base.glob("r*")) if base.is_dir() else []:
                RunCgroup(self.layout.version, ((base.name, child),)).kill_all()
                _rmdir_retry(child)
            _rmdir_retry(base)


def remove_stale(layout: CgroupLayout) -> None:
    """Remove the cgroups of cpagent processes that died without cleaning up."""
    for _, base in layout.bases:
        parent = base.parent
        try:
            entries = list(parent.glob("cpagent-*"))
        except OSError:
            continue
        for entry in entries:
            try:
                pid = int(entry.name.split("-")[1])
            except (ValueError, IndexError):
                continue
            if pid == os.getpid() or Path(f"/proc/{pid}").exists():
                continue
            for child in entry.glob("r*"):
                RunCgroup(layout.version, (("x", child),)).kill_all()
                _rmdir_retry(child)
            _rmdir_retry(entry)


def _rmdir_retry(path: Path, attempts: int = 50) -> bool:
    for i in range(attempts):
        try:
            os.rmdir(path)
            return True
        except FileNotFoundError:
            return True
        except OSError as exc:
            if exc.errno != errno.EBUSY:
                return False
            time.sleep(0.002 * (i + 1))
    return False


@dataclass(frozen=True)
class Baseline:
    """The cgroup's counters when a run starts: its results are what was added after."""

    cpu_s: float
    limit_hits: int
    oom_kills: int
    fork_refusals: int


class RunCgroup:
    """The cgroup directories of one run (one per controller on v1, one on v2).

    A worker slot reuses its run cgroups run after run instead of creating and removing one per run
    (each costs the kernel a memcg allocation and an RCU-deferred teardown). Reuse is sound because
    (1) the run's init reaps every process of the run before it reports, and `recycle` checks that
    the cgroup is empty (killing and discarding it otherwise); (2) the memory peak is reset when a run
    starts and every cumulative counter (CPU, limit hits, OOM kills, refused forks) is read as the
    difference from a baseline taken then; (3) a cgroup is reset only when it is needed again, after
    the earlier run's init exited and its tmpfs was freed (measured: usage 0 between runs; no
    `memory.force_empty`, which drains every CPU's charge cache and costs milliseconds under load).

    Reuse is enabled on v1 only (what this project's machines run and its tests exercise). On v2 the
    peak can be reset only through the descriptor it is read from (Linux 6.12+); that path is in
    place (`begin` writes "reset" to the held `memory.peak`) but, untested on a real v2 machine here,
    `reusable` stays False and every v2 run gets a fresh cgroup, as before.
    """

    def __init__(self, version: int, dirs: tuple[tuple[str, Path], ...]) -> None:
        self.version = version
        self.dirs = dirs
        self._fds: dict[str, int] = {}
        self._limits: tuple[int, int] | None = None
        self.reusable = version == 1
        memory = dict(dirs).get("memory")
        self.memsw = version == 1 and memory is not None and (memory / "memory.memsw.failcnt").exists()

    # -- held descriptors: a run's bookkeeping is a few preads, no path lookups ------------------------
    def _fd(self, key: str, controller: str, name: str, flags: int = os.O_RDONLY) -> int:
        fd = self._fds.get(key)
        if fd is None:
            fd = os.open(self.path(controller) / name, flags | os.O_CLOEXEC)
            self._fds[key] = fd
        return fd

    def _pread(self, key: str, controller: str, name: str) -> str:
        try:
            return os.pread(self._fd(key, controller, name), 4096, 0).decode()
        except OSError:
            return ""

    @property
    def cpu_fd(self) -> int:
        """A held read-only fd of the CPU counter (cpuacct.usage on v1, cpu.stat on v2)."""
        if self.version == 1:
            return self._fd("cpu", "cpuacct", "cpuacct.usage")
        return self._fd("cpu", "cpu", "cpu.stat")

    def procs_fds(self) -> list[int]:
        """Held write-only fds of each `cgroup.procs` (a standby writes "0" to join); not to be closed."""
        return [self._fd(f"join-{c}", c, "cgroup.procs", os.O_WRONLY) for c, _ in self.dirs]

    def ensure_limits(self, *, memory_bytes: int, max_processes: int) -> None:
        """Set the limits unless they are already these (most runs of a batch share them)."""
        if self._limits != (memory_bytes, max_processes):
            self.set_limits(memory_bytes=memory_bytes, max_processes=max_processes)

    def _cpu_now(self) -> float:
        text = self._pread("cpu", "cpuacct" if self.version == 1 else "cpu",
                           "cpuacct.usage" if self.version == 1 else "cpu.stat")
        try:
            if self.version == 1:
                return int(text.strip() or 0) / 1e9
            return parse_v2_cpu_stat(text)
        except ValueError:
            return 0.0

    def _counters(self) -> tuple[int, int, int]:
        """(limit hits, OOM kills, refused forks) so far: cumulative kernel counters."""
        try:
            return self._read_counters()
        except ValueError:  # a counter file that cannot be read as one (the slot is being torn down)
            return 0, 0, 0

    def _read_counters(self) -> tuple[int, int, int]:
        if self.version == 1:
            # memory+swap is charged first (and has the same limit), so it is usually memsw that fails
            hits = int(self._pread("failcnt", "memory", "memory.failcnt").strip() or 0)
            if self.memsw:
                hits += int(self._pread("memsw_failcnt", "memory", "memory.memsw.failcnt").strip() or 0)
            oom = parse_flat_keyed(self._pread("oom", "memory", "memory.oom_control")).get("oom_kill", 0)
        else:
            events = parse_flat_keyed(self._pread("events", "memory", "memory.events"))
            hits, oom = events.get("max", 0), events.get("oom_kill", 0)
        forks = parse_flat_keyed(self._pread("pids", "pids", "pids.events")).get("max", 0)
        return hits, oom, forks

    def begin(self) -> Baseline:
        """Just before the program starts: reset the memory peak and take the counters' baseline."""
        try:
            if self.version == 1:
                os.write(self._fd("peak", "memory", "memory.max_usage_in_bytes", os.O_RDWR), b"0")
            else:
                os.write(self._fd("peak", "memory", "memory.peak", os.O_RDWR), b"reset\n")
        except OSError:
            if self.version == 2:
                self.reusable = False  # an older kernel: the peak cannot be reset (v2 is never reused anyway)
        hits, oom, forks = self._counters()
        return Baseline(self._cpu_now(), hits, oom, forks)

    def finish(self, base: Baseline) -> CgroupStats:
        """What the run added to the counters since `begin`."""
        hits, oom, forks = self._counters()
        peak = self._pread("peak", "memory", "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak")
        return CgroupStats(
            cpu_s=max(0.0, self._cpu_now() - base.cpu_s),
            peak_bytes=int(peak.strip()) if peak.strip().isdigit() else 0,
            oom_kills=max(0, oom - base.oom_kills),
            limit_hits=max(0, hits - base.limit_hits),
            fork_refusals=max(0, forks - base.fork_refusals),
        )

    def is_empty(self) -> bool:
        for controller, _ in self.dirs:
            if self._pread(f"procs-{controller}", controller, "cgroup.procs").strip():
                return False
        return True

    def recycle(self) -> bool:
        """After a run: True when this cgroup is empty and reset, ready for the next run's standby."""
        if not self.reusable:
            return False
        if not self.is_empty():
            self.kill_all()
            if not self.is_empty():
                return False
        return True

    def close_fds(self) -> None:
        fds, self._fds = self._fds, {}
        for fd in fds.values():
            try:
                os.close(fd)
            except OSError:
                pass

    def path(self, controller: str) -> Path:
        if self.version == 2:
            return self.dirs[0][1]
        for name, d in self.dirs:
            if name == controller:
                return d
        raise KeyError(controller)

    def set_limits(self, *, memory_bytes: int, max_processes: int) -> None:
        self._limits = None  # unknown until every write succeeded
        self._set_limits(memory_bytes=memory_bytes, max_processes=max_processes)
        self._limits = (memory_bytes, max_processes)

    def _set_limits(self, *, memory_bytes: int, max_processes: int) -> None:
        if self.version == 1:
            mem = self.path("memory")
            # v1 keeps memory <= memory+swap at every step: raise memsw first, lower memory first.
            order = ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"]
            if (mem / order[1]).exists():
                current = int(_read(mem / order[0]).strip() or 0)
                if memory_bytes > current:
                    order.reverse()
            for name in order:
                if (mem / name).exists():
                    slack = MEMSW_SLACK if name == "memory.memsw.limit_in_bytes" else 0
                    _write(mem / name, str(memory_bytes + slack))
            _write(self.path("pids") / "pids.max", str(max_processes))
        else:
            d = self.path("memory")
            _write(d / "memory.max", str(memory_bytes))
            if (d / "memory.swap.max").exists():
                _write(d / "memory.swap.max", "0")
            _write(d / "pids.max", str(max_processes))

    def open_procs_fds(self) -> list[int]:
        """Write-only fds of each `cgroup.procs`: the run writes "0" to them to move itself in."""
        return [os.open(d / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC) for _, d in self.dirs]

    def open_cpu_fd(self) -> int:
        """A read-only fd the runner polls (pread) for the CPU time spent so far."""
        if self.version == 1:
            return os.open(self.path("cpuacct") / "cpuacct.usage", os.O_RDONLY | os.O_CLOEXEC)
        return os.open(self.path("cpu") / "cpu.stat", os.O_RDONLY | os.O_CLOEXEC)

    def start_measuring(self) -> float:
        """Called just before the program starts: reset the peak (v1) and return the CPU so far.

        The run's process joined this cgroup ahead of time, so the CPU and memory it used while
        waiting must not count as the program's.
        """
        if self.version == 1:
            try:
                _write(self.path("memory") / "memory.max_usage_in_bytes", "0")
            except OSError:
                pass
            return int(_read(self.path("cpuacct") / "cpuacct.usage").strip() or 0) / 1e9
        return parse_v2_cpu_stat(_read(self.path("cpu") / "cpu.stat"))

    def stats(self, cpu_baseline: float = 0.0) -> CgroupStats:
        if self.version == 1:
            mem = self.path("memory")
            usage = _read(self.path("cpuacct") / "cpuacct.usage").strip()
            oom = parse_flat_keyed(_read(mem / "memory.oom_control"))
            failcnt = _read(mem / "memory.failcnt").strip()
            failcnt = str(int(failcnt or 0) + int(_read(mem / "memory.memsw.failcnt").strip() or 0))
            peak = _read(mem / "memory.max_usage_in_bytes").strip()
            return CgroupStats(
                cpu_s=max(0.0, int(usage or 0) / 1e9 - cpu_baseline),
                peak_bytes=int(peak or 0),
                oom_kills=oom.get("oom_kill", 0),
                limit_hits=int(failcnt or 0),
                fork_refusals=parse_flat_keyed(_read(self.path("pids") / "pids.events")).get("max", 0),
            )
        d = self.path("memory")
        events = parse_flat_keyed(_read(d / "memory.events"))
        peak = _read(d / "memory.peak").strip()
        return CgroupStats(
            cpu_s=max(0.0, parse_v2_cpu_stat(_read(d / "cpu.stat")) - cpu_baseline),
            peak_bytes=int(peak or 0),
            oom_kills=events.get("oom_kill", 0),
            limit_hits=events.get("max", 0),
            fork_refusals=parse_flat_keyed(_read(d / "pids.events")).get("max", 0),
        )

    def pids(self) -> list[int]:
        seen: set[int] = set()
        for _, d in self.dirs:
            for line in _read(d / "cgroup.procs").split():
                seen.add(int(line))
        return sorted(seen)

    def kill_all(self) -> int:
        """SIGKILL every process left in the cgroup; returns how many were found."""
        if self.version == 2:
            kill = self.dirs[0][1] / "cgroup.kill"
            if kill.exists():
                found = len(self.pids())
                if found:
                    try:
                        _write(kill, "1")
                    except OSError:
                        pass
                return found
        found = 0
        for _ in range(100):  # a fork bomb may add processes while we kill; pids.max bounds it
            pids = self.pids()
            if not pids:
                break
            found += len(pids)
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.001)
        return found

    def remove(self) -> None:
        self.close_fds()
        if self.pids():
            self.kill_all()
        for _, d in self.dirs:
            _rmdir_retry(d)
