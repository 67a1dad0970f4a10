"""The `ray-jax` policy: replicas of our JAX model as Ray actors on a real local cluster (a head and a worker
node, each a `ray start` process on loopback), with a tiny checkpoint made here.

What a user relies on: the pool's candidates are the local `jax:CKPT` backend's for the same prompt, n and
options; a replica killed mid-request costs nothing (same samples, a replacement starts); `close()` and the
end of the command leave no replica running; `cpagent solve --policy ray-jax:...` stores the samples the local
backend stores; without Ray, one line names the extra.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policy_model import ConditioningOptions, JaxPolicy, PolicyError, PolicyPrompt, SampleOptions, make_policy
from policy_model._ray_pool import (BatchRequest, PoolConfig, Replica, batch_requests, least_loaded,
                                    parse_pool_spec, plan_candidates)
from policy_model._sampler import Sample
from policy_model.testing import tiny_checkpoint

REPO = Path(__file__).resolve().parent.parent
CPAGENT = Path(sys.executable).with_name("cpagent")
PROMPT = PolicyPrompt(statement="Print the sum of two integers.", name="A+B", problem_id="ab", language="cpp17",
                      rating=1200, tags=("math",), examples=(("1 2\n", "3\n"),))
EXAMPLE = REPO / "examples" / "three-divisors"  # the shortest bundled statement: its prompt fits the tiny model
CLI_TIMEOUT_S = 600


# -- without a cluster -------------------------------------------------------------------------------------
def test_parse_pool_spec_forms():
    assert parse_pool_spec("ckpt") == PoolConfig(checkpoint="ckpt")
    c = parse_pool_spec("/m/ckpt@10.0.0.5:6379?replicas=4&gpus=1&cpus=2&timeout=60")
    assert (c.checkpoint, c.address, c.replicas, c.gpus, c.cpus, c.timeout_s) == ("/m/ckpt", "10.0.0.5:6379", 4,
                                                                                   1.0, 2.0, 60.0)
    assert parse_pool_spec("a@b@ray://h:10001").address == "ray://h:10001"  # the last '@' starts the address
    assert parse_pool_spec("ckpt?replicas=2", dtype="bfloat16").dtype == "bfloat16"


@pytest.mark.parametrize("target, words", [
    ("", "no checkpoint"), ("ckpt@", "no Ray address"), ("ckpt?replica=2", "unknown ray-jax option"),
    ("ckpt?replicas=two", "bad value"), ("ckpt?replicas=0", "bad ray-jax pool options"),
    ("ckpt?timeout=0", "bad ray-jax pool options"),
])
def test_parse_pool_spec_errors_have_hints(target, words):
    with pytest.raises(PolicyError) as exc:
        parse_pool_spec(target)
    assert words in exc.value.message and exc.value.hint


def test_least_loaded_takes_the_idlest_ready_replica_with_room():
    a, b, c = (Replica(index=i, actor=None) for i in range(3))
    a.in_flight, b.in_flight, c.in_flight = 1, 0, 0
    b.sent, c.sent = 5, 2
    assert least_loaded([a, b, c], depth=2) is c  # fewest in flight, then fewest sent
    c.alive = False
    b.starting = object()  # still loading its checkpoint
    assert least_loaded([a, b, c], depth=2) is a
    a.in_flight = 2
    assert least_loaded([a, b, c], depth=2) is None  # every ready replica is full


class _FakeSampler:
    """Stands in for the model: samples that depend on every argument a batch is sampled with."""

    def __init__(self, batch_size: int) -> None:
        self.batch_size = batch_size
        self.calls: list[tuple] = []

    def sample_batch(self, text, params, seed=0):
        self.calls.append((text, params, seed))
        rng = random.Random(f"{text}|{params}|{seed}")
        return [Sample(text=f"int main() {{ return {rng.randrange(10**6)}; }}\n```\nprose", token_ids=(1, 2, i),
                       logprob=-rng.random(), finish_reason=rng.choice(["stop", "length"]))
                for i in range(self.batch_size)]


class _JaxWithFakeModel(JaxPolicy):
    def __init__(self) -> None:  # no checkpoint: the sampler below is the model
        self.fakes: dict[int, _FakeSampler] = {}

    def sampler(self, batch_size):
        return self.fakes.setdefault(batch_size, _FakeSampler(batch_size))


@pytest.mark.parametrize("n, options", [
    (11, SampleOptions(batch_size=4, temperatures=(0.2, 0.6, 1.0), seed=5, top_k=12, stop=("END",),
                       conditioning=ConditioningOptions(randomize_rating=True, randomize_tags=True))),
    (3, SampleOptions()),
])
def test_the_pool_asks_and_builds_exactly_what_the_jax_backend_does(n, options):
    """The head's half of identity (without a cluster): same requests, same candidates from the same samples."""
    local = _JaxWithFakeModel()
    expected = list(local.sample(PROMPT, n, options))
    replica = _FakeSampler(options.batch_size)
    got = []
    for plan, request in batch_requests(PROMPT, n, options):
        assert isinstance(request, BatchRequest) and request.batch_size == options.batch_size
        samples = replica.sample_batch(request.text, request.sampling_params(), seed=request.seed)
        got += plan_candidates(PROMPT, plan, samples, backend="ray-jax", extra_meta={"replica": 0})
    assert replica.calls == local.fakes[options.batch_size].calls
    assert len(got) == n
    assert [(c.code, c.language, c.logprob, c.num_tokens, {**c.meta, "replica": None}) for c in got] == \
           [(c.code, c.language, c.logprob, c.num_tokens, {**c.meta, "replica": None}) for c in expected]
    assert {c.backend for c in got} == {"ray-jax"}


