"""The seccomp filter every untrusted program runs under, built once as BPF with libseccomp.

The namespaces already hide the network, other processes and the host's files; the filter closes the
kernel interfaces that namespaces do not cover and that have a history of privilege escalations
(bpf, perf_event_open, userfaultfd, io_uring, keyrings), and the ones a program could use to undo its
sandbox (mount, unshare, setns, pivot_root, chroot, ptrace). Denied calls fail with EPERM rather
than killing the program, so that a language runtime probing for a feature degrades instead of
crashing; a program that insists ends in RE from its own error handling.

Sockets: AF_UNIX is allowed (some runtimes create socketpairs internally; with a private network
namespace there is no host socket to reach), every other address family is denied. The filter is
exported as raw BPF so the in-sandbox runner can install it with one prctl and no libseccomp.
"""

from __future__ import annotations

import errno
import functools
import socket
import tempfile

# Calls a judged program never needs and that could undo or attack the sandbox.
DENIED_SYSCALLS: tuple[str, ...] = (
    # escaping or reshaping the sandbox
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "move_mount", "open_tree",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    # debugging and reading other processes
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    # large kernel attack surface
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "keyctl", "add_key", "request_key",
    # the machine itself
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
    "swapon", "swapoff", "acct", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "sethostname", "setdomainname", "syslog", "quotactl", "iopl", "ioperm", "vhangup",
    "open_by_handle_at", "name_to_handle_at", "fanotify_init", "lookup_dcookie", "personality",
)

# Namespace flags that clone() must not carry (unshare and setns are denied outright).
CLONE_NAMESPACE_FLAGS = (
    0x00020000  # CLONE_NEWNS
    | 0x02000000  # CLONE_NEWCGROUP
    | 0x04000000  # CLONE_NEWUTS
    | 0x08000000  # CLONE_NEWIPC
    | 0x10000000  # CLONE_NEWUSER
    | 0x20000000  # CLONE_NEWPID
    | 0x40000000  # CLONE_NEWNET
)
TIOCSTI = 0x5412  # push bytes into a terminal's input queue (terminal injection)
TIOCLINUX = 0x541C


class SeccompUnavailable(Exception):
    """libseccomp (pyseccomp) is missing or cannot build a filter."""


def build_filter() -> "object":
    """The filter as a pyseccomp SyscallFilter (not yet exported)."""
    try:
        import pyseccomp as sc
    except (ImportError, OSError) as exc:  # OSError: the shared library libseccomp.so.2 is missing
        raise SeccompUnavailable(f"pyseccomp/libseccomp cannot be loaded: {exc}") from exc
    deny = sc.ERRNO(errno.EPERM)
    f = sc.SyscallFilter(sc.ALLOW)
    try:
        # A binary tree of system call numbers instead of a linear chain: every run installs the filter,
        # and the kernel evaluates it for each of ~450 calls to build its allow cache; the tree halves
        # the install (126 -> 67 us per run: bench/seccomp_install.py) and shortens every checked call.
        f.set_attr(sc.Attr.CTL_OPTIMIZE, 2)
    except (OSError, ValueError, RuntimeError):
        pass  # libseccomp < 2.5: the linear filter, same rules
    for name in DENIED_SYSCALLS:
        try:
            f.add_rule(deny, name)
        except (OSError, ValueError, RuntimeError):
            continue  # not a system call on this architecture
    f.add_rule(deny, "socket", sc.Arg(0, sc.NE, socket.AF_UNIX))  # every family but AF_UNIX
    for flag in (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000):
        f.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    # clone3 passes its flags in memory where BPF cannot see them: ENOSYS makes libc fall back to clone.
    f.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    for request in (TIOCSTI, TIOCLINUX):
        f.add_rule(deny, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, request))
    return f


@functools.lru_cache(maxsize=1)
def filter_bpf() -> bytes:
    """The filter as raw BPF (an array of struct sock_filter), ready for PR_SET_SECCOMP."""
    f = build_filter()
    with tempfile.TemporaryFile() as tmp:
        try:
            f.export_bpf(tmp)  # type: ignore[attr-defined]
        except OSError as exc:
            raise SeccompUnavailable(f"libseccomp could not export the filter: {exc}") from exc
        tmp.seek(0)
        data = tmp.read()
    if not data or len(data) % 8:
        raise SeccompUnavailable("libseccomp exported an empty or malformed filter")
    return data


def kernel_supports_seccomp() -> bool:
    """Whether the kernel offers seccomp filters (the Seccomp line of /proc/self/status exists)."""
    try:
        with open("/proc/self/status") as f:
            return any(line.startswith("Seccomp:") for line in f)
    except OSError:
        return False


