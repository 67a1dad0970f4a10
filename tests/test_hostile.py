"""The hostile-program suite: every case in tests/sandbox_cases/ against every backend that works here.

Each case is a folder (`prog.c`, `prog.cpp` or `prog.py` and `case.yaml`); adding a regression is
adding a folder. For every case and backend the runner checks, beyond the case's own expectation:

* contained: the expected status/verdict, captured output within its limits, a JSON result;
* secrets: markers the runner planted outside the sandbox (host /tmp, $HOME, the checkout, a fake
  expected-answers file, its own environment, inheritable descriptors, a concurrent run) and the
  host's /etc/shadow never appear in anything the run returns;
* nothing left running: no process carries the run's marker (argv/env) and no process hangs below
  a sandbox slot once the run returned;
* nothing written outside: no `hostile-pwned*` file appears on the host, the compile cache and the
  checker are unchanged;
* the next run is unaffected: a trivial program run right after is OK.

Backends: `native` always (a failure to open it fails the suite); `docker` when an engine answers,
else skipped with the reason. Never `unsafe`: these programs kill, fork-bomb and fill disks.
Cases that signal or trace other processes run only after a probe shows the runner's pid is out of
the sandbox's reach; otherwise they fail without running, rather than kill the machine.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from sandbox.backend import Backend, open_backend
from sandbox.checkers.spec import CheckerSpec
from sandbox.compile_cache import CompileCache
from sandbox.compiler import COMPILE_LIMITS, Compiled, CompileLimits, compile_source
from sandbox.errors import SandboxError
from sandbox.languages import get_language
from sandbox.languages.detect import language_for_path
from sandbox.spec import FileSpec, RunResult, RunSpec
from sandbox.verdict import Status, Verdict

REPO = Path(__file__).resolve().parents[1]
CASES_DIR = Path(__file__).resolve().parent / "sandbox_cases"
SUPPORT = CASES_DIR / "_support"
BACKENDS = ("native", "docker")
SOURCE_NAMES = ("prog.c", "prog.cpp", "prog.py")
PWNED = "hostile-pwned"  # every file a hostile program plants has this in its name
LEFTOVER_GRACE_S = 2.0  # the backend may still be reaping when run() returns
HOST_SPACE_SLACK = (256 * 1024 * 1024, 50_000)  # bytes, inodes: others share this machine
MESSAGE_BOUND = 64 * 1024

# -- the case format ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Limits of the case's runs (small, so the whole suite stays within minutes on 2 cores)."""

    cpu_s: float = 1.0
    wall_s: float | None = None
    memory_mb: int = 64
    processes: int | None = None  # None: the language's default
    output_bytes: int = 1024 * 1024
    tmpfs_mb: int = 16
    file_size_bytes: int = 16 * 1024 * 1024


@dataclass(frozen=True)
class Expect:
    """What a contained run looks like. Empty fields are not checked."""

    status: tuple[str, ...] = ()
    wall_limited: bool | None = None
    stdout_lacks: tuple[str, ...] = ()
    stdout_equals: str | None = None
    stdout_max: tuple[tuple[str, int], ...] = ()  # lines "KEY <n>" must have n <= max
    stdout_sha256: str | None = None
    stdout_len: int | None = None
    stderr_truncated: bool | None = None
    collected_not_host_file: tuple[tuple[str, str], ...] = ()  # (collected name, host path)
    compile_status: tuple[str, ...] = ()
    verdict: tuple[str, ...] = ()
    cli_output_lacks_bytes: tuple[bytes, ...] = ()
    cli_exit: tuple[int, ...] = (0,)


@dataclass(frozen=True)
class Step:
    """One run of the program; two-run cases check that the first leaves nothing for the second."""

    stdin: str | None
    expect: Expect


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path
    source_name: str
    language: str
    stage: str  # run | compile | judge | cli
    description: str
    checks: str
    limits: Limits
    steps: tuple[Step, ...]
    requires: tuple[str, ...] = ()
    collect: tuple[str, ...] = ()
    judge_tests: tuple[tuple[str, str], ...] = ()  # (input, answer), placeholders allowed
    output_file: str | None = None
    interactor: str | None = None  # file name in the case folder (judge stage)
    cli_args: tuple[str, ...] = ()  # stage cli: the cpagent arguments ({source}, {folder}); default: run
    fault: str | None = None
    check_host_space: bool = False
    stdin_repeat: tuple[str, int] | None = None
    backends: tuple[str, ...] = BACKENDS
    #: stage compile: tighter limits than the defaults, so that bombs end in seconds (None: defaults)
    compile_limits: CompileLimits | None = None

    @property
    def source_path(self) -> Path:
        return self.folder / self.source_name


STAGES = ("run", "compile", "judge", "cli")
REQUIREMENTS = (
    "victim",
    "previous_victim",
    "loopback_server",
    "unix_servers",
    "pid_isolation",
    "sentinel",
    "inherited_fds",
)
FAULTS = ("missing_file", "broken_bwrap", "fake_bwrap")
CASE_KEYS = {
    "description",
    "checks",
    "language",
    "stage",
    "limits",
    "stdin",
    "stdin_repeat",
    "runs",
    "expect",
    "requires",
    "collect",
    "judge",
    "fault",
    "check_host_space",
    "backends",
    "compile_limits",
    "cli_args",
}


