"""Real runs through the native backend (bubblewrap + cgroups + seccomp): limits, verdicts, isolation,
clean-up, warm slots, the zygote and interactive pipes. Skipped (with the reason) where this machine
cannot build the native sandbox."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import FileSpec, RunResult, RunSpec, Status, UnsafeSandboxError, open_backend
from sandbox.native import NativeBackend, layers

REPO = Path(__file__).resolve().parents[1]

C_PROGRAMS = {
    "spin": "int main(void){volatile unsigned long x=0;for(;;)x++;}",
    "sleep": "#include <unistd.h>\nint main(void){sleep(30);return 0;}",
    "malloc_bomb": "#include <stdlib.h>\n#include <string.h>\n"
                   "int main(void){for(;;){char*p=malloc(1<<20);if(!p)return 5;memset(p,1,1<<20);}}",
    "flood": "#include <stdio.h>\nint main(void){for(;;)fputs(\"flood flood flood flood flood flood\\n\",stdout);}",
    "exit3": "int main(void){return 3;}",
    "segv": "int main(void){volatile int *p=0;return *p;}",
    "sum": "#include <stdio.h>\nint main(void){long a,s=0;while(scanf(\"%ld\",&a)==1)s+=a;printf(\"%ld\\n\",s);"
           "return 0;}",
    "true": "int main(void){return 0;}",
    "fsize": "#include <stdio.h>\nint main(void){FILE*f=fopen(\"big.bin\",\"w\");static char b[1<<16];"
             "for(int i=0;i<4096;i++)fwrite(b,1,sizeof b,f);fclose(f);return 0;}",
}


@pytest.fixture(scope="module")
def native() -> Iterator[NativeBackend]:
    try:
        backend = open_backend("native", slots=2)
    except UnsafeSandboxError as exc:
        print(f"native sandbox unavailable here: {exc.message} ({exc.hint})")
        pytest.skip(f"native sandbox unavailable: {exc.message}")
    assert isinstance(backend, NativeBackend)
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def bins(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    out = tmp_path_factory.mktemp("bins")
    paths = {}
    for name, source in C_PROGRAMS.items():
        src = out / f"{name}.c"
        src.write_text(source)
        subprocess.run(["gcc", "-O2", "-o", str(out / name), str(src)], check=True)
        paths[name] = out / name
    return paths


def c_run(bins: dict[str, Path], name: str, **kw: object) -> RunSpec:
    return RunSpec(command=(f"./{name}",), files=(FileSpec(name, source=bins[name], executable=True),), **kw)  # type: ignore[arg-type]


def py_run(source: str, **kw: object) -> RunSpec:
    return RunSpec(command=("/usr/bin/python3", "-B", "main.py"), files=(FileSpec("main.py", content=source.encode()),),
                   language="python3", env=(("PYTHONIOENCODING", "utf-8"), ("PYTHONHASHSEED", "0")), **kw)  # type: ignore[arg-type]


def sh(script: str, **kw: object) -> RunSpec:
    kw.setdefault("max_processes", 16)
    return RunSpec(command=("/bin/sh", "-c", script), **kw)  # type: ignore[arg-type]


# -- limits and verdicts -----------------------------------------------------------------------------
def test_cpu_spin_is_tle_on_cpu_time(native: NativeBackend, bins: dict[str, Path]) -> None:
    r = native.run(c_run(bins, "spin", cpu_time_s=0.5, wall_time_s=10))
    assert r.status is Status.TLE and not r.wall_limited
    assert r.cpu_s >= 0.5


def test_sleep_is_tle_marked_wall(native: NativeBackend, bins: dict[str, Path]) -> None:
    r = native.run(c_run(bins, "sleep", cpu_time_s=1.0, wall_time_s=0.5))
    assert r.status is Status.TLE and r.wall_limited
    assert 0.5 <= r.wall_s < 5 and r.cpu_s < 0.5


def test_malloc_bomb_is_mle_from_the_cgroup(native: NativeBackend, bins: dict[str, Path]) -> None:
    r = native.run(c_run(bins, "malloc_bomb", memory_mb=64))
    assert r.status is Status.MLE and r.oom_killed
    assert 48 <= r.memory_mb <= 66


def test_output_flood_is_ole(native: NativeBackend, bins: dict[str, Path]) -> None:
    r = native.run(c_run(bins, "flood", output_limit_bytes=1 << 20))
    assert r.status is Status.OLE and r.stdout_truncated
    assert len(r.stdout) == 1 << 20 and r.stdout.startswith(b"flood flood")


def test_file_over_the_size_limit_is_ole(native: NativeBackend, bins: dict[str, Path]) -> None:
    r = native.run(c_run(bins, "fsize", file_size_limit_bytes=1 << 20))
    assert r.status is Status.OLE and r.signal == signal.SIGXFSZ


def test_exit_code_and_signal_are_re(native: NativeBackend, bins: dict[str, Path]) -> None:
    r = native.run(c_run(bins, "exit3"))
    assert (r.status, r.exit_code, r.signal) == (Status.RE, 3, None)
    r = native.run(c_run(bins, "segv"))
    assert (r.status, r.exit_code, r.signal) == (Status.RE, None, signal.SIGSEGV)


def test_stdin_is_a_file_and_stdout_is_captured(native: NativeBackend, bins: dict[str, Path], tmp_path: Path) -> None:
    data = tmp_path / "input.txt"
    data.write_text("1 2 3\n40\n")
    r = native.run(c_run(bins, "sum", stdin=data))
    assert r.status is Status.OK and r.stdout == b"46\n"
    r = native.run(sh("test -f /proc/self/fd/0 && ! test -p /proc/self/fd/0 && echo regular", stdin=data))
    assert r.stdout == b"regular\n"
    assert r.memory_mb > 0 and r.backend == "native"


def test_collect_output_file_and_refuse_symlinks(native: NativeBackend) -> None:
    r = native.run(sh("echo answer > output.txt; ln -s /etc/passwd link.txt; mkdir d",
                      collect=("output.txt", "link.txt", "d", "absent.txt")))
    assert r.status is Status.OK
    assert r.file("output.txt") == b"answer\n"
    assert r.file("link.txt") is None and r.file("d") is None and r.file("absent.txt") is None
    assert "link.txt: refused" in r.message


def test_files_are_placed_in_the_work_dir(native: NativeBackend) -> None:
    spec = sh("cat data/in.txt; test -x run.sh && ./run.sh",
              files=(FileSpec("data/in.txt", content=b"hello\n"),
                     FileSpec("run.sh", content=b"#!/bin/sh\necho ran\n", executable=True)))
    r = native.run(spec)
    assert (r.status, r.stdout) == (Status.OK, b"hello\nran\n")


# -- isolation --------------------------------------------------------------------------------------
class _Server(threading.Thread):
    """A real loopback TCP server on the host, so a connection attempt has something to reach."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.accepted = 0

    def run(self) -> None:
        self.sock.settimeout(5)
        try:
            conn, _ = self.sock.accept()
            self.accepted += 1
            conn.close()
        except OSError:
            pass


