"""The feature scorer shipped inside the package: what the pipeline scores with when given none.

It is trained on data disjoint from the problems cpagent is measured on: the problems of
`codeflaws_dev.jsonl` that are NOT marked clean (labels from their Codeforces verdicts), while every
figure of `bench/selection.py` is measured on the clean ones. Its file, `scorer/models/default.joblib`,
holds the model with its feature list, the identity of its training data and its cross-validated
metrics (see `FeatureScorer.save`); `scorer/models/default.json` repeats that metadata in plain text
so that it can be read without unpickling anything.

Loading never raises for the two expected reasons a default may be unusable (the file was not
shipped, or it was trained by another version of the features or of scikit-learn): the pipeline then
ranks clusters by size, and `DefaultScorer.note` says why. Retrain it with

    cpagent train-scorer ../shared/cp-data/codeflaws_dev.jsonl --subset non-clean \\
        -o scorer/models/default.joblib
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scorer.errors import ScorerError
from scorer.learned import FeatureScorer, load_scorer, read_metadata

DEFAULT_SCORER_PATH = Path(__file__).resolve().parent / "models" / "default.joblib"


@dataclass(frozen=True)
class DefaultScorer:
    """The shipped scorer, or None with the reason it cannot be used."""

    scorer: FeatureScorer | None
    path: Path
    note: str = ""  # "" when loaded; otherwise why not, in one line

    @property
    def available(self) -> bool:
        return self.scorer is not None


def _sklearn_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def default_scorer(path: str | Path | None = None) -> DefaultScorer:
    """Load the shipped scorer (or the one at `path`), never raising for a missing or foreign file.

    A file pickled by another scikit-learn minor version is treated as foreign: unpickling a model
    across versions may fail or, worse, silently score differently.
    """
    import sklearn

    path = Path(path) if path is not None else DEFAULT_SCORER_PATH
    if not path.is_file():
        return DefaultScorer(None, path, f"no default scorer file at {path}: clusters are ranked by size")
    try:
        meta = read_metadata(path)["metadata"]
        theirs = str(meta.get("sklearn_version", ""))
        if _sklearn_minor(theirs) != _sklearn_minor(sklearn.__version__):
            return DefaultScorer(None, path, f"the default scorer was saved by scikit-learn {theirs or '?'}, "
                                             f"this is {sklearn.__version__}: clusters are ranked by size")
        return DefaultScorer(load_scorer(path), path)
    except ScorerError as exc:
        return DefaultScorer(None, path, f"the default scorer cannot be used ({exc.message}): "
                                         "clusters are ranked by size")


def load_default(path: str | Path | None = None) -> FeatureScorer | None:
    """The shipped scorer, or None when it is absent or from another version (see `default_scorer`)."""
    return default_scorer(path).scorer


def write_metadata_sidecar(joblib_path: str | Path) -> Path:
    """Write `<name>.json` beside a saved scorer: its metadata, readable without unpickling."""
    joblib_path = Path(joblib_path)
    meta: dict[str, Any] = read_metadata(joblib_path)["metadata"]
    sidecar = joblib_path.with_suffix(".json")
    sidecar.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return sidecar
