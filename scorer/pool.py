"""The plain data the scorer works on: one problem's candidates, what they did, and their clusters.

The scorer never runs anything and never imports the agent: the pipeline (or a benchmark) runs the
candidates through the sandbox and clustering, then hands over these frozen records. Everything a
feature needs is here, and every field that a source may not know is optional (`None`), so a missing
log-probability or run time is a defined input rather than an exception.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

# Outcomes on a generated input that are not an answer: the run crashed, hit a limit, or printed nothing
# (the vocabulary of clustering's signatures). IE is never an outcome (the sandbox failed, the program
# said nothing); it is recorded as `None`, like "not run".
FAILURE_OUTCOMES: frozenset[str] = frozenset({"RE", "TLE", "MLE", "OLE", "CE", "EMPTY"})
TIMEOUT_OUTCOMES: frozenset[str] = frozenset({"TLE", "MLE", "OLE"})


def output_outcome(normalized_output: bytes) -> str:
    """The outcome string of a run that printed `normalized_output` (normalized by the checker).

    A digest keeps records small and can never collide with a failure outcome such as "RE"; the form
    is that of clustering's signatures (`OK:<hash>`), so either can fill `CandidateRecord.outcomes`.
    """
    if not normalized_output.strip():
        return "EMPTY"
    return "OK:" + hashlib.sha1(normalized_output).hexdigest()[:12]


@dataclass(frozen=True)
class CandidateRecord:
    """One distinct candidate program of a problem and what the pipeline learned about it.

    `outcomes` holds one entry per generated input, in the same input order for every candidate of
    the pool: `output_outcome(...)` for a normal run, a verdict in `FAILURE_OUTCOMES`, or `None` when
    the run is unknown (not run, or the sandbox failed).
    """

    id: str
    code: str = ""
    language: str = ""
    count: int = 1  # identical samples merged into this candidate
    logprob: float | None = None  # total log-probability under the policy, where the backend gives it
    num_tokens: int | None = None
    warnings: str | None = None  # compiler diagnostics; None when unknown, "" when it compiled cleanly
    passed_public: bool = True
    outcomes: tuple[str | None, ...] = ()
    cpu_s: float | None = None  # mean CPU seconds over the generated inputs it ran on
    memory_mb: float | None = None  # peak memory over those runs

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "code": self.code, "language": self.language, "count": self.count,
            "logprob": self.logprob, "num_tokens": self.num_tokens, "warnings": self.warnings,
            "passed_public": self.passed_public, "outcomes": list(self.outcomes),
            "cpu_s": self.cpu_s, "memory_mb": self.memory_mb,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "CandidateRecord":
        return cls(
            id=str(data["id"]), code=data.get("code", ""), language=data.get("language", ""),
            count=int(data.get("count", 1)), logprob=data.get("logprob"), num_tokens=data.get("num_tokens"),
            warnings=data.get("warnings"), passed_public=bool(data.get("passed_public", True)),
            outcomes=tuple(data.get("outcomes", ())), cpu_s=data.get("cpu_s"), memory_mb=data.get("memory_mb"),
        )


@dataclass(frozen=True)
class Pool:
    """All candidates of one problem, and optionally their clusters (candidate ids, any order).

    Without `clusters`, candidates that passed the public tests are grouped by identical outcomes,
    which is what behavioural clustering computes; give the clusterer's own groups when there are any.
    """

    problem_id: str
    candidates: tuple[CandidateRecord, ...] = ()
    clusters: tuple[tuple[str, ...], ...] | None = None
    labels: Mapping[str, bool] = field(default_factory=dict)  # candidate id -> correct, for training
    # The problem statement, where known: its stated bounds let features compare a program's array
    # sizes and integer widths with what the input may hold. "" when unknown (flagged, never guessed).
    statement: str = ""

    @property
    def filtered(self) -> tuple[CandidateRecord, ...]:
        """The candidates that passed the public tests: the only ones worth submitting."""
        return tuple(c for c in self.candidates if c.passed_public)

    def by_id(self) -> dict[str, CandidateRecord]:
        return {c.id: c for c in self.candidates}

    def ordered_clusters(self) -> tuple[tuple[str, ...], ...]:
        """Clusters of filtered candidates, largest first (sizes count merged samples).

        Ties keep first appearance, so the order is reproducible. Unknown ids and candidates that did
        not pass the public tests are dropped; a filtered candidate missing from every given cluster
        becomes a cluster of its own rather than vanishing.
        """
        filtered = self.filtered
        index = {c.id: i for i, c in enumerate(filtered)}
        count = {c.id: max(1, c.count) for c in filtered}
        if self.clusters is None:
            groups: dict[tuple[str | None, ...], list[str]] = {}
            for c in filtered:
                groups.setdefault(c.outcomes, []).append(c.id)
            raw = [tuple(g) for g in groups.values()]
        else:
            seen: set[str] = set()
            raw = []
            for members in self.clusters:
                kept = tuple(m for m in members if m in index and m not in seen)
                seen.update(kept)
                if kept:
                    raw.append(kept)
            raw.extend((c.id,) for c in filtered if c.id not in seen)
        raw = [tuple(sorted(g, key=index.__getitem__)) for g in raw]
        return tuple(sorted(raw, key=lambda g: (-sum(count[m] for m in g), index[g[0]])))

    def cluster_sizes(self) -> tuple[int, ...]:
        """Sizes of `ordered_clusters()` counting merged samples."""
        count = {c.id: max(1, c.count) for c in self.candidates}
        return tuple(sum(count[m] for m in g) for g in self.ordered_clusters())

    def shuffled(self, seed: int | str = 0) -> "Pool":
        """The same pool with its candidates in a seeded random order.

        Ties (equal cluster sizes, equal scores) are broken by candidate order; a dataset that lists
        accepted programs first would otherwise leak its labels into every tie-break.
        """
        order = list(self.candidates)
        random.Random(f"{seed}:{self.problem_id}").shuffle(order)
        return replace(self, candidates=tuple(order))

    def to_json(self) -> dict[str, Any]:
        return {
            "problem_id": self.problem_id,
            "candidates": [c.to_json() for c in self.candidates],
            "clusters": [list(g) for g in self.clusters] if self.clusters is not None else None,
            "labels": dict(self.labels),
            "statement": self.statement,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Pool":
        clusters = data.get("clusters")
        return cls(
            problem_id=str(data["problem_id"]),
            candidates=tuple(CandidateRecord.from_json(c) for c in data.get("candidates", ())),
            clusters=tuple(tuple(g) for g in clusters) if clusters is not None else None,
            labels={str(k): bool(v) for k, v in dict(data.get("labels", {})).items()},
            statement=str(data.get("statement") or ""),
        )


def pool_from_clustering(problem_id: str, candidates: Sequence[CandidateRecord], result: Any,
                         labels: Mapping[str, bool] | None = None, statement: str = "") -> Pool:
    """A pool from a clusterer's result (anything with `.clusters`, each with `.members` and
    `.signature`, as `clustering.BehaviourClustering` gives): each candidate takes its cluster's
    signature as its outcomes, and the clusters are kept as given.

    Candidates that the clusterer did not place (they failed the public tests) keep their own record.
    """
    signature: dict[str, tuple[str | None, ...]] = {}
    groups: list[tuple[str, ...]] = []
    for cluster in getattr(result, "clusters", ()) or ():
        members = tuple(dict.fromkeys(str(m) for m in cluster.members))  # duplicates counted once
        groups.append(members)
        for m in members:
            signature[m] = tuple(cluster.signature)
    records = tuple(
        replace(c, outcomes=signature[c.id]) if c.id in signature else c for c in candidates
    )
    return Pool(problem_id, records, tuple(groups), dict(labels or {}), statement)


def pool_from_clusters(problem_id: str, candidates: Sequence[CandidateRecord],
                       members: Sequence[Sequence[str]]) -> Pool:
    """A pool whose clusters come from the clusterer (any object's member ids, as plain strings)."""
    return Pool(problem_id, tuple(candidates), tuple(tuple(str(m) for m in g) for g in members))
