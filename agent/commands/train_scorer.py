"""`cpagent train-scorer DATASET`: train the candidate scorer on a dataset's accepted and rejected programs.

`--kind features` (the default) needs what the pipeline knows about each candidate, so every problem's
programs really run: compiled and judged on the public tests in the sandbox, the survivors clustered on
generated inputs (`clustering.BehaviourClustering`), and each candidate turned into a `scorer.Pool`
record. Those per-problem pools are the expensive part; they are cached on disk (keyed by the programs,
the problem and the run settings) so a second training or `bench/selection.py` re-uses them.

`--kind neural` fine-tunes a classification head on the policy decoder from (statement, program,
correct) examples; it needs no runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from agent import ui
from agent.errors import CpagentError
from agent.problems.model import Problem
from scorer.pool import CandidateRecord, Pool, pool_from_clustering

EPILOG = """examples:
  cpagent train-scorer ../shared/cp-data/codeflaws_dev.jsonl -o scorer.joblib
  cpagent train-scorer data.jsonl --limit 50 --json
  cpagent train-scorer ../shared/cp-data/codeflaws_dev.jsonl --subset non-clean -o scorer/models/default.joblib
  cpagent train-scorer data.jsonl --kind neural --checkpoint policy-ckpt/ -o neural-scorer/

