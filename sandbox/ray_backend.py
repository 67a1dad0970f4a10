"""The `ray` backend: the same RunSpecs, executed by sandbox slots on the nodes of a Ray cluster.

    open_backend("ray")                       # RAY_ADDRESS, or a Ray started on this machine
    open_backend(backend_for_executor("ray:10.0.0.5:6379"))

The head (the process that runs the pipeline) keeps the compile cache and the run store. Each usable
node runs its own native sandbox: one Ray actor per slot, pinned to the node, each holding a local
`native` backend with one slot. A node is usable when `sandbox.doctor.probe()` says its sandbox is
secure (or the user passed --insecure) and its compilers are those of the head (binaries built on one
node run on every other, and are cached under the head's compiler version).

Host paths in a spec (a cached binary, a test's stdin file) mean nothing on another node, so their
bytes travel: small files inline with the call, larger ones through the object store, put once per
content hash; each node writes each blob once into a content-addressed directory and runs from there.
Compiles are runs too: the binary comes back as a collected file and lands in the head's cache.

A slot that dies (its node lost, its worker killed) takes no result with it: the spec is sent again to
a slot on another node, and the result a caller gets is the one reply that came back, so nothing is
lost or counted twice. Batches stream: `iter_batch` yields results as slots finish.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import logging
import os
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.backend import Backend, register_backend
from sandbox.errors import SandboxError, UnsafeSandboxError
from sandbox.spec import MiB, RunResult, RunSpec
from sandbox.verdict import Status

RAY_EXTRA_HINT = "pip install 'cpagent[ray]'"
INLINE_BYTES = 64 * 1024  # files up to this size travel with the call, larger ones through the object store
HEAD_BLOB_BYTES = 1024 * MiB  # object-store blobs the head keeps referenced (least recently used dropped)
NODE_ATTEMPTS = 4  # slots tried for one spec before it is IE (each failed one is dropped)
REPLY_GRACE_S = 120.0  # beyond the wall limit (blob transfers, a loaded node) before a slot is given up
PROBE_TIMEOUT_S = 180.0  # the doctor probe and actor start on every node
NODE_BLOB_BYTES = 4096 * MiB  # a node's blob directory beyond this is pruned when a slot starts there
PRUNE_AGE_S = 3600.0  # blobs unused this long are the ones pruned (a run under way uses fresh ones)
COMPILER_LAYER_PREFIX = "compiler "

log = logging.getLogger(__name__)


def import_ray() -> Any:
    """`ray`, or a one-line error naming the extra to install."""
    try:
        import ray
    except ImportError:
        raise SandboxError("the ray executor needs Ray, which is not installed", hint=RAY_EXTRA_HINT) from None
    return ray


def parse_executor(executor: str) -> tuple[str, str | None]:
    """"local" -> ("local", None); "ray" -> ("ray", None); "ray:HOST:PORT" -> ("ray", "HOST:PORT")."""
    kind, sep, address = executor.partition(":")
    if kind not in ("local", "ray") or (kind == "local" and sep):
        raise SandboxError(f"unknown executor {executor!r}", hint="use --executor local or --executor ray[:ADDRESS]")
    return kind, (address or None)


def backend_for_executor(executor: str) -> str | None:
    """The backend name `open_backend` knows for `--executor`; None for "local" (keep --backend)."""
    kind, address = parse_executor(executor)
    if kind == "local":
        return None
    if address is None:
        return "ray"
    name = f"ray:{address}"
    register_backend(name, lambda *, insecure=False, slots=None: RayBackend(address=address, insecure=insecure,
                                                                           slots=slots))
    return name


# -- what a node is and whether it is used ---------------------------------------------------------------
@dataclass(frozen=True)
class NodeReport:
    """One Ray node as the head sees it: its sandbox layers and whether runs are sent to it."""

    node_id: str
    address: str
    hostname: str
    cpus: int  # CPUs the node offers to Ray (its slots, unless -j is lower)
    secure: bool
    layers: tuple[tuple[str, bool, str], ...] = ()  # (name, ok, detail)
    used: bool = False
    slots: int = 0
    reason: str = ""  # why it is not used
    gpus: int = 0  # GPUs the node offers to Ray: where `ray-jax` model replicas can run on an accelerator

    @property
    def missing(self) -> list[str]:
        return [name for name, ok, _ in self.layers if not ok]

    def to_json(self) -> dict[str, Any]:
        return {"node_id": self.node_id, "address": self.address, "hostname": self.hostname, "cpus": self.cpus,
                "gpus": self.gpus, "secure": self.secure, "used": self.used, "slots": self.slots, "reason": self.reason,
                "layers": [{"name": n, "ok": ok, "detail": d} for n, ok, d in self.layers]}


@dataclass(frozen=True)
class ClusterReport:
    address: str
    nodes: tuple[NodeReport, ...] = field(default=())

    @property
    def slots(self) -> int:
        return sum(n.slots for n in self.nodes if n.used)

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "nodes": [n.to_json() for n in self.nodes], "slots": self.slots,
                "usable_nodes": sum(1 for n in self.nodes if n.used)}


def _compiler_versions(layers: Any) -> dict[str, str]:
    """{"compiler g++": "g++ (Debian 12.2.0-14) 12.2.0", ...} for the compilers that work."""
    out = {}
    for name, ok, detail in layers:
        if name.startswith(COMPILER_LAYER_PREFIX) and ok:
            out[name] = detail.split(": ", 1)[-1]
    return out


def judge_node(probe: dict[str, Any], ray_node: dict[str, Any], *, head_compilers: dict[str, str],
               insecure: bool, slots_per_node: int | None) -> NodeReport:
    """Decide, without I/O, whether a probed node runs sandbox slots and how many."""
    report = probe["report"]
    layers = tuple((str(x["name"]), bool(x["ok"]), str(x["detail"])) for x in report["layers"])
    cpus = int(ray_node.get("Resources", {}).get("CPU", 0))
    node = NodeReport(node_id=ray_node["NodeID"], address=str(ray_node.get("NodeManagerAddress", "")),
                      hostname=str(probe.get("hostname", "")), cpus=cpus, secure=bool(report["secure"]),
                      layers=layers, gpus=int(ray_node.get("Resources", {}).get("GPU", 0)))
    reason = ""
    theirs = _compiler_versions(layers)
    differing = [f"{name} is {theirs.get(name, 'missing')!r}, the head's {version!r}"
                 for name, version in head_compilers.items() if theirs.get(name) != version]
    if cpus < 1:
        reason = "offers no CPU to Ray"
    elif not node.secure and not insecure:
        reason = "sandbox not secure (missing: " + ", ".join(
            m for m in node.missing if not m.startswith((COMPILER_LAYER_PREFIX, "docker"))) + ")"
    elif differing:
        reason = "compilers differ from the head's: " + "; ".join(differing)
    slots = 0 if reason else min(cpus, slots_per_node or cpus)
    return dataclasses.replace(node, used=not reason, slots=slots, reason=reason)


# -- blobs: host files made portable ----------------------------------------------------------------------
Blob = tuple[str, Any]  # (sha256 hex, bytes inline or an ObjectRef)


class HeadBlobs:
    """Content hashes of host files, and one object-store copy per hash (least recently used dropped)."""

    def __init__(self, put: Any, limit_bytes: int = HEAD_BLOB_BYTES) -> None:
        self._put = put
        self._limit = limit_bytes
        self._lock = threading.Lock()
        self._digests: collections.OrderedDict[tuple[Any, ...], str] = collections.OrderedDict()
        self._refs: collections.OrderedDict[str, tuple[Any, int]] = collections.OrderedDict()
        self._bytes = 0
        self.puts = 0

    def blob(self, path: Path) -> Blob:
        st = os.stat(path)
        key = (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        with self._lock:
            digest = self._digests.get(key)
            if digest is not None and digest in self._refs:
                self._digests.move_to_end(key)
                self._refs.move_to_end(digest)
                return digest, self._refs[digest][0]
        data = Path(path).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        with self._lock:
            self._digests[key] = digest
            while len(self._digests) > 100_000:
                self._digests.popitem(last=False)
            if len(data) <= INLINE_BYTES:
                return digest, data
            if digest not in self._refs:
                self._refs[digest] = (self._put(data), len(data))
                self._bytes += len(data)
                self.puts += 1
                while self._bytes > self._limit and len(self._refs) > 1:
                    _, (_, size) = self._refs.popitem(last=False)
                    self._bytes -= size
            self._refs.move_to_end(digest)
            return digest, self._refs[digest][0]

    def for_specs(self, *specs: RunSpec) -> dict[str, Blob]:
        """Every host path the specs name (file sources and stdin), by path."""
        out: dict[str, Blob] = {}
        for spec in specs:
            paths = [f.source for f in spec.files if f.source is not None]
            if spec.stdin is not None:
                paths.append(spec.stdin)
            for p in paths:
                if str(p) not in out:
                    out[str(p)] = self.blob(Path(p))
        return out


def node_blob_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"cpagent-ray-{os.getuid()}" / "blobs"


def prune_blobs(directory: Path, limit_bytes: int = NODE_BLOB_BYTES, age_s: float = PRUNE_AGE_S,
                now: float | None = None) -> int:
    """Remove the least recently used blobs older than `age_s` while the directory exceeds the limit.

    Returns the bytes removed. A blob removed under a run is fetched again by the retry of that run."""
    now = time.time() if now is None else now
    entries = []
    for path in directory.glob("*/*"):
        try:
            st = path.stat()
        except OSError:
            continue
        entries.append((max(st.st_atime, st.st_mtime), st.st_size, path))
    total = sum(size for _, size, _ in entries)
    removed = 0
    for used, size, path in sorted(entries):
        if total - removed <= limit_bytes or now - used < age_s:
            break
        try:
            path.unlink()
            removed += size
        except OSError:
            continue
    return removed


def localize(spec: RunSpec, blobs: dict[str, Blob], directory: Path, get: Any) -> RunSpec:
    """The spec with every host path replaced by this node's copy of the same bytes."""

    def local(path: Path) -> Path:
        digest, payload = blobs[str(path)]
        dest = directory / digest[:2] / digest
        if not dest.is_file():
            data = payload if isinstance(payload, bytes) else get(payload)
            if hashlib.sha256(data).hexdigest() != digest:
                raise OSError(f"blob {digest[:12]} arrived damaged")
            dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(prefix=".", dir=dest.parent)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, dest)
        return dest

    files = tuple(dataclasses.replace(f, source=local(f.source)) if f.source is not None else f for f in spec.files)
    stdin = local(spec.stdin) if spec.stdin is not None else None
    return spec.with_(files=files, stdin=stdin)


