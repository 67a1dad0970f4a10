"""`probe()`: which isolation layers and toolchains work on this machine, each with a fix if not.

The native backend is *secure* only when every layer it relies on works (bubblewrap with user
namespaces, each namespace, the cgroup controllers, seccomp, rlimits, the in-sandbox runner); that
is the same rule `open_backend("native")` applies when it refuses to start (fail closed).
Compilers and the Docker engine are reported too, since a judge without them cannot do its job,
but they do not make the sandbox unsafe.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Any

from sandbox.native import layers
from sandbox.native.layers import Layer

NAMESPACES = ("user", "pid", "net", "ipc", "uts", "cgroup")
# The layers `open_backend("native")` needs; anything else is informative.
REQUIRED_PREFIXES = ("bwrap", "user namespaces", "namespace ", "cgroup", "seccomp", "rlimits", "sandbox runner")
COMPILERS = (
    ("gcc", ("gcc",), "--version", "apt-get install gcc"),
    ("g++", ("g++",), "--version", "apt-get install g++"),
    ("python3", ("/usr/bin/python3",), "--version", "apt-get install python3"),
    ("pypy3", ("pypy3", "/usr/bin/pypy3"), "--version", "apt-get install pypy3 (optional)"),
)


@dataclass(frozen=True)
class DoctorReport:
    layers: tuple[Layer, ...]
    secure: bool
    backends: dict[str, bool] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "layers": [layer.to_json() for layer in self.layers],
            "secure": self.secure,
            "backends": dict(self.backends),
        }


def required(layer: Layer) -> bool:
    return layer.name.startswith(REQUIRED_PREFIXES)


def cgroup_layers() -> list[Layer]:
    """One line for the layout and one per controller the native backend uses."""
    layer, layout = layers.cgroup_layer()
    out = [layer]
    if layout is None:
        return out
    for controller, base in layout.bases:
        parent = base.parent
        if layout.version == 1:
            ok = parent.is_dir() and os.access(parent, os.W_OK)
            out.append(Layer(f"cgroup v1 {controller}", ok, str(parent),
                             "" if ok else f"mount the v1 {controller} hierarchy writable, or run as root"))
        else:
            try:
                available = (parent / "cgroup.controllers").read_text().split()
            except OSError:
                available = []
            for c in ("memory", "pids", "cpu"):
                ok = c in available
                out.append(Layer(f"cgroup v2 {c}", ok, f"{parent} offers: {' '.join(available) or 'nothing'}",
                                 "" if ok else "delegate the controller: systemd-run --scope -p Delegate=yes ..."))
    return out


def rlimits_layer() -> Layer:
    """Limits can be lowered in a child process (they are the backstop behind the cgroups)."""
    try:
        proc = subprocess.run(
            ["/bin/sh", "-c", "ulimit -t 5 && ulimit -f 1024 && ulimit -n 64 && echo ok"],
            capture_output=True, text=True, timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Layer("rlimits", False, str(exc), "a POSIX shell is needed at /bin/sh")
    ok = proc.stdout.strip() == "ok"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return Layer("rlimits", ok, f"CPU, file size, open files settable (NOFILE {soft}/{hard})" if ok
                 else proc.stderr.strip(), "" if ok else "the kernel refused setrlimit")


def docker_layer() -> Layer:
    try:
        from sandbox.docker_backend import engine_status
    except ImportError as exc:  # pragma: no cover - the module is ours
        return Layer("docker engine", False, str(exc), "pip install docker")
    ok, detail, hint = engine_status()
    return Layer("docker engine", ok, detail, hint)


def _find(candidate: str) -> str | None:
    if "/" in candidate:
        return candidate if os.access(candidate, os.X_OK) else None
    return shutil.which(candidate)


def compiler_layers() -> list[Layer]:
    out = []
    for name, candidates, flag, hint in COMPILERS:
        path = next(filter(None, (_find(c) for c in candidates)), None)
        if path is None:
            out.append(Layer(f"compiler {name}", False, "not installed", hint))
            continue
        try:
            proc = subprocess.run([path, flag], capture_output=True, text=True, timeout=20)
            version = (proc.stdout or proc.stderr).strip().splitlines()[0] if (proc.stdout or proc.stderr) else path
        except (OSError, subprocess.TimeoutExpired, IndexError) as exc:
            out.append(Layer(f"compiler {name}", False, f"{path} does not run: {exc}", hint))
            continue
        out.append(Layer(f"compiler {name}", True, f"{path}: {version}"))
    return out


def probe() -> DoctorReport:
    """Check every layer; `secure` is True when the native backend can run untrusted code."""
    found: list[Layer] = [layers.bwrap_layer(), layers.userns_layer()]
    found += [layers.namespace_layer(kind) for kind in NAMESPACES]
    found += cgroup_layers()
    found += [layers.seccomp_layer(), rlimits_layer(), layers.runner_layer()]
    docker = docker_layer()
    found.append(docker)
    found += compiler_layers()
    secure = all(layer.ok for layer in found if required(layer))
    backends = {"native": secure, "docker": docker.ok, "unsafe": True}
    return DoctorReport(tuple(found), secure, backends)
