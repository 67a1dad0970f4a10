"""`ray-jax:CKPT[@ADDRESS][?replicas=N&cpus=C&gpus=G&timeout=S]`: our JAX model served by a pool of Ray actors.

One process samples only as fast as its one device. The pool starts `replicas` Ray actors on a cluster,
each loading the checkpoint once with the `jax` backend's own loader and sampler, and sends each batch of
`sample` (one seeded `BatchPlan`) to the least-loaded replica. The head (this process) plans the batches,
renders their prompts and builds the candidates; a replica only turns (text, sampling parameters, seed,
batch size) into `Sample`s. So the pool's candidates are those of `jax:CKPT` for the same prompt, n and
options (same seeds, same texts, same order), only their `backend` ("ray-jax") and the `replica` and
`ray_node` in their meta differ.

A replica that dies (its worker killed, its node lost, no reply within `timeout`) is killed for good,
a replacement is started, and each request it held is sent again, with the same seed, to the least-loaded
replica left: a batch's candidates come from the one reply taken, so nothing is lost or counted twice.
`close()` kills every replica (and they die with this process anyway: they are not detached).

Ray is an optional extra, imported only when a pool starts.
"""

from __future__ import annotations

import collections
import logging
import os
import socket
import time
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from policy_model._extract import extract_code
from policy_model._policy import Candidate, Policy, SampleOptions
from policy_model._prompt import COMPLETION_STOP, BatchPlan, PolicyPrompt, plan_batches, render_completion_prompt
from policy_model.errors import PolicyError

if TYPE_CHECKING:
    from policy_model._sampler import Sample, SamplingParams

RAY_EXTRA_HINT = "pip install 'cpagent[ray]'"
SPEC_FORM = "ray-jax:CHECKPOINT_DIR[@HOST:PORT][?replicas=N&cpus=C&gpus=G&timeout=S]"
DEFAULT_TOP_K = 64  # the jax backend's default (policy_model._jax_policy.DEFAULT_TOP_K)
POLL_S = 1.0  # how often a waiting head looks for overdue requests
START_TIMEOUT_S = 600.0  # loading a checkpoint on a replica (a large model from a slow disk takes minutes)

log = logging.getLogger(__name__)


# -- the spec ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class PoolConfig:
    """What `ray-jax:...` asks for; the query string sets replicas, cpus, gpus, timeout, depth and dtype."""

    checkpoint: str
    address: str | None = None  # HOST:PORT of the Ray head; None: RAY_ADDRESS, else a Ray on this machine
    replicas: int | None = None  # None: one per GPU of the cluster, or 1 on a cluster without GPUs
    cpus: float = 1.0  # Ray CPUs each replica reserves (JAX on CPU still uses the node's cores)
    gpus: float | None = None  # None: 1 per replica on a cluster with GPUs, else 0
    timeout_s: float = 1800.0  # a request with no reply by then: its replica is taken as hung and replaced
    depth: int = 2  # requests queued per replica: one decodes while the next waits, so no replica idles
    dtype: str | None = None  # as for the jax backend ("float32", "bfloat16")
    max_replacements: int | None = None  # None: 3 per replica; then the pool gives up with an error

    def __post_init__(self) -> None:
        if not self.checkpoint:
            raise PolicyError("no checkpoint in the ray-jax spec", hint=f"use {SPEC_FORM}")
        if (self.replicas is not None and self.replicas < 1) or self.cpus < 0 or (self.gpus or 0) < 0 \
                or self.timeout_s <= 0 or self.depth < 1:
            raise PolicyError(f"bad ray-jax pool options: replicas={self.replicas} cpus={self.cpus} "
                              f"gpus={self.gpus} timeout={self.timeout_s}",
                              hint="replicas >= 1, cpus >= 0, gpus >= 0, timeout > 0")


_QUERY_FIELDS = {"replicas": ("replicas", int), "cpus": ("cpus", float), "gpus": ("gpus", float),
                 "timeout": ("timeout_s", float), "depth": ("depth", int), "dtype": ("dtype", str)}