def _expect(data: dict[str, Any] | None, where: str) -> Expect:
    data = dict(data or {})
    unknown = set(data) - {f.name for f in dataclasses.fields(Expect)}
    if unknown:
        raise ValueError(f"{where}: unknown expect keys {sorted(unknown)}")
    conv: dict[str, Any] = {}
    for key, value in data.items():
        if key == "cli_exit":
            conv[key] = tuple(int(v) for v in value)
        elif key in ("status", "stdout_lacks", "compile_status", "verdict"):
            conv[key] = tuple(str(v) for v in value)
        elif key in ("stdout_max", "collected_not_host_file"):
            conv[key] = tuple((str(k), v) for k, v in dict(value).items())
        elif key == "cli_output_lacks_bytes":
            conv[key] = tuple(str(v).encode("latin-1") for v in value)
        else:
            conv[key] = value
    for key in ("status", "compile_status"):
        for v in conv.get(key, ()):
            Status(v)
    for v in conv.get("verdict", ()):
        Verdict(v)
    return Expect(**conv)


def load_case(folder: Path) -> Case:
    """Parse and validate one case folder; a typo fails loudly instead of silently checking less."""
    data = yaml.safe_load((folder / "case.yaml").read_text()) or {}
    unknown = set(data) - CASE_KEYS
    if unknown:
        raise ValueError(f"{folder.name}: unknown keys {sorted(unknown)}")
    sources = [n for n in SOURCE_NAMES if (folder / n).is_file()]
    if len(sources) != 1:
        raise ValueError(f"{folder.name}: needs exactly one of {SOURCE_NAMES}, found {sources}")
    language = data.get("language") or language_for_path(sources[0])
    stage = data.get("stage", "run")
    if stage not in STAGES:
        raise ValueError(f"{folder.name}: stage must be one of {STAGES}")
    limits = Limits(**(data.get("limits") or {}))
    if "runs" in data:
        steps = tuple(Step(r.get("stdin"), _expect(r.get("expect"), folder.name)) for r in data["runs"])
    else:
        steps = (Step(data.get("stdin"), _expect(data.get("expect"), folder.name)),)
    requires = tuple(data.get("requires") or ())
    if set(requires) - set(REQUIREMENTS):
        raise ValueError(f"{folder.name}: unknown requirement in {requires}")
    judge = data.get("judge") or {}
    fault = data.get("fault")
    if fault is not None and fault not in FAULTS:
        raise ValueError(f"{folder.name}: unknown fault {fault!r}")
    repeat = data.get("stdin_repeat")
    case = Case(
        name=folder.name,
        folder=folder,
        source_name=sources[0],
        language=language,
        stage=stage,
        description=str(data.get("description", "")),
        checks=str(data.get("checks", "")),
        limits=limits,
        steps=steps,
        requires=requires,
        collect=tuple(data.get("collect") or ()),
        judge_tests=tuple((t["input"], t["answer"]) for t in judge.get("tests", ())),
        output_file=judge.get("output_file"),
        interactor=judge.get("interactor"),
        fault=fault,
        check_host_space=bool(data.get("check_host_space")),
        cli_args=tuple(data.get("cli_args") or ()),
        stdin_repeat=(repeat["text"], int(repeat["times"])) if repeat else None,
        backends=tuple(data.get("backends") or BACKENDS),
        compile_limits=CompileLimits(**data["compile_limits"]) if data.get("compile_limits") else None,
    )
    if not case.description or not case.checks:
        raise ValueError(f"{folder.name}: needs a description and what it checks")
    if stage == "judge" and not case.judge_tests:
        raise ValueError(f"{folder.name}: a judge case needs judge.tests")
    return case


def discover() -> list[Case]:
    return [load_case(d) for d in sorted(CASES_DIR.iterdir()) if d.is_dir() and not d.name.startswith("_")]


CASES = discover()

# -- the host world: secrets, servers and sentinels outside the sandbox ------------------------------


class Listener:
    """A tiny server on the host (TCP on 127.0.0.1, or a Unix socket) that counts connections."""

    def __init__(self, family: int, address: Any) -> None:
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        if family == socket.AF_INET:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(address)
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.address = self.sock.getsockname()
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@dataclass
class World:
    """Everything the runner plants outside the sandbox, and how to check it stayed there."""

    tmp: Path
    markers: dict[str, bytes]
    placeholders: dict[str, str]
    shadow_lines: tuple[bytes, ...]
    planted: list[Path]
    checker: Path
    checker_sha: str
    tcp: Listener
    unix_path: Listener
    unix_abstract: Listener
    sentinel: subprocess.Popen[bytes]
    fds: list[int] = field(default_factory=list)

    def fill(self, text: str, extra: dict[str, str] | None = None) -> str:
        for key, value in {**self.placeholders, **(extra or {})}.items():
            text = text.replace(f"@@{key}@@", value)
        if "@@" in text:
            raise ValueError(f"unknown placeholder in {text[text.index('@@') :][:40]!r}")
        return text


def _host_ips() -> list[str]:
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, check=False).stdout.split()
    return [ip for ip in out if ":" not in ip]


