"""The bubblewrap command line of one worker slot, as plain data.

A slot is one long-lived bwrap sandbox with every namespace unshared (user, pid, net, ipc, uts,
cgroup, mount), a read-only view of the system directories a compiler or interpreter needs, and
nothing else of the host: not /root, not /home, not /etc/shadow, not the checkout. Inside it the
runner (runner.py) gives each run its own PID and mount namespace with fresh tmpfs.

As root, bwrap itself is started as an unprivileged user (65534 by default), so that even a program
that escaped every other layer would be an ordinary user on the host that cannot read root's files
or the test answers.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

RUNNER_PATH = "/.cpagent/runner.py"
PYTHON = "/usr/bin/python3"
SANDBOX_UID = 65534  # nobody: the host identity of sandboxed programs when cpagent runs as root

# Top-level system paths: bound read-only when they are directories, recreated when symlinks
# (Debian's merged /usr makes /bin, /lib, /lib64 and /sbin links into /usr).
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What compilers, the dynamic linker and interpreters read from /etc; nothing that holds secrets.
ETC_PATHS = (
    "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
    "/etc/python3", "/etc/python3.11", "/etc/python3.12", "/etc/python3.13",
)


@dataclass(frozen=True)
class SlotMounts:
    """The host paths a slot sees, resolved once on this machine."""

    binds: tuple[str, ...]  # read-only binds (same path inside)
    symlinks: tuple[tuple[str, str], ...]  # (target, link path)


def system_mounts(root: Path = Path("/")) -> SlotMounts:
    binds: list[str] = []
    links: list[tuple[str, str]] = []
    for p in SYSTEM_PATHS + ETC_PATHS:
        host = root / p.lstrip("/")
        if host.is_symlink() and p in SYSTEM_PATHS:
            links.append((os.readlink(host), p))
        elif host.exists():
            binds.append(p)
    return SlotMounts(tuple(binds), tuple(links))


def find_bwrap() -> str | None:
    return shutil.which("bwrap") or (os.path.exists("/usr/bin/bwrap") and "/usr/bin/bwrap") or None


HELPER_PATH = "/.cpagent/exec-helper"
ZYGOTE_LIB_PATH = "/.cpagent/zygote.so"


def slot_argv(bwrap: str, mounts: SlotMounts, *, runner_fd: int, sock_fd: int, helper_fd: int | None = None,
              server_fd: int | None = None, zygote_lib_fd: int | None = None) -> list[str]:
    """The full bwrap argv of one slot, ending with the runner's command."""
    argv = [
        bwrap,
        "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try",
        "--uid", "0", "--gid", "0", "--hostname", "sandbox",
        "--die-with-parent", "--new-session", "--clearenv",
        "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
        # The zygote serves programs with this hash seed (the judge's own choice for reproducibility).
        "--setenv", "PYTHONHASHSEED", "0",
        # Capabilities exist only inside the slot's own user namespace; the runner needs them to give
        # each run fresh namespaces and mounts, and drops them all before the program starts.
        "--cap-add", "ALL",
    ]
    for path in mounts.binds:
        argv += ["--ro-bind", path, path]
    for target, link in mounts.symlinks:
        argv += ["--symlink", target, link]
    argv += [
        "--proc", "/proc", "--dev", "/dev",
        "--tmpfs", "/tmp", "--dir", "/work",
        "--ro-bind-data", str(runner_fd), RUNNER_PATH,
        *(["--perms", "0555", "--ro-bind-data", str(helper_fd), HELPER_PATH] if helper_fd is not None else []),
        *(["--perms", "0555", "--ro-bind-data", str(zygote_lib_fd), ZYGOTE_LIB_PATH] if zygote_lib_fd is not None
          else []),
        "--chdir", "/work",
        "--remount-ro", "/",
        PYTHON, RUNNER_PATH, str(sock_fd), *([str(server_fd)] if server_fd is not None else []),
    ]
    return argv


def probe_argv(bwrap: str, mounts: SlotMounts, extra: Sequence[str] = ()) -> list[str]:
    """A minimal sandbox that runs `/usr/bin/true` (to check that namespaces work here)."""
    argv = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
    for path in mounts.binds:
        argv += ["--ro-bind", path, path]
    for target, link in mounts.symlinks:
        argv += ["--symlink", target, link]
    return argv + ["--proc", "/proc", "--dev", "/dev", *extra, "/usr/bin/true"]
