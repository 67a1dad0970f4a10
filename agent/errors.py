"""Errors a user of the command line can meet, each with a hint naming the next step."""

from __future__ import annotations

from collections.abc import Callable


class CpagentError(Exception):
    """A user-facing failure: bad input, missing tool, unreachable server."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ProblemFormatError(CpagentError):
    """A problem file or directory that cannot be read; the message names the file and field."""


# Told about a problem that cannot be read (where, why) when a caller would rather skip it than stop.
OnError = Callable[[str, "ProblemFormatError"], None]


class DiskFullError(CpagentError):
    """The disk filled up mid-run. Every finished step is already committed to the run store, so the
    message says so: freeing space and running the same command again resumes the run."""

    def __init__(self, where: str) -> None:
        super().__init__(f"no space left on the disk holding {where}",
                         hint="free some disk space, then run the same command again: finished work is kept "
                              "and the run resumes where it stopped")