# -- the node side ---------------------------------------------------------------------------------------
class NodeSlot:
    """One sandbox slot on a node (a Ray actor): a native backend with one slot, fed with specs."""

    def __init__(self, insecure: bool) -> None:
        from sandbox.backend import open_backend

        self.backend = open_backend("native", insecure=insecure, slots=1)
        self.directory = node_blob_dir()
        prune_blobs(self.directory)

    def node_id(self) -> str:
        import ray

        return ray.get_runtime_context().get_node_id()

    def _local(self, spec: RunSpec, blobs: dict[str, Blob]) -> RunSpec:
        import ray

        return localize(spec, blobs, self.directory, ray.get)

    def run(self, spec: RunSpec, blobs: dict[str, Blob]) -> RunResult:
        try:
            spec = self._local(spec, blobs)
        except OSError as exc:
            return RunResult(Status.IE, backend="native", message=f"cannot place a file of the run on this node: {exc}")
        return self.backend.run(spec)

    def run_interactive(self, sol: RunSpec, inter: RunSpec, blobs: dict[str, Blob]) -> tuple[RunResult, RunResult]:
        try:
            sol, inter = self._local(sol, blobs), self._local(inter, blobs)
        except OSError as exc:
            ie = RunResult(Status.IE, backend="native", message=f"cannot place a file of the run on this node: {exc}")
            return ie, ie
        return self.backend.run_interactive(sol, inter)


