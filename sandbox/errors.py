"""Errors a user of the judge can meet.

Each carries a hint naming what to do next, so the command line can end with one clear line
instead of a traceback.
"""

from __future__ import annotations


class SandboxError(Exception):
    """A problem the user can fix (missing tool, bad input); never a program's behaviour."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UnsafeSandboxError(SandboxError):
    """An isolation layer is missing: untrusted code must not run without an explicit --insecure."""


class InfrastructureError(SandboxError):
    """The sandbox itself failed for one run; reported as IE and retried, never taken as behaviour."""