@pytest.fixture(scope="session")
def world() -> Iterator[World]:
    tag = uuid.uuid4().hex[:12]
    tmp = Path(tempfile.mkdtemp(prefix="cpagent-hostile-world-"))
    markers = {
        k: f"HOSTILE-SECRET-{k.upper()}-{tag}".encode()
        for k in ("tmp", "home", "checkout", "answers", "env", "fd", "dirfd", "victim", "checker")
    }
    secret_tmp = tmp / "hostile-secret.txt"
    secret_home = Path.home() / f".cpagent-hostile-secret-{tag}.txt"
    secret_checkout = REPO / f".cpagent-hostile-secret-{tag}.txt"
    answers_dir = tmp / "answers"
    answers_dir.mkdir()
    answers = answers_dir / "001.ans"
    fd_dir = tmp / "fd-dir"
    fd_dir.mkdir()
    checker_dir = tmp / "checker"
    checker_dir.mkdir()
    checker = checker_dir / "checker"
    planted = [secret_tmp, secret_home, secret_checkout]
    for path, key in ((secret_tmp, "tmp"), (secret_home, "home"), (secret_checkout, "checkout")):
        path.write_bytes(markers[key] + b"\n")
    answers.write_bytes(markers["answers"] + b"\n")
    (fd_dir / "hostile-secret-in-dir.txt").write_bytes(markers["dirfd"] + b"\n")
    (tmp / "fd-secret.txt").write_bytes(markers["fd"] + b"\n")
    checker.write_bytes(b"#!/bin/sh\n# " + markers["checker"] + b"\nexit 0\n")
    checker.chmod(0o755)
    # Inheritable descriptors held for the whole session, opened before any backend starts.
    fds = [os.open(tmp / "fd-secret.txt", os.O_RDONLY), os.open(fd_dir, os.O_RDONLY | os.O_DIRECTORY)]
    for fd in fds:
        os.set_inheritable(fd, True)
    # A secret in the runner's environment: every sandbox process is started after this.
    os.environ["CPAGENT_HOSTILE_ENV_SECRET"] = markers["env"].decode()
    tcp = Listener(socket.AF_INET, ("127.0.0.1", 0))
    unix_path = Listener(socket.AF_UNIX, str(tmp / "hostile.sock"))
    unix_abstract = Listener(socket.AF_UNIX, f"\0cpagent-hostile-{tag}")
    sentinel = subprocess.Popen(["sleep", "3600"], env={"HOSTILE_SENTINEL": tag}, start_new_session=True)
    try:
        shadow = Path("/etc/shadow").read_bytes()
    except OSError:
        shadow = b""
    shadow_lines = tuple(line for line in shadow.splitlines() if b":" in line and len(line) > 8)
    placeholders = {
        "SECRET_TMP": str(secret_tmp),
        "SECRET_HOME": str(secret_home),
        "SECRET_CHECKOUT": str(secret_checkout),
        "ANSWERS": str(answers),
        "ANSWERS_DIR": str(answers_dir),
        "ANSWERS_TEXT": markers["answers"].decode() + "\n",
        "HOME": str(Path.home()),
        "CHECKOUT": str(REPO),
        "HOST_TMP": str(tmp),
        "CHECKER": str(checker),
        "PORT": str(tcp.address[1]),
        "HOST_IPS": " ".join(_host_ips()),
        "UNIX_SOCKET": str(tmp / "hostile.sock"),
        "ABSTRACT": f"cpagent-hostile-{tag}",
        "RUNNER_PID": str(os.getpid()),
        "SENTINEL_PID": str(sentinel.pid),
    }
    w = World(
        tmp=tmp,
        markers=markers,
        placeholders=placeholders,
        shadow_lines=shadow_lines,
        planted=planted,
        checker=checker,
        checker_sha=hashlib.sha256(checker.read_bytes()).hexdigest(),
        tcp=tcp,
        unix_path=unix_path,
        unix_abstract=unix_abstract,
        sentinel=sentinel,
        fds=fds,
    )
    _remove_pwned(_find_pwned())  # leftovers of an earlier, interrupted session
    try:
        yield w
    finally:
        os.environ.pop("CPAGENT_HOSTILE_ENV_SECRET", None)
        for fd in fds:
            os.close(fd)
        for listener in (tcp, unix_path, unix_abstract):
            listener.close()
        sentinel.kill()
        sentinel.wait()
        for path in planted:
            path.unlink(missing_ok=True)
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


# -- host inspection ----------------------------------------------------------------------------------


def _proc_read(pid: str, name: str) -> bytes:
    try:
        with open(f"/proc/{pid}/{name}", "rb") as f:
            return f.read()
    except OSError:
        return b""


