"""The feature-based scorer: P(correct) for a candidate from its features, calibrated, problem-aware.

Two model families compete on problem-grouped cross-validation (`GroupKFold`: a problem's candidates
are never split between training and validation, since near-identical programs of one problem would
otherwise leak the answer): gradient boosting and logistic regression. The one with the better
within-problem ranking (top-1: is the best-scored candidate of a problem correct?) wins, log loss
breaking ties; it is then refitted on all rows and calibrated on the out-of-fold predictions of the
same grouped folds (`CalibratedClassifierCV(ensemble=False)`: one model in the file, not one per fold)
so its probabilities mean what they say.

A fitted scorer is saved with joblib beside its format version, feature names, the identity of its
training data and its cross-validation metrics; `load_scorer` refuses (ScorerError) a file of another
format version or one trained on other features. joblib files are pickles: load only files you trust.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from scorer.errors import ScorerError
from scorer.features import (
    DEFAULT_FEATURE_SET, FEATURE_NAMES, FEATURE_SETS, FEATURES_VERSION, FeatureTable, feature_columns, pool_features,
)
from scorer.pool import Pool

FORMAT = "cpagent-feature-scorer"
FORMAT_VERSION = 1
MODEL_KINDS = ("gbdt", "logreg")
TRAIN_ON = ("mixed", "all")


def _one_thread() -> Any:
    """Fit and predict on one OpenMP thread.

    The tables are small (thousands of rows), so threads buy little; on a shared, loaded machine the
    boosting's spinning OpenMP threads made one fit take minutes instead of a second.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def _base_estimator(kind: str, random_state: int) -> Any:
    """An unfitted model of one family. Both cope with the features' explicit missing indicators."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "gbdt":
        # Shallow and regularised: a few thousand rows from a few hundred problems overfit easily.
        return HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=20,
            l2_regularization=1.0, random_state=random_state,
        )
    if kind == "logreg":
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    raise ScorerError(f"unknown model kind {kind!r}", hint=f"choose one of {', '.join(MODEL_KINDS)}, or auto")


def grouped_splits(y: np.ndarray, groups: Sequence[str], n_splits: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """GroupKFold splits whose training side holds both classes (else a fold cannot be fitted)."""
    from sklearn.model_selection import GroupKFold

    n_groups = len(set(groups))
    if n_groups < 2:
        raise ScorerError(f"training needs candidates of at least 2 problems, got {n_groups}",
                          hint="train on a dataset with more problems")
    splitter = GroupKFold(n_splits=min(n_splits, n_groups))
    splits = []
    for train, test in splitter.split(np.zeros(len(y)), y, groups=list(groups)):
        if len(set(y[train].tolist())) < 2:
            raise ScorerError("a cross-validation fold has only correct or only incorrect candidates",
                              hint="train on more problems, with both accepted and rejected programs")
        splits.append((train, test))
    return splits


def _check_training_data(X: np.ndarray, y: np.ndarray, groups: Sequence[str]) -> None:
    if len(X) == 0:
        raise ScorerError("no labelled candidates to train on",
                          hint="the dataset needs accepted and rejected programs that pass the public tests")
    if len(X) != len(y) or len(X) != len(groups):
        raise ScorerError(f"{len(X)} feature rows, {len(y)} labels and {len(groups)} groups do not match")
    if set(np.unique(y).tolist()) != {0, 1}:
        raise ScorerError("training needs both correct and incorrect candidates",
                          hint="include the dataset's rejected submissions as well as its accepted ones")


def ranking_metrics(y: np.ndarray, p: np.ndarray, groups: Sequence[str]) -> dict[str, float]:
    """Log loss, Brier score, AUC, and top-1 precision over problems holding both classes."""
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

    p = np.clip(p, 1e-6, 1 - 1e-6)
    g = np.asarray(list(groups))
    hits = []
    for name in np.unique(g):
        rows = np.flatnonzero(g == name)
        labels = y[rows]
        if labels.min() == labels.max():
            continue
        # Ties broken by row order, as a deterministic selector would.
        hits.append(float(labels[int(np.argmax(p[rows]))]))
    return {
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
        "brier": float(brier_score_loss(y, p)),
        "auc": float(roc_auc_score(y, p)) if len(set(y.tolist())) == 2 else math.nan,
        "top1": float(np.mean(hits)) if hits else math.nan,
        "n_mixed_problems": float(len(hits)),
    }


def mixed_rows(y: np.ndarray, groups: Sequence[str]) -> np.ndarray:
    """A mask of the rows whose problem has both correct and incorrect labelled rows."""
    seen: dict[str, set[int]] = {}
    for label, g in zip(y.tolist(), groups):
        seen.setdefault(g, set()).add(int(label))
    return np.asarray([seen[g] >= {0, 1} for g in groups], dtype=bool)


def out_of_fold_scores(X: np.ndarray, y: np.ndarray, groups: Sequence[str], kind: str,
                       *, n_splits: int = 5, random_state: int = 0,
                       splits: list[tuple[np.ndarray, np.ndarray]] | None = None,
                       train_on: str = "all") -> np.ndarray:
    """P(correct) for every row from a model that never saw that row's problem.

    With `train_on="mixed"` each fold's model learns only from its mixed problems (see FeatureScorer);
    every held-out row is still scored.
    """
    from sklearn.base import clone

    splits = splits or grouped_splits(y, groups, n_splits)
    base = _base_estimator(kind, random_state)
    p = np.zeros(len(y), dtype=np.float64)
    mixed = mixed_rows(y, groups) if train_on == "mixed" else np.ones(len(y), dtype=bool)
    for train, test in splits:
        if train_on == "mixed" and len(set(y[train[mixed[train]]].tolist())) == 2:
            train = train[mixed[train]]
        with _one_thread():
            model = clone(base).fit(X[train], y[train])
            p[test] = model.predict_proba(X[test])[:, 1]
    return p


def data_identity(X: np.ndarray, y: np.ndarray, groups: Sequence[str]) -> str:
    """A digest of the training rows, saved with the scorer so a result can name its data."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(X, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(y, dtype=np.int64).tobytes())
    h.update("\n".join(groups).encode())
    return h.hexdigest()[:16]


