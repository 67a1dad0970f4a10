"""Choosing at most k submissions from clustered, scored candidates: strategies behind one interface.

Each strategy is a frozen dataclass with `select(clusters, scores, k, sizes=None) -> Selection`.
`clusters` are the filtered candidates' ids grouped by behaviour (any order; sizes are the member
counts unless `sizes` says otherwise, e.g. when identical samples were merged); `scores` maps ids to
P(correct) from a scorer, and may be missing. A strategy never raises on thin input: an empty pool
selects nothing, a missing score falls back to a stated order, and `Selection.note` says so.

- `RandomFiltered`: k candidates drawn at random among the filtered ones (the baseline).
- `AlphaCode`: one candidate per cluster, largest cluster first, round robin when there are fewer
  than k clusters (AlphaCode, 2022). Ignores scores.
- `AlphaCode2`: the k largest clusters, the best-scored member of each (AlphaCode 2, 2023), submitted
  in order of that member's score (`order="score"`) or of cluster size (`order="size"`).
- `ScoreOnly`: the k best-scored candidates, clusters ignored.
- `BestPerCluster`: the best-scored member of every cluster, clusters ordered by that score, so that
  a small cluster with a confident scorer can come first; round robin when clusters run out.
"""

from __future__ import annotations

import abc
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from scorer.errors import ScorerError
from scorer.pool import Pool

DEFAULT_K = 10


@dataclass(frozen=True)
class Selection:
    """The ordered submissions, the strategy that chose them, and why they may be fewer than k."""

    ids: tuple[str, ...]
    strategy: str
    note: str = ""

    def to_json(self) -> dict[str, object]:
        return {"ids": list(self.ids), "strategy": self.strategy, "note": self.note}


def _prepare(clusters: Sequence[Sequence[str]], sizes: Sequence[int] | None
             ) -> list[tuple[str, ...]]:
    """Non-empty clusters, largest first; ties keep the given order (so the result is reproducible)."""
    groups = [tuple(g) for g in clusters]
    if sizes is not None and len(sizes) != len(groups):
        raise ScorerError(f"{len(sizes)} cluster sizes for {len(groups)} clusters",
                          hint="give one size per cluster, or none to count members")
    weights = list(sizes) if sizes is not None else [len(g) for g in groups]
    order = sorted((i for i, g in enumerate(groups) if g), key=lambda i: (-weights[i], i))
    return [groups[i] for i in order]


def _by_score(members: Sequence[str], scores: Mapping[str, float]) -> list[str]:
    """Members best-scored first; unscored members after the scored ones, in their given order."""
    rank = {m: i for i, m in enumerate(members)}
    return sorted(members, key=lambda m: (m not in scores, -scores.get(m, 0.0), rank[m]))


def _round_robin(ordered: Sequence[Sequence[str]], k: int) -> list[str]:
    out: list[str] = []
    depth = 0
    while len(out) < k and any(depth < len(g) for g in ordered):
        for g in ordered:
            if depth < len(g) and len(out) < k:
                out.append(g[depth])
        depth += 1
    return out


def _missing_scores(clusters: Sequence[Sequence[str]], scores: Mapping[str, float] | None) -> bool:
    return scores is None or any(m not in scores for g in clusters for m in g)


class SelectionStrategy(abc.ABC):
    """Chooses an ordered list of at most k submissions from clusters and scores."""

    name: ClassVar[str]

    @abc.abstractmethod
    def select(self, clusters: Sequence[Sequence[str]], scores: Mapping[str, float] | None = None,
               k: int = DEFAULT_K, sizes: Sequence[int] | None = None) -> Selection:
        ...


@dataclass(frozen=True, kw_only=True)
class RandomFiltered(SelectionStrategy):
    name: ClassVar[str] = "random"
    seed: int = 0

    def select(self, clusters: Sequence[Sequence[str]], scores: Mapping[str, float] | None = None,
               k: int = DEFAULT_K, sizes: Sequence[int] | None = None) -> Selection:
        members = [m for g in _prepare(clusters, sizes) for m in g]
        rng = random.Random(self.seed)
        chosen = rng.sample(members, min(max(k, 0), len(members)))
        return Selection(tuple(chosen), self.name, "" if members else "no candidate passed the public tests")


@dataclass(frozen=True, kw_only=True)
class AlphaCode(SelectionStrategy):
    name: ClassVar[str] = "alphacode"

    def select(self, clusters: Sequence[Sequence[str]], scores: Mapping[str, float] | None = None,
               k: int = DEFAULT_K, sizes: Sequence[int] | None = None) -> Selection:
        ordered = _prepare(clusters, sizes)
        note = "" if ordered else "no candidate passed the public tests"
        return Selection(tuple(_round_robin(ordered, max(k, 0))), self.name, note)


