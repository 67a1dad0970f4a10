"""Errors a user of pretraining can meet, each with a hint naming the next step.

`agent/cli.py` catches `PretrainError` by name and prints one `[FAILURE]` and one `[HINT]` line, so an
empty corpus, a damaged checkpoint or a config that does not fit the mesh never ends in a traceback.
"""

from __future__ import annotations


class PretrainError(Exception):
    """A failure the user can fix: bad config, empty corpus, damaged checkpoint, mesh mismatch."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class SDCError(PretrainError):
    """A replayed step gave a different result: silent data corruption (or non-determinism)."""

    def __init__(self, message: str, report: dict, hint: str = "") -> None:
        super().__init__(message, hint)
        self.report = report
