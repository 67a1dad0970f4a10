"""Several training processes through `jax.distributed`, and a bounded, clear end when one of them fails.

A process that dies or hangs mid-run leaves the others blocked: in a cross-host collective, at a
coordination barrier, or at exit, where JAX's shutdown barrier waits for it. And JAX's own runtime, when
it learns that a peer died (its coordination service's error polling, or a missed heartbeat), aborts the
process with a C++ fatal log and a stack trace (SIGABRT); its Python binding cannot take a handler for
that (a Python `missed_heartbeat_callback` is called with an `absl::Status` it cannot convert, and
terminates the process too). So every way out ends in one `[FAILURE]` line, one `[HINT]` line and exit
status 2, whichever process fails and whoever notices first:

- a watchdog thread in every process beats through the coordination service's key-value store and reads
  the others' beats; a process silent for `heartbeat_timeout_s` (or a coordinator that does not answer
  for that long) ends this one. JAX's own heartbeat timeout is set three times longer;
- a collective that fails because a peer went away (a reset connection) becomes a `PretrainError`
  (`peer_failure`), which `fail` prints before leaving at once (Orbax's background threads and JAX's
  shutdown barrier would otherwise wait for the dead process);
- JAX's runtime log goes to a file in the run directory (`runtime_log`), not the terminal, and its abort
  is caught (`_catch_runtime_abort`): the line names what the runtime reported;
- the first of these to fire prints; any other one then adds nothing (`_report_and_exit`).

Nothing is lost: the run resumes from its last checkpoint when every process is started again.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path
from typing import NoReturn

import jax

from pretrain.errors import PretrainError

EXIT_STATUS = 2  # the CLI's status for a failure the user can act on
_BEAT_KEY = "cpagent/beat/"
# "failed": the exit status once this process has failed (set once, by the first failure to be reported,
# or by `mark_failed`); "done": this process finished its run normally.
_state: dict[str, object] = {"failed": None, "done": False}
_lock = threading.Lock()  # held by the thread that reports a failure, until the process ends
_abort_handler: object = None  # the C signal handler; kept alive as long as it is installed


def resume_hint(run_dir: str) -> str:
    return (
        "start every process again with the same command and --resume: training continues from the last "
        f"checkpoint in {run_dir}/checkpoints"
    )


def runtime_log(run_dir: str | Path, process_id: int) -> Path:
    """Where process `process_id` writes what JAX's C++ runtime prints (one file per process, so that
    processes sharing a run directory do not mix their fatal lines)."""
    return Path(run_dir) / f"jax_runtime.process_{process_id}.log"


def initialize(
    coordinator: str,
    num_processes: int,
    process_id: int,
    *,
    heartbeat_timeout_s: int = 60,
    init_timeout_s: int = 120,
    hint: str = "",
    log: Path | None = None,
) -> None:
    """`jax.distributed.initialize`, then the watchdog; a failed peer ends this process within about
    `heartbeat_timeout_s` seconds, with one line, and so does a failure to join (status 2, at once).
    With `log`, JAX's C++ runtime writes there instead of to the terminal."""
    if log is not None:
        _native_stderr_to(log)
    _catch_runtime_abort(hint, log)  # before joining: a peer may die while this one connects
    jax.config.update("jax_cpu_collectives_implementation", "gloo")  # CPU only: cross-process collectives
    try:
        jax.distributed.initialize(
            coordinator_address=coordinator,
            num_processes=num_processes,
            process_id=process_id,
            initialization_timeout=init_timeout_s,
            heartbeat_timeout_seconds=3 * heartbeat_timeout_s,
            # Only a successful run reaches JAX's shutdown barrier (a failed one exits without it), where
            # process 0 may still be writing the exported policy while the others wait.
            shutdown_timeout_seconds=max(300, heartbeat_timeout_s),
        )
    except Exception as exc:  # the coordinator could not be reached in time
        fail(
            f"cannot join the training processes at {coordinator}: {_first_line(exc)}",
            "start process 0 first (it hosts the coordinator) and check HOST:PORT and --num-processes",
        )
    # Registered after JAX's own exit handler, so it runs first (atexit is last in, first out).
    atexit.register(_exit_if_failed)
    from jax._src import distributed

    watchdog = Watchdog(
        distributed.global_state.client, process_id, num_processes, heartbeat_timeout_s, hint
    )
    threading.Thread(target=watchdog.run, name="cpagent-watchdog", daemon=True).start()
    try:
        jax.devices()  # the backend starts by exchanging device topologies: the last step of joining
    except Exception as exc:
        fail(
            "another training process failed while the processes were joining, or cannot be reached "
            f"({_first_line(exc)})",
            hint,
        )