def test_network_is_denied(native: NativeBackend) -> None:
    server = _Server()
    server.start()
    prog = f"""
import socket
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(1)
    s.connect(("127.0.0.1", {server.port}))
    print("connected")
except OSError as e:
    print("denied", e.errno)
a, b = socket.socketpair()
a.sendall(b"x"); print("unix", b.recv(1))
"""
    r = native.run(py_run(prog))
    server.sock.close()
    assert r.status is Status.OK, r.stderr
    assert r.stdout.startswith(b"denied 1\n")  # EPERM from seccomp, before the namespace would refuse
    assert b"unix b'x'" in r.stdout
    assert server.accepted == 0


def test_private_files_are_invisible(native: NativeBackend) -> None:
    script = (f"for p in /etc/shadow /root /home {REPO} /work/../etc/passwd; do "
              "if test -e $p; then echo visible $p; fi; done; "
              "touch /usr/x 2>/dev/null && echo wrote-usr; echo > /etc/x 2>/dev/null && echo wrote-etc; "
              "cat /proc/1/environ | tr '\\0' ' '; echo; id -u; hostname; echo end")
    r = native.run(sh(script))
    assert r.status is Status.OK, r.stderr
    out = r.stdout.decode()
    assert "visible" not in out and "wrote" not in out
    assert "HOME=" not in out and "CPAGENT" not in out
    assert out.rstrip().endswith("sandbox\nend")


def test_seccomp_and_capabilities(native: NativeBackend) -> None:
    prog = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for name, call in [("unshare", lambda: libc.unshare(0x10000000)),
                   ("mount", lambda: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)),
                   ("ptrace", lambda: libc.ptrace(16, 1, 0, 0)),
                   ("bpf", lambda: libc.syscall(321, 0, 0, 0)),
                   ("perf_event_open", lambda: libc.syscall(298, 0, 0, -1, -1, 0)),
                   ("keyctl", lambda: libc.syscall(250, 0, 0, 0, 0, 0)),
                   ("io_uring_setup", lambda: libc.syscall(425, 1, 0)),
                   ("userfaultfd", lambda: libc.syscall(323, 0))]:
    print(name, call(), ctypes.get_errno())
