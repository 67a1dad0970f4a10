"""Unit tests of the native backend's pure parts: status mapping, cgroup v1/v2 parsing, bwrap argv,
the seccomp filter, and the zygote's decision of what it may serve. No sandbox is started here."""

from __future__ import annotations

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


# -- seccomp ----------------------------------------------------------------------------------------
def test_filter_denies_the_escape_and_attack_surface_calls() -> None:
    for name in ("ptrace", "mount", "umount2", "unshare", "setns", "pivot_root", "chroot", "bpf",
                 "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd", "io_uring_setup",
                 "kexec_load", "init_module", "reboot", "swapon", "process_vm_readv", "process_vm_writev"):
        assert name in DENIED_SYSCALLS
    bpf = filter_bpf()
    assert len(bpf) % 8 == 0 and len(bpf) // 8 > len(DENIED_SYSCALLS)


# -- the zygote's plan -------------------------------------------------------------------------------
def plan(argv: list[str], env: list[tuple[str, str]] | None = None) -> object:
    return runner.zygote_plan({"argv": argv, "env": env or []})


def test_zygote_serves_the_judges_python_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner.sys, "executable", "/usr/bin/python3")
    got = plan(["/usr/bin/python3", "-B", "main.py", "x"], [("PYTHONIOENCODING", "utf-8"), ("PYTHONHASHSEED", "0")])
    assert got == {"script": "main.py", "args": ["x"], "argv0": "/usr/bin/python3", "unbuffered": False,
                   "encoding": "utf-8", "errors": None}


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
