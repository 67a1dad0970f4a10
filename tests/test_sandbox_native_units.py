"""Unit tests of the native backend's pure parts: status mapping, cgroup v1/v2 parsing, bwrap argv,
the seccomp filter, and the zygote's decision of what it may serve. No sandbox is started here."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from sandbox.native import cgroups as cg
from sandbox.native import runner
from sandbox.native.bwrap import SlotMounts, slot_argv, system_mounts
from sandbox.native.seccomp import DENIED_SYSCALLS, filter_bpf
from sandbox.native.status import Observation, classify
from sandbox.verdict import Status


def obs(**kw: object) -> Observation:
    base: dict[str, object] = dict(exit_code=0, signal=None, cpu_s=0.1, cpu_limit_s=1.0)
    base.update(kw)
    return Observation(**base)  # type: ignore[arg-type]


# -- status mapping -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kw, status, wall, oom",
    [
        (dict(), Status.OK, False, False),
        (dict(exit_code=3), Status.RE, False, False),
        (dict(exit_code=None, signal=signal.SIGSEGV), Status.RE, False, False),
        (dict(exit_code=None, signal=signal.SIGKILL, killed_for="cpu", cpu_s=1.01), Status.TLE, False, False),
        (dict(cpu_s=1.2), Status.TLE, False, False),  # finished, but over the CPU limit
        (dict(exit_code=None, signal=signal.SIGXCPU), Status.TLE, False, False),
        (dict(exit_code=None, signal=signal.SIGKILL, killed_for="wall"), Status.TLE, True, False),
        (dict(exit_code=None, signal=signal.SIGKILL, killed_for="output", stdout_truncated=True), Status.OLE, False,
         False),
        (dict(exit_code=None, signal=signal.SIGXFSZ), Status.OLE, False, False),
        (dict(exit_code=None, signal=signal.SIGKILL, oom_kills=1), Status.MLE, False, True),
        # precedence: memory beats time, time beats output, a setup failure hides everything
        (dict(exit_code=None, signal=signal.SIGKILL, oom_kills=1, killed_for="cpu", cpu_s=2.0), Status.MLE, False,
         True),
        (dict(killed_for="wall", cpu_s=1.5, exit_code=None, signal=9), Status.TLE, False, False),
        (dict(setup_error="mount failed", oom_kills=1), Status.IE, False, False),
        (dict(exit_code=None, signal=None), Status.IE, False, False),
    ],
)
def test_classify(kw: dict[str, object], status: Status, wall: bool, oom: bool) -> None:
    got = classify(obs(**kw))
    assert (got.status, got.wall_limited, got.oom_killed) == (status, wall, oom)


def test_mle_is_never_guessed_from_an_exit_code() -> None:
    # Killed by SIGKILL (what the OOM killer sends) but the cgroup saw no OOM kill: not MLE.
    assert classify(obs(exit_code=None, signal=signal.SIGKILL)).status is Status.RE
    assert classify(obs(exit_code=137)).status is Status.RE


# -- cgroups ----------------------------------------------------------------------------------------
MOUNTINFO_V1 = """\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
PROC_CGROUP_V1 = "8:pids:/\n4:memory:/jobs/42\n2:cpuacct:/\n1:cpu:/\n0::/\n"
MOUNTINFO_V2 = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
PROC_CGROUP_V2 = "0::/user.slice/user-1000.slice/session-3.scope\n"


def test_v1_layout_uses_each_controllers_own_hierarchy_and_our_cgroup() -> None:
    layout = cg.layout_from(MOUNTINFO_V1, PROC_CGROUP_V1, v2_controllers="", pid=77)
    assert layout.version == 1
    assert layout.base("memory") == Path("/sys/fs/cgroup/memory/jobs/42/cpagent-77")
    assert layout.base("pids") == Path("/sys/fs/cgroup/pids/cpagent-77")
    assert layout.base("cpuacct") == Path("/sys/fs/cgroup/cpuacct/cpagent-77")