print(open("/proc/self/status").read().split("CapEff:")[1].split()[0])
print(open("/proc/self/status").read().split("NoNewPrivs:")[1].split()[0])
"""
    r = native.run(py_run(prog))
    assert r.status is Status.OK, r.stderr
    lines = r.stdout.decode().splitlines()
    for line in lines[:8]:
        assert line.endswith("-1 1"), line  # EPERM
    assert lines[8] == "0000000000000000" and lines[9] == "1"


def test_orphans_are_killed_and_nothing_is_left(native: NativeBackend) -> None:
    token = f"{os.getpid()}.{time.monotonic_ns() % 100000}"
    r = native.run(sh(f"(setsid sleep {token} &) ; (nohup sleep {token} >/dev/null 2>&1 &) ; echo started"))
    assert r.status is Status.OK and r.stdout == b"started\n"
    time.sleep(0.2)
    survivors = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if token.encode() in (proc / "cmdline").read_bytes():
                    survivors.append(proc.name)
            except OSError:
                continue
    assert survivors == []


def test_next_run_sees_nothing_of_the_previous_one(native: NativeBackend) -> None:
    for _ in range(2 * native.slots):  # every slot runs the writer, then the reader
        native.run(sh("echo left > /tmp/mark; echo left > /dev/shm/mark; echo left > mark"))
    r = native.run_batch([sh("ls /tmp /dev/shm .; cat /tmp/mark /dev/shm/mark mark 2>/dev/null; echo done")] * 4)
    for res in r:
        assert res.status is Status.OK and res.stdout.strip().endswith(b"done")
        assert b"mark" not in res.stdout


def test_tmpfs_is_size_limited(native: NativeBackend) -> None:
    r = native.run(sh("dd if=/dev/zero of=/tmp/fill bs=1M count=64 2>&1; echo rc=$?", tmpfs_mb=8, memory_mb=256))
    assert r.status is Status.OK
    assert b"No space left" in r.stdout


def test_batch_returns_every_result_in_order(native: NativeBackend, bins: dict[str, Path]) -> None:
    specs = [sh(f"echo {i}") for i in range(20)]
    seen: list[int] = []
    results = native.run_batch(specs, on_result=lambda i, _r: seen.append(i))
    assert [r.stdout for r in results] == [f"{i}\n".encode() for i in range(20)]
    assert sorted(seen) == list(range(20))


# -- warm slots -----------------------------------------------------------------------------------
def test_crashed_slot_is_rebuilt_and_no_result_is_invented(bins: dict[str, Path]) -> None:
    try:
        backend = NativeBackend(slots=1)
    except UnsafeSandboxError as exc:
        pytest.skip(exc.message)
    try:
        spec = c_run(bins, "exit3")
        assert backend.run(spec).exit_code == 3
        slot = backend.pool._idle[0]
        os.kill(slot.pid, signal.SIGKILL)  # the slot's bwrap dies while idle
        slot._proc.wait()
        lost = backend._run_once(spec)
        assert lost.status is Status.IE and lost.message
        again = backend.run(spec)  # a new slot serves the retry
        assert (again.status, again.exit_code) == (Status.RE, 3)
        assert backend.pool._idle[0].pid != slot.pid
    finally:
        backend.close()


def _cores_of_runs(backend: NativeBackend, n: int) -> list[str]:
    """The cores each of n runs may use, as the program itself sees them."""
    probe = "print([l for l in open('/proc/self/status') if l.startswith('Cpus_allowed_list')][0].split()[1])"
    return [r.stdout.decode().strip() for r in backend.run_batch([py_run(probe)] * n)]


def test_slots_covering_every_core_are_pinned_one_core_each_and_a_rebuilt_slot_keeps_its_core() -> None:
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        pytest.skip(f"pinning needs at least 2 cores; this process may use {len(cores)}")
    try:
        backend = NativeBackend(slots=len(cores))
    except UnsafeSandboxError as exc:
        pytest.skip(exc.message)
    try:
        seen = _cores_of_runs(backend, 8 * len(cores))
        assert sorted(set(seen)) == sorted(str(c) for c in cores)  # each run on one core; every core used
        victim = backend.pool._idle[0]
        os.kill(victim.pid, signal.SIGKILL)
        victim._proc.wait()
        assert sorted(set(_cores_of_runs(backend, 8 * len(cores)))) == sorted(str(c) for c in cores)
        # the slot built in place of the dead one took its core
        assert victim.pid not in {s.pid for s in backend.pool._idle}
        assert sorted(s.cpu for s in backend.pool._idle) == cores
    finally:
        backend.close()
    try:
        few = NativeBackend(slots=len(cores) - 1)  # fewer slots than cores: the kernel balances them
    except UnsafeSandboxError as exc:
        pytest.skip(exc.message)
    try:
        assert {s for s in _cores_of_runs(few, 4)} == {f"{cores[0]}-{cores[-1]}" if cores == list(
            range(cores[0], cores[-1] + 1)) else ",".join(map(str, cores))}
    finally:
        few.close()


def test_simple_per_run_path(bins: dict[str, Path], tmp_path: Path) -> None:
    try:
        backend = NativeBackend(slots=1, warm=False)
    except UnsafeSandboxError as exc:
        pytest.skip(exc.message)
    try:
        data = tmp_path / "in.txt"
        data.write_text("5 6\n")
        r = backend.run(c_run(bins, "sum", stdin=data))
        assert (r.status, r.stdout) == (Status.OK, b"11\n")
        assert backend.run(c_run(bins, "malloc_bomb", memory_mb=32)).status is Status.MLE
        assert backend.pool._idle == []
    finally:
        backend.close()


def test_close_leaves_no_process_and_no_cgroup(bins: dict[str, Path]) -> None:
    try:
        backend = NativeBackend(slots=2)
    except UnsafeSandboxError as exc:
        pytest.skip(exc.message)
    backend.run_batch([c_run(bins, "true")] * 4)
    pids = [s.pid for s in backend.pool._idle]
    assert backend.cgroups is not None
    bases = [b for _, b in backend.cgroups.layout.bases]
    assert all(b.is_dir() for b in bases)
    backend.close()
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or b"Z" in Path(f"/proc/{pid}/stat").read_bytes().split(b")")[1][:3]
    assert not any(b.exists() for b in bases)


# -- the zygote ------------------------------------------------------------------------------------
# The std streams as python3 makes them: names, modes, buffering, error handlers, no newline translation.
STREAM_PROBE = (
    "import sys\nfor s in (sys.stdin, sys.stdout, sys.stderr):\n"
    "    print(s.name, s.mode, s.encoding, s.errors, s.line_buffering, s.write_through, type(s.buffer).__name__,"
    " getattr(s.buffer, 'raw', s.buffer).name, s.newlines, s.seekable(), s.buffer.seekable())\n"
    "print(repr(sys.stdin.readline()), repr(sys.stdin.read()))\nsys.stdout.write('a\\r\\nb\\n')\n"
    "print('\\xe9\\u2713', file=sys.stderr)\n"
)
ZYGOTE_PROGRAMS = [
    "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n",
    "import sys\nprint('out'); print('err', file=sys.stderr); sys.exit(4)\n",
    "def f(n):\n    return f(n + 1)\nf(0)\n",
    "raise SystemExit('bye')\n",
    "print(__name__, __file__)\nimport sys\nprint(sys.argv, sys.path[0])\nprint(sys.stdout.encoding)\n",
    "print('héllo ✓')\nprint(sorted({'b', 'a', 'c'}), hash('x') == hash('x'))\nx = [1] * (10 ** 6)\nprint(len(x))\n",
    "import atexit\natexit.register(lambda: print('at exit'))\nprint('main')\n",
    "import threading\nt = threading.Thread(target=lambda: print('thread'))\nt.start()\n",
    "1/0\n",
    "import gc\nprint(gc.isenabled(), gc.get_threshold())\n",  # the cyclic collector runs, as under python3
    # exactly the run's environment, in os.environ and in the C environment a child process inherits
    "import os, subprocess\nprint(sorted(os.environ.items()))\n"
    "print(subprocess.run(['/usr/bin/env'], capture_output=True, text=True).stdout)\n",
    # signal dispositions as python3 sets them (SIGPIPE and SIGXFSZ ignored, SIGINT raises KeyboardInterrupt)
    "import signal\nprint([str(signal.getsignal(s)) for s in (signal.SIGINT, signal.SIGPIPE, signal.SIGXFSZ, "
    "signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP)])\n",
    STREAM_PROBE,
    # an encoding alone in PYTHONIOENCODING means errors=strict: a lone surrogate fails as under python3
    "print('\\udcff')\n",
    # what python3's finalization does: an output wrapper the program never flushed (in a reference
    # cycle, flushing through a global function) writes its buffer when the program's objects go
    "import io, os\nclass Out(io.IOBase):\n    def __init__(self):\n        self.buf = []\n"
    "        self.write = lambda s: self.buf.append(s)\n    def flush(self):\n"
    "        emit(''.join(self.buf)); self.buf.clear()\ndef emit(s):\n    os.write(1, s.encode())\n"
    "out = Out()\nprint('first')\nout.write('later\\n')\n",
    # stdout closed by the program: not flushed again, exit status 0
    "import sys\nwith sys.stdout as f:\n    print(42, file=f)\n",
    # sys.stdout replaced; an atexit function writes to the original, flushed at the very end
    "import atexit, io, sys\nbuf = io.StringIO()\nsys.stdout = buf\nprint('kept')\n"
    "atexit.register(lambda: sys.__stdout__.write(buf.getvalue()))\n",
    # a flush that fails at exit: reported as python3 reports it, exit status 120
    "import os\nprint('lost')\nos.close(1)\n",
]


@pytest.mark.parametrize("source", ZYGOTE_PROGRAMS)
def test_zygote_equals_plain_python3(native: NativeBackend, source: str, tmp_path: Path) -> None:
    data = tmp_path / "in.txt"
    data.write_bytes(b"1 2 3\r\n4\n")  # a CRLF line: python3's stdin does not translate newlines
    plain = NativeBackend(slots=1, zygote=False)
    try:
        want = plain.run(py_run(source, stdin=data, max_processes=4))
    finally:
        plain.close()
    got = native.run(py_run(source, stdin=data, max_processes=4))
    assert dict(got.extra).get("zygote") is True and dict(want.extra).get("zygote") is False, (got, want)
    assert (got.status, got.exit_code, got.signal) == (want.status, want.exit_code, want.signal)
    assert got.stdout == want.stdout
    assert got.stderr == want.stderr


def test_a_signal_the_host_ignores_is_default_in_every_python_run() -> None:
    """Under `nohup` the judge starts with SIGHUP ignored; programs must start as python3 per run does."""
    source = "import signal\nprint(signal.getsignal(signal.SIGHUP), signal.getsignal(signal.SIGUSR1))\n"
    before = [signal.signal(s, signal.SIG_IGN) for s in (signal.SIGHUP, signal.SIGUSR1)]
    backends = [NativeBackend(slots=1, zygote=z) for z in (True, False)]
    try:  # slots start with the first run: the signals stay ignored until then
        results = [b.run(py_run(source, max_processes=4)) for b in backends]
    finally:
        for b in backends:
            b.close()
        for s, handler in zip((signal.SIGHUP, signal.SIGUSR1), before):
            signal.signal(s, handler)
    assert [dict(r.extra).get("zygote") for r in results] == [True, False]
    assert [r.stdout for r in results] == [b"0 0\n"] * 2  # SIG_DFL


@pytest.mark.parametrize("command, env", [
    (("/usr/bin/python3", "main.py"), ()),  # python3's own defaults
    (("/usr/bin/python3", "-u", "main.py"), (("PYTHONIOENCODING", "utf-8"),)),  # unbuffered
    (("python3", "main.py"), (("PYTHONIOENCODING", "latin-1:replace"),)),  # streams made per run
])
def test_zygote_streams_equal_plain_python3(native: NativeBackend, command: tuple[str, ...],
                                            env: tuple[tuple[str, str], ...], tmp_path: Path) -> None:
    data = tmp_path / "in.txt"
    data.write_bytes(b"1 2\r\n3\n")
    spec = RunSpec(command=command, files=(FileSpec("main.py", content=STREAM_PROBE.encode()),), language="python3",
                   env=env, stdin=data)
    plain = NativeBackend(slots=1, zygote=False)
    try:
        want = plain.run(spec)
    finally:
        plain.close()
    got = native.run(spec)
    assert dict(got.extra).get("zygote") is True and want.status is Status.OK, (got, want)
    assert (got.status, got.stdout, got.stderr) == (want.status, want.stdout, want.stderr)


def test_zygote_matches_python3_on_real_solutions(native: NativeBackend, cp_data: Path, tmp_path: Path) -> None:
    """Real Codeforces Python solutions (CodeContests), an evenly spread sample: the zygote gives exactly
    what python3 started per run gives, tests and outputs alike."""
    import json

    rows = [json.loads(line) for line in (cp_data / "codecontests_cf_python.jsonl").read_text().splitlines()]
    specs = []
    for row in rows[::len(rows) // 6][:6]:
        solution = row["correct_solutions"][0]["code"]
        for i, test in enumerate((row["public_tests"] + row["hidden_tests"])[:2]):
            data = tmp_path / f"{len(specs)}-{i}.in"
            data.write_text(test["input"])
            specs.append(py_run(solution, stdin=data, cpu_time_s=5.0, memory_mb=256))
    plain = NativeBackend(slots=1, zygote=False)
    try:
        want = plain.run_batch(specs)
    finally:
        plain.close()
    got = native.run_batch(specs)
    assert all(dict(r.extra).get("zygote") for r in got)
    for g, w in zip(got, want):
        assert (g.status, g.exit_code, g.stdout, g.stderr) == (w.status, w.exit_code, w.stdout, w.stderr)


def test_zygote_is_not_used_for_other_commands(native: NativeBackend) -> None:
    r = native.run(RunSpec(command=("/usr/bin/python3", "-c", "print(7)"), language="python3"))
    assert r.stdout == b"7\n" and dict(r.extra)["zygote"] is False


# -- interactive ----------------------------------------------------------------------------------
INTERACTOR = """
import sys
secret = int(open("input.txt").read())
for _ in range(20):
    line = sys.stdin.readline()
    if not line:
        print("no answer", file=sys.stderr); sys.exit(1)
    g = int(line)
    if g == secret:
        print("=", flush=True); print("found", file=sys.stderr); sys.exit(0)
    print("<" if g < secret else ">", flush=True)
