"""Scoring and selecting candidate programs: features, learned scorers, selection strategies.

Takes plain data (candidates, their outcomes on generated inputs, their clusters) and never imports
the agent; the pipeline hands over a `Pool` per problem.
"""

# -- plain data ---------------------------------------------------------------------------------
from scorer.pool import FAILURE_OUTCOMES, CandidateRecord, Pool, output_outcome, pool_from_clusters

# -- features -----------------------------------------------------------------------------------
from scorer.features import (
    FEATURE_NAMES, FEATURES_VERSION, FeatureTable, StatementBounds, pool_features, pool_labels, pools_features,
    statement_bounds,
)

# -- learned scorer -----------------------------------------------------------------------------
from scorer.learned import FeatureScorer, load_scorer, out_of_fold_scores, ranking_metrics

# -- the scorer shipped with the package (trained on problems disjoint from the evaluation ones) ----
from scorer.default import DEFAULT_SCORER_PATH, DefaultScorer, default_scorer, load_default

# -- selection ----------------------------------------------------------------------------------
from scorer.selection import (
    DEFAULT_K, DEFAULT_STRATEGY, AlphaCode, AlphaCode2, BestPerCluster, RandomFiltered, ScoreOnly,
    Selection, SelectionStrategy, get_strategy, select_pool, strategy_names,
)

# -- errors -------------------------------------------------------------------------------------
from scorer.errors import ScorerError

__all__ = [
    "AlphaCode", "AlphaCode2", "BestPerCluster", "CandidateRecord", "DEFAULT_K", "DEFAULT_SCORER_PATH",
    "DEFAULT_STRATEGY", "DefaultScorer", "StatementBounds", "default_scorer", "load_default", "statement_bounds",
    "FAILURE_OUTCOMES", "FEATURES_VERSION", "FEATURE_NAMES", "FeatureScorer", "FeatureTable", "Pool",
    "RandomFiltered", "ScoreOnly", "ScorerError", "Selection", "SelectionStrategy", "get_strategy",
    "load_scorer", "out_of_fold_scores", "output_outcome", "pool_features", "pool_from_clusters",
    "pool_labels", "pools_features", "ranking_metrics", "select_pool", "strategy_names",
]
