"""The error a user of the scorer can meet, with a hint naming the next step.

The command line catches `ScorerError` (see `agent.cli._user_errors`) and prints one `[FAILURE]`
line and one `[HINT]` line instead of a traceback.
"""

from __future__ import annotations


class ScorerError(Exception):
    """A problem the user can fix: a scorer file from another version, too little training data."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