def test_v2_layout_when_controllers_are_delegated() -> None:
    layout = cg.layout_from(MOUNTINFO_V2, PROC_CGROUP_V2, v2_controllers="cpuset cpu io memory pids", pid=5)
    assert layout.version == 2
    assert layout.base("unified") == Path("/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope/cpagent-5")


def test_v2_without_delegation_names_the_missing_controllers() -> None:
    with pytest.raises(cg.CgroupUnavailable, match="memory, pids"):
        cg.layout_from(MOUNTINFO_V2, PROC_CGROUP_V2, v2_controllers="cpu io", pid=5)
    with pytest.raises(cg.CgroupUnavailable, match="no cgroup"):
        cg.layout_from("", "", v2_controllers=None, pid=5)


def test_counter_parsers() -> None:
    assert cg.parse_v2_cpu_stat("usage_usec 1500000\nuser_usec 1000000\n") == 1.5
    assert cg.parse_flat_keyed("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")["oom_kill"] == 1
    assert cg.parse_flat_keyed("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")["oom_kill"] == 2


def test_v2_run_cgroup_writes_limits_and_reads_counters(tmp_path: Path) -> None:
    d = tmp_path / "r0"
    d.mkdir()
    for name, text in {"memory.max": "", "memory.swap.max": "", "pids.max": "", "cgroup.procs": "",
                       "memory.events": "low 0\nmax 4\noom 1\noom_kill 1\n", "memory.peak": "67108864\n",
                       "cpu.stat": "usage_usec 250000\n"}.items():
        (d / name).write_text(text)
    run = cg.RunCgroup(2, (("unified", d),))
    run.set_limits(memory_bytes=64 << 20, max_processes=3)
    assert (d / "memory.max").read_text() == str(64 << 20)
    assert (d / "memory.swap.max").read_text() == "0"
    assert (d / "pids.max").read_text() == "3"
    assert run.stats() == cg.CgroupStats(cpu_s=0.25, peak_bytes=64 << 20, oom_kills=1, limit_hits=4)


def test_v1_run_cgroup_reads_counters(tmp_path: Path) -> None:
    dirs = {}
    for c in ("memory", "pids", "cpuacct"):
        dirs[c] = tmp_path / c
        dirs[c].mkdir()
        (dirs[c] / "cgroup.procs").write_text("")
    (dirs["memory"] / "memory.oom_control").write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")
    (dirs["memory"] / "memory.failcnt").write_text("12\n")
    (dirs["memory"] / "memory.max_usage_in_bytes").write_text(str(32 << 20))
    (dirs["cpuacct"] / "cpuacct.usage").write_text("2000000000\n")
    run = cg.RunCgroup(1, tuple(dirs.items()))
    assert run.stats() == cg.CgroupStats(cpu_s=2.0, peak_bytes=32 << 20, oom_kills=1, limit_hits=12)
    assert run.pids() == []