def _proc_table() -> dict[int, tuple[int, str, bytes]]:
    """pid -> (ppid, state, cmdline) for every process on the host."""
    table: dict[int, tuple[int, str, bytes]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _proc_read(entry, "stat")
        if not stat:
            continue
        rest = stat[stat.rfind(b")") + 2 :].split()
        table[int(entry)] = (int(rest[1]), rest[0].decode(), _proc_read(entry, "cmdline"))
    return table


def _argv0(cmdline: bytes) -> bytes:
    return cmdline.split(b"\0", 1)[0]


def _is_runner(cmdline: bytes) -> bool:
    """The native slot's runner (or a fork of it): `python3 /.cpagent/runner.py FD`."""
    return cmdline.split(b"\0")[1:2] == [RUNNER_SCRIPT]


def _is_slot_tool(cmdline: bytes) -> bool:
    """The slot's own machinery: the runner, its forks, or a helper it installed under /.cpagent/."""
    return _is_runner(cmdline) or _argv0(cmdline).startswith(SLOT_DIR)


SLOT_DIR = b"/.cpagent/"
RUNNER_SCRIPT = SLOT_DIR + b"runner.py"
STANDBY_DEPTH = 2  # the native runner keeps the next run's init and program process forked ahead


def leftover_processes(mark: str, exempt: set[int]) -> tuple[dict[int, str], dict[int, str]]:
    """Processes of a finished run still alive: those carrying its marker in argv or environment
    (certainly the run's), and those hanging below one of our sandbox slots where only the slot's
    machinery should be (a run's process that outlived it, e.g. a forked Python program).

    A native slot is `bwrap -> bwrap -> python3 runner.py`, and its runner keeps a standby for the
    next run (an init and a program process made ahead: forks of the runner or a helper under
    /.cpagent/, at most two levels below it). Anything else below a slot belongs to a run.
    """
    table = _proc_table()
    me = os.getpid()
    found: dict[int, str] = {}
    below: dict[int, str] = {}
    needle = mark.encode()

    def show(cmdline: bytes) -> str:
        return cmdline.replace(b"\0", b" ").decode("utf-8", "replace")[:200]

    for pid, (_ppid, state, cmdline) in table.items():
        if pid == me or pid in exempt or state == "Z":
            continue
        if needle in cmdline or needle in _proc_read(str(pid), "environ"):
            found[pid] = show(cmdline)
    children: dict[int, list[int]] = {}
    for pid, (ppid, _state, _cmd) in table.items():
        children.setdefault(ppid, []).append(pid)
    # (pid, depth below the slot's runner; -1 above it)
    stack = [(pid, -1) for pid in children.get(me, []) if _argv0(table[pid][2]).endswith(b"bwrap")]
    while stack:
        pid, depth = stack.pop()
        _ppid, state, cmdline = table[pid]
        if depth < 0:
            if _is_runner(cmdline):
                depth = 0
            elif not _argv0(cmdline).endswith(b"bwrap") and pid not in exempt and state != "Z":
                below[pid] = show(cmdline)
        elif pid not in exempt and state != "Z" and (not _is_slot_tool(cmdline) or depth > STANDBY_DEPTH):
            below[pid] = show(cmdline)
        stack.extend((child, depth + 1 if depth >= 0 else -1) for child in children.get(pid, []))
    return found, {pid: cmd for pid, cmd in below.items() if pid not in found}


def _pwned_roots() -> list[tuple[Path, int]]:
    return [
        (Path("/tmp"), 2),
        (Path("/var/tmp"), 2),
        (Path("/dev/shm"), 2),
        (Path.home(), 1),
        (REPO, 1),
        (Path("/"), 0),
        (Path("/usr"), 0),
        (Path("/usr/bin"), 0),
        (Path("/usr/local/bin"), 0),
        (Path("/etc"), 0),
        (Path("/var"), 0),
    ]


def _find_pwned() -> list[Path]:
    found: list[Path] = []

    def walk(path: Path, depth: int) -> None:
        try:
            entries = list(os.scandir(path))
        except OSError:
            return
        for e in entries:
            if PWNED in e.name:
                found.append(Path(e.path))
            elif depth > 0 and e.is_dir(follow_symlinks=False):
                walk(Path(e.path), depth - 1)

    for root, depth in _pwned_roots():
        walk(root, depth)
    return sorted(set(found))


def _remove_pwned(paths: list[Path]) -> None:
    for p in paths:
        subprocess.run(["rm", "-rf", "--one-file-system", str(p)], check=False)


def _host_space() -> dict[str, tuple[int, int]]:
    out = {}
    for p in ("/", "/tmp", "/dev/shm"):
        st = os.statvfs(p)
        out[p] = (st.f_bavail * st.f_frsize, st.f_favail)
    return out


def _tree_state(root: Path) -> dict[str, tuple[int, int, int]]:
    state = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = os.path.join(dirpath, name)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            state[p] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return state


# -- per-backend context ---------------------------------------------------------------------------------


@dataclass
class Ctx:
    """One backend under test, with its compile cache and the programs the runner itself needs."""

    name: str
    backend: Backend
    cache: CompileCache
    cache_dir: Path
    trivial: Compiled
    stdin_dir: Path
    pending: dict[str, Future[Compiled]] = field(default_factory=dict)
    #: Held by each background compile and by the leftover check, which must not mistake a
    #: compiler working on another case for a process that outlived its run.
    quiet: threading.Lock = field(default_factory=threading.Lock)
    _pid_isolation: tuple[bool, str] | None = None

    def compiled(self, case: Case) -> Compiled:
        """The case's program, compiled ahead on the worker slots while earlier cases ran."""
        return self.pending[case.name].result()

    def fill(self, world: World, text: str) -> str:
        """Placeholders of the world plus this backend's own (its compile cache)."""
        return world.fill(text, {"CACHE_DIR": str(self.cache_dir)})

    def stdin_file(self, text: str) -> Path:
        path = self.stdin_dir / f"{uuid.uuid4().hex}.in"
        path.write_bytes(text.encode())
        return path

    def pid_isolation(self, world: World) -> tuple[bool, str]:
        """Whether programs in this sandbox cannot signal the runner (probed once per backend)."""
        if self._pid_isolation is None:
            probe = compile_source(
                self.backend, (SUPPORT / "pid_probe.c").read_text(), "c11", cache=self.cache
            )
            if not probe.ok:
                self._pid_isolation = (False, f"the pid probe did not compile: {probe.message}")
            else:
                r = self.backend.run(
                    probe.run_spec(stdin=self.stdin_file(f"{os.getpid()}\n"), wall_time_s=10.0)
                )
                m = re.search(rb"KILL0 (-?\d+) (\d+)", r.stdout)
                ok = r.status is Status.OK and m is not None and m.group(1) == b"-1"
                self._pid_isolation = (ok, f"probe: {r.status} {r.stdout[:200]!r}")
        return self._pid_isolation


def _open(name: str, slots: int | None = None) -> Backend:
    if name == "docker":
        try:
            import docker

            docker.from_env(timeout=3).ping()
        except Exception as exc:  # noqa: BLE001 - any failure means no engine answers
            pytest.skip(
                f"docker backend: no Docker engine answers on this machine ({type(exc).__name__}: {exc})"
            )
        try:
            return open_backend("docker", slots=slots)
        except SandboxError as exc:
            pytest.skip(f"docker backend cannot open here: {exc.message} ({exc.hint})")
    return open_backend(name, slots=slots)  # native: must open on this machine; an error fails the suite


@pytest.fixture(scope="session")
def ctx_for(world: World) -> Iterator[Any]:
    contexts: dict[str, Ctx] = {}
    skipped: dict[str, str] = {}
    opened: list[Backend] = []
    scratch: list[Path] = []  # removed at the end, whatever happened
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hostile-precompile")

    def get(name: str) -> Ctx:
        if name in skipped:
            pytest.skip(skipped[name])
        if name not in contexts:
            try:
                backend = _open(name)
            except pytest.skip.Exception as exc:
                skipped[name] = str(exc.msg)
                raise
            opened.append(backend)
            cache_dir = Path(tempfile.mkdtemp(prefix=f"cpagent-hostile-cache-{name}-"))
            stdin_dir = Path(tempfile.mkdtemp(prefix="cpagent-hostile-in-"))
            scratch.extend((cache_dir, stdin_dir))
            cache = CompileCache(cache_dir)
            trivial = compile_source(backend, (SUPPORT / "trivial.c").read_text(), "c11", cache=cache)
            assert trivial.ok, f"{name}: the trivial program does not compile: {trivial.message}"
            ctx = Ctx(name, backend, cache, cache_dir, trivial, stdin_dir)
            _precompile(ctx, world, pool)
            contexts[name] = ctx
        return contexts[name]

    yield get
    pool.shutdown(wait=True, cancel_futures=True)
    for backend in opened:
        backend.close()
    subprocess.run(["rm", "-rf", *map(str, scratch)], check=False)


def _precompile(ctx: Ctx, world: World, pool: ThreadPoolExecutor) -> None:
    """Start compiling every run/judge case in the background (one compile at a time, so a hostile
    run never competes with more than one compiler for the two cores)."""

    def one(case: Case) -> Compiled:
        source = ctx.fill(world, case.source_path.read_text())
        with ctx.quiet:
            return compile_source(ctx.backend, source, case.language, cache=ctx.cache)

    for case in CASES:
        if (
            case.stage in ("run", "judge")
            and ctx.name in case.backends
            and get_language(case.language).available()
        ):
            ctx.pending[case.name] = pool.submit(one, case)


@pytest.fixture(params=BACKENDS)
def ctx(request: pytest.FixtureRequest, ctx_for: Any) -> Ctx:
    return ctx_for(request.param)


# -- checks shared by every stage ------------------------------------------------------------------------


@dataclass
class Watch:
    """Host state taken before a run, compared after it."""

    world: World
    ctx: Ctx
    cache_state: dict[str, tuple[int, int, int]]
    space: dict[str, tuple[int, int]] | None
    problems: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, world: World, ctx: Ctx, case: Case) -> Watch:
        world.tcp.connections = world.unix_path.connections = world.unix_abstract.connections = 0
        return cls(world, ctx, _tree_state(ctx.cache_dir), _host_space() if case.check_host_space else None)

    def secrets(self, what: str, *blobs: bytes, own: tuple[str, ...] = ()) -> None:
        for blob in blobs:
            for key, marker in self.world.markers.items():
                if marker in blob and key not in own:
                    self.problems.append(f"{what}: leaked the {key} secret (marker {marker.decode()!r})")
            for line in self.world.shadow_lines:
                if line in blob:
                    self.problems.append(f"{what}: leaked a line of the host's /etc/shadow")
                    break

    def result(self, what: str, spec: RunSpec, r: RunResult, own: tuple[str, ...] = ()) -> None:
        """Containment checks every run result must pass (`own`: markers the run was given)."""
        try:
            dumped = json.dumps(r.to_json()).encode()
        except (TypeError, ValueError) as exc:
            self.problems.append(f"{what}: RunResult.to_json() does not serialize: {exc}")
            dumped = b""
        if len(r.stdout) > spec.output_limit_bytes:
            self.problems.append(
                f"{what}: kept {len(r.stdout)} bytes of stdout, over the {spec.output_limit_bytes} limit"
            )
        if len(r.stderr) > spec.stderr_limit_bytes:
            self.problems.append(
                f"{what}: kept {len(r.stderr)} bytes of stderr, over the {spec.stderr_limit_bytes} cap"
            )
        self.secrets(
            what, r.stdout, r.stderr, r.message.encode(), dumped, *(data for _n, data in r.files), own=own
        )

    def leftovers(self, what: str, mark: str | None) -> None:
        with self.ctx.quiet:
            self._leftovers(what, mark)

    def _leftovers(self, what: str, mark: str | None) -> None:
        exempt = {self.world.sentinel.pid}
        needle = mark or uuid.uuid4().hex
        deadline = time.monotonic() + LEFTOVER_GRACE_S
        marked, below = leftover_processes(needle, exempt)
        while (marked or below) and time.monotonic() < deadline:
            time.sleep(0.1)
            marked, below = leftover_processes(needle, exempt)
        if marked:
            self.problems.append(f"{what}: processes of the run survived it: {marked}")
            for pid in marked:  # certainly the run's: clean up after the report
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        if below:  # left to the backend: killing a slot's process by mistake would break the slot
            self.problems.append(f"{what}: unexpected processes remain below a sandbox slot: {below}")

    def finish(self, case: Case) -> list[str]:
        """Host-side checks after the case, then the next run; returns every problem found."""
        pwned = _find_pwned()
        if pwned:
            self.problems.append(
                f"files written outside the sandbox (or left by it): {[str(p) for p in pwned]}"
            )
            _remove_pwned(pwned)
        for path in self.world.planted:
            if not path.exists():
                self.problems.append(f"a planted host file was removed: {path}")
        if hashlib.sha256(self.world.checker.read_bytes()).hexdigest() != self.world.checker_sha:
            self.problems.append("the checker on the host was modified")
        after = _tree_state(self.ctx.cache_dir)
        changed = [p for p, st in self.cache_state.items() if p in after and after[p] != st]
        if changed:
            self.problems.append(f"compile-cache files were modified: {changed}")
        for name, listener in (
            ("127.0.0.1 TCP", self.world.tcp),
            ("Unix path", self.world.unix_path),
            ("abstract Unix", self.world.unix_abstract),
        ):
            if listener.connections:
                self.problems.append(
                    f"the host's {name} server accepted {listener.connections} connection(s)"
                )
        if self.world.sentinel.poll() is not None:
            self.problems.append("the runner's sentinel process on the host was killed")
        if self.space is not None:
            for path, (free, inodes) in _host_space().items():
                free0, inodes0 = self.space[path]
                if free0 - free > HOST_SPACE_SLACK[0] or inodes0 - inodes > HOST_SPACE_SLACK[1]:
                    self.problems.append(
                        f"host {path} lost {(free0 - free) >> 20} MiB / {inodes0 - inodes} inodes"
                    )
        self._next_run()
        return self.problems

    def _next_run(self) -> None:
        # A generous wall limit: other work shares this machine; a hang still ends the run.
        spec = self.ctx.trivial.run_spec(cpu_time_s=1.0, memory_mb=64, wall_time_s=10.0)
        r = self.ctx.backend.run(spec)
        if r.status is not Status.OK or r.stdout != b"ok\n":
            self.problems.append(f"the next run is affected: {r.status} {r.stdout[:100]!r} {r.message}")


