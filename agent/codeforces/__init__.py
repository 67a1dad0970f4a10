"""Codeforces: problem specifiers, the page parser, the API client, and the disk cache they share.

Network code lives here, apart from the command layer (agent/commands), as online-judge-tools keeps it.
"""

# -- what users type -------------------------------------------------------------------------------------
from agent.codeforces.specifier import ProblemRef, SpecifierError, parse_specifier

# -- the network: one client (spacing, retries, cache), the API, and fetching problems ---------------------
from agent.codeforces.cache import ResponseCache
from agent.codeforces.client import ApiError, ClientConfig, CodeforcesClient, NetworkError
from agent.codeforces.cloudflare import CloudflareChallengeError

__all__ = [
    "ApiError",
    "ClientConfig",
    "CloudflareChallengeError",
    "CodeforcesClient",
    "NetworkError",
    "ProblemRef",
    "ResponseCache",
    "SpecifierError",
    "parse_specifier",
]