class Watchdog:
    """Beats every few seconds through the coordinator and checks that every other process does too."""

    def __init__(self, client, process_id: int, num_processes: int, timeout_s: float, hint: str) -> None:
        self.client = client
        self.me = process_id
        self.timeout_s = float(timeout_s)
        self.interval_s = min(2.0, max(0.2, self.timeout_s / 6))
        self.hint = hint
        self.last_ok = time.monotonic()  # the last time the coordinator answered
        # peer -> (its last beat, when that beat was first seen); every peer is alive after initialize
        self.seen = {p: ("", self.last_ok) for p in range(num_processes) if p != process_id}

    def run(self) -> None:
        threading.Thread(target=self._poll, name="cpagent-beat", daemon=True).start()
        while not _state["done"]:
            time.sleep(self.interval_s)
            now = time.monotonic()
            if now - self.last_ok > self.timeout_s:
                self._fail(f"the coordinator (process 0) has not answered for {now - self.last_ok:.0f} s")
            for peer, (beat, since) in list(self.seen.items()):
                if beat != "done" and now - since > self.timeout_s:
                    self._fail(self._silence(peer, now - since, now - self.last_ok))

    def _silence(self, peer: int, silent_s: float, unanswered_s: float) -> str:
        """Why a silent peer stops the run. Process 0 hosts the coordinator: when it is silent and our own
        calls are stuck too, name the coordinator, whichever of the two clocks ran out first (which one
        does is a race between this thread and the polling one)."""
        if peer == 0 and unanswered_s > 2 * self.interval_s:
            return (
                f"the coordinator (process 0) has not answered for {unanswered_s:.0f} s "
                f"and has sent no heartbeat for {silent_s:.0f} s"
            )
        return f"process {peer} has sent no heartbeat for {silent_s:.0f} s"

    def _poll(self) -> None:
        """The RPCs, in their own thread: a coordinator that hangs blocks this thread, not the checks."""
        beat = 0
        while not _state["done"]:
            beat += 1
            try:
                self.client.key_value_set(f"{_BEAT_KEY}{self.me}", str(beat), allow_overwrite=True)
                for peer, (last, _) in list(self.seen.items()):
                    try:
                        value = self.client.key_value_try_get(f"{_BEAT_KEY}{peer}")
                    except Exception as exc:
                        if "NOT_FOUND" not in str(exc):  # not found: it has not beaten yet
                            raise
                        continue
                    if value != last:
                        self.seen[peer] = (value, time.monotonic())
                self.last_ok = time.monotonic()
            except Exception as exc:
                if not _state["done"]:
                    self._fail(f"the coordinator (process 0) cannot be reached ({_first_line(exc)})")
            time.sleep(self.interval_s)

    def _fail(self, why: str) -> None:
        if _state["done"]:
            return  # this process finished its run: nothing to stop
        _report_and_exit(
            f"[FAILURE] another training process failed or stopped responding: {why}; this one stops too\n"
            f"[HINT] {self.hint or 'start every process again with the same command and --resume'}\n",
            EXIT_STATUS,
        )


def fail(message: str, hint: str = "") -> NoReturn:
    """The run failed in this process (a `PretrainError`, such as a peer lost in a collective): print it
    and exit with status 2 now. Returning to the CLI would wait, at interpreter exit, for Orbax's
    background threads and JAX's shutdown barrier, both blocked on the failed process, while JAX's
    runtime may abort this one meanwhile."""
    _report_and_exit(f"[FAILURE] {message}\n" + (f"[HINT] {hint}\n" if hint else ""), EXIT_STATUS)


def _report_and_exit(text: str, status: int) -> NoReturn:
    """Print `text` and end the process at once. The first failure of a process wins: its thread keeps
    `_lock` until the process is gone, so a second one (another thread, or JAX's runtime aborting
    meanwhile) waits here and adds nothing; after `mark_failed` (a traceback is on its way) nothing is
    added either."""
    if _lock.acquire(timeout=10):  # never released: the process ends while holding it
        if _state["failed"] is None:
            _state["failed"] = status
            _write(text)
        status = int(_state["failed"])  # type: ignore[call-overload]
    os._exit(status)


def finished() -> None:
    """This process ended its run normally: tell the others (they stop watching it) and stop watching."""
    from jax._src import distributed

    with _lock:
        if _state["failed"] is not None:
            return
        _state["done"] = True
    client = distributed.global_state.client
    if client is not None:
        with contextlib.suppress(Exception):
            client.key_value_set(f"{_BEAT_KEY}{jax.process_index()}", "done", allow_overwrite=True)


