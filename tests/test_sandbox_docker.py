"""The docker backend: its hardened container configuration and status rules as data (always), and
real runs where a Docker engine is reachable (skipped with the reason elsewhere)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import FileSpec, RunSpec, Status
from sandbox.docker_backend import DockerConfig, classify_exit, engine_status, files_tar, parse_status, read_tar_files


# -- configuration as data --------------------------------------------------------------------------
def test_slot_container_is_hardened() -> None:
    kw = DockerConfig(image="img", memory_mb=512, pids_limit=32, tmpfs_mb=128).container_kwargs(3)
    assert kw["image"] == "img" and kw["command"] == ["sleep", "infinity"] and kw["detach"] is True
    assert kw["network_mode"] == "none"
    assert kw["read_only"] is True
    assert kw["cap_drop"] == ["ALL"] and "cap_add" not in kw
    assert "no-new-privileges:true" in kw["security_opt"]
    assert kw["user"] not in ("", "0", "root") and not kw["user"].startswith("0:")
    assert kw["pids_limit"] == 32
    assert kw["mem_limit"] == kw["memswap_limit"] == "512m"  # no swap beyond the memory limit
    assert set(kw["tmpfs"]) == {"/work", "/tmp", "/dev/shm"}
    assert all("size=128m" in opts and "nosuid" in opts for opts in kw["tmpfs"].values())
    assert "privileged" not in kw and "volumes" not in kw and "ports" not in kw
    assert kw["labels"]["cpagent.sandbox.slot"] == "3"


def test_run_files_and_stdin_travel_as_one_archive(tmp_path: Path) -> None:
    stdin = tmp_path / "in.txt"
    stdin.write_bytes(b"1 2\n")
    binary = tmp_path / "a.out"
    binary.write_bytes(b"\x7fELF...")
    spec = RunSpec(command=("./a.out",), files=(FileSpec("a.out", source=binary, executable=True),
                                                 FileSpec("data/x.txt", content=b"x")), stdin=stdin)
    with tarfile.open(fileobj=io.BytesIO(files_tar(spec, "work/r1"))) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert members["work/r1"].isdir()
        assert members["work/r1/a.out"].mode == 0o755 and members["work/r1/a.out"].uid == 65534
        assert tar.extractfile(members["work/r1/.stdin"]).read() == b"1 2\n"  # type: ignore[union-attr]
        assert tar.extractfile(members["work/r1/data/x.txt"]).read() == b"x"  # type: ignore[union-attr]


def test_outputs_refuse_links() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("output.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"42\n"))
        link = tarfile.TarInfo("link.txt")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/shadow"
        tar.addfile(link)
    assert read_tar_files([buf.getvalue()], limit=100) == {"output.txt": b"42\n"}


@pytest.mark.parametrize(
    "status_text, stdout_len, wall, expected",
    [
        ("rc=0\ncpu0=0\ncpu1=1000\noom0=0\noom1=0\n", 3, 0.01, Status.OK),
        ("rc=3\ncpu0=0\ncpu1=1000\noom0=0\noom1=0\n", 0, 0.01, Status.RE),
        ("rc=139\ncpu0=0\ncpu1=1000\noom0=0\noom1=0\n", 0, 0.01, Status.RE),
        ("rc=137\ncpu0=0\ncpu1=1000\noom0=2\noom1=3\n", 0, 0.2, Status.MLE),
        ("rc=152\ncpu0=0\ncpu1=2100000\noom0=0\noom1=0\n", 0, 2.2, Status.TLE),
        ("rc=137\ncpu0=0\ncpu1=1000\noom0=0\noom1=0\n", 0, 3.0, Status.TLE),
        ("rc=153\ncpu0=0\ncpu1=1000\noom0=0\noom1=0\n", 0, 0.1, Status.OLE),
        ("rc=0\ncpu0=0\ncpu1=1000\noom0=0\noom1=0\n", 2 << 20, 0.1, Status.OLE),
    ],
)
def test_status_rules(status_text: str, stdout_len: int, wall: float, expected: Status) -> None:
    spec = RunSpec(command=("./a",), cpu_time_s=1.0, wall_time_s=3.0, output_limit_bytes=1 << 20)
    status, fields = classify_exit(spec, parse_status(status_text), stdout_len, wall)
    assert status is expected
    if expected is Status.MLE:
        assert fields["oom_killed"] is True
    if status_text.startswith("rc=139"):
        assert fields["signal"] == signal.SIGSEGV and fields["exit_code"] is None


# -- real runs ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def docker_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    ok, detail, hint = engine_status()
    if not ok:
        print(f"docker backend tests skipped: {detail} ({hint})")
        pytest.skip(f"no Docker engine: {detail}")
    import docker

    from sandbox.docker_backend import DockerBackend

    image = os.environ.get("CPAGENT_DOCKER_IMAGE", "cpagent-sandbox-test")
    client = docker.from_env()
    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        # No registry: import a root file system made from this machine's /usr (toolchains included).
        rootfs = tmp_path_factory.mktemp("rootfs") / "rootfs.tar"
        subprocess.run(["tar", "-C", "/", "-cf", str(rootfs), "usr", "bin", "lib", "lib64", "sbin", "etc/alternatives",
                        "etc/ld.so.cache", "etc/passwd", "etc/group"], check=False)
        with open(rootfs, "rb") as f:
            client.api.import_image(src=f, repository=image)
    backend = DockerBackend(slots=2, config=DockerConfig(image=image))
    yield backend
    backend.close()


def test_docker_runs_and_limits(docker_backend: object, tmp_path: Path) -> None:
    backend = docker_backend  # type: ignore[assignment]
    stdin = tmp_path / "in.txt"
    stdin.write_text("3 4\n")
    r = backend.run(RunSpec(command=("/bin/sh", "-c", "read a b; echo $((a+b)); echo x > out.txt"), stdin=stdin,
                            collect=("out.txt",), max_processes=8))  # type: ignore[attr-defined]
    assert (r.status, r.stdout, r.file("out.txt")) == (Status.OK, b"7\n", b"x\n")
    r = backend.run(RunSpec(command=("/bin/sh", "-c", "exit 3")))  # type: ignore[attr-defined]
    assert (r.status, r.exit_code) == (Status.RE, 3)
    r = backend.run(RunSpec(command=("/bin/sleep", "10"), wall_time_s=1))  # type: ignore[attr-defined]
    assert r.status is Status.TLE and r.wall_limited
    r = backend.run(RunSpec(command=("/bin/sh", "-c", "cat /etc/shadow; getent hosts example.com || echo offline"),
                            max_processes=8))  # type: ignore[attr-defined]
    assert b"root:" not in r.stdout and b"offline" in r.stdout
