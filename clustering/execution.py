"""Compile programs once and run them on many inputs through the sandbox's batch API.

Everything that touches the sandbox lives here, so the rest of clustering is plain functions over
outcomes. Inputs are fed from host files (many old solutions size their input with fstat) or placed
as the problem's input file; outputs come from stdout or the problem's output file.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.backend import Backend
from sandbox.spec import FileSpec, RunResult, RunSpec

from sandbox.compiler import CompileCache, Compiled, compile_source


@dataclass(frozen=True)
class Limits:
    """Limits of one run and where its input and output live."""

    time_limit_s: float = 1.0
    memory_mb: int = 256
    input_file: str | None = None
    output_file: str | None = None


def compile_program(backend: Backend, source: str, language: str, cache: CompileCache | None = None) -> Compiled:
    """Compile one program in the sandbox (cached by hash of source, flags and compiler)."""
    return compile_source(backend, source, language, cache=cache)


def program_output(result: RunResult, limits: Limits) -> bytes:
    """What the program answered: its output file when the problem names one, else stdout."""
    if limits.output_file:
        data = result.file(limits.output_file)
        return data if data is not None else b""
    return result.stdout


class InputFiles:
    """Host files holding inputs, so a run's stdin is a real file; removed on `close()`."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="cpagent-clustering-")
        self._paths: dict[str, Path] = {}

    def path(self, key: str, text: str) -> Path:
        if key not in self._paths:
            p = Path(self._dir.name) / f"{key}.in"
            p.write_bytes(text.encode())
            self._paths[key] = p
        return self._paths[key]

    def close(self) -> None:
        self._dir.cleanup()

    def __enter__(self) -> "InputFiles":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_spec_for(compiled: Compiled, key: str, text: str, limits: Limits, files: InputFiles,
                 argv: Sequence[str] = ()) -> RunSpec:
    """The RunSpec running `compiled` on one input under the problem's limits."""
    stdin = files.path(key, text)
    spec: RunSpec = compiled.run_spec(stdin=stdin, cpu_time_s=limits.time_limit_s, memory_mb=limits.memory_mb)
    changes: dict[str, Any] = {}
    if argv:
        changes["command"] = tuple(spec.command) + tuple(argv)
    if limits.input_file:
        changes["files"] = tuple(spec.files) + (FileSpec(limits.input_file, content=text.encode()),)
    if limits.output_file:
        changes["collect"] = tuple(spec.collect) + (limits.output_file,)
    return spec.with_(**changes) if changes else spec


@dataclass
class RunCounter:
    """Counts sandbox runs and the wall time spent in them, for the cost report."""

    runs: int = 0
    compiles: int = 0
    wall_s: float = 0.0


def run_matrix(backend: Backend, programs: Sequence[Compiled], inputs: Sequence[tuple[str, str]],
               limits: Limits, files: InputFiles, counter: RunCounter | None = None) -> list[list[RunResult]]:
    """Run every compiled program on every `(key, text)` input in one batch; rows follow `programs`."""
    specs = [run_spec_for(p, key, text, limits, files) for p in programs for key, text in inputs]
    start = time.monotonic()
    results = backend.run_batch(specs) if specs else []
    if counter is not None:
        counter.runs += len(specs)
        counter.wall_s += time.monotonic() - start
    width = len(inputs)
    return [results[i * width:(i + 1) * width] for i in range(len(programs))]