def probe_node() -> dict[str, Any]:
    """Runs on a node: its doctor report, to decide whether the node may run untrusted code."""
    import ray

    from sandbox.doctor import probe

    return {"node_id": ray.get_runtime_context().get_node_id(), "hostname": socket.gethostname(),
            "report": probe().to_json()}


# -- the head side ---------------------------------------------------------------------------------------
@dataclass
class _Slot:
    actor: Any
    node_id: str


class SlotPool:
    """The live slots; `acquire` waits for an idle one, preferring nodes not in `avoid`."""

    def __init__(self, slots: list[_Slot]) -> None:
        self._idle: collections.deque[_Slot] = collections.deque(slots)
        self._alive: list[_Slot] = list(slots)
        self._cond = threading.Condition()

    def __len__(self) -> int:
        return len(self._alive)

    def acquire(self, avoid: frozenset[str] = frozenset()) -> _Slot | None:
        """An idle slot, or None when no slot is left at all."""
        with self._cond:
            while True:
                if not self._alive:
                    return None
                elsewhere = any(s.node_id not in avoid for s in self._alive)
                for slot in self._idle:
                    if slot.node_id not in avoid or not elsewhere:
                        self._idle.remove(slot)
                        return slot
                self._cond.wait()

    def release(self, slot: _Slot) -> None:
        with self._cond:
            if slot in self._alive:
                self._idle.append(slot)
            self._cond.notify_all()

    def discard(self, slot: _Slot) -> None:
        with self._cond:
            if slot in self._alive:
                self._alive.remove(slot)
            if slot in self._idle:
                self._idle.remove(slot)
            self._cond.notify_all()

    def all(self) -> list[_Slot]:
        with self._cond:
            return list(self._alive)


