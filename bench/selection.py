"""Selection strategies side by side on real problems: top-1 precision and 10@pool.

On the `clean` problems of ../shared/cp-data/codeflaws_dev.jsonl, each problem's accepted and rejected
Codeforces submissions are the candidate pool. They really run: judged on the public tests in the
sandbox, the survivors clustered on generated inputs (`clustering.BehaviourClustering`). The run data
is cached per problem (see `cpagent train-scorer`), so a second run of this bench takes seconds.

Scores are cross-validated with problem-grouped folds: a problem's candidates are scored by a model
that never saw that problem. Candidate order is shuffled per problem (seeded) so that the dataset's
order (accepted first) never breaks a tie.

Figures:
- top-1 precision: the first submission is an accepted program, over the problems where at least one
  rejected submission passes the public tests (the problems where selection matters);
- 10@pool: some accepted program among at most 10 submissions, over all problems with a candidate
  that passes the public tests;
- anchors in the same run: random among the filtered (averaged over seeds), the largest cluster
  (AlphaCode), and the oracle (an accepted program passes the public tests at all).

Scorer variants, all on the same folds: model family (gbdt, logreg) x training rows (problems with
both labels, or all) x feature set (base, extended); the table is printed for the FeatureScorer
defaults. `--default-scorer` also scores every pool with a saved scorer (the shipped one without a
path): held out when it was trained on other problems, as the shipped one is (non-clean rows).

The run data of a problem is cached under a key that includes a digest of the clustering code, so a
run with other clustering code collects afresh. Filling the cache takes long on a loaded machine:
`--collect-only` fills it and stops, `--offset`/`--limit` let several processes share the problems,
and a killed run resumes where it stopped.

    nice .venv/bin/python bench/selection.py [--limit N] [--folds 5] [--json FILE]
    nice .venv/bin/python bench/selection.py --collect-only [--subset clean|non-clean] [--offset N --limit M]
    nice .venv/bin/python bench/selection.py --cached-only --default-scorer
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

# One OpenMP thread per model fit: on a shared 2-core machine the boosting's spinning threads otherwise
# make cross-validation many times slower.
os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.commands.train_scorer import CollectConfig, collect_pools, read_dataset  # noqa: E402
from scorer.features import FEATURE_SETS, feature_columns, pool_features, pool_labels, pools_features  # noqa: E402
from scorer.default import default_scorer  # noqa: E402
from scorer.learned import (  # noqa: E402
    MODEL_KINDS, TRAIN_ON, FeatureScorer, grouped_splits, out_of_fold_scores, ranking_metrics,
)
from scorer.pool import Pool  # noqa: E402
from scorer.selection import DEFAULT_STRATEGY, get_strategy, strategy_names  # noqa: E402

DATASET = REPO.parent / "shared" / "cp-data" / "codeflaws_dev.jsonl"
RANDOM_SEEDS = 50


def _is_hard(pool: Pool) -> bool:
    """At least one rejected program passes the public tests: the problems where selection matters."""
    return any(pool.labels.get(c.id) is False for c in pool.filtered)


def evaluate(pools: list[Pool], scores: dict[str, dict[str, float]], k: int) -> dict[str, dict[str, float]]:
    """Per strategy: top-1 precision on hard problems and overall, and k@pool."""
    hard = [p for p in pools if _is_hard(p)]
    rows: dict[str, dict[str, float]] = {}
    for name in strategy_names():
        seeds = range(RANDOM_SEEDS) if name == "random" else (0,)
        top1_hard, top1_all, solved = [], [], []
        for seed in seeds:
            strategy = get_strategy(name, seed=seed) if name == "random" else get_strategy(name)
            for pool in pools:
                chosen = strategy.select(pool.ordered_clusters(), scores[pool.problem_id], k=k).ids
                first = bool(chosen) and pool.labels.get(chosen[0]) is True
                any_ok = any(pool.labels.get(c) is True for c in chosen)
                top1_all.append(first)
                solved.append(any_ok)
                if _is_hard(pool):
                    top1_hard.append(first)
        rows[name] = {
            "top1_hard": float(np.mean(top1_hard)) if top1_hard else float("nan"),
            "top1_all": float(np.mean(top1_all)),
            f"{k}@pool": float(np.mean(solved)),
        }
    oracle = [any(p.labels.get(c.id) is True for c in p.filtered) for p in pools]
    rows["oracle"] = {
        "top1_hard": float(np.mean([o for o, p in zip(oracle, pools) if _is_hard(p)])) if hard else float("nan"),
        "top1_all": float(np.mean(oracle)), f"{k}@pool": float(np.mean(oracle)),
    }
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default=str(DATASET))
    parser.add_argument("--limit", type=int, help="the first N problems of the subset (default: all)")
    parser.add_argument("--offset", type=int, default=0,
                        help="skip the first N problems (a second collecting process can start further on)")
    parser.add_argument("--subset", choices=("clean", "non-clean", "all"), default="clean",
                        help="dataset rows by their clean mark (default clean: the evaluation problems)")
    parser.add_argument("--collect-only", action="store_true",
                        help="fill the run-data cache and stop (resumes where a killed run stopped)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", default="native")
    parser.add_argument("--cache-dir", help="per-problem run data (default: the user cache, as train-scorer)")
    parser.add_argument("--cached-only", action="store_true",
                        help="use only problems whose run data is already cached (run nothing)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--default-scorer", nargs="?", const="shipped", metavar="FILE",
                        help="also score with a trained scorer file (default: the one shipped in scorer/models/); "
                             "held out only when it was trained on other problems (e.g. --subset non-clean)")
    args = parser.parse_args(argv)

    dataset = Path(args.dataset)
    if not dataset.is_file():
        print(f"dataset not found: {dataset}", file=sys.stderr)
        return 2
    problems = read_dataset(dataset, limit=args.limit, subset=args.subset, offset=args.offset)
    start = time.monotonic()
    pools: list[Pool] = []
    ran = 0
    runs = 0
    for i, (pool, stats) in enumerate(collect_pools(problems, CollectConfig(backend=args.backend, seed=args.seed),
                                                    cache_dir=Path(args.cache_dir) if args.cache_dir else None,
                                                    cached_only=args.cached_only)):
        pools.append(pool.shuffled(args.seed))
        ran += not stats.get("cached")
        runs += int(stats.get("runs", 0))
        if (i + 1) % 10 == 0:
            print(f"  {i + 1}/{len(problems)} problems ({time.monotonic() - start:.0f} s)", file=sys.stderr)
    collect_s = time.monotonic() - start
    if args.collect_only:
        print(f"{len(pools)} problems: {ran} run now ({runs} sandbox runs), {len(pools) - ran} from cache, "
              f"{collect_s:.1f} s", file=sys.stderr)
        return 0

    usable = [p for p in pools if len(pool_features(p))]
    table, y = pools_features(usable), pool_labels(usable)
    splits = grouped_splits(y, table.groups, args.folds)
    fit_start = time.monotonic()
    # Every scorer variant: model family x training rows (train_on) x feature columns, the same folds.
    variants = [(kind, rows, fset) for fset in FEATURE_SETS for rows in TRAIN_ON for kind in MODEL_KINDS]
    oof = {v: out_of_fold_scores(table.matrix[:, feature_columns(FEATURE_SETS[v[2]])], y, table.groups, v[0],
                                 random_state=args.seed, splits=splits, train_on=v[1]) for v in variants}
    fit_s = time.monotonic() - fit_start
    metrics = {v: ranking_metrics(y, p, table.groups) for v, p in oof.items()}
    rows_default, fset_default = FeatureScorer().train_on, FeatureScorer().feature_set
    # The family FeatureScorer(model="auto") would keep: better grouped-CV top-1, then log loss.
    chosen = min(MODEL_KINDS, key=lambda kd: (-np.nan_to_num(metrics[kd, rows_default, fset_default]["top1"]),
                                              metrics[kd, rows_default, fset_default]["log_loss"]))
    default_name = f"{chosen}/{rows_default}/{fset_default}"

    def by_problem(values: np.ndarray) -> dict[str, dict[str, float]]:
        scores: dict[str, dict[str, float]] = {p.problem_id: {} for p in usable}
        for cid, group, s in zip(table.ids, table.groups, values):
            scores[group][cid] = float(s)
        return scores

    results = {"/".join(v): evaluate(usable, by_problem(oof[v]), args.k) for v in variants}
    shipped = None
    if args.default_scorer:
        loaded = default_scorer(None if args.default_scorer == "shipped" else args.default_scorer)
        if loaded.scorer is None:
            print(f"[default scorer] {loaded.note}", file=sys.stderr)
        else:
            shipped = loaded
            meta = loaded.scorer.metadata()
            results["shipped"] = evaluate(usable, {p.problem_id: loaded.scorer.score_pool(p) for p in usable}, args.k)

    hard = sum(_is_hard(p) for p in usable)
    print(f"\n{len(pools)} {args.subset} problems, {len(usable)} with a candidate passing the public tests, "
          f"{hard} where a rejected one passes too; {len(y)} candidates ({int(y.sum())} accepted)")
    print(f"run data: {ran} problems run now ({runs} sandbox runs), {len(pools) - ran} from cache, "
          f"{collect_s:.1f} s; scorer CV ({args.folds} problem-grouped folds, {len(variants)} variants): {fit_s:.1f} s")
    for v in variants:
        m = metrics[v]
        print(f"scorer {v[0]:6s} on {v[1]:5s} problems, {v[2]:8s} features: CV AUC {m['auc']:.3f}  log loss "
              f"{m['log_loss']:.3f}  per-problem top-1 {m['top1']:.3f}" + ("   <- default" if "/".join(v) == default_name
                                                                          else ""))
    k = args.k

    def table_of(name: str, title: str) -> None:
        print(f"\n{title}; default strategy: {DEFAULT_STRATEGY}")
        print(f"{'strategy':18s} {'top-1 (hard)':>13s} {'top-1 (all)':>12s} {f'{k}@pool':>8s}")
        for strategy, row in results[name].items():
            mark = "  (default)" if strategy == DEFAULT_STRATEGY else (
                "  (anchor)" if strategy in ("random", "alphacode", "oracle") else "")
            print(f"{strategy:18s} {row['top1_hard']:13.3f} {row['top1_all']:12.3f} {row[f'{k}@pool']:8.3f}{mark}")

    table_of(default_name, f"scores from the {chosen} scorer on {rows_default} problems, {fset_default} features "
                           "(cross-validated)")
    for name in results:
        if name not in (default_name, "shipped"):
            print(f"(scorer {name}: " + ", ".join(f"{n} {r['top1_hard']:.3f}" for n, r in results[name].items()
                                                 if n not in ("random", "alphacode", "oracle")) + ")")
    if shipped is not None:
        table_of("shipped", f"scores from the shipped default scorer {shipped.path.name} ({meta['model_kind']}, "
                            f"trained on {meta['n_problems']} problems of subset "
                            f"{meta['extra'].get('subset', '?')}, data {meta['data_identity']}: held out)")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "subset": args.subset, "problems": len(pools), "usable": len(usable), "hard": hard,
            "candidates": int(len(y)), "scorer_cv": {"/".join(v): m for v, m in metrics.items()},
            "chosen": default_name, "default_strategy": DEFAULT_STRATEGY,
            "strategies": results, "collect_s": collect_s, "fit_s": fit_s, "ran": ran,
            "shipped": None if shipped is None else {"path": str(shipped.path), "data_identity": meta["data_identity"],
                                                      "n_problems": meta["n_problems"]},
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
