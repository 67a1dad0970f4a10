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


# Control characters an untrusted program could use to drive the user's terminal (escape sequences, bell,
# carriage return over a status line, C1 controls), shown as visible escapes instead. Newline and tab stay.
_CONTROL_ESCAPES = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)] if c not in (0x0A, 0x09)}


def safe_text(data: bytes | str) -> str:
    """Program output or checker text made safe to print: invalid UTF-8 replaced, control characters escaped.

    `--json` output carries the exact text (JSON escapes it); `cpagent run --raw` passes stdout through.
    """
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return text.translate(_CONTROL_ESCAPES)