def _unreachable(address: str | None, timeout_s: float = 5.0) -> str:
    """Why HOST:PORT does not accept a connection ("" when it does, or cannot be told): `ray.init` itself
    would retry an unreachable head for minutes."""
    if not address or address == "auto":
        return ""
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        return ""
    try:
        with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout_s):
            return ""
    except OSError as exc:
        return exc.strerror or type(exc).__name__


def connect(address: str | None) -> tuple[Any, bool]:
    """`ray.init` to the cluster at `address` (None: RAY_ADDRESS, else a Ray started here).

    Returns (ray, whether this call started the connection, so that close() ends only its own).
    """
    ray = import_ray()
    if ray.is_initialized():
        return ray, False
    unreachable = _unreachable(address)
    if unreachable:
        raise SandboxError(f"cannot reach the Ray cluster at {address}: {unreachable}",
                           hint="start it with `ray start --head --port=6379` (and `ray start --address=HEAD:6379` "
                                "on each worker), then pass --executor ray:HEAD:6379")
    kwargs: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
    if address is None and not os.environ.get("RAY_ADDRESS"):
        kwargs["include_dashboard"] = False
    try:
        ray.init(address=address, **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = address or os.environ.get("RAY_ADDRESS") or "this machine"
        raise SandboxError(f"cannot connect to the Ray cluster at {where}: {str(exc).splitlines()[0][:200]}",
                           hint="start one with `ray start --head --port=6379` (and `ray start --address=HEAD:6379` "
                                "on each worker), then pass --executor ray:HEAD:6379") from None
    return ray, True


def inspect_cluster(ray: Any, *, insecure: bool = False, slots_per_node: int | None = None) -> ClusterReport:
    """Probe every live node (in parallel, one task pinned to each) and decide which ones are used."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from sandbox.doctor import compiler_layers

    head_compilers = _compiler_versions((layer.name, layer.ok, layer.detail) for layer in compiler_layers())
    alive = [n for n in ray.nodes() if n.get("Alive")]
    remote_probe = ray.remote(num_cpus=0, max_retries=0)(probe_node)
    refs = [remote_probe.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote()
            for n in alive]
    nodes = []
    for node, ref in zip(alive, refs):
        try:
            probe = ray.get(ref, timeout=PROBE_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - a node that cannot even be probed is not used
            nodes.append(NodeReport(node_id=node["NodeID"], address=str(node.get("NodeManagerAddress", "")),
                                    hostname="", cpus=int(node.get("Resources", {}).get("CPU", 0)),
                                    gpus=int(node.get("Resources", {}).get("GPU", 0)), secure=False,
                                    reason=f"probe failed: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"))
            continue
        nodes.append(judge_node(probe, node, head_compilers=head_compilers, insecure=insecure,
                                slots_per_node=slots_per_node))
    address = ray.get_runtime_context().gcs_address
    return ClusterReport(address=str(address), nodes=tuple(nodes))


def cluster_report(address: str | None, *, insecure: bool = False) -> ClusterReport:
    """For `cpagent doctor --executor ray[:ADDRESS]`: the nodes, their cores and sandbox layers."""
    ray, owned = connect(address)
    try:
        return inspect_cluster(ray, insecure=insecure)
    finally:
        if owned:
            ray.shutdown()


class RayBackend(Backend):
    """Runs specs on sandbox slots spread over a Ray cluster's usable nodes."""

    name = "ray"
    secure = True

    def __init__(self, *, address: str | None = None, insecure: bool = False, slots: int | None = None) -> None:
        self._ray, self._owned = connect(address)
        ray = self._ray
        try:
            self.cluster = inspect_cluster(ray, insecure=insecure, slots_per_node=slots)
            used = [n for n in self.cluster.nodes if n.used]
            if not used:
                why = "; ".join(f"{n.hostname or n.address} {n.reason}" for n in self.cluster.nodes) or "no live node"
                raise UnsafeSandboxError(f"no Ray node can run untrusted code: {why}",
                                         hint="run `cpagent doctor --executor ray:ADDRESS` and install what it names "
                                              "on the nodes (or pass --insecure to run anyway)")
            self._slots = self._start_slots(used, insecure)
            if not self._slots:
                raise SandboxError("no sandbox slot could start on the Ray nodes",
                                   hint="check the nodes' logs (ray logs) and `cpagent doctor --executor ray:ADDRESS`")
        except BaseException:
            if self._owned:
                ray.shutdown()
            raise
        self.secure = all(n.secure for n in used)
        self.pool = SlotPool(self._slots)
        self.blobs = HeadBlobs(ray.put)
        self.lost_slots = 0
        super().__init__(slots=len(self._slots))

    def _start_slots(self, nodes: list[NodeReport], insecure: bool) -> list[_Slot]:
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        ray = self._ray
        actor_class = ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)(NodeSlot)
        started = []
        for node in nodes:
            for _ in range(node.slots):
                actor = actor_class.options(
                    scheduling_strategy=NodeAffinitySchedulingStrategy(node.node_id, soft=False)).remote(insecure)
                started.append(_Slot(actor, node.node_id))
        refs = [s.actor.node_id.remote() for s in started]
        done, _ = ray.wait(refs, num_returns=len(refs), timeout=PROBE_TIMEOUT_S) if refs else ([], [])
        ready = []
        for slot, ref in zip(started, refs):
            try:
                if ref not in done:
                    raise TimeoutError("the slot did not start in time")
                ray.get(ref)
                ready.append(slot)
            except Exception:  # noqa: BLE001 - a slot that cannot start is left out, the others run
                ray.kill(slot.actor, no_restart=True)
        return ready

    # -- runs --------------------------------------------------------------------------------------------
    def _call(self, method: str, specs: tuple[RunSpec, ...], timeout_s: float) -> Any:
        """Send one call to an idle slot; on a lost slot, send it again to a slot elsewhere.

        Returns the one reply taken, or an IE result after NODE_ATTEMPTS lost slots; raises SandboxError
        when no slot is left at all."""
        ray = self._ray
        try:
            blobs = self.blobs.for_specs(*specs)
        except OSError as exc:
            return RunResult(Status.IE, backend=self.name, message=f"cannot read a file of the run: {exc}")
        avoid: set[str] = set()
        failures: list[str] = []
        for _ in range(NODE_ATTEMPTS):
            slot = self.pool.acquire(frozenset(avoid))
            if slot is None:  # the whole cluster is gone: stop the command (it resumes), never invent IEs
                raise SandboxError(f"every Ray sandbox slot was lost ({self.lost_slots} lost; last: "
                                   + ("; ".join(failures[-2:]) or "none") + ")",
                                   hint="check the cluster with `cpagent doctor --executor ray:ADDRESS`, then run the "
                                        "same command again: it resumes where it stopped")
            try:
                ref = getattr(slot.actor, method).remote(*specs, blobs)
                reply = ray.get(ref, timeout=timeout_s)
            except ray.exceptions.RayTaskError as exc:  # our code raised on the node: not the node's fault
                self.pool.release(slot)
                return RunResult(Status.IE, backend=self.name, message=f"the node's sandbox failed: {exc}"[:2000])
            except Exception as exc:  # noqa: BLE001 - the slot is lost (actor/node died, no reply in time)
                self.pool.discard(slot)
                self.lost_slots += 1
                try:
                    ray.kill(slot.actor, no_restart=True)
                except Exception:  # noqa: BLE001 - already gone
                    pass
                avoid.add(slot.node_id)
                failures.append(f"{type(exc).__name__} on node {slot.node_id[:12]}")
                log.warning("[WARNING] lost a Ray sandbox slot on node %s (%s): its run is sent to another slot; "
                            "%d slots left", slot.node_id[:12], type(exc).__name__, len(self.pool))
                continue
            self.pool.release(slot)
            return self._mark(reply, slot.node_id)
        return RunResult(Status.IE, backend=self.name, message="the run's Ray slots were lost: " + "; ".join(failures))

    def _mark(self, reply: Any, node_id: str) -> Any:
        def one(result: RunResult) -> RunResult:
            return dataclasses.replace(result, backend=self.name,
                                       extra=result.extra + (("ray_node", node_id), ("node_backend", result.backend)))

        return tuple(one(r) for r in reply) if isinstance(reply, tuple) else one(reply)

    def _run_once(self, spec: RunSpec) -> RunResult:
        result = self._call("run", (spec,), spec.effective_wall_s() + REPLY_GRACE_S)
        assert isinstance(result, RunResult)
        return result

    def run_interactive(self, solution: RunSpec, interactor: RunSpec) -> tuple[RunResult, RunResult]:
        """Both sides on one node (they talk through pipes), in that node's sandbox."""
        wall = max(solution.effective_wall_s(), interactor.effective_wall_s())
        reply = self._call("run_interactive", (solution, interactor), wall + REPLY_GRACE_S)
        if isinstance(reply, RunResult):  # an IE for the pair
            return reply, reply
        return reply

    # -- lifetime ----------------------------------------------------------------------------------------
    def close(self) -> None:
        super().close()
        for slot in self.pool.all():
            try:
                self._ray.kill(slot.actor, no_restart=True)
            except Exception:  # noqa: BLE001 - already gone
                pass
        if self._owned and self._ray.is_initialized():
            self._ray.shutdown()
            self._owned = False


def _open(*, insecure: bool = False, slots: int | None = None) -> Backend:
    return RayBackend(insecure=insecure, slots=slots)


register_backend("ray", _open)

__all__ = ["ClusterReport", "NodeReport", "RayBackend", "backend_for_executor", "cluster_report", "parse_executor"]