def parse_pool_spec(target: str, **overrides: Any) -> PoolConfig:
    """The part after `ray-jax:`: "CKPT", "CKPT@HOST:PORT", "CKPT@HOST:PORT?replicas=2&gpus=1"."""
    rest, _, query = target.partition("?")
    checkpoint, at, address = rest.rpartition("@")
    if not at:
        checkpoint, address = rest, ""
    if at and not address:
        raise PolicyError(f"no Ray address after '@' in {target!r}", hint=f"use {SPEC_FORM}")
    fields: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)) if query else ():
        if key not in _QUERY_FIELDS:
            raise PolicyError(f"unknown ray-jax option {key!r}", hint=f"options: {', '.join(_QUERY_FIELDS)}")
        name, kind = _QUERY_FIELDS[key]
        try:
            fields[name] = kind(value)
        except ValueError:
            raise PolicyError(f"bad value {value!r} for ray-jax option {key!r}", hint=f"use {SPEC_FORM}") from None
    return PoolConfig(checkpoint=checkpoint, address=address or None, **{**fields, **overrides})


# -- what the head sends and what it makes of the reply (no I/O) ------------------------------------------
@dataclass(frozen=True, kw_only=True)
class BatchRequest:
    """One batch as a replica sees it: plain text and numbers (the head needs no JAX to make it)."""

    text: str
    seed: int
    batch_size: int
    temperature: float
    top_k: int
    top_p: float
    max_new_tokens: int
    stop: tuple[str, ...]

    def sampling_params(self) -> SamplingParams:
        from policy_model._sampler import SamplingParams

        return SamplingParams(temperature=self.temperature, top_k=self.top_k, top_p=self.top_p,
                              max_new_tokens=self.max_new_tokens, stop=self.stop)


def batch_requests(prompt: PolicyPrompt, n: int, o: SampleOptions) -> Iterator[tuple[BatchPlan, BatchRequest]]:
    """The batches of `n` samples, planned, rendered and parameterized exactly as the jax backend does."""
    for plan in plan_batches(prompt, n, o.batch_size, seed=o.seed, temperatures=o.temperature_choices,
                             conditioning=o.conditioning):
        yield plan, BatchRequest(text=render_completion_prompt(prompt, plan.conditioning), seed=plan.seed,
                                 batch_size=o.batch_size, temperature=plan.temperature,
                                 top_k=DEFAULT_TOP_K if o.top_k is None else o.top_k, top_p=o.top_p,
                                 max_new_tokens=o.max_new_tokens, stop=COMPLETION_STOP + o.stop)


def plan_candidates(prompt: PolicyPrompt, plan: BatchPlan, samples: Sequence[Sample], *, backend: str,
                    extra_meta: dict[str, Any] | None = None) -> list[Candidate]:
    """The batch's candidates from a replica's samples, with the jax backend's fields and meta."""
    out = []
    for i, s in enumerate(samples[: plan.size]):
        code = extract_code(s.text, prompt.language, open_fence=True)
        out.append(Candidate(
            code=code.code, language=code.language or prompt.language, logprob=s.logprob, num_tokens=s.num_tokens,
            backend=backend,
            meta={"batch": plan.index, "index": i, "temperature": plan.temperature,
                  "rating": plan.conditioning.rating, "tags": list(plan.conditioning.tags),
                  "finish_reason": s.finish_reason, "seed": plan.seed, **(extra_meta or {})},
        ))
    return out


# -- the replica (a Ray actor) ----------------------------------------------------------------------------
class ModelReplica:
    """Runs on a node: the checkpoint loaded once by the jax backend, one sampler per batch size."""

    def __init__(self, checkpoint: str, dtype: str | None) -> None:
        from policy_model._jax_policy import JaxPolicy

        # A failed load is kept and raised by describe(): an actor whose constructor raises only says
        # "the actor died", while a method's exception reaches the head as itself (PolicyError and hint).
        self.error: Exception | None = None
        try:
            self.policy = JaxPolicy(checkpoint, dtype=dtype)
        except Exception as exc:  # noqa: BLE001 - handed to the head by describe()
            self.error = exc

    def describe(self) -> dict[str, Any]:
        import jax
        import ray

        if self.error is not None:
            raise self.error
        return {"node_id": ray.get_runtime_context().get_node_id(), "pid": os.getpid(),
                "hostname": socket.gethostname(), "devices": [str(d) for d in jax.devices()]}

    def sample_batch(self, request: BatchRequest) -> list[Sample]:
        sampler = self.policy.sampler(request.batch_size)
        return sampler.sample_batch(request.text, request.sampling_params(), seed=request.seed)