@dataclass(frozen=True, kw_only=True)
class AlphaCode2(SelectionStrategy):
    name: ClassVar[str] = "alphacode2"
    order: Literal["score", "size"] = "score"

    def select(self, clusters: Sequence[Sequence[str]], scores: Mapping[str, float] | None = None,
               k: int = DEFAULT_K, sizes: Sequence[int] | None = None) -> Selection:
        ordered = _prepare(clusters, sizes)[: max(k, 0)]
        if not ordered:
            return Selection((), self.name, "no candidate passed the public tests")
        note = ""
        if _missing_scores(ordered, scores):
            note = "scores missing for some candidates: unscored members are taken in cluster order"
        s = scores or {}
        best = [_by_score(g, s)[0] for g in ordered]
        if self.order == "score":
            rank = {m: i for i, m in enumerate(best)}
            best.sort(key=lambda m: (m not in s, -s.get(m, 0.0), rank[m]))
        return Selection(tuple(best), self.name if self.order == "score" else f"{self.name}-size", note)


@dataclass(frozen=True, kw_only=True)
class ScoreOnly(SelectionStrategy):
    name: ClassVar[str] = "score-only"

    def select(self, clusters: Sequence[Sequence[str]], scores: Mapping[str, float] | None = None,
               k: int = DEFAULT_K, sizes: Sequence[int] | None = None) -> Selection:
        ordered = _prepare(clusters, sizes)
        if not ordered:
            return Selection((), self.name, "no candidate passed the public tests")
        note = ""
        if _missing_scores(ordered, scores):
            note = "scores missing for some candidates: unscored ones come last, in cluster order"
        members = _by_score([m for g in ordered for m in g], scores or {})
        return Selection(tuple(members[: max(k, 0)]), self.name, note)


@dataclass(frozen=True, kw_only=True)
class BestPerCluster(SelectionStrategy):
    name: ClassVar[str] = "best-per-cluster"

    def select(self, clusters: Sequence[Sequence[str]], scores: Mapping[str, float] | None = None,
               k: int = DEFAULT_K, sizes: Sequence[int] | None = None) -> Selection:
        ordered = _prepare(clusters, sizes)
        if not ordered:
            return Selection((), self.name, "no candidate passed the public tests")
        note = ""
        if _missing_scores(ordered, scores):
            note = "scores missing for some candidates: unscored members are taken in cluster order"
        s = scores or {}
        inner = [_by_score(g, s) for g in ordered]
        rank = {g[0]: i for i, g in enumerate(inner)}
        inner.sort(key=lambda g: (g[0] not in s, -s.get(g[0], 0.0), rank[g[0]]))
        return Selection(tuple(_round_robin(inner, max(k, 0))), self.name, note)


@dataclass(frozen=True)
class _Entry:
    factory: type[SelectionStrategy]
    kwargs: dict[str, object] = field(default_factory=dict)


_STRATEGIES: dict[str, _Entry] = {
    "random": _Entry(RandomFiltered),
    "alphacode": _Entry(AlphaCode),
    "alphacode2": _Entry(AlphaCode2),
    "alphacode2-size": _Entry(AlphaCode2, {"order": "size"}),
    "score-only": _Entry(ScoreOnly),
    "best-per-cluster": _Entry(BestPerCluster),
}

#: Chosen by measurement (`bench/selection.py`, figures in docs/scorer.md): on codeflaws it ties with
#: alphacode2 and score-only on top-1 precision and beats alphacode2 on 10@pool (it fills k by round
#: robin), while keeping one submission per behaviour first, unlike score-only.
DEFAULT_STRATEGY = "best-per-cluster"


def strategy_names() -> list[str]:
    return list(_STRATEGIES)


def get_strategy(name: str = DEFAULT_STRATEGY, **kwargs: object) -> SelectionStrategy:
    """A strategy by name ("default" is `DEFAULT_STRATEGY`; `random` takes `seed=`).

    An unknown name raises ScorerError whose hint lists the names.
    """
    entry = _STRATEGIES.get(DEFAULT_STRATEGY if name == "default" else name)
    if entry is None:
        raise ScorerError(f"unknown selection strategy {name!r}", hint=f"choose one of {', '.join(_STRATEGIES)}")
    return entry.factory(**{**entry.kwargs, **kwargs})  # type: ignore[arg-type]


def select_pool(pool: Pool, scores: Mapping[str, float] | None = None,
                strategy: str | SelectionStrategy = DEFAULT_STRATEGY, k: int = DEFAULT_K) -> Selection:
    """Select from a whole pool: its clusters largest first, sizes counting merged samples.

    The one call the pipeline needs after scoring (`FeatureScorer.score_pool(pool)`, or None).
    """
    chosen = get_strategy(strategy) if isinstance(strategy, str) else strategy
    return chosen.select(pool.ordered_clusters(), scores, k, sizes=pool.cluster_sizes())