sys.exit(1)
"""
SOLUTION = """
import sys
lo, hi = 1, 1000
while True:
    mid = (lo + hi) // 2
    print(mid, flush={flush})
    r = sys.stdin.readline().strip()
    if r == "=":
        break
    if r == "<":
        lo = mid + 1
    else:
        hi = mid - 1
"""


def test_interactive_pipes(native: NativeBackend) -> None:
    interactor = py_run(INTERACTOR, wall_time_s=5).with_(
        files=(FileSpec("main.py", content=INTERACTOR.encode()), FileSpec("input.txt", content=b"777")))
    sol, inter = native.run_interactive(py_run(SOLUTION.format(flush=True), wall_time_s=5), interactor)
    assert (sol.status, inter.status) == (Status.OK, Status.OK), (sol, inter)
    assert inter.stderr == b"found\n"
    assert inter.stdout.endswith(b"=\n")  # what the interactor said is captured too


def test_interactive_missing_flush_is_wall_tle_not_a_hang(native: NativeBackend) -> None:
    interactor = py_run(INTERACTOR, wall_time_s=1.5).with_(
        files=(FileSpec("main.py", content=INTERACTOR.encode()), FileSpec("input.txt", content=b"777")))
    start = time.monotonic()
    sol, inter = native.run_interactive(py_run(SOLUTION.format(flush=False), wall_time_s=1.5), interactor)
    assert time.monotonic() - start < 10
    assert sol.status is Status.TLE and sol.wall_limited
    # The interactor waits too: it is stopped by its own wall clock, or sees the end of input when
    # the solution is stopped first; either way nothing hangs.
    assert inter.status is Status.TLE and inter.wall_limited or inter.stderr == b"no answer\n"


# -- fail closed ------------------------------------------------------------------------------------
def test_missing_layer_refuses_unless_insecure(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        NativeBackend(slots=1).close()
    except UnsafeSandboxError as exc:
        pytest.skip(exc.message)
    missing = layers.Layer("cgroups", False, "no cgroup file system", "install cgroups")
    monkeypatch.setattr(layers, "cgroup_layer", lambda: (missing, None))
    with pytest.raises(UnsafeSandboxError) as info:
        NativeBackend(slots=1)
    assert "cgroups" in info.value.message and "--insecure" in info.value.hint
    backend = NativeBackend(slots=1, insecure=True)
    try:
        assert backend.secure is False and backend.missing_layers == ("cgroups",)
        r: RunResult = backend.run(sh("echo still isolated; test -e /etc/shadow || echo no-shadow"))
        assert r.stdout == b"still isolated\nno-shadow\n"
    finally:
        backend.close()


def test_missing_bwrap_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sandbox.native.backend as nb

    monkeypatch.setattr(nb, "find_bwrap", lambda: None)
    with pytest.raises(UnsafeSandboxError, match="bubblewrap") as info:
        open_backend("native", insecure=True)
    assert "apt-get install bubblewrap" in info.value.hint


# -- both program launchers ---------------------------------------------------------------------------
@contextlib.contextmanager
def _backend_with_helper(helper: bool, monkeypatch: pytest.MonkeyPatch) -> Iterator[NativeBackend]:
    """A one-slot backend with the C helper (and its zygote library) built, or without it (no compiler)."""
    monkeypatch.setenv("CPAGENT_SANDBOX_HELPER", "1" if helper else "0")
    try:
        backend = NativeBackend(slots=1)
    except UnsafeSandboxError as exc:
        pytest.skip(exc.message)
    try:
        yield backend
    finally:
        backend.close()


@pytest.mark.parametrize("helper", [True, False], ids=["exec-helper", "python-launcher"])
def test_both_launchers_give_the_same_results(helper: bool, bins: dict[str, Path], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with _backend_with_helper(helper, monkeypatch) as backend:
        if helper and backend.config.helper is None:
            pytest.skip("no C compiler to build the exec helper")
        assert (backend.config.helper is not None) == helper
        data = tmp_path / "in.txt"
        data.write_text("2 3\n")
        results = [backend.run(c_run(bins, "sum", stdin=data)) for _ in range(3)]
        assert all((r.status, r.stdout) == (Status.OK, b"5\n") for r in results)
        r = backend.run(c_run(bins, "segv"))
        assert (r.status, r.signal) == (Status.RE, signal.SIGSEGV)
        r = backend.run(sh("echo $0; ls /proc/self/fd | wc -l; grep -E 'CapEff|NoNewPrivs|Seccomp:' /proc/self/status",
                           env=(("PATH", "/usr/bin:/bin"), ("X", "1"))))
        lines = r.stdout.decode().split()
        assert lines[0] == "/bin/sh" and int(lines[1]) <= 5  # 0, 1, 2, and ls's own directory fd
        assert "0000000000000000" in lines and "NoNewPrivs:" in r.stdout.decode()
        assert r.stdout.decode().split("Seccomp:")[1].split()[0] == "2"
        missing = backend.run(RunSpec(command=("./nonexistent",)))
        assert missing.status is Status.IE and "nonexistent" in missing.message


@pytest.mark.parametrize("helper", [True, False], ids=["zygote-library", "python-runner"])
def test_both_zygote_launchers_give_the_same_results(helper: bool, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """With the library, C is a copy of the runner made inside the run's namespaces and confined in
    C; without it (no compiler), a fork of the run's init confined in Python. Same program, same run."""
    with _backend_with_helper(helper, monkeypatch) as backend:
        if helper and backend.config.zygote_lib is None:
            pytest.skip("no C compiler to build the zygote library")
        assert (backend.config.zygote_lib is not None) == helper
        data = tmp_path / "in.txt"
        data.write_text("2 3\n")
        probe = ("import os, sys\nprint(sum(map(int, sys.stdin.read().split())), os.getppid(), sorted(os.listdir('/proc/self/fd')))\n"
                 "print([l for l in open('/proc/self/status') if l.startswith(('CapEff', 'NoNewPrivs', 'Seccomp:'))])\n"
                 "print(os.listdir('/work'), os.getcwd(), len([p for p in os.listdir('/proc') if p.isdigit()]))\n")
        for _ in range(3):
            r = backend.run(py_run(probe, stdin=data))
            assert dict(r.extra)["zygote"] is True and r.status is Status.OK, r
            lines = r.stdout.decode().splitlines()
            assert lines[0] == "5 1 ['0', '1', '2', '3']"  # C's parent is the run's init; only the std fds
            assert "CapEff:\\t0000000000000000" in lines[1] and "NoNewPrivs:\\t1" in lines[1]
            assert "Seccomp:\\t2" in lines[1]
            assert lines[2] == "['main.py'] /work 2"  # the run's init and the program: nothing else
        r = backend.run(py_run("import os, signal\nprint('x', flush=True)\nos.kill(os.getpid(), signal.SIGSEGV)\n"))
        assert (r.status, r.signal, r.stdout) == (Status.RE, signal.SIGSEGV, b"x\n")
        r = backend.run(py_run("import sys\nprint(input())\nsys.exit(3)\n", stdin=data))
        assert (r.status, r.exit_code, r.stdout) == (Status.RE, 3, b"2 3\n")


