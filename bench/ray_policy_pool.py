"""Samples per second of the `ray-jax` pool with 1 and 2 replicas, beside the local `jax` backend measured in
the same run, on the tiny model.

A real Ray cluster on this machine (one `ray start --head` offering `--cpus` CPUs, loopback) hosts the
replicas; the driver is this process. Every configuration samples the same prompt with the same options
(n samples in batches of `--batch`, `--tokens` new tokens each: the tiny random model rarely stops early),
after one untimed warm-up call that makes every replica load and compile its decode loop. The pooled
samples are checked against the local ones (they must be identical).

    .venv/bin/python bench/ray_policy_pool.py [--replicas 1,2] [--samples 128] [--batch 16] [--tokens 256]

Printed per configuration: wall seconds and samples per second, the CPU seconds the samplers used (this
process for local; the replicas' worker processes for the pool, read from /proc), samples per CPU-second
(load-independent), and the ratio of samples per second to the local backend's. The load average is printed
too: on a shared 2-core machine the wall figures move with it.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from ray_cluster import LocalCluster  # noqa: E402

from policy_model import JaxPolicy, PolicyPrompt, SampleOptions, make_policy  # noqa: E402
from policy_model.testing import tiny_checkpoint  # noqa: E402

PROMPT = PolicyPrompt(statement="Given n integers, print their sum.", name="Sum", problem_id="sum",
                      language="cpp17", examples=(("3\n1 2 3\n", "6\n"),))
TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (its own threads, not its children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def own_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def key(cands) -> list:
    return [(c.code, c.logprob, c.num_tokens, c.meta["batch"], c.meta["index"]) for c in cands]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", default="1,2")
    parser.add_argument("--samples", type=int, default=128)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--tokens", type=int, default=256)
    parser.add_argument("--cpus", type=int, default=2, help="CPUs the Ray head offers (one per replica)")
    args = parser.parse_args()
    options = SampleOptions(batch_size=args.batch, max_new_tokens=args.tokens, seed=1)
    warm = SampleOptions(batch_size=args.batch, max_new_tokens=args.tokens, seed=99)
    tmp = Path(tempfile.mkdtemp(prefix="cpagent-pool-bench-"))
    ckpt = tiny_checkpoint(tmp / "ckpt")
    print(f"[INFO] tiny model, {args.samples} samples in batches of {args.batch}, {args.tokens} new tokens each; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")

    local = JaxPolicy(ckpt)
    list(local.sample(PROMPT, args.batch, warm))  # compile
    cpu0, t0 = own_cpu_s(), time.monotonic()
    reference = list(local.sample(PROMPT, args.samples, options))
    wall, cpu = time.monotonic() - t0, own_cpu_s() - cpu0
    base = args.samples / wall
    rows = [("local jax (this process)", wall, cpu, True)]

    with LocalCluster(head_cpus=args.cpus) as cluster:
        cluster.wait_for_nodes(1)
        for count in [int(r) for r in args.replicas.split(",")]:
            pool = make_policy(f"ray-jax:{ckpt}@{cluster.address}?replicas={count}")
            try:
                list(pool.sample(PROMPT, args.batch * count * 2, warm))  # every replica loads and compiles
                pids = [r.pid for r in pool.replicas]
                cpu0 = sum(process_cpu_s(p) for p in pids) + own_cpu_s()
                t0 = time.monotonic()
                got = list(pool.sample(PROMPT, args.samples, options))
                wall = time.monotonic() - t0
                cpu = sum(process_cpu_s(p) for p in pids) + own_cpu_s() - cpu0
                rows.append((f"ray-jax, {count} replica{'s' if count > 1 else ''}", wall, cpu,
                             key(got) == key(reference)))
            finally:
                pool.close()

    print(f"{'configuration':<28} {'wall s':>8} {'samples/s':>10} {'CPU s':>8} {'samples/CPU-s':>14} "
          f"{'vs local':>9} {'same samples':>13}")
    for name, wall, cpu, same in rows:
        rate = args.samples / wall
        print(f"{name:<28} {wall:>8.2f} {rate:>10.1f} {cpu:>8.2f} {args.samples / cpu:>14.1f} "
              f"{rate / base:>8.2f}x {'yes' if same else 'NO':>13}")
    print(f"[INFO] load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