# -- bwrap ------------------------------------------------------------------------------------------
def test_slot_sees_the_system_read_only_and_nothing_private() -> None:
    argv = slot_argv("/usr/bin/bwrap", system_mounts(), runner_fd=5, sock_fd=6)
    joined = " ".join(argv)
    for flag in ("--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                 "--die-with-parent", "--new-session", "--clearenv"):
        assert flag in argv
    binds = [argv[i + 1] for i, a in enumerate(argv) if a in ("--bind", "--ro-bind")]
    assert "/usr" in binds
    assert "--bind" not in argv  # nothing of the host is writable
    for secret in ("/etc/shadow", "/root", "/home", "/etc", str(Path(__file__).resolve().parents[1])):
        assert secret not in binds
    assert argv[argv.index("--remount-ro") + 1] == "/"
    assert "/.cpagent/runner.py" in joined


def test_merged_usr_links_are_recreated(tmp_path: Path) -> None:
    (tmp_path / "usr" / "bin").mkdir(parents=True)
    (tmp_path / "bin").symlink_to("usr/bin")
    mounts = system_mounts(tmp_path)
    assert ("usr/bin", "/bin") in mounts.symlinks
    assert "/usr" in mounts.binds and "/bin" not in mounts.binds
    assert isinstance(mounts, SlotMounts)



def test_slot_cpus_pins_only_slots_that_cover_every_core(monkeypatch: pytest.MonkeyPatch) -> None:
    from sandbox.native import backend as native_backend

    monkeypatch.delenv("CPAGENT_SANDBOX_PIN", raising=False)
    monkeypatch.setattr(native_backend.os, "sched_getaffinity", lambda pid: {2, 3, 5})
    assert native_backend.slot_cpus(3) == [2, 3, 5]
    assert native_backend.slot_cpus(4) == [2, 3, 5, 2]  # more slots than cores: round robin
    assert native_backend.slot_cpus(2) == [None, None]  # fewer: pinning would crowd the first cores
    assert native_backend.slot_cpus(2, pin=True) == [2, 3]
    monkeypatch.setenv("CPAGENT_SANDBOX_PIN", "0")
    assert native_backend.slot_cpus(3) == [None, None, None]
    monkeypatch.delenv("CPAGENT_SANDBOX_PIN")
    monkeypatch.setattr(native_backend.os, "sched_getaffinity", lambda pid: {0})
    assert native_backend.slot_cpus(1) == [None]  # one core: nothing to choose

# -- seccomp ----------------------------------------------------------------------------------------
def test_filter_denies_the_escape_and_attack_surface_calls() -> None:
    for name in ("ptrace", "mount", "umount2", "unshare", "setns", "pivot_root", "chroot", "bpf",
                 "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd", "io_uring_setup",
                 "kexec_load", "init_module", "reboot", "swapon", "process_vm_readv", "process_vm_writev"):
        assert name in DENIED_SYSCALLS
    bpf = filter_bpf()
    assert len(bpf) % 8 == 0 and len(bpf) // 8 > len(DENIED_SYSCALLS)



def _under_filter(probe: str) -> dict[str, int]:
    """Run `probe` (Python source that fills `got`, name -> errno or 0) in a fresh interpreter under the
    exported filter, installed as the sandbox installs it (no_new_privs, then PR_SET_SECCOMP). A new
    process, not a fork: this one may have threads (JAX) that a forked child could deadlock on."""
    import json
    import subprocess
    import sys

    child = (
        "import ctypes, json, os, sys\n"
        "bpf = sys.stdin.buffer.read()\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "class Prog(ctypes.Structure):\n"
        "    _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_char_p)]\n"
        "prog = Prog(len(bpf) // 8, bpf)\n"
        "assert libc.prctl(38, 1, 0, 0, 0) == 0  # PR_SET_NO_NEW_PRIVS\n"
        "assert libc.prctl(22, 2, ctypes.byref(prog), 0, 0) == 0  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER\n"
        "got = {}\n"
        f"exec({probe!r}, {{'got': got, 'libc': libc, 'ctypes': ctypes, 'os': os}})\n"
        "print(json.dumps(got))\n"
    )
    proc = subprocess.run([sys.executable, "-c", child], input=filter_bpf(), capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)


def test_filter_denies_every_socket_family_but_unix_and_namespaced_clones() -> None:
    """What the filter does, not its shape: calls made under the exported BPF fail with EPERM (ENOSYS for
    clone3) while the calls programs live on still work."""
    import errno

    got = _under_filter(
        "import socket\n"
        "def call(name, *args):\n"
        "    ctypes.set_errno(0)\n"
        "    rc = getattr(libc, name)(*args)\n"
        "    got[f'{name}{args}'] = 0 if rc >= 0 else ctypes.get_errno()\n"
        "for family in (socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK, socket.AF_PACKET, 40, 63, 64, 200):\n"
        "    call('socket', int(family), 1, 0)\n"  # SOCK_STREAM
        "call('socket', 1, 1, 0)\n"  # AF_UNIX
        "call('syscall', 56, 0x10000000 | 17, 0, 0, 0, 0)\n"  # clone(CLONE_NEWUSER | SIGCHLD)
        "call('syscall', 56, 0x20000000 | 17, 0, 0, 0, 0)\n"  # clone(CLONE_NEWPID | SIGCHLD)
        "call('syscall', 435, 0, 0)\n"  # clone3
        "call('syscall', 272, 0x00020000)\n"  # unshare(CLONE_NEWNS)
        "call('syscall', 101, 16, 1, 0, 0)\n"  # ptrace(PTRACE_ATTACH, 1)
        "call('syscall', 321, 0, 0, 0)\n"  # bpf
        "call('syscall', 16, 0, 0x5412, 0)\n"  # ioctl(0, TIOCSTI)
        "call('syscall', 39)\n"  # getpid: allowed
    )
    for family in ("2", "10", "16", "17", "40", "63", "64", "200"):
        assert got[f"socket({family}, 1, 0)"] == errno.EPERM, (family, got)
    assert got["socket(1, 1, 0)"] == 0
    assert got[f"syscall(56, {0x10000000 | 17}, 0, 0, 0, 0)"] == errno.EPERM
    assert got[f"syscall(56, {0x20000000 | 17}, 0, 0, 0, 0)"] == errno.EPERM
    assert got["syscall(435, 0, 0)"] == errno.ENOSYS
    for call in ("syscall(272, 131072)", "syscall(101, 16, 1, 0, 0)", "syscall(321, 0, 0, 0)",
                 f"syscall(16, 0, {0x5412}, 0)"):
        assert got[call] == errno.EPERM, (call, got)
    assert got["syscall(39,)"] == 0

# -- the zygote's plan -------------------------------------------------------------------------------
def plan(argv: list[str], env: list[tuple[str, str]] | None = None) -> object:
    return runner.zygote_plan({"argv": argv, "env": env or []})


def test_zygote_serves_the_judges_python_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner.sys, "executable", "/usr/bin/python3")
    got = plan(["/usr/bin/python3", "-B", "main.py", "x"], [("PYTHONIOENCODING", "utf-8"), ("PYTHONHASHSEED", "0")])
    # python3 reads PYTHONIOENCODING=utf-8 (an encoding alone) as utf-8:strict
    assert got == {"script": "main.py", "args": ["x"], "argv0": "/usr/bin/python3", "unbuffered": False,
                   "encoding": "utf-8", "errors": "strict"}
    assert plan(["python3", "main.py"], [("PYTHONIOENCODING", ":replace")])["errors"] == "replace"
    assert plan(["python3", "main.py"], [("PYTHONIOENCODING", "latin-1:replace")])["errors"] == "replace"


