"""From what the sandbox observed to a `Status`: one pure function, so every rule is unit-tested.

Precedence (most telling first): IE (the sandbox failed: the run says nothing about the program),
MLE (the cgroup's OOM killer fired), TLE (CPU time over the limit, or the wall clock ran out:
`wall_limited`), OLE (stdout over its limit, or a file over the file-size limit: SIGXFSZ), RE
(non-zero exit or a signal; MLE instead when the memory cgroup recorded its limit being hit, so an
allocation it refused without an OOM kill is still MLE), else OK. Resource limits outrank the crash
they usually cause.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass

from sandbox.verdict import Status


@dataclass(frozen=True)
class Observation:
    """Everything the backend measured for one run."""

    exit_code: int | None  # None when the run was killed before it could report
    signal: int | None
    cpu_s: float
    cpu_limit_s: float
    killed_for: str = ""  # "", "wall", "cpu" or "output": why the runner stopped the run
    oom_kills: int = 0
    limit_hits: int = 0  # times the memory cgroup's limit was hit (v1 memory.failcnt, v2 memory.events max)
    stdout_truncated: bool = False
    setup_error: str = ""


@dataclass(frozen=True)
class Classified:
    status: Status
    wall_limited: bool = False
    oom_killed: bool = False
    message: str = ""


def classify(obs: Observation) -> Classified:
    if obs.setup_error:
        return Classified(Status.IE, message=f"sandbox setup failed: {obs.setup_error}")
    if obs.oom_kills > 0:
        return Classified(Status.MLE, oom_killed=True, message="the memory cgroup's OOM killer fired")
    if obs.killed_for == "cpu" or obs.cpu_s > obs.cpu_limit_s or obs.signal == signal.SIGXCPU:
        return Classified(Status.TLE, message="CPU time limit exceeded")
    if obs.killed_for == "wall":
        return Classified(Status.TLE, wall_limited=True, message="wall-clock limit exceeded (idle or sleeping)")
    if obs.killed_for == "output" or obs.stdout_truncated:
        return Classified(Status.OLE, message="standard output exceeded its limit")
    if obs.signal == signal.SIGXFSZ:
        return Classified(Status.OLE, message="a file exceeded the file-size limit")
    if obs.exit_code is None and obs.signal is None:
        return Classified(Status.IE, message="the run ended without a report from the sandbox")
    if obs.signal is not None or obs.exit_code != 0:
        if obs.limit_hits > 0:
            # An allocation refused at the cgroup's limit without an OOM kill (a failed mmap or
            # brk: bad_alloc, malloc returning NULL) ends in a crash or an error exit. The cgroup
            # recorded the limit being hit, so the failure is the memory limit's, not the program's.
            return Classified(Status.MLE, message="the memory limit was hit (the cgroup refused memory) "
                                                  "and the program failed")
        return Classified(Status.RE)
    return Classified(Status.OK)
