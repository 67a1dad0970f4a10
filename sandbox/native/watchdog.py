"""The host's wall-clock watchdog: no run can hang the judge, whatever happens inside the sandbox.

A run's own watcher (its init B) enforces the wall limit. The watchdog is the layer behind it, on the
host: each run is armed with a deadline (its wall limit plus a grace), and a run still in flight past
its deadline gets its whole slot killed. Killing the slot's bubblewrap ends every process in it, so
whatever the host was blocked on (a reply, a send, a standby) returns at once with an error, and the
run becomes IE (retried, never a verdict). It costs one dictionary insert and delete per run and one
thread that wakes once per `tick_s`.
"""

from __future__ import annotations

import itertools
import threading
import time
from typing import Protocol


class Killable(Protocol):
    watchdog_fired: bool

    def kill(self) -> None: ...


class Watchdog:
    """Deadlines of the runs in flight; a background thread kills the slot of any run past its own."""

    def __init__(self, tick_s: float = 0.5) -> None:
        self.tick_s = tick_s
        self._armed: dict[int, tuple[float, Killable]] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.fired = 0

    def arm(self, slot: Killable, deadline: float) -> int:
        """Watch a run on `slot` that must be over by `deadline` (time.monotonic())."""
        token = next(self._ids)
        with self._lock:
            self._armed[token] = (deadline, slot)
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._loop, name="native-watchdog", daemon=True)
                self._thread.start()
        return token

    def disarm(self, token: int) -> None:
        with self._lock:
            self._armed.pop(token, None)

    def check(self, now: float | None = None) -> int:
        """Kill the slots of runs past their deadline; returns how many (called by the thread)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            late = [(t, slot) for t, (deadline, slot) in self._armed.items() if deadline <= now]
            for t, _ in late:
                del self._armed[t]
        for _, slot in late:
            slot.watchdog_fired = True
            slot.kill()
        self.fired += len(late)
        return len(late)

    def _loop(self) -> None:
        while not self._stop.wait(self.tick_s):
            self.check()

    def close(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
