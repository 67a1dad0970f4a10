"""Errors a user of clustering can meet, each with a hint naming the next step.

Degenerate problems (no public inputs, no constraints, every candidate crashing) are NOT errors:
they end in a clear outcome recorded on the estimator. This class is for misuse that the caller can
fix (an empty candidate list, a bad parameter).
"""

from __future__ import annotations


class ClusteringError(Exception):
    """A user-facing clustering failure, printed by the CLI as `[FAILURE]` + `[HINT]`."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