def test_every_zygote_run_reports_its_own_exit_status(native: NativeBackend) -> None:
    """A run's C used to be able to start, and end, before B adopted it; its parent (which ignored
    SIGCHLD) then discarded it with its exit status, and B waited seconds for it and reported exit 0
    (about 1 run in 5000: a wrong verdict, or TLE under a wall limit). Now C starts the program only
    as B's child, and a C that still ends early stays a zombie until B adopts it."""
    probe = "import os, sys\nprint(os.getppid())\nsys.exit(3)\n"
    results = native.run_batch([py_run(probe, wall_time_s=2.0)] * 400)
    outcomes = {(r.status, r.exit_code, r.stdout, dict(r.extra).get("zygote")) for r in results}
    assert outcomes == {(Status.RE, 3, b"1\n", True)}, outcomes
    assert max(r.wall_s for r in results) < 1.0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(proc.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def test_a_standby_killed_before_the_run_is_ie_not_a_verdict(bins: dict[str, Path]) -> None:
    try:
        backend = NativeBackend(slots=1)
    except UnsafeSandboxError as exc:
        pytest.skip(exc.message)
    try:
        spec = c_run(bins, "true")
        assert backend.run(spec).status is Status.OK
        slot = backend.pool._idle[0]
        time.sleep(0.3)  # the next run's standby (B and its C) is ready below the runner
        tree = _descendants(slot.pid)
        assert len(tree) >= 4, tree  # bwrap, runner, B, C
        os.kill(tree[-1], signal.SIGKILL)  # the standby's program process, before any program ran
        lost = backend._run_once(spec)
        # IE either way: the standby's death is seen before the program starts, or (when a loaded machine had
        # not yet made the standby) as the slot failing; never a verdict about the program.
        assert lost.status is Status.IE, lost
        assert "before the program started" in lost.message or "sandbox slot failed" in lost.message
        assert backend.run(spec).status is Status.OK  # the slot carries on
    finally:
        backend.close()


def test_interactive_on_a_single_slot_backend() -> None:
    try:
        backend = NativeBackend(slots=1)
    except UnsafeSandboxError as exc:
        pytest.skip(exc.message)
    try:
        interactor = py_run(INTERACTOR, wall_time_s=5).with_(
            files=(FileSpec("main.py", content=INTERACTOR.encode()), FileSpec("input.txt", content=b"3")))
        sol, inter = backend.run_interactive(py_run(SOLUTION.format(flush=True), wall_time_s=5), interactor)
        assert (sol.status, inter.status, inter.stderr) == (Status.OK, Status.OK, b"found\n")
        assert len(backend.pool._idle) == 1  # the extra slot made for the pair was closed
    finally:
        backend.close()


# -- reused run cgroups --------------------------------------------------------------------------------
def test_runs_sharing_a_slot_and_its_cgroups_never_see_each_others_counters(bins: dict[str, Path]) -> None:
    """A slot reuses two run cgroups in turn: an OOM kill, a CPU spin or a memory peak of one run must
    never show up in the next one's result."""
    try:
        backend = NativeBackend(slots=1)
    except UnsafeSandboxError as exc:
        pytest.skip(exc.message)
    try:
        sequence = [("malloc_bomb", Status.MLE), ("true", Status.OK), ("spin", Status.TLE), ("true", Status.OK),
                    ("true", Status.OK), ("malloc_bomb", Status.MLE), ("exit3", Status.RE), ("true", Status.OK)]
        results = [backend.run(c_run(bins, name, memory_mb=32, cpu_time_s=0.3, wall_time_s=5))
                   for name, _ in sequence]
        assert [r.status for r in results] == [want for _, want in sequence]
        for (name, _), r in zip(sequence, results):
            if name in ("true", "exit3"):
                assert r.cpu_s < 0.1 and r.memory_mb < 8 and not r.oom_killed, (name, r)
        slot = backend.pool._idle[0]
        assert len(slot.cgroups) == 2, "a slot keeps two run cgroups, not one per run"
    finally:
        backend.close()


# -- MLE from the cgroup's own record ------------------------------------------------------------------------
THP_AT_THE_LIMIT = r"""
/* Grows a 2 MiB-aligned region with transparent huge pages until the kernel refuses one (the memory
 * cgroup's limit: it falls back to a small page and counts the refusal, no OOM kill), then fails as a
 * program whose allocator got less than it asked for: exit 1. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
int main(void) {
    size_t huge = 2u << 20, size = 256u << 20;
    char *raw = mmap(NULL, size + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return 4;
    char *p = (char *)(((unsigned long)raw + huge - 1) & ~(huge - 1));
    if (madvise(p, size, MADV_HUGEPAGE) != 0) return 4;
    for (size_t off = 0; off < size; off += huge) {
        p[off] = 1;
        unsigned char in[2] = {0, 0};
        if (mincore(p + off + 4096, 4096, in) == 0 && !in[0]) { /* the rest of the 2 MiB is not there */
            printf("refused at %zu MiB\n", off >> 20);
            return off ? 1 : 4; /* 4: no huge pages at all here */
        }
    }
    return 0;
}
"""


def test_an_allocation_refused_at_the_limit_without_an_oom_kill_is_mle(tmp_path: Path) -> None:
    """MLE comes from the cgroup's record that its limit was hit (v1 memory.failcnt, v2 memory.events),
    not only from an OOM kill: a program that gets less memory than it asked for and fails is MLE."""
    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    if not thp.exists() or "[never]" in thp.read_text():
        pytest.skip("transparent huge pages are off on this machine: no refusal without an OOM kill to provoke")
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    src = tmp_path / "thp.c"
    src.write_text(THP_AT_THE_LIMIT)
    subprocess.run(["gcc", "-O2", "-o", str(tmp_path / "thp"), str(src)], check=True)
    spec = RunSpec(command=("./thp",), files=(FileSpec("thp", source=tmp_path / "thp", executable=True),),
                   memory_mb=48, wall_time_s=10)
    try:
        backend = NativeBackend(slots=1)
    except UnsafeSandboxError as exc:
        pytest.skip(exc.message)
    try:
        r = backend.run(spec)
        if r.exit_code == 4:
            pytest.skip(f"no transparent huge page was given even below the limit: {r.stdout!r}")
        assert r.stdout.startswith(b"refused at"), r
        assert (r.status, r.oom_killed, r.exit_code) == (Status.MLE, False, 1), r
        assert dict(r.extra).get("memory_limit_hits", 0) > 0
        roomy = backend.run(spec.with_(memory_mb=1024))  # the same program under a limit it never reaches
        assert (roomy.status, roomy.exit_code) == (Status.OK, 0), roomy
    finally:
        backend.close()


# -- the host's watchdog ---------------------------------------------------------------------------------------
def test_a_run_the_sandbox_cannot_end_is_ended_by_the_host_watchdog(bins: dict[str, Path]) -> None:
    """The program sleeps forever and its watcher is frozen (SIGSTOP from outside: the run's own wall
    limit can never fire). The host's watchdog must end the run as IE shortly after wall + grace,
    rebuild the slot, and the retry must judge the program normally."""
    try:
        backend = NativeBackend(slots=1, grace_s=1.0)
    except UnsafeSandboxError as exc:
        pytest.skip(exc.message)
    try:
        assert backend.run(c_run(bins, "true")).status is Status.OK
        slot = backend.pool._idle[0]
        spec = c_run(bins, "sleep", cpu_time_s=0.5, wall_time_s=1.0)
        frozen: list[int] = []

        def freeze() -> None:  # every process of the slot, the run's watcher included
            time.sleep(0.3)
            for pid in _descendants(slot.pid):
                try:
                    os.kill(pid, signal.SIGSTOP)
                    frozen.append(pid)
                except ProcessLookupError:
                    pass

        t = threading.Thread(target=freeze)
        start = time.monotonic()
        t.start()
        lost = backend._run_once(spec)
        elapsed = time.monotonic() - start
        t.join()
        assert frozen, "nothing to freeze below the slot"
        assert lost.status is Status.IE and "watchdog" in lost.message, lost
        assert elapsed < 1.0 + 1.0 + 5.0, elapsed  # wall + grace + the watchdog's tick and the kill
        assert slot.broken
        again = backend.run(spec)  # a new slot: the sleeper is now stopped by its wall limit
        assert (again.status, again.wall_limited) == (Status.TLE, True)
    finally:
        backend.close()


# -- reproducible runs: address-space randomization is off in every slot (docs/sandbox.md) ----------
# Addresses of the stack, the heap, a shared library and the program itself, then what a program reads past
# the input it was given (uninitialized stack, as in real submissions that trust a wrong count): each
# differs between runs under ASLR. (Values derived from the kernel's per-exec random bytes, such as stack
# canaries, stay random: no program's correct output depends on them.)
ADDRESSES = r"""
#include <stdio.h>
#include <stdlib.h>
int main(void) {
    int n, i, a[64];
    long sum = 0;
    void *heap = malloc(64);
    void *big = malloc(1 << 22);
    if (scanf("%d", &n) != 1) return 1;
    for (i = 0; i < n; ++i) scanf("%d", &a[i]);
    for (i = 0; i < 64; ++i) sum += a[i] > 0;
    printf("%p %p %p %p %p %ld\n", (void *)&n, heap, big, (void *)&printf, (void *)&main, sum);
    return 0;
}
"""


@pytest.fixture(scope="module")
def addresses_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    out = tmp_path_factory.mktemp("aslr")
    (out / "addresses.c").write_text(ADDRESSES)
    subprocess.run(["gcc", "-O0", "-fPIE", "-pie", "-o", str(out / "addresses"), str(out / "addresses.c")],
                   check=True)
    return out / "addresses"


def _spec(binary: Path, stdin: Path) -> RunSpec:
    return RunSpec(command=("./addresses",), files=(FileSpec("addresses", source=binary, executable=True),),
                   stdin=stdin)


def test_a_compiled_program_prints_the_same_on_every_run_and_slot(native: NativeBackend, addresses_bin: Path,
                                                                  tmp_path: Path) -> None:
    stdin = tmp_path / "short.in"
    stdin.write_text("3\n1 2\n")  # promises three numbers, gives two
    # Outside the sandbox the same binary moves from run to run (where the kernel randomizes at all).
    randomizes = Path("/proc/sys/kernel/randomize_va_space").read_text().strip() != "0"
    if randomizes:
        outside = {subprocess.run([str(addresses_bin)], stdin=stdin.open(), capture_output=True, check=True).stdout
                   for _ in range(4)}
        assert len(outside) > 1
    else:
        print("this kernel does not randomize address spaces: only the sandbox's side is checked")
    # Several runs in parallel batches, so that both worker slots serve some of them.
    results = native.run_batch([_spec(addresses_bin, stdin)] * 8)
    assert all(r.status is Status.OK for r in results), [r.message for r in results]
    assert len({r.stdout for r in results}) == 1
    assert results[0].stdout.count(b"0x") == 5
