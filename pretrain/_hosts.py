"""Several training processes through `jax.distributed`, and a bounded, clear end when one of them fails.

A process that dies or hangs mid-run leaves the others blocked: in a cross-host collective, at a
coordination barrier, or at exit, where JAX's shutdown barrier waits for it. Three things bound that:

- a watchdog thread in every process beats through the coordination service's key-value store and reads
  the others' beats; a process silent for `heartbeat_timeout_s` (or a coordinator that does not answer
  for that long) ends this one with one `[FAILURE]` line, a hint, and exit status 2. JAX's own heartbeat
  timeout is set three times longer, so its runtime's fatal abort (a C++ stack trace) stays a backstop;
- a collective that fails because a peer went away (a reset connection) becomes a `PretrainError`
  (`peer_failure`), which the CLI prints the usual way;
- once a run has failed, the process exits without JAX's shutdown barrier (`mark_failed`).

Nothing is lost: the run resumes from its last checkpoint when every process is started again.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import time

import jax

from pretrain.errors import PretrainError

EXIT_STATUS = 2  # the CLI's status for a failure the user can act on
_BEAT_KEY = "cpagent/beat/"
_state: dict[str, object] = {"failed": None, "done": False}
_lock = threading.Lock()


def resume_hint(run_dir: str) -> str:
    return (
        "start every process again with the same command and --resume: training continues from the last "
        f"checkpoint in {run_dir}/checkpoints"
    )


def initialize(
    coordinator: str,
    num_processes: int,
    process_id: int,
    *,
    heartbeat_timeout_s: int = 60,
    init_timeout_s: int = 120,
    hint: str = "",
) -> None:
    """`jax.distributed.initialize`, then the watchdog; a failed peer ends this process within about
    `heartbeat_timeout_s` seconds."""
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
        raise PretrainError(
            f"cannot join the training processes at {coordinator}: {_first_line(exc)}",
            hint="start process 0 first (it hosts the coordinator) and check HOST:PORT and --num-processes",
        ) from None
    # Registered after JAX's own exit handler, so it runs first (atexit is last in, first out).
    atexit.register(_exit_if_failed)
    from jax._src import distributed

    watchdog = Watchdog(
        distributed.global_state.client, process_id, num_processes, heartbeat_timeout_s, hint
    )
    threading.Thread(target=watchdog.run, name="cpagent-watchdog", daemon=True).start()


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
                    self._fail(f"process {peer} has sent no heartbeat for {now - since:.0f} s")

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
        with _lock:
            failed = _state["failed"]
            if _state["done"] or failed is not None:
                return  # finished, or the main thread is already ending the run with its own message
            _state["failed"] = EXIT_STATUS
        _write(
            f"[FAILURE] another training process failed or stopped responding: {why}; this one stops too\n"
            f"[HINT] {self.hint or 'start every process again with the same command and --resume'}\n"
        )
        os._exit(EXIT_STATUS)


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
    """The run failed: at exit, skip JAX's shutdown barrier (it would wait for the failed process)."""
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
