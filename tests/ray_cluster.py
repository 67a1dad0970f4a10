"""A real Ray cluster on this machine for tests and benchmarks: a head and worker nodes, each its own
`ray start --block` process in its own session, so that stopping (or killing) one ends exactly the
processes it started, found by session id (never by name, as `ray stop` does: it would also stop any
other Ray on the machine).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAY = Path(sys.executable).with_name("ray")
STOP_TIMEOUT_S = 5.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def session_members(sid: int) -> list[int]:
    """Processes whose session is `sid` (the `ray start` we started with a new session, and its children)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


def kill_session(sid: int, sig: int = signal.SIGKILL) -> None:
    for pid in session_members(sid):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


class LocalCluster:
    """`ray start --head` plus worker nodes on loopback, each with `cpus` CPUs offered to Ray."""

    def __init__(self, head_cpus: int = 1, object_store_mb: int = 300) -> None:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.object_store_mb = object_store_mb
        self.tmp = Path(tempfile.mkdtemp(prefix="cpray-", dir="/tmp"))  # short: Ray's socket paths are long
        self.env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "PYTHONUNBUFFERED": "1"}
        self.head: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self.head = self._start_node(["--head", f"--port={self.port}", "--include-dashboard=false"], head_cpus, "head")

    def _start_node(self, extra: list[str], cpus: int, name: str) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"{name}.log", "wb")
        cmd = [str(RAY), "start", *extra, "--node-ip-address=127.0.0.1", f"--num-cpus={cpus}", "--num-gpus=0",
               f"--object-store-memory={self.object_store_mb * 1024 * 1024}", "--disable-usage-stats", "--block"]
        if "--head" in extra:
            cmd.append(f"--temp-dir={self.tmp / 'ray'}")
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True)

    def add_worker(self, cpus: int = 1, timeout_s: float = 180.0) -> subprocess.Popen[bytes]:
        """Start a worker node and wait until it says it runs (nodes started together can time out)."""
        name = f"worker{len(self.workers)}"
        proc = self._start_node([f"--address={self.address}"], cpus, name)
        self.workers.append(proc)
        log = self.tmp / f"{name}.log"
        deadline = time.monotonic() + timeout_s
        while b"Ray runtime started" not in log.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Ray worker node did not start:\n{self.logs()}")
            time.sleep(0.2)
        return proc

    def wait_for_nodes(self, count: int, timeout_s: float = 180.0) -> None:
        """Until `count` nodes are alive (asked of the cluster by a short-lived driver)."""
        code = (
            "import sys, time, ray\n"
            f"ray.init(address={self.address!r}, log_to_driver=False, logging_level='ERROR')\n"
            f"deadline = time.monotonic() + {timeout_s}\n"
            "while time.monotonic() < deadline:\n"
            "    alive = [n for n in ray.nodes() if n['Alive']]\n"
            f"    if len(alive) >= {count}:\n"
            "        sys.exit(0)\n"
            "    time.sleep(0.5)\n"
            "sys.exit(1)\n"
        )
        proc = subprocess.run([sys.executable, "-c", code], env=self.env, capture_output=True, text=True,
                              timeout=timeout_s + 60)
        if proc.returncode != 0:
            raise RuntimeError(f"the Ray cluster did not reach {count} nodes: {proc.stderr[-2000:]}\n{self.logs()}")

    def kill_worker(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL a worker node and everything it started: the node is lost, as a crashed machine."""
        kill_session(proc.pid)
        proc.wait(timeout=STOP_TIMEOUT_S)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}" for p in self.tmp.glob("*.log"))

    def stop(self) -> None:
        """SIGTERM every node's session, SIGKILL what is left after a bounded wait, remove the files."""
        procs = [p for p in [*self.workers, self.head] if p is not None]
        for p in procs:
            kill_session(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline and any(session_members(p.pid) for p in procs):
            time.sleep(0.2)
        for p in procs:
            kill_session(p.pid, signal.SIGKILL)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "LocalCluster":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def cmdline(pid: int) -> str:
    """A process's command line as `ps` shows it ("" once it is gone); Ray names actor workers `ray::CLASS`."""
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def cluster_processes(cluster: LocalCluster, needle: str) -> list[int]:
    """Live processes of the cluster's nodes (their sessions) whose command line contains `needle`."""
    procs = [p for p in [cluster.head, *cluster.workers] if p is not None]
    return [pid for p in procs for pid in session_members(p.pid) if needle in cmdline(pid)]