def test_zygote_declines_what_it_cannot_reproduce(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner.sys, "executable", "/usr/bin/python3")
    assert plan(["/usr/bin/python3", "-O", "main.py"]) is None  # changes assert semantics
    assert plan(["/usr/bin/python3", "-c", "print(1)"]) is None
    assert plan(["/usr/bin/python3", "main.py"], [("PYTHONHASHSEED", "7")]) is None
    assert plan(["/usr/bin/python3", "main.py"], [("PYTHONPATH", "/x")]) is None
    assert plan(["/usr/bin/pypy3", "main.py"]) is None
    assert plan(["./a.out"]) is None


# -- the exec helper's request ------------------------------------------------------------------------
def test_helper_request_layout() -> None:
    import struct

    from sandbox.native.backend import helper_request

    req = {"argv": ["./a.out", "x"], "env": [["PATH", "/usr/bin"]], "stdin_fd": 1, "stdout_fd": -1,
           "files": [{"name": "a.out", "exec": True, "fd": 0}, {"name": "d/in.txt", "exec": False, "blob": 0}],
           "cpu_s": 1.5, "fsize": 1 << 20, "stack": 1 << 28, "nofile": 256, "address_space": None, "tmpfs_mb": 64}
    raw = helper_request(req, [b"hello"])
    (length,) = struct.unpack_from("=I", raw)
    assert length == len(raw) - 4
    pos = 4

    def u32() -> int:
        nonlocal pos
        (v,) = struct.unpack_from("=I", raw, pos)
        pos += 4
        return v

    def text() -> bytes:
        nonlocal pos
        n = u32()
        pos += n
        return raw[pos - n:pos]

    assert [text() for _ in range(u32())] == [b"./a.out", b"x"]
    assert [text() for _ in range(u32())] == [b"PATH=/usr/bin"]
    files = []
    for _ in range(u32()):
        name, mode = text(), u32()
        (index,) = struct.unpack_from("=i", raw, pos)
        pos += 4
        files.append((name, mode, index, text()))
    assert files == [(b"a.out", 0o755, 0, b""), (b"d/in.txt", 0o644, -1, b"hello")]
    assert struct.unpack_from("=iiQQQQQI", raw, pos) == (1, -1, 3, 1 << 20, 1 << 28, 256, 0, 64)
    assert pos + struct.calcsize("=iiQQQQQI") == len(raw)


