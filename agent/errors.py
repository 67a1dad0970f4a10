"""Errors a user of the command line can meet, each with a hint naming the next step."""

from __future__ import annotations


class CpagentError(Exception):
    """A user-facing failure: bad input, missing tool, unreachable server."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ProblemFormatError(CpagentError):
    """A problem file or directory that cannot be read; the message names the file and field."""