def test_make_policy_refuses_options_the_pool_does_not_take():
    with pytest.raises(PolicyError, match="takes no model"):
        make_policy("ray-jax:ckpt", model="m")


def test_without_ray_the_spec_ends_with_the_extra(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if it were not installed
    with pytest.raises(PolicyError) as exc:
        make_policy("ray-jax:ckpt@127.0.0.1:1")
    assert exc.value.hint == "pip install 'cpagent[ray]'"
    from agent.cli import main

    code = main(["solve", str(EXAMPLE), "--policy", f"ray-jax:{tmp_path}", "-n", "2", "-o", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-2].startswith("[FAILURE]") and "needs Ray" in lines[-2]
    assert lines[-1].startswith("[HINT]") and "cpagent[ray]" in lines[-1] and "Traceback" not in err


# -- on a real cluster -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ray_mod():
    return pytest.importorskip("ray", reason="Ray is not installed (pip install 'cpagent[ray]'): the ray-jax "
                                             "pool is not tested")


@pytest.fixture(scope="module")
def cluster(ray_mod):
    from ray_cluster import LocalCluster

    c = LocalCluster(head_cpus=2)  # Ray CPUs are a count: 4 hold the module's pool and one more of 2 replicas
    try:
        c.add_worker(2)
        c.wait_for_nodes(2)
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return tiny_checkpoint(tmp_path_factory.mktemp("pool") / "ckpt", max_seq_len=4096)


@pytest.fixture(scope="module")
def local(checkpoint) -> JaxPolicy:
    return JaxPolicy(checkpoint)


@pytest.fixture(scope="module")
def pool(cluster, checkpoint):
    policy = make_policy(f"ray-jax:{checkpoint}@{cluster.address}?replicas=2")
    try:
        yield policy
    finally:
        policy.close()


def _key(cands):
    """Everything a candidate says, less what names the backend and the replica that made it."""
    return [(c.code, c.language, c.logprob, c.num_tokens,
             {k: v for k, v in c.meta.items() if k not in ("replica", "ray_node")}) for c in cands]


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def _wait_until(check, timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def test_pooled_samples_are_the_local_samples(pool, local):
    options = SampleOptions(batch_size=4, max_new_tokens=32, temperatures=(0.5, 1.0), seed=7,
                            conditioning=ConditioningOptions(randomize_rating=True))
    got = list(pool.sample(PROMPT, 14, options))
    assert _key(got) == _key(local.sample(PROMPT, 14, options))
    assert [c.meta["batch"] for c in got] == [0] * 4 + [1] * 4 + [2] * 4 + [3] * 2
    assert {c.backend for c in got} == {"ray-jax"}
    replicas = pool.stats()["replicas"]
    assert len(replicas) == 2 and all(r["alive"] and r["answered"] >= 1 for r in replicas)  # both worked
    assert len({r["node_id"] for r in replicas}) == 2  # spread over both nodes
    assert {c.meta["ray_node"] for c in got} == {r["node_id"] for r in replicas}
    again = SampleOptions(batch_size=4, max_new_tokens=32, seed=1)  # the same shapes: nothing to compile
    assert _key(pool.sample(PROMPT, 3, again)) == _key(local.sample(PROMPT, 3, again))
    stream = pool.sample(PROMPT, 24, options)
    first = [next(stream), next(stream)]
    stream.close()  # a caller that takes what it needs and stops (clustering asking for generators does)
    assert _key(first) == _key(got[:2])
    assert all(r["in_flight"] == 0 for r in pool.stats()["replicas"])  # what was under way is given up
    with pytest.raises(PolicyError) as exc:  # the replica's own error, as itself; the replica stays
        list(pool.sample(PROMPT, 2, SampleOptions(batch_size=4, max_new_tokens=5000)))
    assert "exceeds the model's max_seq_len 4096" in exc.value.message and exc.value.hint
    assert pool.stats()["lost"] == 0


def test_a_replica_killed_mid_request_changes_no_sample(pool, local):
    from ray_cluster import cmdline

    # A length not sampled before: each replica compiles its decode loop inside its first request, which
    # leaves seconds to find one of them inside a request.
    options = SampleOptions(batch_size=4, max_new_tokens=40, seed=11)
    expected = local.sample(PROMPT, 24, options)
    stream = pool.sample(PROMPT, 24, options)
    got = [next(stream)]
    # A replica inside a request (Ray titles the worker `ray::ModelReplica.sample_batch` meanwhile); the
    # stream is paused, so the replicas work through the requests they hold while we look.
    def inside() -> list:
        return [r for r in pool.replicas if r.alive and r.in_flight and "sample_batch" in cmdline(r.pid)]

    assert _wait_until(inside, 120), [cmdline(r.pid) for r in pool.replicas]
    victim = inside()[0]
    os.kill(victim.pid, signal.SIGKILL)  # a crash: no goodbye to Ray
    got += list(stream)
    assert _key(got) == _key(expected)  # nothing lost, nothing twice, same seeds
    stats = pool.stats()
    assert stats["lost"] == 1 and stats["replaced"] == 1
    dead = next(r for r in stats["replicas"] if r["replica"] == victim.index)
    assert not dead["alive"] and dead["answered"] < dead["sent"]  # it took a request with it
    assert sum(r["alive"] for r in stats["replicas"]) == 2  # the replacement joined
    assert _wait_until(lambda: _gone(victim.pid))


def test_a_missing_checkpoint_is_one_error_from_the_replica(cluster, tmp_path):
    with pytest.raises(PolicyError) as exc:
        make_policy(f"ray-jax:{tmp_path / 'nothing'}@{cluster.address}?replicas=1")
    assert "checkpoint not found" in exc.value.message and exc.value.hint


def test_more_replicas_than_the_cluster_holds_fail_at_once(cluster, checkpoint):
    with pytest.raises(PolicyError) as exc:
        make_policy(f"ray-jax:{checkpoint}@{cluster.address}?replicas=5")
    assert "do not fit the Ray cluster (4 CPUs, 0 GPUs)" in exc.value.message and "replicas" in exc.value.hint


def test_close_ends_every_replica(cluster, checkpoint):
    policy = make_policy(f"ray-jax:{checkpoint}@{cluster.address}?replicas=1")
    pids = [r.pid for r in policy.replicas]
    assert pids and not any(_gone(p) for p in pids)
    policy.close()
    assert _wait_until(lambda: all(_gone(p) for p in pids))
    with pytest.raises(PolicyError, match="closed"):
        next(policy.sample(PROMPT, 1))


def _secure_here() -> str:
    from sandbox.doctor import probe

    return "" if probe().secure else "the native sandbox is not secure on this machine (see `cpagent doctor`)"


def _solve(policy: str, run_dir: Path) -> dict:
    cmd = [str(CPAGENT), "solve", str(EXAMPLE), "--policy", policy, "-n", "2", "--batch-size", "2", "--json",
           "-o", str(run_dir)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=CLI_TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def _stored(run_dir: Path, problem_id: str) -> tuple:
    from agent.store import RunStore

    store = RunStore(run_dir)
    try:
        cands = [(c.candidate_id, c.code, c.logprob, c.num_tokens, c.count) for c in store.candidates(problem_id)]
        return store.sample_candidate_ids(problem_id), cands
    finally:
        store.close()


@pytest.mark.slow
def test_solve_with_the_pool_stores_the_local_samples(cluster, checkpoint, tmp_path):
    from ray_cluster import cluster_processes

    reason = _secure_here()
    if reason:
        pytest.skip(reason)
    before = set(cluster_processes(cluster, "ray::ModelReplica"))  # the module's pool, if a test started it
    # One replica, one batch: the CLI always samples 1024 new tokens in batches of 16 (the tiny random model
    # seldom stops earlier), and spreading over replicas is tested above.
    pooled = _solve(f"ray-jax:{checkpoint}@{cluster.address}?replicas=1", tmp_path / "pool")
    # The command has ended: its replicas died with it (they are not detached).
    assert _wait_until(lambda: set(cluster_processes(cluster, "ray::ModelReplica")) <= before, 60)
    alone = _solve(f"jax:{checkpoint}", tmp_path / "local")
    assert pooled["counts"] == alone["counts"] and pooled["counts"]["n_samples"] == 2
    ids, cands = _stored(tmp_path / "pool", pooled["problem"])
    assert len(ids) == 2
    assert (ids, cands) == _stored(tmp_path / "local", alone["problem"])
    from agent.store import RunStore

    store = RunStore(tmp_path / "pool")
    try:
        assert {c.meta.get("replica") for c in store.candidates(pooled["problem"])} == {0}
    finally:
        store.close()