def test_helper_source_builds_with_warnings_as_errors(tmp_path: Path) -> None:
    import shutil
    import subprocess
    from importlib import resources

    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    src = tmp_path / "helper.c"
    src.write_bytes(resources.files("sandbox.native").joinpath("helper.c").read_bytes())
    proc = subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-Wno-sign-compare", "-o", str(tmp_path / "h"),
                           str(src)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


# -- MLE from the cgroup's record of its limit being hit --------------------------------------------
def test_a_failure_at_the_memory_limit_without_an_oom_kill_is_mle() -> None:
    # bad_alloc (SIGABRT) or malloc returning NULL (exit 1) after the cgroup refused memory
    for kw in (dict(exit_code=None, signal=signal.SIGABRT), dict(exit_code=1)):
        got = classify(obs(limit_hits=2, **kw))
        assert (got.status, got.oom_killed) == (Status.MLE, False)
        assert "memory limit" in got.message
    # the limit was touched but the program succeeded: its answer decides, not the memory
    assert classify(obs(limit_hits=5)).status is Status.OK
    # limits outrank: CPU over the limit stays TLE, a sandbox failure stays IE
    assert classify(obs(limit_hits=1, exit_code=None, signal=9, killed_for="cpu", cpu_s=2)).status is Status.TLE
    assert classify(obs(limit_hits=1, exit_code=1, setup_error="x")).status is Status.IE


# -- reused run cgroups: counters as differences from a baseline ---------------------------------------
def _fake_v1(tmp_path: Path) -> tuple[cg.RunCgroup, dict[str, Path]]:
    dirs = {}
    for c in ("memory", "pids", "cpuacct"):
        dirs[c] = tmp_path / c
        dirs[c].mkdir()
        (dirs[c] / "cgroup.procs").write_text("")
    (dirs["memory"] / "memory.oom_control").write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n")
    (dirs["memory"] / "memory.failcnt").write_text("10\n")
    (dirs["memory"] / "memory.max_usage_in_bytes").write_text("999999999\n")
    (dirs["pids"] / "pids.events").write_text("max 1\n")
    (dirs["cpuacct"] / "cpuacct.usage").write_text("5000000000\n")
    return cg.RunCgroup(1, tuple(dirs.items())), dirs


def test_a_reused_cgroup_reports_only_what_the_run_added(tmp_path: Path) -> None:
    run, dirs = _fake_v1(tmp_path)
    base = run.begin()
    assert (dirs["memory"] / "memory.max_usage_in_bytes").read_text().startswith("0")  # the peak was reset
    assert base == cg.Baseline(cpu_s=5.0, limit_hits=10, oom_kills=3, fork_refusals=1)
    (dirs["memory"] / "memory.max_usage_in_bytes").write_text(str(8 << 20))
    (dirs["memory"] / "memory.failcnt").write_text("13\n")
    (dirs["cpuacct"] / "cpuacct.usage").write_text("5250000000\n")
    stats = run.finish(base)
    assert stats == cg.CgroupStats(cpu_s=0.25, peak_bytes=8 << 20, oom_kills=0, limit_hits=3, fork_refusals=0)
    assert run.reusable and run.is_empty() and run.recycle()
    (dirs["pids"] / "cgroup.procs").write_text("4242\n")
    assert not run.is_empty()
    run.close_fds()