# -- the head's view of the replicas ----------------------------------------------------------------------
@dataclass(eq=False)
class Replica:
    """One replica as the head tracks it (mutable; only the sampling thread changes it)."""

    index: int  # r0, r1, ...; a replacement gets the next free number
    actor: Any
    starting: Any = None  # the describe() reply awaited while it loads; None once ready
    node_id: str = ""
    pid: int = 0
    alive: bool = True
    in_flight: int = 0
    sent: int = 0
    answered: int = 0

    @property
    def ready(self) -> bool:
        return self.alive and self.starting is None


def least_loaded(replicas: Sequence[Replica], depth: int) -> Replica | None:
    """The ready replica with the fewest requests in flight (then the fewest sent) and room for one more."""
    room = [r for r in replicas if r.ready and r.in_flight < depth]
    return min(room, key=lambda r: (r.in_flight, r.sent, r.index), default=None)


@dataclass(eq=False)
class _Job:
    plan: BatchPlan
    request: BatchRequest
    replica: Replica | None = None
    sent_at: float = 0.0
    attempts: int = 0


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise PolicyError("the ray-jax policy needs Ray, which is not installed", hint=RAY_EXTRA_HINT) from None
    return ray


def _unreachable(address: str | None, timeout_s: float = 5.0) -> str:
    """Why HOST:PORT accepts no connection ("" when it does or cannot be told): ray.init retries for minutes."""
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
    """Ray, connected to `address`; and whether this call made the connection (then close() ends it)."""
    ray = import_ray()
    if ray.is_initialized():  # e.g. the ray executor connected first: share its connection
        return ray, False
    why = _unreachable(address)
    hint = ("start one with `ray start --head --port=6379` (and `ray start --address=HEAD:6379` on each worker), "
            f"then use {SPEC_FORM}")
    if why:
        raise PolicyError(f"cannot reach the Ray cluster at {address}: {why}", hint=hint)
    kwargs: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
    if address is None and not os.environ.get("RAY_ADDRESS"):
        kwargs["include_dashboard"] = False
    try:
        ray.init(address=address, **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = address or os.environ.get("RAY_ADDRESS") or "this machine"
        raise PolicyError(f"cannot connect to the Ray cluster at {where}: {str(exc).splitlines()[0][:200]}",
                          hint=hint) from None
    return ray, True


def _cause(exc: BaseException) -> PolicyError:
    """A replica's own exception as the PolicyError the CLI prints (the model refused the request)."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, PolicyError):
        return PolicyError(cause.message, hint=cause.hint)
    text = str(cause if cause is not None else exc).strip().splitlines()
    return PolicyError(f"a model replica failed: {(text[-1] if text else type(exc).__name__)[:300]}",
                       hint="check the checkpoint and the replicas' logs (`ray logs`)")


def _kill_all(ray: Any, replicas: list[Replica], owned: bool) -> None:
    """Kill every replica, then end the Ray connection if the pool made it (also run at exit)."""
    for r in replicas:
        r.alive = False
        try:
            ray.kill(r.actor, no_restart=True)
        except Exception:  # noqa: BLE001 - already gone, or Ray already shut down
            pass
    replicas.clear()
    if owned and ray.is_initialized():
        ray.shutdown()


class RayJaxPool(Policy):
    """The jax backend's samples, made by replicas of the model on a Ray cluster.

    One thread samples at a time (the pipeline's); the replicas work in parallel on its batches.

    Args:
      config: the checkpoint, the cluster, and the replicas' number and resources (see `PoolConfig`).
    """

    name = "ray-jax"

    def __init__(self, config: PoolConfig) -> None:
        self.config = config
        # Replicas do not run in this directory: a relative path that exists here is made absolute (the
        # same path must then exist on every node, e.g. a shared file system).
        here = Path(config.checkpoint).expanduser()
        self._checkpoint = str(here.resolve()) if here.exists() else config.checkpoint
        self._ray, owned = connect(config.address)
        self.replicas: list[Replica] = []
        self.lost = 0  # replicas lost (died, killed, hung)
        self.replaced = 0  # replacements started
        self._next_index = 0
        self._closer = weakref.finalize(self, _kill_all, self._ray, self.replicas, owned)
        self.max_replacements = 0
        try:
            count, gpus = self._plan_resources()
            limit = config.max_replacements
            self.max_replacements = 3 * count if limit is None else limit
            self._actor_class = self._ray.remote(num_cpus=config.cpus, num_gpus=gpus, max_restarts=0,
                                                 max_task_retries=0)(ModelReplica)
            for _ in range(count):
                self._start_replica()
            self._await_start()
        except BaseException:
            self.close()
            raise

    # -- starting ----------------------------------------------------------------------------------------
    def _plan_resources(self) -> tuple[int, float]:
        """(replicas, GPUs each), refused at once when the cluster cannot hold them (Ray would wait forever)."""
        total = self._ray.cluster_resources()
        cluster_gpus = float(total.get("GPU", 0))
        gpus = self.config.gpus if self.config.gpus is not None else (1.0 if cluster_gpus >= 1 else 0.0)
        count = self.config.replicas or (int(cluster_gpus // gpus) if gpus else 1) or 1
        cpus = float(total.get("CPU", 0))
        if count * self.config.cpus > cpus or count * gpus > cluster_gpus:
            raise PolicyError(f"{count} model replicas of {self.config.cpus:g} CPU and {gpus:g} GPU each do not fit "
                              f"the Ray cluster ({cpus:g} CPUs, {cluster_gpus:g} GPUs)",
                              hint="ask for fewer (?replicas=N) or smaller (?cpus=C&gpus=G) replicas, or add nodes")
        return count, gpus

    def _start_replica(self) -> Replica:
        actor = self._actor_class.options(scheduling_strategy="SPREAD").remote(self._checkpoint, self.config.dtype)
        replica = Replica(index=self._next_index, actor=actor, starting=actor.describe.remote())
        self._next_index += 1
        self.replicas.append(replica)
        return replica

    def _await_start(self) -> None:
        """Wait until every replica has loaded the checkpoint (a failed load ends the pool with its error)."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            waiting = {r.starting: r for r in self.replicas if r.alive and r.starting is not None}
            if not waiting:
                break
            left = deadline - time.monotonic()
            ready, _ = self._ray.wait(list(waiting), num_returns=1, timeout=max(0.0, left))
            if not ready:
                raise PolicyError(f"{len(waiting)} model replicas did not start within {START_TIMEOUT_S:g} s",
                                  hint="check the cluster's resources and logs (`ray status`, `ray logs`)")
            for ref in ready:
                self._started(waiting[ref])
        if not any(r.ready for r in self.replicas):
            raise PolicyError(f"no model replica could start ({self.lost} lost)",
                              hint="check the replicas' logs (`ray logs`) and the nodes' memory")

    def _started(self, replica: Replica) -> None:
        """A replica's describe() answered: ready, or the checkpoint could not be loaded there (an error)."""
        ref, replica.starting = replica.starting, None
        try:
            info = self._ray.get(ref)
        except self._ray.exceptions.RayTaskError as exc:
            raise _cause(exc) from None
        except self._ray.exceptions.RayError as exc:
            self._lose(replica, exc)
            return
        replica.node_id, replica.pid = str(info["node_id"]), int(info["pid"])

    # -- losing --------------------------------------------------------------------------------------------
    def _lose(self, replica: Replica, why: BaseException | str) -> None:
        """Kill a replica for good and start a replacement (its requests come back as failures)."""
        if not replica.alive:
            return
        replica.alive = False
        self.lost += 1
        try:
            self._ray.kill(replica.actor, no_restart=True)
        except Exception:  # noqa: BLE001 - already gone
            pass
        reason = why if isinstance(why, str) else type(why).__name__
        replace = self.replaced < self.max_replacements
        log.warning("[WARNING] lost model replica r%d on node %s (%s): its requests go to another replica%s",
                    replica.index, replica.node_id[:12] or "?", reason,
                    "; a replacement is starting" if replace else "")
        if replace:
            self.replaced += 1
            self._start_replica()

    # -- sampling ------------------------------------------------------------------------------------------
    def _window(self) -> int:
        return self.config.depth * max(1, sum(1 for r in self.replicas if r.alive))

    def _dispatch(self, queue: collections.deque[_Job], pending: dict[Any, _Job]) -> None:
        while queue:
            replica = least_loaded(self.replicas, self.config.depth)
            if replica is None:
                return
            job = queue.popleft()
            job.replica, job.sent_at, job.attempts = replica, time.monotonic(), job.attempts + 1
            replica.in_flight += 1
            replica.sent += 1
            pending[replica.actor.sample_batch.remote(job.request)] = job

    def _collect(self, ref: Any, job: _Job, prompt: PolicyPrompt, queue: collections.deque[_Job],
                 finished: dict[int, list[Candidate]]) -> None:
        replica = job.replica
        assert replica is not None
        replica.in_flight -= 1
        try:
            samples = self._ray.get(ref)
        except self._ray.exceptions.RayTaskError as exc:  # the model refused the request: any replica would
            raise _cause(exc) from None
        except self._ray.exceptions.RayError as exc:  # the replica is gone: the same request, elsewhere
            self._lose(replica, exc)
            if job.attempts > self.max_replacements:
                raise PolicyError(f"batch {job.plan.index} lost {job.attempts} model replicas in a row",
                                  hint="the replicas die on this request: check their logs (`ray logs`)") from None
            queue.appendleft(job)
            return
        replica.answered += 1
        finished[job.plan.index] = plan_candidates(
            prompt, job.plan, samples, backend=self.name,
            extra_meta={"replica": replica.index, "ray_node": replica.node_id})

    def _wait(self, prompt: PolicyPrompt, queue: collections.deque[_Job], pending: dict[Any, _Job],
              finished: dict[int, list[Candidate]]) -> None:
        starting = {r.starting: r for r in self.replicas if r.alive and r.starting is not None}
        if not pending and not starting:
            if not any(r.ready for r in self.replicas):
                raise PolicyError(f"every model replica was lost ({self.lost} lost, {self.replaced} replaced)",
                                  hint="check the cluster (`ray status`, `ray logs`), then run the same command "
                                       "again: it resumes where it stopped")
            time.sleep(POLL_S)  # every ready replica is full with another caller's requests
            return
        ready, _ = self._ray.wait([*pending, *starting], num_returns=1, timeout=POLL_S)
        for ref in ready:
            if ref in pending:
                self._collect(ref, pending.pop(ref), prompt, queue, finished)
            else:
                self._started(starting[ref])
        now = time.monotonic()
        for job in list(pending.values()):
            if job.replica is not None and job.replica.alive and now - job.sent_at > self.config.timeout_s:
                self._lose(job.replica, f"no reply in {self.config.timeout_s:g} s")

    def sample(self, prompt: PolicyPrompt, n: int, options: SampleOptions | None = None) -> Iterator[Candidate]:
        """The jax backend's candidates for (prompt, n, options), in its order, made by the replicas."""
        if not self._closer.alive:
            raise PolicyError("the ray-jax pool is closed", hint="make a new policy")
        o = options or SampleOptions()
        requests = batch_requests(prompt, n, o)
        queue: collections.deque[_Job] = collections.deque()  # not yet sent, or sent again after a loss
        pending: dict[Any, _Job] = {}  # reply reference -> the request it answers
        finished: dict[int, list[Candidate]] = {}  # answered out of order, by batch index
        next_batch, exhausted = 0, False
        try:
            while True:
                while next_batch in finished:
                    yield from finished.pop(next_batch)
                    next_batch += 1
                # Take new batches while there is room: memory stays a few batches, whatever n is.
                while not exhausted and len(queue) + len(pending) + len(finished) < self._window():
                    item = next(requests, None)
                    if item is None:
                        exhausted = True
                    else:
                        queue.append(_Job(*item))
                if exhausted and not queue and not pending and not finished:
                    return
                self._dispatch(queue, pending)
                self._wait(prompt, queue, pending, finished)
        finally:
            for ref, job in pending.items():  # the caller stopped early: what is under way is not wanted
                if job.replica is not None:
                    job.replica.in_flight -= 1
                try:
                    self._ray.cancel(ref)
                except Exception:  # noqa: BLE001 - finished meanwhile, or not cancellable
                    pass

    # -- the rest of the Policy face -------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Replicas (alive or lost) with their node, process and requests; for logs and tests."""
        return {"lost": self.lost, "replaced": self.replaced,
                "replicas": [{"replica": r.index, "node_id": r.node_id, "pid": r.pid, "alive": r.alive,
                              "ready": r.ready, "in_flight": r.in_flight, "sent": r.sent, "answered": r.answered}
                             for r in self.replicas]}

    def close(self) -> None:
        """Kill every replica and end the Ray connection if the pool made it."""
        self._closer()


__all__ = ["BatchRequest", "ModelReplica", "PoolConfig", "RayJaxPool", "Replica", "batch_requests",
           "least_loaded", "parse_pool_spec", "plan_candidates"]
