"""A checkpoint's seal: the size and SHA-256 of every file, written inside the step before Orbax commits it.

Orbax finds a damaged array only while restoring it, from its own reader threads, which log their own
tracebacks after the caller has already reported the failure. Checking the files first, in the calling
thread, refuses a damaged checkpoint (truncated, bit-flipped, missing or extra-short files) before any
Orbax reader starts, so the refusal is deterministic and is the only thing the user sees.

The seal is written by Orbax's post-finalization callback, inside the step's temporary directory, before
the rename that commits the step: a committed step that Orbax lists always carries its seal (a step
without one was written before seals existed and is checked for structure only).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

SEAL = "cpagent_seal.json"
# Orbax rewrites these two after the post-finalization callback (commit timestamp, commit marker).
_UNSEALED = frozenset({"_CHECKPOINT_METADATA", "commit_success.txt", SEAL})
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Damage:
    """What is wrong with a step directory: the first file found damaged and how."""

    path: str  # relative to the step directory
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _files(step_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in step_dir.rglob("*")
        if p.is_file() and not (p.parent == step_dir and p.name in _UNSEALED)
    )


def write_seal(step_dir: Path) -> None:
    """Record every file of a fully written step (written to a temporary name, then renamed)."""
    files = {
        str(p.relative_to(step_dir)): {"size": p.stat().st_size, "sha256": _sha256(p)}
        for p in _files(step_dir)
    }
    tmp = step_dir / (SEAL + ".tmp")
    tmp.write_text(json.dumps({"version": 1, "files": files}, indent=1, sort_keys=True) + "\n")
    tmp.replace(step_dir / SEAL)


def check_seal(step_dir: Path) -> Damage | None:
    """None when every sealed file is present with its size and digest; else the first damage found.

    A step without a seal (written before seals existed) is checked for structure only (`check_structure`)."""
    seal_path = step_dir / SEAL
    if not seal_path.is_file():
        return check_structure(step_dir)
    try:
        files = json.loads(seal_path.read_text())["files"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        return Damage(SEAL, f"unreadable seal ({type(exc).__name__})")
    for rel, want in sorted(files.items()):
        path = step_dir / rel
        if not path.is_file():
            return Damage(rel, "missing")
        size = path.stat().st_size
        if size != want["size"]:
            return Damage(rel, f"{size} bytes, {want['size']} when saved (truncated or overwritten)")
        if _sha256(path) != want["sha256"]:
            return Damage(rel, "contents differ from when it was saved (corrupted)")
    return None


def check_structure(step_dir: Path) -> Damage | None:
    """The checks that need no seal: Orbax's metadata files and the JSON items parse, and no file is empty.

    Weaker than a seal (a truncated array file still passes): only for steps saved before seals existed."""
    if not step_dir.is_dir():
        return Damage(".", "missing")
    for path in sorted(step_dir.rglob("*")):
        rel = str(path.relative_to(step_dir))
        if not path.is_file():
            continue
        if path.name in ("_CHECKPOINT_METADATA", "metadata", "_METADATA"):
            try:
                json.loads(path.read_bytes())
            except (ValueError, UnicodeDecodeError):
                return Damage(rel, "not valid JSON (truncated or corrupted)")
        elif path.stat().st_size == 0 and path.name != "commit_success.txt":
            return Damage(rel, "empty")
    return None