def test_v2_cgroups_are_fresh_for_every_run(tmp_path: Path) -> None:
    """Reuse is for v1 (tested on real cgroups here); a v2 run cgroup is never recycled."""
    d = tmp_path / "r0"
    d.mkdir()
    for name, text in {"cgroup.procs": "", "memory.events": "max 1\noom_kill 0\n", "memory.peak": "1\n",
                       "pids.events": "max 0\n", "cpu.stat": "usage_usec 100\n"}.items():
        (d / name).write_text(text)
    run = cg.RunCgroup(2, (("unified", d),))
    base = run.begin()
    assert base == cg.Baseline(cpu_s=0.0001, limit_hits=1, oom_kills=0, fork_refusals=0)
    assert not run.reusable and not run.recycle()
    run.close_fds()


def test_limits_are_written_only_when_they_change(tmp_path: Path) -> None:
    run, dirs = _fake_v1(tmp_path)
    for name in ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes"):
        (dirs["memory"] / name).write_text("0")
    (dirs["pids"] / "pids.max").write_text("")
    run.ensure_limits(memory_bytes=64 << 20, max_processes=2)
    assert (dirs["pids"] / "pids.max").read_text() == "2"
    (dirs["pids"] / "pids.max").write_text("untouched")
    run.ensure_limits(memory_bytes=64 << 20, max_processes=2)
    assert (dirs["pids"] / "pids.max").read_text() == "untouched"
    run.ensure_limits(memory_bytes=64 << 20, max_processes=3)
    assert (dirs["pids"] / "pids.max").read_text().startswith("3")  # written (cgroup files are not truncated)


# -- the per-run wire ---------------------------------------------------------------------------------
def test_the_runner_and_the_host_share_one_wire_format() -> None:
    from sandbox.native import wire

    assert runner.REPLY.format == wire.REPLY.format and runner.REPLY.size == 64  # struct reply in helper.c
    assert runner.WATCH_HEAD.format == wire.WATCH_HEAD.format
    assert runner.FILE_HEAD.format == wire.FILE_HEAD.format and runner.REPLY_MAGIC == wire.REPLY_MAGIC


def test_watch_request_round_trip() -> None:
    import socket

    from sandbox.native import wire

    raw = wire.watch_request(t0=12.5, wall_s=3.0, cpu_s=1.0, cpu_base=0.25, output_limit=1 << 20, stderr_limit=4096,
                             fsize=1 << 24, cpu_fd=0, relay_fd=-1, cgroup_v2=True, collect=["output.txt", "d/x"])
    a, b = socket.socketpair()
    with a, b:
        a.sendall(raw)
        req = runner.recv_watch_request(b)
    assert (req["t0"], req["wall_s"], req["cpu_s"], req["cpu_base"]) == (12.5, 3.0, 1.0, 0.25)
    assert (req["output_limit"], req["stderr_limit"], req["fsize"]) == (1 << 20, 4096, 1 << 24)
    assert (req["cpu_fd"], req["relay_fd"], req["cgroup_v2"], req["collect"]) == (0, -1, 1, ["output.txt", "d/x"])


def _reply(flags: int = 16 | 4, code: int = 0, killed: int = 0, out: bytes = b"", err: bytes = b"",
           error: bytes = b"", files: tuple[tuple[bytes, bytes, bytes], ...] = (), magic: int | None = None) -> bytes:
    from sandbox.native import wire

    parts = [wire.REPLY.pack(wire.REPLY_MAGIC if magic is None else magic, flags, code, killed, 0.5, 0.1, 0.05,
                             0.125, len(out), len(err), len(error), len(files)), out, err, error]
    for name, why, data in files:
        parts += [wire.FILE_HEAD.pack(len(name), len(why), len(data)), name, why, data]
    return b"".join(parts)


