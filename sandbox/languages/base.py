"""What a language plugin is: a few attributes, how to compile, how to run, and a self-test program.

Plugins are small frozen objects (DMOJ's executors are the model). The toolchain is looked up on
the host when first needed, and its version becomes part of every compile-cache key, so upgrading
gcc can never serve a binary built by the old one.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.errors import SandboxError


@dataclass(frozen=True)
class Toolchain:
    """A resolved compiler or interpreter on this machine."""

    executable: Path  # absolute, visible inside the sandbox (under /usr or /bin)
    version: str  # first line of `--version`, part of the cache key


@dataclass(frozen=True)
class Language:
    """One language id (c11, cpp17, python3, ...) and everything needed to build and run it.

    `compile_argv` and `run_argv` are templates: `{exe}` is the resolved toolchain, `{src}` the source
    file name and `{bin}` the output name, all relative to the sandbox work directory.
    """

    id: str
    name: str
    extension: str
    source_name: str  # name of the source file inside the work directory
    candidates: tuple[str, ...]  # executables to look for, first found wins
    package: str  # the Debian package that provides the toolchain (named in the error hint)
    compile_argv: tuple[str, ...] = ()  # empty: nothing to compile (interpreted, syntax check only)
    run_argv: tuple[str, ...] = ("./{bin}",)
    binary_name: str = "main"
    flags: tuple[str, ...] = ()  # inserted into compile_argv at {flags}; part of the cache key
    #: Precompiled header to build once per compiler version and flags (C++ only): header name.
    pch_header: str | None = None
    #: A program that reads one line and prints `hello, <line>`: the plugin's self-test.
    self_test_source: str = ""
    self_test_input: bytes = b"world\n"
    self_test_output: bytes = b"hello, world\n"
    #: Processes the program may start when run (threads count); interpreters need a few.
    run_processes: int = 1
    env: tuple[tuple[str, str], ...] = field(default=())

    @property
    def compiled(self) -> bool:
        """True when compiling produces a binary (as opposed to a syntax check of the source)."""
        return self.binary_name != ""

    def toolchain(self) -> Toolchain:
        """The compiler or interpreter, or a SandboxError naming the Debian package to install."""
        found = _resolve(self.candidates)
        if found is None:
            raise SandboxError(
                f"{self.name} ({self.id}) needs {' or '.join(self.candidates)}, which is not installed",
                hint=f"install it: apt-get install -y {self.package}",
            )
        return found

    def available(self) -> bool:
        try:
            self.toolchain()
        except SandboxError:
            return False
        return True

    def _fill(self, template: tuple[str, ...]) -> tuple[str, ...]:
        exe = str(self.toolchain().executable)
        out: list[str] = []
        for part in template:
            if part == "{flags}":
                out.extend(self.flags)
            else:
                out.append(part.format(exe=exe, src=self.source_name, bin=self.binary_name))
        return tuple(out)

    def compile_command(self, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The compile (or syntax-check) command; `extra` goes before the source (e.g. -I pch)."""
        cmd = self._fill(self.compile_argv)
        if not extra:
            return cmd
        at = cmd.index(self.source_name)
        return cmd[:at] + extra + cmd[at:]

    def run_command(self) -> tuple[str, ...]:
        return self._fill(self.run_argv)


def _version_of(executable: Path) -> str:
    try:
        proc = subprocess.run(
            [str(executable), "--version"], capture_output=True, timeout=30, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    text = (proc.stdout or proc.stderr).decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else ""


@functools.cache
def _resolve(candidates: tuple[str, ...]) -> Toolchain | None:
    """Find the first working candidate. Absolute candidates are tried as they are; bare names on a PATH
    that excludes virtual environments and shims, because the sandbox can only see system directories."""
    for name in candidates:
        path = Path(name) if os.path.isabs(name) else _which_system(name)
        if path is None or not path.is_file() or not os.access(path, os.X_OK):
            continue
        version = _version_of(path)
        if version:
            return Toolchain(path, version)
    return None


def _which_system(name: str) -> Path | None:
    """`which`, skipping virtual environments and version-manager shims (pyenv), then resolving
    to the real interpreter: a shim is a shell script that would not work inside the sandbox."""
    dirs = [
        d
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and "/.venv" not in d and "shims" not in d and "/.pyenv" not in d
    ]
    found = shutil.which(name, path=os.pathsep.join(dirs + ["/usr/bin", "/bin", "/usr/local/bin"]))
    return Path(found) if found else None
