"""Codeforces: problem specifiers, the page parser, the API client, and the disk cache they share.

Network code lives here, apart from the command layer (agent/commands), as online-judge-tools keeps it.
"""

from agent.codeforces.specifier import ProblemRef, parse_specifier

__all__ = ["ProblemRef", "parse_specifier"]