environment: CPAGENT_CACHE_DIR (cache root; run data goes under scorer-pools/)"""

COLLECT_VERSION = 1  # bump when what a cached pool holds or means changes


# -- running a dataset's programs into scorer pools ------------------------------------------------

@dataclass(frozen=True)
class CollectConfig:
    """How the candidates of a problem are run; part of the cache key of its pool."""

    backend: str = "native"
    insecure: bool = False
    seed: int = 0
    inputs_per_round: int | None = None  # generated inputs per clustering round (None: clustering's default)
    max_rounds: int | None = None  # clustering rounds of generated inputs (None: clustering's default)
    time_factor: float = 1.0  # multiplies the problem's time limit on the public tests (a slow machine)

    def key(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("insecure")
        return data


def pools_cache_dir() -> Path:
    import platformdirs

    root = os.environ.get("CPAGENT_CACHE_DIR") or platformdirs.user_cache_dir("cpagent")
    return Path(root) / "scorer-pools"


def clustering_identity() -> str:
    """A digest of the clustering package's source: part of a cached pool's key.

    Clustering decides the generated inputs, hence every outcome in a pool; pools built by another
    version of it must not be mixed into a measurement of this one (the clustering code changes often,
    and nothing else would tell the cached pools apart).
    """
    import clustering

    root = Path(clustering.__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _pool_key(problem: Problem, config: CollectConfig) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"v": COLLECT_VERSION, "config": config.key(), "problem": problem.identity(),
                         "clustering": clustering_identity()}, sort_keys=True).encode())
    for s in problem.submissions:
        h.update(f"\0{s.name}\0{s.language}\0{s.expected}\0{s.code}".encode())
    return h.hexdigest()[:24]


def problem_pool(problem: Problem, backend: Any, cache: Any, config: CollectConfig) -> tuple[Pool, dict[str, Any]]:
    """Run one problem's known programs: public tests, then clustering of the survivors.

    Returns the scorer pool (labels from the dataset) and run statistics. Candidates whose label is
    unknown are kept (they cluster and vote) but are not labelled.
    """
    from clustering import BehaviourClustering, ClusterCandidate, ClusteringProblem
    from sandbox.judge import Judge, JudgeTest

    start = time.monotonic()
    subs = list(problem.submissions)
    time_limit = problem.time_limit_s * config.time_factor
    judge = Judge(backend, cache)
    tests = [JudgeTest(f"public-{i}", t.input.encode(), (t.output or "").encode())
             for i, t in enumerate(problem.public_tests)]
    reports = judge.judge_many(
        [(s.code, s.language) for s in subs], tests, checker=problem.checker, time_limit_s=time_limit,
        memory_mb=problem.memory_mb, input_file=problem.input_file, output_file=problem.output_file,
        stop_at_first_failure=True,
    ) if subs else []
    records = []
    for s, r in zip(subs, reports):
        runs = [t.run for t in r.tests if t.run is not None]
        records.append(CandidateRecord(
            id=s.name, code=s.code, language=s.language,
            warnings=r.compile.warnings if r.compile.ok else None,
            passed_public=r.verdict.value == "AC" and bool(tests),
            cpu_s=max((x.cpu_s for x in runs), default=None) if runs else None,
            memory_mb=max((x.memory_mb for x in runs), default=None) if runs else None,
        ))
    survivors = [ClusterCandidate(c.id, c.code, c.language) for c in records if c.passed_public]
    stats: dict[str, Any] = {"candidates": len(records), "passed_public": len(survivors)}
    result = None
    if survivors:
        knobs = {k: v for k, v in (("inputs_per_round", config.inputs_per_round),
                                    ("max_rounds", config.max_rounds)) if v is not None}
        model = BehaviourClustering(backend=backend, seed=config.seed, cache=cache, **knobs)
        cproblem = ClusteringProblem(
            statement=problem.statement, public_inputs=tuple(t.input for t in problem.public_tests),
            public_outputs=tuple(t.output or "" for t in problem.public_tests), checker=problem.checker,
            time_limit_s=problem.time_limit_s, memory_mb=problem.memory_mb, input_file=problem.input_file,
            output_file=problem.output_file)
        try:
            result = model.fit(survivors, cproblem).result_
        except Exception as exc:  # noqa: BLE001 - one problem's failure must not end a dataset's run
            # Recorded, and the survivors stay one cluster (as with no generated inputs); such a pool
            # is not cached, so it runs again once the cause is fixed.
            stats.update(error=f"clustering failed: {type(exc).__name__}: {exc}", clusters=1, inputs=0, runs=0)
        else:
            stats.update(clusters=len(result.clusters), inputs=len(result.inputs), runs=result.cost.runs,
                         reason=result.reason, stop=result.cost.stop_reason)
    labels = {s.name: bool(s.correct) for s in subs if s.correct is not None}
    if result is not None:
        pool = pool_from_clustering(problem.id, records, result, labels)
    elif survivors:
        pool = Pool(problem.id, tuple(records), (tuple(c.id for c in survivors),), labels)
    else:
        pool = Pool(problem.id, tuple(records), (), labels)
    stats["wall_s"] = round(time.monotonic() - start, 3)
    return pool, stats


def collect_pools(problems: Sequence[Problem], config: CollectConfig, *, cache_dir: Path | None = None,
                  refresh: bool = False, cached_only: bool = False,
                  on_pool: Callable[[int, Pool, dict[str, Any]], None] | None = None
                  ) -> Iterator[tuple[Pool, dict[str, Any]]]:
    """Pools for many problems, from the disk cache where present, else by running them.

    `cached_only` skips the problems not in the cache (a quick look while a long run fills it).
    """
    from sandbox.backend import open_backend
    from sandbox.compiler import CompileCache

    cache_dir = cache_dir or pools_cache_dir()
    cache_dir.mkdir(parents=True, exist_ok=True)
    backend = None
    compile_cache = CompileCache()
    try:
        for i, problem in enumerate(problems):
            path = cache_dir / f"{_safe(problem.id)}-{_pool_key(problem, config)}.json"
            if path.is_file() and not refresh:
                doc = json.loads(path.read_text())
                pool, stats = Pool.from_json(doc["pool"]), dict(doc["stats"], cached=True)
            elif cached_only:
                continue
            else:
                if backend is None:
                    backend = open_backend(config.backend, insecure=config.insecure)
                pool, stats = problem_pool(problem, backend, compile_cache, config)
                if "error" not in stats:
                    tmp = path.with_suffix(".tmp")
                    tmp.write_text(json.dumps({"pool": pool.to_json(), "stats": stats}))
                    tmp.replace(path)  # atomic: a killed run never leaves half a cache entry
                stats = dict(stats, cached=False)
            # The statement is the problem's, not run data: attached here (older cache entries lack it).
            pool = replace(pool, statement=problem.statement)
            if on_pool is not None:
                on_pool(i, pool, stats)
            yield pool, stats
    finally:
        if backend is not None:
            backend.close()


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)[:60]


SUBSETS = ("clean", "non-clean", "all")


def read_dataset(path: str | Path, *, clean_only: bool = True, limit: int | None = None,
                 offset: int = 0, subset: str | None = None) -> list[Problem]:
    """Problems of a shared-schema JSONL file with at least one labelled program.

    `subset` picks rows by their `clean` mark: "clean" (rows not marked `clean: false`), "non-clean"
    (rows marked `clean: false`: data disjoint from the clean evaluation problems, used to train the
    shipped default scorer) or "all"; without it, `clean_only` chooses between "clean" and "all".
    """
    from agent.problems.jsonl import iter_jsonl

    subset = subset or ("clean" if clean_only else "all")
    if subset not in SUBSETS:
        raise CpagentError(f"unknown dataset subset {subset!r}", hint=f"choose one of {', '.join(SUBSETS)}")
    out: list[Problem] = []
    seen = 0
    for problem in iter_jsonl(path):
        dirty = problem.meta.get("clean") is False
        if (subset == "clean" and dirty) or (subset == "non-clean" and not dirty):
            continue
        if problem.interactive or not any(s.correct is not None for s in problem.submissions):
            continue
        seen += 1
        if seen <= offset:
            continue
        out.append(problem)
        if limit is not None and len(out) >= limit:
            break
    return out


# -- the command ---------------------------------------------------------------------------------

def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train-scorer", help="train the candidate scorer on a dataset's accepted and rejected programs",
                       description=__doc__, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dataset", metavar="DATASET", help="a JSONL file in the shared schema (../shared/cp-data/README.md)")
    p.add_argument("--kind", choices=("features", "neural"), default="features",
                   help="features: gradient boosting / logistic regression on run features (default); "
                        "neural: a head on the policy decoder")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="where to save it (default scorer.joblib, or neural-scorer/ for --kind neural)")
    p.add_argument("--limit", type=int, metavar="N", help="use only the first N problems")
    p.add_argument("--all", action="store_true", help="include problems not marked clean (= --subset all)")
    p.add_argument("--subset", choices=SUBSETS, help="which rows by their clean mark: clean (default), "
                                                     "non-clean (disjoint from the clean evaluation problems), all")
    p.add_argument("--model", choices=("auto", "gbdt", "logreg"), default="auto",
                   help="features: model family; auto measures both by grouped cross-validation")
    p.add_argument("--folds", type=int, default=5, help="problem-grouped cross-validation folds (default 5)")
    p.add_argument("--features", choices=("base", "extended", "reproducible"), default="reproducible",
                   help="features: the columns the model reads (reproducible, default: every column but measured "
                        "run time and memory, which vary between reruns; measured best; extended: every column; "
                        "base leaves out the pool-relative, statement-bound and failure-relation columns)")
    p.add_argument("--train-on", choices=("mixed", "all"), default="all",
                   help="features: learn from every labelled candidate (all, default) or only from problems "
                        "with both correct and incorrect candidates (mixed; within noise of all, measured)")
    p.add_argument("--backend", default="native", help="sandbox backend for the runs (default native)")
    p.add_argument("--insecure", action="store_true", help="allow the unsafe backend (no isolation)")
    p.add_argument("--max-rounds", type=int, help="clustering rounds of generated inputs per problem "
                                                   "(default: clustering's own)")
    p.add_argument("--cache-dir", metavar="DIR", help="where per-problem run data is cached")
    p.add_argument("--refresh", action="store_true", help="run every problem again, ignoring the cache")
    p.add_argument("--cached-only", action="store_true",
                   help="train on the problems whose run data is already cached (run nothing)")
    p.add_argument("--checkpoint", metavar="DIR", help="neural: the policy checkpoint to fine-tune")
    p.add_argument("--epochs", type=int, default=2, help="neural: passes over the training examples")
    p.add_argument("--max-len", type=int, default=512, help="neural: tokens per example")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print the training summary as JSON on stdout")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    dataset = Path(args.dataset)
    if not dataset.is_file():
        raise CpagentError(f"{dataset}: no such dataset file",
                           hint="give a JSONL file in the shared schema, e.g. ../shared/cp-data/codeflaws_dev.jsonl")
    if args.limit is not None and args.limit < 2:
        raise CpagentError("--limit must be at least 2", hint="a scorer needs problems to cross-validate on")
    subset = args.subset or ("all" if args.all else "clean")
    problems = read_dataset(dataset, subset=subset, limit=args.limit)
    if not problems:
        raise CpagentError(f"{dataset}: no problem with labelled accepted or rejected programs",
                           hint="the dataset needs correct_solutions and incorrect_solutions (or pass --all)")
    ui.info(f"{len(problems)} problems from {dataset}")
    summary = _train_neural(args, problems, dataset) if args.kind == "neural" else \
        _train_features(args, problems, dataset)
    if args.json:
        ui.print_json(summary)
    return 0


def _train_features(args: argparse.Namespace, problems: list[Problem], dataset: Path) -> dict[str, Any]:
    from tqdm import tqdm

    from scorer.default import write_metadata_sidecar
    from scorer.features import pool_labels, pools_features
    from scorer.learned import FeatureScorer

    config = CollectConfig(backend=args.backend, insecure=args.insecure, seed=args.seed, max_rounds=args.max_rounds)
    start = time.monotonic()
    pools: list[Pool] = []
    cached = 0
    with tqdm(total=len(problems), desc="running", unit="problem", disable=args.json, leave=False) as bar:
        for pool, stats in collect_pools(problems, config, cache_dir=Path(args.cache_dir) if args.cache_dir else None,
                                         refresh=args.refresh, cached_only=args.cached_only):
            pools.append(pool.shuffled(args.seed))  # dataset order (accepted first) must not leak
            cached += bool(stats.get("cached"))
            bar.update(1)
    run_s = time.monotonic() - start
    if not pools:
        raise CpagentError("no problem's run data is cached yet", hint="run the same command without --cached-only")
    table, y = pools_features(pools), pool_labels(pools)
    scorer = FeatureScorer(model=args.model, n_splits=args.folds, random_state=args.seed,
                           train_on=args.train_on, feature_set=args.features).fit(table, y)
    output = Path(args.output or "scorer.joblib")
    scorer.save(output, extra={"dataset": str(dataset), "problems": len(pools), "collect": config.key(),
                               "subset": args.subset or ("all" if args.all else "clean"),
                               "clustering": clustering_identity()})
    sidecar = write_metadata_sidecar(output)
    best = scorer.cv_metrics_[scorer.model_kind_]
    ui.success(f"trained a {scorer.model_kind_} scorer on {scorer.n_train_} candidates of {scorer.n_problems_} "
               f"problems: CV top-1 {best['top1']:.3f}, AUC {best['auc']:.3f} → {output}")
    return {
        "kind": "features", "output": str(output), "metadata": str(sidecar), "dataset": str(dataset),
        "problems": len(pools), "train_on": scorer.train_on, "feature_set": scorer.feature_set,
        "trained_problems": scorer.n_problems_, "examples": scorer.n_train_, "positives": int((y == 1).sum()),
        "model": scorer.model_kind_, "cv_metrics": scorer.cv_metrics_, "data_identity": scorer.data_identity_,
        "run": {"cached_problems": cached, "run_problems": len(pools) - cached, "wall_s": round(run_s, 2)},
    }


def _train_neural(args: argparse.Namespace, problems: list[Problem], dataset: Path) -> dict[str, Any]:
    from scorer.neural import NeuralExample, NeuralScorer

    examples = [NeuralExample(p.id, p.statement, s.code, s.correct)
                for p in problems for s in p.submissions if s.correct is not None]
    # Hold out about a fifth of the problems (by a hash of the id, so the split is stable) to report on.
    held = {p.id for p in problems if int(hashlib.sha256(p.id.encode()).hexdigest(), 16) % 5 == 0}
    if len(held) == len(problems):
        held = set()
    train = [e for e in examples if e.problem_id not in held]
    val = [e for e in examples if e.problem_id in held]
    scorer = NeuralScorer(checkpoint=args.checkpoint, epochs=args.epochs, max_len=args.max_len, seed=args.seed)
    scorer.fit(train, validation=val)
    output = Path(args.output or "neural-scorer")
    scorer.save(output, extra={"dataset": str(dataset), "problems": len(problems)})
    last = scorer.history_[-1] if scorer.history_ else {}
    ui.success(f"fine-tuned a neural scorer ({scorer.backbone_source_}) on {scorer.n_train_} programs; "
               f"held-out AUC {last.get('val_auc', float('nan')):.3f} → {output}")
    return {
        "kind": "neural", "output": str(output), "dataset": str(dataset), "problems": len(problems),
        "examples": scorer.n_train_, "validation_examples": len(val), "backbone": scorer.backbone_source_,
        "history": scorer.history_, "data_identity": scorer.data_identity_,
    }
