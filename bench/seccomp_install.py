"""What installing the sandbox's seccomp filter costs, once per run of every program.

The kernel checks and JIT-compiles the BPF and then evaluates it for each of ~450 system call numbers
to build its per-filter allow cache, so the cost grows with the filter's length and depth. Prints the
shipped filter (libseccomp's binary tree) beside the same rules as libseccomp's default linear chain
(the anchor), installed alternately in forked children of this process, medians of N installs:

    python bench/seccomp_install.py [--installs 300]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import statistics
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.native import seccomp  # noqa: E402

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def _linear_filter() -> bytes:
    """The shipped rules without the binary-tree attribute: what the filter was before."""
    import tempfile

    import pyseccomp as sc

    real_set_attr = sc.SyscallFilter.set_attr
    sc.SyscallFilter.set_attr = lambda self, attr, value: None  # type: ignore[method-assign]
    try:
        f = seccomp.build_filter()
    finally:
        sc.SyscallFilter.set_attr = real_set_attr  # type: ignore[method-assign]
    with tempfile.TemporaryFile() as tmp:
        f.export_bpf(tmp)  # type: ignore[attr-defined]
        tmp.seek(0)
        return tmp.read()


def install_ns(bpf: bytes) -> int:
    """Nanoseconds one PR_SET_SECCOMP of `bpf` takes, in a fresh forked child (filters only stack)."""
    libc = ctypes.CDLL(None, use_errno=True)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            prog = _Prog(len(bpf) // 8, bpf)
            libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            t = time.perf_counter_ns()
            rc = libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0)
            elapsed = time.perf_counter_ns() - t
            os.write(w, struct.pack("qq", rc, elapsed))
        finally:
            os._exit(0)
    os.close(w)
    data = os.read(r, 16)
    os.close(r)
    os.waitpid(pid, 0)
    rc, elapsed = struct.unpack("qq", data)
    if rc != 0:
        raise SystemExit("PR_SET_SECCOMP failed: this kernel cannot install the filter")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--installs", type=int, default=300)
    args = parser.parse_args(argv)
    try:
        shipped, linear = seccomp.filter_bpf(), _linear_filter()
    except seccomp.SeccompUnavailable as exc:
        print(f"seccomp install: skipped ({exc})")
        return 0
    times: dict[str, list[int]] = {"shipped": [], "linear": []}
    for _ in range(args.installs):  # alternate, so that the machine's load hits both alike
        times["shipped"].append(install_ns(shipped))
        times["linear"].append(install_ns(linear))
    ours, anchor = (statistics.median(times[k]) / 1000 for k in ("shipped", "linear"))
    print(f"seccomp filter install, median of {args.installs} (load {os.getloadavg()[0]:.1f}):")
    print(f"  shipped filter (binary tree, {len(shipped) // 8} instructions)   {ours:7.1f} us")
    print(f"  same rules, linear chain (anchor, {len(linear) // 8} instructions) {anchor:7.1f} us")
    print(f"  ratio {ours / anchor:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