def test_reply_parsing() -> None:
    import socket
    import threading
    import time

    from sandbox.native import wire

    data = _reply(flags=16 | 4 | 1, code=-9, killed=3, out=b"\xff" * 70000, err=b"e", error=b"",
                  files=((b"output.txt", b"", b"42\n"), (b"x", b"missing", b"")))
    a, b = socket.socketpair()
    with a, b:
        deadline = time.monotonic() + 5
        got: list[wire.Reply] = []
        t = threading.Thread(target=lambda: got.append(wire.recv_reply(b, deadline)))
        t.start()
        a.sendall(data)  # more than a socket buffer: the reader takes it as it comes
        t.join()
    r = got[0]
    assert (r.exit_code, r.killed, r.stdout_truncated, r.stderr_truncated, r.zygote) == (-9, "output", True, False,
                                                                                         False)
    assert (r.stdout, r.stderr, r.setup_error, r.cpu_s) == (b"\xff" * 70000, b"e", "", 0.125)
    assert r.files == (("output.txt", "", b"42\n"), ("x", "missing", b""))


@pytest.mark.parametrize("data, why", [
    (_reply(magic=0x1234), "malformed"),
    (_reply(out=b"abc")[:-2], "without a full reply"),
    (_reply(killed=9), "malformed"),
])
def test_a_bad_reply_is_a_wire_error_never_a_result(data: bytes, why: str) -> None:
    import socket
    import time

    from sandbox.native import wire

    a, b = socket.socketpair()
    with b:
        a.sendall(data)
        a.close()
        with pytest.raises(wire.WireError, match=why):
            wire.recv_reply(b, time.monotonic() + 5)


def test_a_silent_watcher_is_a_wire_error_at_the_deadline() -> None:
    import socket
    import time

    from sandbox.native import wire

    a, b = socket.socketpair()
    with a, b:
        start = time.monotonic()
        with pytest.raises(wire.WireError, match="in time"):
            wire.recv_reply(b, start + 0.2)
        assert time.monotonic() - start < 2


# -- the host's watchdog --------------------------------------------------------------------------------
class _FakeSlot:
    def __init__(self) -> None:
        self.watchdog_fired = False
        self.killed = 0

    def kill(self) -> None:
        self.killed += 1


def test_the_watchdog_kills_only_slots_past_their_deadline() -> None:
    from sandbox.native.watchdog import Watchdog

    dog = Watchdog(tick_s=3600)  # driven by hand here
    late, early, done = _FakeSlot(), _FakeSlot(), _FakeSlot()
    dog.arm(late, 10.0)
    dog.arm(early, 30.0)
    dog.disarm(dog.arm(done, 5.0))
    assert dog.check(now=20.0) == 1
    assert (late.killed, late.watchdog_fired, early.killed, done.killed) == (1, True, 0, 0)
    assert dog.check(now=20.0) == 0  # a slot is killed once
    dog.close()


def test_the_watchdog_thread_fires_on_its_own() -> None:
    import time

    from sandbox.native.watchdog import Watchdog

    dog = Watchdog(tick_s=0.05)
    slot = _FakeSlot()
    dog.arm(slot, time.monotonic() + 0.1)
    deadline = time.monotonic() + 5
    while not slot.killed and time.monotonic() < deadline:
        time.sleep(0.02)
    dog.close()
    assert slot.killed == 1 and dog.fired == 1


# -- the slot pool never leaks a place ---------------------------------------------------------------------
def test_a_slot_that_fails_to_start_in_any_way_gives_its_place_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from sandbox.native import backend as nb
    from sandbox.native.slot import SlotBroken

    pool = nb.SlotPool(config=None, size=1, cpus=[0])  # type: ignore[arg-type]
    calls = []

    def broken(config: object, cpu: int | None = None) -> object:
        calls.append(1)
        raise MemoryError("no memory for a new slot")  # not a SlotBroken: used to leak the count

    monkeypatch.setattr(nb, "Slot", broken)
    for _ in range(3):  # with a leaked count the second acquire would wait forever
        t = threading.Thread(target=lambda: pytest.raises(SlotBroken, pool.acquire))
        t.start()
        t.join(timeout=5)
        assert not t.is_alive()
    assert len(calls) == 3 and pool._count == 0
    assert pool._free_cpus == [0]  # and its core


