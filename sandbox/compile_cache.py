"""The compile cache: binaries (and compile errors) keyed by hash(source, flags, compiler version).

One directory per key under the user cache directory (platformdirs), written to a temporary sibling
and renamed into place, so concurrent compiles of the same source never see half an entry. Compile
errors are cached too (a model often samples the same broken program many times); infrastructure
failures never are. Precompiled headers live here as well, one per compiler version and flags.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import platformdirs

from sandbox.errors import SandboxError

META = "meta.json"
BINARY = "binary"


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("cpagent")) / "compile"


def cache_key(*parts: str | bytes | Iterable[str]) -> str:
    """A stable hash of the parts (strings, bytes, or sequences of strings), unambiguous in their
    boundaries so that ("ab", "c") and ("a", "bc") differ."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, bytes):
            data = part
        elif isinstance(part, str):
            data = part.encode()
        else:
            data = "\0".join(part).encode()
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    """What a compile produced: its outcome and, when it built one, the binary's path."""

    ok: bool
    status: str  # "OK" or "CE"
    message: str
    warnings: str
    compile_s: float
    binary: Path | None = None


class CompileCache:
    """A directory of compile results; safe to share between threads and processes."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()

    def _entry_dir(self, key: str) -> Path:
        return self.directory / key[:2] / key

    def get(self, key: str) -> CacheEntry | None:
        where = self._entry_dir(key)
        try:
            meta = json.loads((where / META).read_text())
        except (OSError, ValueError):
            return None
        binary = where / BINARY
        if meta.get("ok") and meta.get("has_binary") and not binary.is_file():
            return None  # damaged entry: compile again
        return CacheEntry(
            ok=bool(meta["ok"]),
            status=str(meta["status"]),
            message=str(meta["message"]),
            warnings=str(meta["warnings"]),
            compile_s=float(meta["compile_s"]),
            binary=binary if meta.get("has_binary") else None,
        )

    def put(self, key: str, entry: CacheEntry, binary: bytes | None = None) -> CacheEntry:
        """Store atomically and return the entry as read back (its binary path inside the cache)."""
        final = self._entry_dir(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:16]}.", dir=final.parent))
        try:
            meta = asdict(entry) | {"binary": None, "has_binary": binary is not None}
            if binary is not None:
                (tmp / BINARY).write_bytes(binary)
                (tmp / BINARY).chmod(0o755)
            (tmp / META).write_text(json.dumps(meta))
            try:
                os.rename(tmp, final)
            except OSError:  # another process stored the same key first: theirs is as good
                shutil.rmtree(tmp, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        stored = self.get(key)
        if stored is None:
            raise SandboxError(
                f"compile cache at {self.directory} is not writable",
                hint="free disk space or set XDG_CACHE_HOME to a writable directory",
            )
        return stored

    # -- precompiled headers ---------------------------------------------------------------
    def precompiled_header(
        self, compiler: Path, version: str, flags: tuple[str, ...], header: str
    ) -> Path | None:
        """The `.gch` of a system header for this compiler and flags, built on first use (on the host:
        it compiles only the system's own header, no untrusted code). None when gcc cannot build it."""
        key = cache_key("pch", str(compiler), version, flags, header)
        folder = self.directory / "pch" / key
        gch = folder / (header + ".gch")
        if gch.is_file():
            return gch
        folder.parent.mkdir(parents=True, exist_ok=True)
        with open(folder.parent / f".{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one builder; the others wait and reuse its result
            if gch.is_file():
                return gch
            tmp = Path(tempfile.mkdtemp(prefix=f".{key[:16]}.", dir=folder.parent))
            try:
                out = tmp / (header + ".gch")
                out.parent.mkdir(parents=True, exist_ok=True)
                path = _header_path(compiler, flags, header)
                if path is None:
                    return None
                proc = subprocess.run(
                    [str(compiler), *flags, "-x", "c++-header", str(path), "-o", str(out)],
                    capture_output=True,
                    timeout=300,
                    stdin=subprocess.DEVNULL,
                )
                if proc.returncode != 0 or not out.is_file():
                    return None
                os.rename(tmp, folder)
            except (OSError, subprocess.TimeoutExpired):
                return None
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        return gch if gch.is_file() else None


def _header_path(compiler: Path, flags: tuple[str, ...], header: str) -> Path | None:
    """Where the compiler finds `header` (its `-H` trace names the file at depth one)."""
    try:
        proc = subprocess.run(
            [str(compiler), *flags, "-x", "c++", "-E", "-H", "-", "-o", os.devnull],
            input=f"#include <{header}>\n".encode(),
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in proc.stderr.decode("utf-8", "replace").splitlines():
        if line.startswith(". "):
            return Path(line[2:].strip())
    return None
