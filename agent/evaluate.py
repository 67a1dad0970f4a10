"""Offline evaluation over a set of problems: run the pipeline on each, then summarize as the AlphaCode
papers report it (solve rate with k submissions, pass@k, n@k, the share with no candidate passing the
examples, and per-stage counts). Writes `results.json` in the run directory; resumable.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agent.metrics import bootstrap_n_at_k, mean_pass_at_k
from agent.pipeline import Pipeline, PipelineConfig
from agent.problems.model import Problem
from agent.sources import CandidateSource
from agent.store import RunStore

STAGE_COUNTS = ("n_samples", "n_candidates", "n_compiled", "n_passed_public", "n_clusters")


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for dist in ("cpagent", "numpy", "scikit-learn", "jax", "flax"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            continue
    return out


def sample_correctness(result: dict[str, Any]) -> dict[str, bool | None]:
    """Whether each candidate is correct: its hidden verdict where judged, False if it failed the examples,
    else its dataset label (None when nothing is known)."""
    out: dict[str, bool | None] = {}
    for c in result["candidates"]:
        if c["hidden_verdict"] not in (None, "IE"):
            out[c["id"]] = c["hidden_verdict"] == "AC"
        elif not c["passed_public"]:
            out[c["id"]] = False
        else:
            out[c["id"]] = None if c["label"] is None else c["label"] == "correct"
    return out


def n_at_k(result: dict[str, Any], sample_ids: Sequence[str], clusters: dict[str, Any], scores: dict[str, float],
           config: PipelineConfig, k_samples: int, rounds: int = 200) -> float:
    """n@k by bootstrap: select from a random k of the K samples, using their clusters and scores."""
    from scorer import get_strategy

    correct = sample_correctness(result)
    members = [list(dict.fromkeys(c["members"])) for c in clusters.get("clusters", [])]
    strategy = get_strategy(config.selection, **({"seed": config.seed} if config.selection == "random" else {}))
    ids = np.array(sample_ids, dtype=object)

    def solved_with(indices: np.ndarray) -> bool:
        drawn: dict[str, int] = {}
        for cid in ids[indices]:
            drawn[cid] = drawn.get(cid, 0) + 1
        groups = [[m for m in g if m in drawn] for g in members]
        sizes = [sum(drawn[m] for m in g) for g in groups]
        keep = [i for i, g in enumerate(groups) if g]
        chosen = strategy.select([groups[i] for i in keep], scores or None, k=config.k,
                                 sizes=[sizes[i] for i in keep]).ids
        return any(correct.get(cid) for cid in chosen)

    return bootstrap_n_at_k(len(sample_ids), k_samples, solved_with, rounds=rounds, seed=config.seed)


def label_metrics(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures a labelled pool allows (`--policy dataset`), as the clustering and scorer issues define them.

    - top-1 precision: on problems where some incorrect candidate passes the examples, the share whose first
      submission is correct;
    - distinguishing rate: of the incorrect candidates passing the examples, the share in a cluster holding no
      correct candidate;
    - cohesion: the share of correct candidates in their problem's largest cluster holding a correct one;
    - solve rate with 1 submission.
    """
    hard = top1 = 0
    wrong_passing = distinguished = 0
    right = cohesive = 0
    solved1 = 0
    for r in results:
        correct = sample_correctness(r)
        cands = r["candidates"]
        passing = [c for c in cands if c["passed_public"]]
        if r["selected"] and correct.get(r["selected"][0]):
            solved1 += 1
        if any(c["label"] == "incorrect" for c in passing):
            hard += 1
            top1 += bool(r["selected"] and correct.get(r["selected"][0]))
        sizes: dict[int, int] = {}
        good_clusters: set[int] = set()
        for c in passing:
            if c["cluster"] is None:
                continue
            sizes[c["cluster"]] = sizes.get(c["cluster"], 0) + c.get("count", 1)
            if c["label"] == "correct":
                good_clusters.add(c["cluster"])
        for c in passing:
            if c["label"] == "incorrect":
                wrong_passing += 1
                distinguished += c["cluster"] not in good_clusters
        if good_clusters:
            biggest = max(good_clusters, key=lambda i: (sizes[i], -i))
            for c in cands:
                if c["label"] == "correct":
                    right += 1
                    cohesive += c["cluster"] == biggest
    n = len(results)
    return {
        "top1_precision": round(top1 / hard, 4) if hard else None,
        "top1_problems": hard,
        "distinguishing_rate": round(distinguished / wrong_passing, 4) if wrong_passing else None,
        "incorrect_passing_public": wrong_passing,
        "cohesion": round(cohesive / right, 4) if right else None,
        "solve_rate_at_1": round(solved1 / n, 4) if n else 0.0,
    }