def test_cgroups_left_by_a_dead_process_are_removed(tmp_path: Path) -> None:
    """remove_stale walks other processes' leftovers with one directory per controller name it finds."""
    layout = cg.CgroupLayout(1, tuple((c, tmp_path / c / "cpagent-1-0") for c in cg.V1_CONTROLLERS))
    dead = 2 ** 22 + 12345  # above pid_max: no such process
    for c in cg.V1_CONTROLLERS:
        stale = tmp_path / c / f"cpagent-{dead}-0" / "r3"
        stale.mkdir(parents=True)
        (stale / "cgroup.procs").write_text("")
    cg.remove_stale(layout)  # a plain directory tree here: rmdir fails on the files, but it must not raise
    run = cg.RunCgroup(1, (("x", tmp_path / "memory" / f"cpagent-{dead}-0" / "r3"),))  # how remove_stale sees one
    assert not run.memsw and run.pids() == []


def test_zygote_environment_follows_python3s_locale_coercion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "COERCED_LC_CTYPE", "C.UTF-8")
    coerce = runner.with_coerced_locale
    assert coerce({"PATH": "/bin"}) == {"PATH": "/bin", "LC_CTYPE": "C.UTF-8"}  # no locale: the C locale
    assert coerce({"LC_CTYPE": "POSIX"})["LC_CTYPE"] == "C.UTF-8"
    assert coerce({"LANG": "C"})["LC_CTYPE"] == "C.UTF-8"
    for env in ({"LC_ALL": "C"}, {"LANG": "C.UTF-8"}, {"LC_CTYPE": "C.utf8", "LANG": "C"}):
        assert coerce(env) == env  # LC_ALL wins, or the locale is not C: python3 leaves it alone
    monkeypatch.setattr(runner, "COERCED_LC_CTYPE", "")
    assert coerce({"PATH": "/bin"}) == {"PATH": "/bin"}  # this interpreter did not coerce: neither do we


def test_runner_wire_helpers_parse_what_the_host_sends() -> None:
    import json
    import socket

    for value in ({"argv": ["python3", "a b.py"], "env": [["K", "é"]], "n": 1.5}, [], "x"):
        assert runner.parse_header(json.dumps(value).encode()) == value
    with pytest.raises(ValueError):
        runner.parse_header(b"{bad")
    a, b = socket.socketpair()
    r, w = os.pipe()
    try:
        socket.send_fds(a, [b"S"], [r, w])
        fds = runner.recv_fds(b)
        assert len(fds) == 2 and all(not os.get_inheritable(fd) for fd in fds)
        for fd in fds:
            os.close(fd)
        a.close()
        with pytest.raises(EOFError):
            runner.recv_fds(b)
    finally:
        b.close()
        os.close(r)
        os.close(w)


def test_zygote_environment_is_exactly_the_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    data = os.environ._data  # type: ignore[attr-defined]
    saved = dict(data)
    calls: list[tuple[str, object]] = []
    monkeypatch.setattr(os, "unsetenv", lambda k: calls.append(("unset", k)))  # the test's own environment
    monkeypatch.setattr(os, "putenv", lambda k, v: calls.append(("put", (k, v))))  # stays as it is
    try:
        runner.set_environ({"A": "1", "PATH": "/x"})
        assert dict(os.environ) == {"A": "1", "PATH": "/x"}
    finally:
        data.clear()
        data.update(saved)
    assert {k for kind, k in calls if kind == "unset"} == set(saved)  # the C environment is cleared too
    assert [c for c in calls if c[0] == "put"] == [("put", (b"A", b"1")), ("put", (b"PATH", b"/x"))]