def _marked(spec: RunSpec, mark: str) -> RunSpec:
    """Carry a unique marker in argv and env, so that any surviving process can be found."""
    return spec.with_(command=spec.command + (mark,), env=spec.env + (("HOSTILE_RUN_MARK", mark),))


def _run_spec(case: Case, compiled: Compiled, stdin: Path | None) -> RunSpec:
    lim = case.limits
    overrides: dict[str, Any] = {
        "wall_time_s": lim.wall_s,
        "output_limit_bytes": lim.output_bytes,
        "tmpfs_mb": lim.tmpfs_mb,
        "file_size_limit_bytes": lim.file_size_bytes,
        "collect": case.collect,
    }
    if lim.processes is not None:
        overrides["max_processes"] = lim.processes
    return compiled.run_spec(stdin=stdin, cpu_time_s=lim.cpu_s, memory_mb=lim.memory_mb, **overrides)


def _check_expect(what: str, e: Expect, r: RunResult, problems: list[str]) -> None:
    out = r.stdout
    if e.status and r.status.value not in e.status:
        problems.append(
            f"{what}: status {r.status} (expected {'/'.join(e.status)}); message {r.message!r}, "
            f"exit {r.exit_code}, signal {r.signal}, cpu {r.cpu_s:.2f}s, wall {r.wall_s:.2f}s, "
            f"memory {r.memory_mb:.0f} MB, stdout {out[:300]!r}, stderr {r.stderr[:300]!r}"
        )
    if e.wall_limited is not None and r.wall_limited != e.wall_limited:
        problems.append(f"{what}: wall_limited is {r.wall_limited}, expected {e.wall_limited}")
    for text in e.stdout_lacks:
        if text.encode() in out:
            lines = [ln for ln in out.splitlines() if text.encode() in ln][:5]
            problems.append(f"{what}: stdout shows {text!r}: {lines}")
    if e.stdout_equals is not None and out != e.stdout_equals.encode():
        problems.append(f"{what}: stdout {out[:200]!r}, expected {e.stdout_equals!r}")
    for key, bound in e.stdout_max:
        for m in re.finditer(rb"^" + re.escape(key.encode()) + rb" (\d+)", out, re.MULTILINE):
            if int(m.group(1)) > bound:
                problems.append(f"{what}: {key} {int(m.group(1))} exceeds {bound}")
    if e.stdout_sha256 is not None and hashlib.sha256(out).hexdigest() != e.stdout_sha256:
        problems.append(f"{what}: stdout bytes changed ({len(out)} bytes, {out[:60]!r}...)")
    if e.stdout_len is not None and len(out) != e.stdout_len:
        problems.append(f"{what}: {len(out)} bytes of stdout, expected {e.stdout_len}")
    if e.stderr_truncated is not None and r.stderr_truncated != e.stderr_truncated:
        problems.append(f"{what}: stderr_truncated is {r.stderr_truncated}, expected {e.stderr_truncated}")
    for name, host in e.collected_not_host_file:
        data = r.file(name)
        try:
            host_data = Path(host).read_bytes()
        except OSError:
            host_data = None
        if data is not None and host_data is not None and data == host_data:
            problems.append(f"{what}: collected {name} through a symlink: it holds the host's {host}")


