"""A run's observable behaviour as one short string, and a program's signature over many inputs.

Outputs are normalized under the problem's checker (`sandbox.checkers.normalize`) so that two
outputs the checker treats alike give the same outcome. RE, TLE, MLE and OLE stay distinct outcomes.
IE (the sandbox failed) is no behaviour at all: it yields `None`, and the input is left out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sandbox.checkers.spec import CheckerSpec
from sandbox.spec import RunResult
from sandbox.verdict import Status

from sandbox.checkers import normalize

# Outcomes that are not an answer. "EMPTY" marks an OK run that printed nothing.
FAILURE_OUTCOMES = ("RE", "TLE", "MLE", "OLE", "CE", "EMPTY")


def output_outcome(checker: CheckerSpec, output: bytes) -> str:
    """`OK:<hash>` of the normalized output, or `EMPTY` when it normalizes to nothing."""
    canonical = normalize(checker, output)
    if not canonical.strip():
        return "EMPTY"
    return "OK:" + hashlib.sha1(canonical).hexdigest()[:12]


def run_outcome(result: RunResult, output: bytes, checker: CheckerSpec) -> str | None:
    """The outcome of one run; None for an infrastructure failure (never behaviour)."""
    if result.status is Status.IE:
        return None
    if result.status is not Status.OK:
        return result.status.value
    return output_outcome(checker, output)


def is_failure(outcome: str | None) -> bool:
    """Crashed, hit a limit, or printed nothing."""
    return outcome is not None and outcome in FAILURE_OUTCOMES


def group_by_signature(signatures: Sequence[tuple[str, ...]]) -> list[list[int]]:
    """Indices grouped by identical signature, largest group first (ties: first appearance)."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, sig in enumerate(signatures):
        groups.setdefault(sig, []).append(i)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))