class FeatureScorer:
    """A calibrated P(correct) model over `scorer.features` (scikit-learn estimator face).

    Args:
        model: "auto" (measure both families, keep the better), "gbdt" or "logreg".
        n_splits: problem-grouped folds for model choice and calibration.
        calibration: "sigmoid" (Platt; steady on small data) or "isotonic".
        random_state: seed of the boosting model.
        train_on: "all" (default) uses every labelled row; "mixed" learns only from problems whose
            labelled candidates hold both correct and incorrect ones, the only problems where a ranking
            can be right or wrong (a problem whose candidates are all correct teaches how easy a problem
            is, not which candidate to trust). Measured within noise of each other (docs/scorer.md).
            Probabilities are calibrated on the problems trained on.
        feature_set: which columns of the feature table the model reads: "extended" (default, every
            column; chosen by measurement) or "base" (the version-2 columns); see
            `scorer.features.FEATURE_SETS`.
    """

    def __init__(self, model: str = "auto", n_splits: int = 5, calibration: str = "sigmoid",
                 random_state: int = 0, train_on: str = "all", feature_set: str = DEFAULT_FEATURE_SET) -> None:
        self.model = model
        self.n_splits = n_splits
        self.calibration = calibration
        self.random_state = random_state
        self.train_on = train_on
        self.feature_set = feature_set

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"model": self.model, "n_splits": self.n_splits, "calibration": self.calibration,
                "random_state": self.random_state, "train_on": self.train_on, "feature_set": self.feature_set}

    # -- training ----------------------------------------------------------------------------
    def fit(self, X: FeatureTable | np.ndarray, y: Sequence[int] | np.ndarray,
            groups: Sequence[str] | None = None, *, data_id: str | None = None) -> "FeatureScorer":
        """Choose the model family by grouped CV, then fit it calibrated on all rows.

        `X` is a FeatureTable (its groups are used) or a matrix with `groups` given. Rows labelled -1
        (unknown) are left out.
        """
        from sklearn.calibration import CalibratedClassifierCV

        if self.model not in ("auto", *MODEL_KINDS):
            raise ScorerError(f"unknown model kind {self.model!r}", hint="choose auto, gbdt or logreg")
        if self.calibration not in ("sigmoid", "isotonic"):
            raise ScorerError(f"unknown calibration {self.calibration!r}", hint="choose sigmoid or isotonic")
        if self.train_on not in TRAIN_ON:
            raise ScorerError(f"unknown training rows {self.train_on!r}", hint=f"choose one of {', '.join(TRAIN_ON)}")
        matrix, names, grp = self._unpack(X, groups)
        if names != FEATURE_NAMES:
            raise ScorerError("the feature table has other columns than this version's features",
                              hint="compute features with scorer.features.pool_features")
        if self.feature_set not in FEATURE_SETS:
            raise ScorerError(f"unknown feature set {self.feature_set!r}",
                              hint=f"choose one of {', '.join(FEATURE_SETS)}")
        used = FEATURE_SETS[self.feature_set]
        matrix = matrix[:, feature_columns(used)]
        y_arr = np.asarray(y, dtype=np.int64)
        keep = y_arr >= 0
        matrix, y_arr = matrix[keep], y_arr[keep]
        grp = [g for g, k in zip(grp, keep) if k]
        _check_training_data(matrix, y_arr, grp)
        if self.train_on == "mixed":
            mixed = mixed_rows(y_arr, grp)
            if len(set(g for g, k in zip(grp, mixed) if k)) >= 2:
                matrix, y_arr = matrix[mixed], y_arr[mixed]
                grp = [g for g, k in zip(grp, mixed) if k]
            # else: too few mixed problems to learn from; every row is used (said by n_problems_)
        splits = grouped_splits(y_arr, grp, self.n_splits)

        kinds = MODEL_KINDS if self.model == "auto" else (self.model,)
        metrics: dict[str, dict[str, float]] = {}
        for kind in kinds:
            oof = out_of_fold_scores(matrix, y_arr, grp, kind, random_state=self.random_state, splits=splits)
            metrics[kind] = ranking_metrics(y_arr, oof, grp)

        def key(kind: str) -> tuple[float, float]:
            top1 = metrics[kind]["top1"]
            return (-(top1 if not math.isnan(top1) else 0.0), metrics[kind]["log_loss"])

        chosen = min(kinds, key=key)
        with warnings.catch_warnings(), _one_thread():
            warnings.simplefilter("ignore", category=UserWarning)
            calibrated = CalibratedClassifierCV(
                _base_estimator(chosen, self.random_state), method=self.calibration, cv=splits, ensemble=False,
            ).fit(matrix, y_arr)
        self.model_kind_ = chosen
        self.calibrated_ = calibrated
        self.cv_metrics_ = metrics
        self.feature_names_ = used
        self.n_train_ = int(len(y_arr))
        self.n_problems_ = len(set(grp))
        self.data_identity_ = data_id or data_identity(matrix, y_arr, grp)
        return self

    @staticmethod
    def _unpack(X: FeatureTable | np.ndarray, groups: Sequence[str] | None
                ) -> tuple[np.ndarray, tuple[str, ...], list[str]]:
        if isinstance(X, FeatureTable):
            return X.matrix, X.names, list(groups if groups is not None else X.groups)
        matrix = np.asarray(X, dtype=np.float64)
        if groups is None:
            raise ScorerError("training from a plain matrix needs the problem of each row",
                              hint="pass groups=..., or a FeatureTable")
        if matrix.ndim != 2 or matrix.shape[1] != len(FEATURE_NAMES):
            raise ScorerError(f"expected {len(FEATURE_NAMES)} feature columns, got shape {matrix.shape}")
        return matrix, FEATURE_NAMES, list(groups)

    # -- scoring -----------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "calibrated_"):
            raise ScorerError("this scorer is not trained yet", hint="call fit(...) or load_scorer(path)")

    def predict_proba(self, X: FeatureTable | np.ndarray) -> np.ndarray:
        """(n, 2) probabilities of [incorrect, correct]; an empty input gives an empty (0, 2) array."""
        self._check_fitted()
        matrix = X.matrix if isinstance(X, FeatureTable) else np.asarray(X, dtype=np.float64)
        if len(matrix) == 0:
            return np.zeros((0, 2))
        # A full table (every column of this version) is narrowed to the columns the model reads.
        if matrix.ndim == 2 and matrix.shape[1] == len(FEATURE_NAMES) != len(self.feature_names_):
            matrix = matrix[:, feature_columns(self.feature_names_)]
        if matrix.ndim != 2 or matrix.shape[1] != len(self.feature_names_):
            raise ScorerError(f"expected {len(self.feature_names_)} feature columns, got shape {matrix.shape}")
        with _one_thread():
            return self.calibrated_.predict_proba(matrix)

    def score_pool(self, pool: Pool) -> dict[str, float]:
        """P(correct) for every filtered candidate of a pool, by id ({} for an empty pool)."""
        table = pool_features(pool)
        return dict(zip(table.ids, self.predict_proba(table)[:, 1].tolist()))

    # -- persistence -------------------------------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        self._check_fitted()
        import sklearn

        return {
            "format": FORMAT, "format_version": FORMAT_VERSION, "features_version": FEATURES_VERSION,
            "feature_names": list(self.feature_names_), "params": self.get_params(),
            "model_kind": self.model_kind_, "cv_metrics": self.cv_metrics_,
            "n_train": self.n_train_, "n_problems": self.n_problems_,
            "data_identity": self.data_identity_, "sklearn_version": sklearn.__version__,
            "extra": dict(getattr(self, "extra_", {})),
        }

    def save(self, path: str | Path, extra: Mapping[str, Any] | None = None) -> Path:
        """Write the scorer and its metadata (plus `extra`, e.g. the dataset path) to one file."""
        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = self.metadata() | {"extra": dict(extra or {})}
        self.extra_ = dict(extra or {})
        joblib.dump({"metadata": meta, "model": self.calibrated_}, path)
        return path


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata of a saved scorer file, checked for format; ScorerError if unreadable."""
    import joblib

    path = Path(path)
    if not path.is_file():
        raise ScorerError(f"no scorer file at {path}", hint="train one with: cpagent train-scorer DATASET -o FILE")
    try:
        payload = joblib.load(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable pickle is the same user error
        raise ScorerError(f"{path} is not a readable scorer file ({type(exc).__name__}: {exc})",
                          hint="train a new one with: cpagent train-scorer DATASET -o FILE") from exc
    meta = payload.get("metadata") if isinstance(payload, dict) else None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ScorerError(f"{path} is not a cpagent feature scorer",
                          hint="train one with: cpagent train-scorer DATASET --kind features -o FILE")
    return payload


def load_scorer(path: str | Path) -> FeatureScorer:
    """Load a saved scorer; refuse one of another format version or trained on other features."""
    payload = read_metadata(path)
    meta = payload["metadata"]
    if meta.get("format_version") != FORMAT_VERSION:
        raise ScorerError(
            f"{path} is a scorer file of format version {meta.get('format_version')}, "
            f"this cpagent reads version {FORMAT_VERSION}",
            hint="retrain it with this version: cpagent train-scorer DATASET -o FILE")
    saved = tuple(meta.get("feature_names", ()))
    if meta.get("features_version") != FEATURES_VERSION or not saved or not set(saved) <= set(FEATURE_NAMES):
        diff = sorted(set(saved) - set(FEATURE_NAMES)) or sorted(set(FEATURE_NAMES) ^ set(saved))
        raise ScorerError(
            f"{path} was trained on other features (features version {meta.get('features_version')}, "
            f"this cpagent computes version {FEATURES_VERSION}"
            + (f"; differing: {', '.join(diff[:6])}" if diff else "") + ")",
            hint="retrain it with this version: cpagent train-scorer DATASET -o FILE")
    params = dict(meta["params"])
    params.setdefault("train_on", "all")  # files saved before the option trained on every row
    params.setdefault("feature_set", "extended")
    scorer = FeatureScorer(**params)
    scorer.calibrated_ = payload["model"]
    scorer.model_kind_ = meta["model_kind"]
    scorer.cv_metrics_ = meta["cv_metrics"]
    scorer.feature_names_ = saved
    scorer.n_train_ = meta["n_train"]
    scorer.n_problems_ = meta["n_problems"]
    scorer.data_identity_ = meta["data_identity"]
    scorer.extra_ = dict(meta.get("extra") or {})  # what the trainer recorded: dataset, subset, ...
    return scorer
