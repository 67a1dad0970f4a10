"""Human-readable output lines with the short prefixes users of online-judge-tools know.

Machine-readable output (`--json`) goes to stdout; these lines go to stderr so that a `--json` run
prints nothing but its JSON on stdout.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def _emit(prefix: str, message: str) -> None:
    print(f"[{prefix}] {message}", file=sys.stderr, flush=True)


def info(message: str) -> None:
    _emit("INFO", message)


def hint(message: str) -> None:
    _emit("HINT", message)


def success(message: str) -> None:
    _emit("SUCCESS", message)


def failure(message: str) -> None:
    _emit("FAILURE", message)


def warning(message: str) -> None:
    _emit("WARNING", message)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
    sys.stdout.flush()