def summarize(results: list[dict[str, Any]], extras: dict[str, dict[str, Any]], config: PipelineConfig,
              wall_s: float) -> dict[str, Any]:
    n = len(results)
    counts = []
    for r in results:
        correct = sample_correctness(r)
        per_sample = [correct.get(cid) for cid in extras[r["id"]]["sample_ids"]]
        counts.append((len(per_sample), sum(1 for v in per_sample if v)))
    k_values = sorted({1, config.k} | ({max(c[0] for c in counts)} if counts else set()))
    solved = [r["solved"] for r in results]
    return {
        "problems": n,
        "k": config.k,
        "solve_rate": (sum(1 for s in solved if s) / n) if n else 0.0,
        "unknown_solved": sum(1 for s in solved if s is None),
        "pass_at_k": {str(k): round(mean_pass_at_k(counts, k), 4) for k in k_values},
        "n_at_k": _mean_n_at_k(extras),
        "no_public_pass_share": (sum(1 for r in results if r["n_passed_public"] == 0) / n) if n else 0.0,
        "stage_counts": {key: int(sum(r[key] for r in results)) for key in STAGE_COUNTS}
        | {"selected": int(sum(len(r["selected"]) for r in results))},
        "stage_seconds": _stage_seconds(results),
        "wall_s": round(wall_s, 2),
    } | label_metrics(results)


def _mean_n_at_k(extras: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Average each n@k over the problems that have it (a problem with fewer samples than k has no n@k)."""
    keys = sorted({key for e in extras.values() for key in e["n_at_k"]}, key=lambda x: (x.endswith("pool"), x))
    return {key: round(float(np.mean([e["n_at_k"][key] for e in extras.values() if key in e["n_at_k"]])), 4)
            for key in keys}


def _stage_seconds(results: list[dict[str, Any]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for r in results:
        for name, st in r.get("stages", {}).items():
            total[name] = round(total.get(name, 0.0) + float(st.get("seconds") or 0.0), 3)
    return total


def problem_extras(store: RunStore, problem_id: str, result: dict[str, Any],
                   config: PipelineConfig) -> dict[str, Any]:
    """A finished problem's sample order and its n@k, which the summary needs beside its result."""
    sample_ids = store.sample_candidate_ids(problem_id)
    clusters = store.get_blob(problem_id, "clusters") or {}
    scores = store.get_blob(problem_id, "scores") or {}
    # n@k at powers of ten below the number of samples K, and at K itself ("n@pool").
    ks = [k for k in (10, 100, 1000, 10_000, 100_000) if k < len(sample_ids)]
    per_k = {f"{config.k}@{k}": n_at_k(result, sample_ids, clusters, scores, config, k) for k in ks}
    if sample_ids:
        per_k[f"{config.k}@pool"] = n_at_k(result, sample_ids, clusters, scores, config, len(sample_ids))
    return {"sample_ids": sample_ids, "n_at_k": per_k}


# What a stored run can change without running any program again: only scoring and selection.
RESCORABLE = {"scorer", "selection"}


def evaluate(problems: Sequence[Problem], source: CandidateSource, run_dir: Path, config: PipelineConfig,
             pipeline_factory: Callable[[RunStore], Pipeline], *, dataset: str = "",
             on_problem: Callable[[dict[str, Any]], None] | None = None,
             unreadable: Sequence[dict[str, str]] = (), rescore: bool = False) -> dict[str, Any]:
    """Run every problem through the pipeline and write results.json; `unreadable` lists the dataset's
    problems that could not be read (where, error), kept in the summary so a skipped problem is never silent."""
    store = RunStore(run_dir)
    saved = store.get_meta("config")
    if saved is not None and saved != config.to_json():
        from agent.errors import CpagentError

        changed = sorted(k for k in set(saved) | set(config.to_json()) if saved.get(k) != config.to_json().get(k))
        if not set(changed) <= RESCORABLE:
            raise CpagentError(f"{run_dir} holds a run with another configuration ({', '.join(changed)} differ)",
                               hint="resume with the same options, or choose a new -o directory")
        if not rescore:
            raise CpagentError(f"{run_dir} was scored with another {' and '.join(changed)}",
                               hint="add --rescore to apply the new one to the stored run (no program runs "
                                    "again), or choose a new -o directory")
        store.forget_selection()
    store.set_meta("config", config.to_json())
    write_json_atomic(run_dir / "config.json", {"config": config.to_json(), "dataset": dataset,
                                                "source": source.name, "versions": versions(),
                                                "problems": [{"id": p.id, "identity": p.identity()} for p in problems]})
    started = time.monotonic()
    pipeline = pipeline_factory(store)
    results: list[dict[str, Any]] = []
    extras: dict[str, dict[str, Any]] = {}
    for position, problem in enumerate(problems):
        store.add_problem(problem.id, problem.identity(), problem.name, position)
        result = pipeline.run_problem(problem, source)
        extras[problem.id] = problem_extras(store, problem.id, result, config)
        results.append(result)
        if on_problem is not None:
            on_problem(result)
    summary = summarize(results, extras, config, time.monotonic() - started)
    summary["unreadable_problems"] = list(unreadable)
    data = {"summary": summary, "config": config.to_json(), "dataset": dataset, "problems": results}
    write_json_atomic(run_dir / "results.json", data)
    store.close()
    return data
