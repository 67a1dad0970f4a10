"""Compile a source inside the sandbox, with its own limits, through the compile cache.

A compile is an untrusted run like any other (`#include "/etc/shadow"`, template bombs), so it goes
through the Backend with generous but firm limits. The result, `Compiled`, knows the files and command
a run needs and builds its `RunSpec`. Python "compiles" with a syntax check so that CE exists for it too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.backend import Backend
from sandbox.compile_cache import CacheEntry, CompileCache, cache_key
from sandbox.languages import Language, get_language
from sandbox.spec import MiB, FileSpec, RunSpec
from sandbox.verdict import Status


@dataclass(frozen=True)
class CompileLimits:
    """Limits of one compile: enough for cc1plus + as + ld on a big template program, no more."""

    cpu_time_s: float = 20.0
    wall_time_s: float = 60.0
    memory_mb: int = 1024
    max_processes: int = 32  # gcc driver, cc1plus, as, collect2, ld
    tmpfs_mb: int = 512
    output_limit_bytes: int = 256 * MiB  # the binary
    message_limit: int = 4000  # characters of diagnostics kept in a CE message


COMPILE_LIMITS = CompileLimits()


@dataclass(frozen=True)
class Compiled:
    """A program ready to run (or the reason it is not: CE, IE)."""

    language: str
    ok: bool
    status: Status  # OK, CE or IE
    message: str = ""  # bounded diagnostics for CE and IE
    warnings: str = ""
    cached: bool = False
    compile_s: float = 0.0
    files: tuple[FileSpec, ...] = ()  # what a run needs in its work directory
    command: tuple[str, ...] = ()  # how to run it, relative to the work directory
    key: str = ""  # hash(source, flags, compiler version): the program's identity
    env: tuple[tuple[str, str], ...] = field(default=())
    max_processes: int = 1

    def run_spec(
        self, *, stdin: Path | None = None, cpu_time_s: float = 1.0, memory_mb: int = 256, **overrides: Any
    ) -> RunSpec:
        if not self.ok:
            raise ValueError(f"cannot run a program that did not compile ({self.status})")
        spec = RunSpec(
            command=self.command,
            files=self.files,
            stdin=stdin,
            cpu_time_s=cpu_time_s,
            memory_mb=memory_mb,
            max_processes=self.max_processes,
            env=self.env,
            language=self.language,
        )
        return spec.with_(**overrides) if overrides else spec

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "ok": self.ok,
            "status": self.status.value,
            "cached": self.cached,
            "compile_s": round(self.compile_s, 4),
            "message": self.message,
            "warnings": self.warnings,
        }


_default_cache: CompileCache | None = None


def default_cache() -> CompileCache:
    """The process-wide cache under the user cache directory."""
    global _default_cache
    if _default_cache is None:
        _default_cache = CompileCache()
    return _default_cache


def _bounded(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... ({len(text) - limit} more characters)"


def program_key(lang: Language, source: str) -> str:
    tool = lang.toolchain()
    return cache_key(
        lang.id, str(tool.executable), tool.version, lang.flags, lang.compile_argv, lang.run_argv, source
    )


def _pch_files(lang: Language, cache: CompileCache) -> tuple[FileSpec, ...]:
    if not lang.pch_header:
        return ()
    tool = lang.toolchain()
    gch = cache.precompiled_header(tool.executable, tool.version, lang.flags, lang.pch_header)
    if gch is None:
        return ()
    return (FileSpec(f"pch/{lang.pch_header}.gch", source=gch),)


def _ready(lang: Language, key: str, entry: CacheEntry, source: str, cached: bool) -> Compiled:
    status = Status.OK if entry.ok else Status.CE
    files: tuple[FileSpec, ...] = ()
    if entry.ok:
        if lang.compiled:
            assert entry.binary is not None
            files = (FileSpec(lang.binary_name, source=entry.binary, executable=True),)
        else:
            files = (FileSpec(lang.source_name, content=source.encode()),)
    return Compiled(
        language=lang.id,
        ok=entry.ok,
        status=status,
        message=entry.message,
        warnings=entry.warnings,
        cached=cached,
        compile_s=0.0 if cached else entry.compile_s,
        files=files,
        command=lang.run_command() if entry.ok else (),
        key=key,
        env=lang.env,
        max_processes=lang.run_processes,
    )


def compile_source(
    backend: Backend,
    source: str,
    language: str,
    *,
    cache: CompileCache | None = None,
    limits: CompileLimits = COMPILE_LIMITS,
    use_pch: bool = True,
) -> Compiled:
    """Compile (or syntax-check) `source` in the sandbox; a cache hit costs no compile.

    Raises SandboxError for an unknown language or a missing compiler (the user must act); returns
    CE for the program's own errors and IE when the sandbox failed (after the backend's retries).
    """
    lang = get_language(language)
    cache = cache if cache is not None else default_cache()
    key = program_key(lang, source)
    hit = cache.get(key)
    if hit is not None:
        return _ready(lang, key, hit, source, cached=True)

    extra = ("-I", "pch") if lang.pch_header and use_pch else ()
    pch = _pch_files(lang, cache) if extra else ()
    if not pch:
        extra = ()
    spec = RunSpec(
        command=lang.compile_command(extra),
        files=(FileSpec(lang.source_name, content=source.encode()), *pch),
        cpu_time_s=limits.cpu_time_s,
        wall_time_s=limits.wall_time_s,
        memory_mb=limits.memory_mb,
        max_processes=limits.max_processes,
        tmpfs_mb=limits.tmpfs_mb,
        output_limit_bytes=1 * MiB,
        stderr_limit_bytes=256 * 1024,
        file_size_limit_bytes=limits.output_limit_bytes,
        env=(("PATH", "/usr/bin:/bin"), ("LANG", "C.UTF-8"), ("TMPDIR", "/tmp")),
        collect=(lang.binary_name,) if lang.compiled else (),
        language=f"compile:{lang.id}",
    )
    start = time.monotonic()
    result = backend.run(spec)
    compile_s = time.monotonic() - start
    diagnostics = (result.stderr + result.stdout).decode("utf-8", errors="replace")
    if result.status is Status.IE:
        return Compiled(
            language=lang.id,
            ok=False,
            status=Status.IE,
            compile_s=compile_s,
            key=key,
            message=_bounded(f"sandbox failure while compiling: {result.message}", limits.message_limit),
        )
    binary = result.file(lang.binary_name) if lang.compiled else None
    if result.status is Status.OK and (binary is not None or not lang.compiled):
        entry = CacheEntry(
            ok=True,
            status="OK",
            message="",
            compile_s=compile_s,
            warnings=_bounded(diagnostics, limits.message_limit),
        )
    else:
        reason = {
            Status.TLE: "compilation exceeded its time limit",
            Status.MLE: "compilation exceeded its memory limit",
            Status.OLE: "compilation produced too much output",
        }.get(result.status, "")
        if result.status is Status.OK:  # exit 0 but no binary: treat as the compiler's failure
            reason = "the compiler produced no binary"
        message = "\n".join(part for part in (reason, diagnostics.strip()) if part)
        entry = CacheEntry(
            ok=False,
            status="CE",
            message=_bounded(message or "compilation failed", limits.message_limit),
            warnings="",
            compile_s=compile_s,
        )
    stored = cache.put(key, entry, binary)
    return _ready(lang, key, stored, source, cached=False)