def _native_stderr_to(log: Path) -> None:
    """Point file descriptor 2, where JAX's C++ runtime (and gloo) print their log lines and fatal dumps,
    at `log`; Python's `sys.stderr` (our `[FAILURE]` lines, progress bar, tracebacks) keeps the terminal
    through a duplicate of the original descriptor. Python's own library logs go to a file already."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    terminal = os.dup(2)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stderr = open(  # noqa: SIM115 (it lives as long as the process)
        terminal, "w", encoding=encoding, errors="backslashreplace", buffering=1
    )


def _catch_runtime_abort(hint: str, log: Path | None) -> None:
    """Turn JAX's runtime abort (SIGABRT after its fatal log line) into our one line and status 2.

    A Python signal handler cannot: it would only run after `abort()` has already ended the process. A C
    function pointer (ctypes) runs on the aborting thread itself, before that: the thread takes the GIL
    (as any thread does; the Python threads here block only in calls that release it), prints, and never
    returns. POSIX only; elsewhere JAX's abort stays as it is."""
    global _abort_handler

    def on_abort(_signum: int) -> None:
        if _state["done"]:  # a peer failed while this process, its run complete, was shutting down
            _write("[WARNING] another training process ended abnormally after this one had finished\n")
            os._exit(0)
        _report_and_exit(_abort_lines(hint, log), EXIT_STATUS)

    try:
        handler = ctypes.CFUNCTYPE(None, ctypes.c_int)(on_abort)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.signal.restype = ctypes.c_void_p
        libc.signal.argtypes = [ctypes.c_int, ctypes.c_void_p]
        if libc.signal(signal.SIGABRT, ctypes.cast(handler, ctypes.c_void_p)) == ctypes.c_void_p(-1).value:
            return  # SIG_ERR: keep the default
    except (AttributeError, OSError, TypeError):
        return
    _abort_handler = handler


_FATAL_LINE = re.compile(r"^F\d{4} [^\]]*\] (.*)$")
_PEER_FATAL = "JAX distributed service detected fatal errors"


def _abort_lines(hint: str, log: Path | None) -> str:
    """The failure lines for JAX's runtime aborting this process, from the fatal line it just logged."""
    fatal = _last_fatal(log) if log is not None else ""
    where = f" (JAX's log: {log})" if log is not None else ""
    hint_line = f"[HINT] {hint or 'start every process again with the same command and --resume'}\n"
    if not fatal or _PEER_FATAL in fatal:
        status = fatal.split("absl::Status: ", 1)[-1] if fatal else "a peer failed"
        status = status.split(". ", 1)[0].rstrip(":. ")[:200]
        return (
            "[FAILURE] another training process failed or stopped responding: JAX's distributed runtime "
            f"reports {status}{where}; this one stops too\n" + hint_line
        )
    return f"[FAILURE] JAX's runtime aborted this training process: {fatal[:300]}{where}\n" + hint_line


def _last_fatal(log: Path) -> str:
    """The last fatal (`F...`) line in the tail of `log`, '' when there is none."""
    try:
        with open(log, "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - 65536))
            tail = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    found = [m.group(1) for m in map(_FATAL_LINE.match, tail.splitlines()) if m]
    return found[-1].strip() if found else ""


def _first_line(exc: object) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _write(text: str) -> None:
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(Exception):
        sys.stderr.write(text)
        sys.stderr.flush()


def mark_failed(status: int) -> None:
    """The run failed with an error of another kind (its traceback on its way): at exit, skip JAX's
    shutdown barrier (it would wait for the failed process)."""
    with _lock:
        _state["failed"] = _state["failed"] or status


def _exit_if_failed() -> None:
    failed = _state["failed"]
    if failed is not None:
        _write("")
        os._exit(int(failed))


_COLLECTIVE_MARKERS = ("Gloo", "AllGather", "AllReduce", "Connection reset", "barrier", "coordination service")


def is_collective_failure(exc: BaseException) -> bool:
    """A runtime error of JAX, or an error whose text says a cross-process operation lost its peer."""
    import jax

    if isinstance(exc, jax.errors.JaxRuntimeError):
        return True
    text = str(exc)
    return any(marker in text for marker in _COLLECTIVE_MARKERS)


def peer_failure(exc: BaseException, where: str, run_dir: str) -> PretrainError:
    """With several processes, a runtime error in a collective or barrier means a peer went away."""
    return PretrainError(
        f"training stopped {where}: another training process failed ({_first_line(exc)})",
        hint=resume_hint(run_dir),
    )
