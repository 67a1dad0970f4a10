"""Output checkers: built-in comparisons and testlib-compatible custom checkers."""

from sandbox.checkers.spec import CHECKER_KINDS, CheckerSpec

__all__ = ["CHECKER_KINDS", "CheckerSpec"]
