"""Build the exec helper (helper.c) and the Python zygote's library (the same source built as a
shared object) once per machine, cached by the hash of their source and compiler.

The helper is optional: without a C compiler the runner's Python process plays its part, with the
same isolation but a few milliseconds more per run.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path


def cache_dir() -> Path:
    try:
        import platformdirs

        return Path(platformdirs.user_cache_dir("cpagent")) / "sandbox"
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        return Path.home() / ".cache" / "cpagent" / "sandbox"


@functools.lru_cache(maxsize=1)
def helper_binary() -> bytes | None:
    """The compiled helper's bytes, or None when it cannot be built here."""
    # Static where the C library allows it: the Python runs exec the watcher once per run, and a
    # static binary skips the dynamic loader (about half the cost of that exec).
    return _build("helper.c", "exec-helper", (["-static"], []), b"static-first")


@functools.lru_cache(maxsize=1)
def zygote_library() -> bytes | None:
    """The Python zygote's library (helper.c built with CPAGENT_LIBRARY) as a shared object, or None."""
    return _build("helper.c", "zygote-lib", (["-shared", "-fPIC", "-DCPAGENT_LIBRARY", "-Wno-unused-function"],),
                  b"library", suffix=".so")


def _build(source_name: str, stem: str, flag_sets: tuple[list[str], ...], salt: bytes, suffix: str = "") -> bytes | None:
    """Compile one C source of this package with the first flags that work, cached by the hash of
    its source, the compiler's version and `salt`."""
    source = resources.files("sandbox.native").joinpath(source_name).read_bytes()
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        return None
    try:
        version = subprocess.run([cc, "--version"], capture_output=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    key = hashlib.sha256(source + version + salt).hexdigest()[:16]
    target = cache_dir() / f"{stem}-{key}{suffix}"
    if target.is_file():
        return target.read_bytes()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="cpagent-helper-") as tmp:
            src = Path(tmp) / source_name
            src.write_bytes(source)
            out = Path(tmp) / f"{stem}{suffix}"
            for flags in flag_sets:
                proc = subprocess.run([cc, "-O2", "-Wall", *flags, "-o", str(out), str(src)], capture_output=True,
                                      timeout=120)
                if proc.returncode == 0:
                    break
            else:
                return None
            partial = target.with_suffix(f".{os.getpid()}.tmp")
            shutil.copyfile(out, partial)
            os.replace(partial, target)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return target.read_bytes()