def _fail_if(problems: list[str], case: Case) -> None:
    if problems:
        pytest.fail(
            f"{case.name} ({case.description}) is not contained:\n  - " + "\n  - ".join(problems),
            pytrace=False,
        )


# -- the stages ----------------------------------------------------------------------------------------------


def _stdin_text(case: Case, step: Step, ctx: Ctx, world: World) -> str | None:
    if case.stdin_repeat is not None:
        text, times = case.stdin_repeat
        return text * times
    return ctx.fill(world, step.stdin) if step.stdin is not None else None


def _stage_run(case: Case, ctx: Ctx, world: World) -> list[str]:
    compiled = ctx.compiled(case)
    assert compiled.ok, f"{case.name} did not compile: {compiled.message}"
    watch = Watch.start(world, ctx, case)
    if "pid_isolation" in case.requires:
        isolated, detail = ctx.pid_isolation(world)
        if not isolated:
            return [
                (
                    "not run: programs in this sandbox can reach the runner's pid, so this case would "
                    f"signal host processes ({detail})"
                )
            ]
    victim_spec: RunSpec | None = None
    victim_mark = f"hostile-mark-{uuid.uuid4().hex}"
    backend = ctx.backend
    if "victim" in case.requires or "previous_victim" in case.requires:
        victim_spec = _marked(_victim_spec(ctx, world, nap="victim" in case.requires), victim_mark)
    if "previous_victim" in case.requires:
        # A backend with one slot: the victim's run and the case's run share the slot (and its runner).
        backend = _open(ctx.name, slots=1)
        victim_result = backend.run(victim_spec)
        watch.result("victim run", victim_spec, victim_result, own=("victim",))
        if victim_result.status is not Status.OK or world.markers["victim"] not in victim_result.stdout:
            watch.problems.append(f"the victim run failed: {victim_result.status} {victim_result.message}")
        watch.leftovers("victim run", victim_mark)
        victim_spec = None
    try:
        _run_steps(case, ctx, world, watch, compiled, backend, victim_spec, victim_mark)
    finally:
        if backend is not ctx.backend:
            backend.close()
    return watch.finish(case)


