"""The ray executor's pure parts, no cluster: executor strings, which nodes are used, blobs, the slot pool,
and the CLI's answers when Ray is missing or the options conflict."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from agent.cli import main
from sandbox.errors import SandboxError
from sandbox.ray_backend import (INLINE_BYTES, HeadBlobs, SlotPool, _Slot, backend_for_executor, judge_node,
                                 localize, parse_executor)
from sandbox.spec import FileSpec, RunSpec

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
GPP = "g++ (Debian 12.2.0-14) 12.2.0"


def test_parse_executor():
    assert parse_executor("local") == ("local", None)
    assert parse_executor("ray") == ("ray", None)
    assert parse_executor("ray:10.0.0.5:6379") == ("ray", "10.0.0.5:6379")
    assert parse_executor("ray:ray://head:10001") == ("ray", "ray://head:10001")
    for bad in ("dask", "local:x", "rays"):
        with pytest.raises(SandboxError):
            parse_executor(bad)


def test_backend_for_executor_registers_the_address():
    from sandbox.backend import _REGISTRY

    assert backend_for_executor("local") is None
    assert backend_for_executor("ray") == "ray"
    name = backend_for_executor("ray:127.0.0.1:1")
    assert name == "ray:127.0.0.1:1" and name in _REGISTRY


def _probe(secure: bool = True, gpp: str = GPP, missing: tuple[str, ...] = ()) -> dict:
    layers = [{"name": "bwrap", "ok": True, "detail": "/usr/bin/bwrap"}]
    layers += [{"name": m, "ok": False, "detail": "missing"} for m in missing]
    layers += [{"name": "compiler g++", "ok": True, "detail": f"/usr/bin/g++: {gpp}"},
               {"name": "docker engine", "ok": False, "detail": "no socket"}]
    return {"hostname": "n1", "report": {"secure": secure, "layers": layers, "backends": {}}}


def _ray_node(cpus: float = 4.0) -> dict:
    return {"NodeID": "ab" * 28, "NodeManagerAddress": "10.0.0.7", "Alive": True, "Resources": {"CPU": cpus}}


def test_secure_node_gets_one_slot_per_cpu_capped_by_jobs():
    head = {"compiler g++": GPP}
    node = judge_node(_probe(), _ray_node(4), head_compilers=head, insecure=False, slots_per_node=None)
    assert node.used and node.slots == 4 and node.reason == ""
    capped = judge_node(_probe(), _ray_node(4), head_compilers=head, insecure=False, slots_per_node=2)
    assert capped.slots == 2
    assert node.to_json()["layers"][0] == {"name": "bwrap", "ok": True, "detail": "/usr/bin/bwrap"}


def test_insecure_node_is_not_used_unless_insecure():
    probe = _probe(secure=False, missing=("seccomp",))
    node = judge_node(probe, _ray_node(), head_compilers={}, insecure=False, slots_per_node=None)
    assert not node.used and node.slots == 0
    assert "not secure" in node.reason and "seccomp" in node.reason and "docker" not in node.reason
    assert judge_node(probe, _ray_node(), head_compilers={}, insecure=True, slots_per_node=None).used


def test_node_with_another_compiler_or_no_cpu_is_not_used():
    other = judge_node(_probe(gpp="g++ 14.1"), _ray_node(), head_compilers={"compiler g++": GPP}, insecure=True,
                       slots_per_node=None)
    assert not other.used and "compiler g++" in other.reason
    idle = judge_node(_probe(), _ray_node(0), head_compilers={}, insecure=False, slots_per_node=None)
    assert not idle.used and "no CPU" in idle.reason


def test_blobs_inline_small_files_and_put_large_ones_once(tmp_path):
    puts: list[bytes] = []
    blobs = HeadBlobs(lambda data: (puts.append(data), f"ref{len(puts)}")[1])
    small = tmp_path / "in.txt"
    small.write_bytes(b"3\n1 2 3\n")
    digest, payload = blobs.blob(small)
    assert payload == b"3\n1 2 3\n" and digest == hashlib.sha256(payload).hexdigest() and not puts
    big, copy = tmp_path / "a.bin", tmp_path / "b.bin"
    big.write_bytes(b"x" * (INLINE_BYTES + 1))
    copy.write_bytes(b"x" * (INLINE_BYTES + 1))
    first, second = blobs.blob(big), blobs.blob(copy)
    assert first == second == (hashlib.sha256(b"x" * (INLINE_BYTES + 1)).hexdigest(), "ref1")
    assert blobs.blob(big) == first and len(puts) == 1  # each content put once, whatever its path
    spec = RunSpec(command=("./a",), files=(FileSpec("a", source=big, executable=True),), stdin=small)
    assert set(blobs.for_specs(spec)) == {str(big), str(small)}


def test_blobs_drop_the_least_recently_used_beyond_the_limit(tmp_path):
    puts: list[bytes] = []
    blobs = HeadBlobs(lambda data: (puts.append(data), f"ref{len(puts)}")[1], limit_bytes=3 * INLINE_BYTES)
    files = []
    for k in range(3):
        f = tmp_path / f"{k}.bin"
        f.write_bytes(bytes([k]) * (2 * INLINE_BYTES))
        files.append(f)
        blobs.blob(f)
    assert len(puts) == 3
    blobs.blob(files[2])  # still held: no new put
    assert len(puts) == 3
    blobs.blob(files[0])  # dropped earlier: put again
    assert len(puts) == 4


def test_localize_writes_each_blob_once_by_content(tmp_path):
    data = b"\x7fELF-not-really"
    digest = hashlib.sha256(data).hexdigest()
    fetched: list[str] = []

    def get(ref: str) -> bytes:
        fetched.append(ref)
        return data

    spec = RunSpec(command=("./prog",), files=(FileSpec("prog", source=Path("/head/cache/prog"), executable=True),
                                               FileSpec("note", content=b"inline")),
                   stdin=Path("/head/tmp/1.in"))
    blobs = {"/head/cache/prog": (digest, "ref"), "/head/tmp/1.in": (hashlib.sha256(b"1\n").hexdigest(), b"1\n")}
    local = localize(spec, blobs, tmp_path, get)
    prog = local.files[0].source
    assert prog == tmp_path / digest[:2] / digest and prog.read_bytes() == data and local.files[0].executable
    assert local.files[1].content == b"inline" and local.stdin.read_bytes() == b"1\n"
    localize(spec, blobs, tmp_path, get)
    assert fetched == ["ref"]  # the second run on this node reads the node's copy
    damaged = {**blobs, "/head/cache/prog": ("0" * 64, "ref")}
    with pytest.raises(OSError):
        localize(spec, damaged, tmp_path / "other", get)


def test_slot_pool_prefers_other_nodes_and_ends_when_empty():
    a1, a2, b1 = _Slot("a1", "A"), _Slot("a2", "A"), _Slot("b1", "B")
    pool = SlotPool([a1, a2, b1])
    assert pool.acquire(frozenset({"A"})) is b1
    pool.release(b1)
    pool.discard(b1)
    assert pool.acquire(frozenset({"A"})) in (a1, a2)  # no node left elsewhere: take what there is
    pool.discard(a1)
    pool.discard(a2)
    assert pool.acquire() is None and len(pool) == 0


def test_cli_without_ray_names_the_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if it were not installed
    code = main(["eval", str(EXAMPLES / "two-sums"), "--policy", "dataset", "-o", str(tmp_path / "run"),
                 "--executor", "ray:127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "[FAILURE]" in err and "Ray, which is not installed" in err
    assert "pip install 'cpagent[ray]'" in err and "Traceback" not in err
    assert not (tmp_path / "run" / "results.json").exists()


def test_cli_refuses_another_backend_with_ray(capsys):
    for argv in (["--backend", "docker", "--executor", "ray"], ["--executor", "ray", "--backend", "docker"]):
        with pytest.raises(SystemExit) as exc:
            main(["eval", "examples", *argv])
        assert exc.value.code == 2
        assert "leave out --backend" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["eval", "examples", "--executor", "dask"])
    assert "unknown executor" in capsys.readouterr().err


def test_cli_with_no_cluster_at_the_address_fails_at_once(tmp_path, capsys):
    pytest.importorskip("ray", reason="Ray is not installed")
    import socket

    with socket.socket() as s:  # a loopback port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = main(["eval", str(EXAMPLES / "two-sums"), "--policy", "dataset", "-o", str(tmp_path / "run"),
                 "--executor", f"ray:127.0.0.1:{port}"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"cannot reach the Ray cluster at 127.0.0.1:{port}" in err and "[HINT]" in err and "ray start" in err


class _Method:
    def __init__(self, reply):
        self.reply = reply
        self.calls = 0

    def remote(self, *args):
        self.calls += 1
        return self.reply


class _Actor:
    """Stands for a NodeSlot actor: `run.remote(...)` gives a "ref" that the fake `ray.get` calls."""

    def __init__(self, reply):
        self.run = _Method(reply)


class _FakeRay:
    class exceptions:
        RayTaskError = type("RayTaskError", (Exception,), {})

    def __init__(self):
        self.killed = []

    def get(self, ref, timeout=None):
        return ref()

    def kill(self, actor, no_restart=True):
        self.killed.append(actor)


def _backend_with(slots):
    from sandbox.ray_backend import RayBackend

    backend = RayBackend.__new__(RayBackend)  # no cluster: the retry logic alone
    backend._ray = _FakeRay()
    backend.pool = SlotPool(slots)
    backend.blobs = HeadBlobs(lambda data: "ref")
    backend.lost_slots = 0
    return backend


def test_a_lost_slot_sends_the_run_elsewhere_and_the_reply_is_taken_once():
    from sandbox.spec import RunResult
    from sandbox.verdict import Status

    def dies():
        raise ConnectionError("node lost")

    answered = RunResult(Status.OK, stdout=b"42\n", backend="native")
    dead, live = _Slot(_Actor(dies), "A"), _Slot(_Actor(lambda: answered), "B")
    backend = _backend_with([dead, live])
    result = backend._run_once(RunSpec(command=("./a",)))
    assert result.status is Status.OK and result.stdout == b"42\n" and result.backend == "ray"
    assert dict(result.extra) == {"ray_node": "B", "node_backend": "native"}
    assert dead.actor.run.calls == 1 and live.actor.run.calls == 1  # one reply, taken once
    assert backend.lost_slots == 1 and backend._ray.killed == [dead.actor] and len(backend.pool) == 1
    again = backend._run_once(RunSpec(command=("./a",)))
    assert again.stdout == b"42\n" and dead.actor.run.calls == 1  # the lost slot is never used again


def test_when_every_slot_is_lost_the_command_stops_with_a_hint():
    def dies():
        raise ConnectionError("node lost")

    backend = _backend_with([_Slot(_Actor(dies), "A"), _Slot(_Actor(dies), "B")])
    with pytest.raises(SandboxError) as exc:
        backend._run_once(RunSpec(command=("./a",)))
    assert "every Ray sandbox slot was lost" in exc.value.message and "resumes" in exc.value.hint
    assert backend.lost_slots == 2


def test_prune_blobs_removes_old_blobs_beyond_the_limit(tmp_path):
    import os

    from sandbox.ray_backend import prune_blobs

    now = 1_000_000.0
    for k, age in enumerate((7200, 5400, 10)):  # two old blobs, one in use
        f = tmp_path / "ab" / f"blob{k}"
        f.parent.mkdir(exist_ok=True)
        f.write_bytes(b"x" * 100)
        os.utime(f, (now - age, now - age))
    assert prune_blobs(tmp_path, limit_bytes=1000, now=now) == 0  # under the limit: nothing goes
    assert prune_blobs(tmp_path, limit_bytes=150, now=now) == 200  # the oldest first, never a fresh one
    assert sorted(p.name for p in tmp_path.glob("*/*")) == ["blob2"]
    assert prune_blobs(tmp_path, limit_bytes=0, now=now) == 0  # a blob used within the hour stays
