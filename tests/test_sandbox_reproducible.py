"""A run is a function of the program and its input: the native sandbox runs programs with address-space
randomization off, so programs with undefined behaviour print the same thing on every run and on every
worker slot (an evaluation's verdicts and clusters must not change between two runs of the same command).
Skipped (with the reason) where this machine cannot build the native sandbox."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import FileSpec, RunSpec, Status, UnsafeSandboxError, open_backend
from sandbox.native import NativeBackend

# Addresses of the stack, the heap, a shared library and the program itself, then what a program reads past
# the input it was given (uninitialized stack, as in real submissions that trust a wrong count): each
# differs between runs under ASLR. (Values derived from the kernel's per-exec random bytes, such as stack
# canaries, stay random: no program's correct output depends on them.)
ADDRESSES = r"""
#include <stdio.h>
#include <stdlib.h>
int main(void) {
    int n, i, a[64];
    long sum = 0;
    void *heap = malloc(64);
    void *big = malloc(1 << 22);
    if (scanf("%d", &n) != 1) return 1;
    for (i = 0; i < n; ++i) scanf("%d", &a[i]);
    for (i = 0; i < 64; ++i) sum += a[i] > 0;
    printf("%p %p %p %p %p %ld\n", (void *)&n, heap, big, (void *)&printf, (void *)&main, sum);
    return 0;
}
"""


@pytest.fixture(scope="module")
def native() -> Iterator[NativeBackend]:
    try:
        backend = open_backend("native", slots=2)
    except UnsafeSandboxError as exc:
        print(f"native sandbox unavailable here: {exc.message} ({exc.hint})")
        pytest.skip(f"native sandbox unavailable: {exc.message}")
    assert isinstance(backend, NativeBackend)
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def addresses_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    out = tmp_path_factory.mktemp("aslr")
    (out / "addresses.c").write_text(ADDRESSES)
    subprocess.run(["gcc", "-O0", "-fPIE", "-pie", "-o", str(out / "addresses"), str(out / "addresses.c")],
                   check=True)
    return out / "addresses"


def _spec(binary: Path, stdin: Path) -> RunSpec:
    return RunSpec(command=("./addresses",), files=(FileSpec("addresses", source=binary, executable=True),),
                   stdin=stdin)


def test_a_compiled_program_prints_the_same_on_every_run_and_slot(native: NativeBackend, addresses_bin: Path,
                                                                  tmp_path: Path) -> None:
    stdin = tmp_path / "short.in"
    stdin.write_text("3\n1 2\n")  # promises three numbers, gives two
    # Outside the sandbox the same binary moves from run to run (where the kernel randomizes at all).
    randomizes = Path("/proc/sys/kernel/randomize_va_space").read_text().strip() != "0"
    if randomizes:
        outside = {subprocess.run([str(addresses_bin)], stdin=stdin.open(), capture_output=True, check=True).stdout
                   for _ in range(4)}
        assert len(outside) > 1
    else:
        print("this kernel does not randomize address spaces: only the sandbox's side is checked")
    # Several runs in parallel batches, so that both worker slots serve some of them.
    results = native.run_batch([_spec(addresses_bin, stdin)] * 8)
    assert all(r.status is Status.OK for r in results), [r.message for r in results]
    assert len({r.stdout for r in results}) == 1
    assert results[0].stdout.count(b"0x") == 5