def _victim_spec(ctx: Ctx, world: World, *, nap: bool) -> RunSpec:
    """A neighbour run holding the victim secret in a file of its work directory and in its output."""
    victim = compile_source(ctx.backend, (SUPPORT / "victim.c").read_text(), "c11", cache=ctx.cache)
    assert victim.ok, victim.message
    files = (FileSpec("victim_secret.txt", content=world.markers["victim"] + b"\n"),)
    if nap:
        files += (FileSpec("nap", content=b""),)
    return victim.run_spec(cpu_time_s=1.0, memory_mb=64, wall_time_s=4.0).with_(files=victim.files + files)


def _run_steps(
    case: Case,
    ctx: Ctx,
    world: World,
    watch: Watch,
    compiled: Compiled,
    backend: Backend,
    victim_spec: RunSpec | None,
    victim_mark: str,
) -> None:
    for i, step in enumerate(case.steps):
        what = f"run {i + 1}" if len(case.steps) > 1 else "run"
        text = _stdin_text(case, step, ctx, world)
        stdin = ctx.stdin_file(text) if text is not None else None
        mark = f"hostile-mark-{uuid.uuid4().hex}"
        spec = _marked(_run_spec(case, compiled, stdin), mark)
        if victim_spec is not None:
            victim_result, result = backend.run_batch([victim_spec, spec])
            watch.result("victim run", victim_spec, victim_result, own=("victim",))
            if victim_result.status is not Status.OK:
                watch.problems.append(
                    f"the concurrent victim run was disturbed: {victim_result.status} {victim_result.message}"
                )
            watch.leftovers("victim run", victim_mark)
        else:
            result = backend.run(spec)
        watch.result(what, spec, result)
        _check_expect(what, step.expect, result, watch.problems)
        watch.leftovers(what, mark)


def _stage_compile(case: Case, ctx: Ctx, world: World) -> list[str]:
    watch = Watch.start(world, ctx, case)
    source = ctx.fill(world, case.source_path.read_text())
    compiled = compile_source(
        ctx.backend, source, case.language, cache=ctx.cache, limits=case.compile_limits or COMPILE_LIMITS
    )
    e = case.steps[0].expect
    if e.compile_status and compiled.status.value not in e.compile_status:
        watch.problems.append(
            f"compile: status {compiled.status} (expected {'/'.join(e.compile_status)}): "
            f"{compiled.message[:500]!r}"
        )
    for name in ("message", "warnings"):
        text = getattr(compiled, name)
        if len(text) > MESSAGE_BOUND:
            watch.problems.append(f"compile: the {name} is not bounded ({len(text)} characters)")
        watch.secrets(f"compile {name}", text.encode())
    watch.secrets("compile JSON", json.dumps(compiled.to_json()).encode())
    watch.leftovers("compile", None)
    return watch.finish(case)


def _judge_tests(case: Case, world: World) -> list[Any]:
    from sandbox.judge import JudgeTest

    return [
        JudgeTest(name=f"t{i + 1}", input=world.fill(inp).encode(), answer=world.fill(ans).encode())
        for i, (inp, ans) in enumerate(case.judge_tests)
    ]


def _broken_native(ctx: Ctx, bwrap: str) -> Backend:
    """A native backend whose bubblewrap is replaced (the hook: NativeBackend.config.bwrap)."""
    from sandbox.native.backend import NativeBackend, SlotPool

    backend = NativeBackend(slots=1)
    backend.config = dataclasses.replace(backend.config, bwrap=bwrap)
    backend.pool.close()
    backend.pool = SlotPool(backend.config, backend.slots)
    return backend


