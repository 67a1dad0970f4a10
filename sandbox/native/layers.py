"""Which isolation layers of the native backend work on this machine, each with the fix if not.

Used twice: by `open_backend("native")` to fail closed, and by `cpagent doctor` to report.
"""

from __future__ import annotations

import functools
import os
import subprocess
from dataclasses import dataclass
from typing import Any

from sandbox.native import bwrap as bw
from sandbox.native.cgroups import CgroupLayout, CgroupUnavailable, detect_layout
from sandbox.native.seccomp import SeccompUnavailable, filter_bpf, kernel_supports_seccomp


@dataclass(frozen=True)
class Layer:
    name: str
    ok: bool
    detail: str
    hint: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "hint": self.hint}


def sandbox_uid() -> int | None:
    """The host user bwrap runs as: an unprivileged one when we are root, else ourselves."""
    env = os.environ.get("CPAGENT_SANDBOX_UID")
    if env is not None:
        return int(env) if env.strip() else None
    return bw.SANDBOX_UID if os.geteuid() == 0 else None


def run_probe(argv: list[str], timeout: float = 10.0) -> tuple[bool, str]:
    uid = sandbox_uid()
    kw: dict[str, Any] = dict(user=uid, group=uid, extra_groups=[]) if uid is not None else {}
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=timeout, **kw)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    return proc.returncode == 0, proc.stderr.decode("utf-8", "replace").strip()[-300:]


def bwrap_layer() -> Layer:
    path = bw.find_bwrap()
    if path is None:
        return Layer("bwrap", False, "bubblewrap is not installed", "apt-get install bubblewrap")
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Layer("bwrap", False, f"{path} does not run: {exc}", "reinstall bubblewrap")
    return Layer("bwrap", True, f"{path} ({version})")


@functools.lru_cache(maxsize=1)
def userns_layer() -> Layer:
    path = bw.find_bwrap()
    if path is None:
        return Layer("user namespaces", False, "cannot test without bubblewrap", "apt-get install bubblewrap")
    ok, err = run_probe(bw.probe_argv(path, bw.system_mounts()))
    if ok:
        uid = sandbox_uid()
        who = f"as uid {uid}" if uid is not None else f"as uid {os.geteuid()}"
        return Layer("user namespaces", True, f"bwrap --unshare-all works {who}")
    return Layer(
        "user namespaces", False, f"bwrap --unshare-all failed: {err}",
        "enable unprivileged user namespaces: sysctl -w kernel.unprivileged_userns_clone=1 "
        "(and user.max_user_namespaces > 0; on Ubuntu 24.04 also "
        "kernel.apparmor_restrict_unprivileged_userns=0)",
    )


def namespace_layer(kind: str) -> Layer:
    """One namespace on its own (user, pid, net, ipc, uts, cgroup), for the doctor's report."""
    path = bw.find_bwrap()
    name = f"namespace {kind}"
    if path is None:
        return Layer(name, False, "cannot test without bubblewrap", "apt-get install bubblewrap")
    argv = [path, f"--unshare-{kind}", "--unshare-user", "--ro-bind", "/", "/", "--proc", "/proc",
            "--dev", "/dev", "/usr/bin/true"]
    ok, err = run_probe(argv)
    return Layer(name, ok, "works" if ok else f"failed: {err}",
                 "" if ok else f"the kernel must allow {kind} namespaces inside a user namespace")


def cgroup_layer() -> tuple[Layer, CgroupLayout | None]:
    try:
        layout = detect_layout()
    except CgroupUnavailable as exc:
        return Layer("cgroups", False, str(exc),
                     "run as root on a machine with cgroup v1 memory/pids/cpuacct or v2 memory/pids/cpu, "
                     "or in a delegated cgroup: systemd-run --user --scope -p Delegate=yes cpagent ..."), None
    where = ", ".join(f"{c}={p.parent}" for c, p in layout.bases)
    for _, base in layout.bases:
        parent = base.parent
        if not os.access(parent, os.W_OK):
            return Layer(f"cgroups v{layout.version}", False, f"{parent} is not writable",
                         "run as root, or in a delegated cgroup (systemd-run --user --scope -p Delegate=yes)"), None
    return Layer(f"cgroups v{layout.version}", True, where), layout


def seccomp_layer() -> Layer:
    if not kernel_supports_seccomp():
        return Layer("seccomp", False, "the kernel has no seccomp filters", "use a kernel built with CONFIG_SECCOMP_FILTER")
    try:
        size = len(filter_bpf()) // 8
    except SeccompUnavailable as exc:
        return Layer("seccomp", False, str(exc), "pip install pyseccomp and apt-get install libseccomp2")
    return Layer("seccomp", True, f"filter of {size} BPF instructions built with libseccomp")


def runner_layer() -> Layer:
    if os.access(bw.PYTHON, os.X_OK):
        return Layer("sandbox runner", True, f"{bw.PYTHON} runs the in-sandbox runner")
    return Layer("sandbox runner", False, f"{bw.PYTHON} is missing", "apt-get install python3")
