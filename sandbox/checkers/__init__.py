"""Output checkers: built-in comparisons, a canonical form for clustering, and testlib custom checkers.

check(spec, input, output, answer) -> CheckResult     built-in kinds (exact, tokens, float, words, lines)
normalize(spec, output) -> bytes                      equal forms <=> the checker treats outputs alike
custom.CustomChecker(backend, source, language, cache).check(input, output, answer)
"""

from sandbox.checkers.builtin import BUILTIN, check
from sandbox.checkers.normalize import normalize
from sandbox.checkers.result import CheckResult, Checker
from sandbox.checkers.spec import CHECKER_KINDS, CheckerSpec

__all__ = ["BUILTIN", "CHECKER_KINDS", "CheckResult", "Checker", "CheckerSpec", "check", "normalize"]