def _stage_judge(case: Case, ctx: Ctx, world: World) -> list[str]:
    from sandbox.judge import Judge

    compiled = ctx.compiled(case)
    assert compiled.ok, f"{case.name} did not compile: {compiled.message}"
    watch = Watch.start(world, ctx, case)
    backend = ctx.backend
    if case.fault == "missing_file":
        compiled = dataclasses.replace(
            compiled,
            files=compiled.files + (FileSpec("data.bin", source=world.tmp / "hostile-missing" / "data.bin"),),
        )
    elif case.fault in ("broken_bwrap", "fake_bwrap"):
        tool = str(world.tmp / "no-such-bwrap") if case.fault == "broken_bwrap" else "/bin/true"
        backend = _broken_native(ctx, tool)
    try:
        judge = Judge(backend, cache=ctx.cache)
        interactor = None
        if case.interactor is not None:
            interactor = (
                ctx.fill(world, (case.folder / case.interactor).read_text()),
                language_for_path(case.interactor) or "c11",
            )
        report = judge.judge_compiled(
            compiled,
            _judge_tests(case, world),
            checker=CheckerSpec(),
            time_limit_s=case.limits.cpu_s,
            memory_mb=case.limits.memory_mb,
            output_file=case.output_file,
            interactor=interactor,
        )
    finally:
        if backend is not ctx.backend:
            backend.close()
    e = case.steps[0].expect
    if e.verdict and report.verdict.value not in e.verdict:
        runs = [
            (
                t.name,
                t.verdict.value,
                t.run.status.value if t.run else None,
                t.run.message if t.run else "",
                t.checker_message,
            )
            for t in report.tests
        ]
        watch.problems.append(
            f"judge: verdict {report.verdict} (expected {'/'.join(e.verdict)}); tests {runs}"
        )
    try:
        watch.secrets("judge report", json.dumps(report.to_json()).encode())
    except (TypeError, ValueError) as exc:
        watch.problems.append(f"judge: JudgeReport.to_json() does not serialize: {exc}")
    for t in report.tests:
        if t.run is not None:
            watch.secrets(f"judge test {t.name}", t.run.stdout, t.run.stderr, *(d for _n, d in t.run.files))
    watch.leftovers("judge", None)
    return watch.finish(case)


def _cli_backend_flag(command: str, backend: str) -> list[str]:
    if backend == "native":
        return []
    help_text = subprocess.run(
        [sys.executable, "-m", "agent", command, "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    ).stdout
    if "--backend" not in help_text:
        pytest.skip(
            f"`cpagent {command}` has no --backend option, so its text output is only checked on native"
        )
    return ["--backend", backend]


def _stage_cli(case: Case, ctx: Ctx, world: World) -> list[str]:
    args = [a.format(source=case.source_path, folder=case.folder) for a in case.cli_args] or [
        "run",
        str(case.source_path),
        "--time-limit",
        str(case.limits.cpu_s),
        "--memory-limit",
        str(case.limits.memory_mb),
    ]
    command = f"cpagent {args[0]}"
    flag = _cli_backend_flag(args[0], ctx.name)
    watch = Watch.start(world, ctx, case)
    proc = subprocess.run(
        [sys.executable, "-m", "agent", *args, *flag],
        capture_output=True,
        cwd=REPO,
        timeout=120,
        check=False,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    shown = proc.stdout + proc.stderr
    e = case.steps[0].expect
    if proc.returncode not in e.cli_exit:
        watch.problems.append(
            f"`{command}` exited {proc.returncode} (expected {e.cli_exit}): {shown[-500:]!r}"
        )
    for raw in e.cli_output_lacks_bytes:
        if raw in shown:
            at = shown.index(raw)
            watch.problems.append(
                f"`{command}` printed the raw byte(s) {raw!r} to the terminal: "
                f"...{shown[max(0, at - 40) : at + 40]!r}..."
            )
    watch.secrets("cli output", shown)
    return watch.finish(case)


STAGE_RUNNERS = {"run": _stage_run, "compile": _stage_compile, "judge": _stage_judge, "cli": _stage_cli}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile(case: Case, ctx: Ctx, world: World) -> None:
    if ctx.name not in case.backends:
        pytest.skip(f"{case.name} applies to {', '.join(case.backends)} only")
    if not get_language(case.language).available():
        pytest.skip(f"{case.language} is not installed on this machine ({case.name} needs it)")
    problems = STAGE_RUNNERS[case.stage](case, ctx, world)
    _fail_if(problems, case)


# -- the suite itself ---------------------------------------------------------------------------------


def test_every_case_folder_is_valid_and_documented() -> None:
    """Each folder parses (discovery above raised otherwise), and docs/security.md lists every case."""
    assert len(CASES) >= 60
    folders = {d.name for d in CASES_DIR.iterdir() if d.is_dir() and not d.name.startswith("_")}
    assert folders == {c.name for c in CASES}
    doc = (REPO / "docs" / "security.md").read_text()
    missing = [c.name for c in CASES if f"`{c.name}`" not in doc]
    assert not missing, f"docs/security.md does not describe: {missing}"


def test_case_format_rejects_typos(tmp_path: Path) -> None:
    """A misspelt expectation must fail loudly, never silently check less."""
    case = tmp_path / "typo"
    case.mkdir()
    (case / "prog.c").write_text("int main(void) { return 0; }\n")
    (case / "case.yaml").write_text("description: x\nchecks: y\nexpect: {stauts: [OK]}\n")
    with pytest.raises(ValueError, match="stauts"):
        load_case(case)
    (case / "case.yaml").write_text("description: x\nchecks: y\nexpect: {status: [ACCEPTED]}\n")
    with pytest.raises(ValueError):
        load_case(case)


def test_leftover_detection_finds_a_marked_process() -> None:
    """The 'nothing left running' check really sees a process carrying a run's marker."""
    mark = f"hostile-mark-{uuid.uuid4().hex}"
    proc = subprocess.Popen(["sh", "-c", f"sleep 30 # {mark}"], start_new_session=True)
    try:
        time.sleep(0.1)
        assert proc.pid in leftover_processes(mark, exempt=set())[0]
    finally:
        proc.kill()
        proc.wait()
    assert proc.pid not in leftover_processes(mark, exempt=set())[0]
