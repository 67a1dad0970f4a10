"""Errors a user of the policy can meet, each with a hint naming the next step.

`agent/cli.py` catches `PolicyError` by name and prints one `[FAILURE]` line and one `[HINT]` line,
so a wrong checkpoint path or an unreachable server never ends in a traceback.
"""

from __future__ import annotations


class PolicyError(Exception):
    """A failure the user can fix: a bad checkpoint, an unreachable server, a malformed file."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class CheckpointMismatchError(PolicyError):
    """A checkpoint whose parameter names or shapes do not fit the model; lists every mismatched key."""

    def __init__(self, message: str, mismatched: list[str], hint: str = "") -> None:
        listing = "\n".join(f"  {key}" for key in mismatched)
        super().__init__(f"{message}:\n{listing}" if mismatched else message, hint)
        self.mismatched = list(mismatched)


class ServerError(PolicyError):
    """An OpenAI-compatible server failed or could not be reached after every retry."""
