"""The plain data clustering takes and gives: candidates, the problem, inputs and clusters.

Defined here rather than borrowed from `agent/` so that clustering stays below the agent layer; the
agent adapts its own types into these. Everything is frozen and serializes with `to_json()`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sandbox.checkers.spec import CheckerSpec


@dataclass(frozen=True)
class ClusterCandidate:
    """One program to cluster. `id` is the caller's name for it (kept through dedupe)."""

    id: str
    source: str
    language: str

    def program_key(self) -> str:
        """Identity for dedupe: the language plus the source with whitespace runs collapsed."""
        normalized = " ".join(self.source.split())
        return hashlib.sha256(f"{self.language}\0{normalized}".encode()).hexdigest()[:20]


@dataclass(frozen=True)
class ClusteringProblem:
    """What clustering needs to know about a problem: text for structure, examples, limits, checker."""

    statement: str = ""
    public_inputs: tuple[str, ...] = ()
    public_outputs: tuple[str, ...] = ()
    checker: CheckerSpec = field(default_factory=CheckerSpec)
    time_limit_s: float = 1.0
    memory_mb: int = 256
    input_file: str | None = None  # None: stdin
    output_file: str | None = None  # None: stdout

    def to_json(self) -> dict[str, Any]:
        return {
            "statement_chars": len(self.statement),
            "public_inputs": len(self.public_inputs),
            "checker": self.checker.to_json(),
            "time_limit_s": self.time_limit_s,
            "memory_mb": self.memory_mb,
            "input_file": self.input_file,
            "output_file": self.output_file,
        }


@dataclass(frozen=True)
class GeneratedInput:
    """One test input and where it came from (`origin`: mutation, random, boundary, model, given)."""

    text: str
    origin: str
    detail: str = ""

    @property
    def key(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]

    def to_json(self, text_limit: int = 200) -> dict[str, Any]:
        return {"key": self.key, "origin": self.origin, "detail": self.detail,
                "text": self.text[:text_limit], "chars": len(self.text)}


@dataclass(frozen=True)
class DroppedInput:
    """An input left out of every signature, and why (invalid-looking, validator, infrastructure)."""

    input: GeneratedInput
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"input": self.input.to_json(), "reason": self.reason}


@dataclass(frozen=True)
class Distinction:
    """Inputs on which a cluster behaves differently from one larger cluster (for inspection)."""

    other: int  # index of the larger cluster
    input_keys: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"other": self.other, "inputs": list(self.input_keys)}


@dataclass(frozen=True)
class Cluster:
    """Programs with one behaviour. `members` are candidate ids (duplicates included), largest first."""

    index: int
    members: tuple[str, ...]
    signature: tuple[str, ...]  # one outcome per kept input: "OK:<hash>", "RE", "TLE", "MLE", "OLE", "CE", ...
    distinctions: tuple[Distinction, ...] = ()

    @property
    def size(self) -> int:
        return len(self.members)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "size": self.size,
            "members": list(self.members),
            "signature": list(self.signature),
            "distinctions": [d.to_json() for d in self.distinctions],
        }


@dataclass(frozen=True)
class ClusteringCost:
    """What a fit spent: sandbox runs (compiles excluded), wall time, rounds, and why it stopped."""

    programs: int  # distinct programs after dedupe
    compiles: int
    runs: int
    wall_s: float
    rounds: int
    inputs_generated: int
    inputs_kept: int
    stop_reason: str

    def to_json(self) -> dict[str, Any]:
        return {"programs": self.programs, "compiles": self.compiles, "runs": self.runs,
                "wall_s": round(self.wall_s, 3), "rounds": self.rounds,
                "inputs_generated": self.inputs_generated, "inputs_kept": self.inputs_kept,
                "stop_reason": self.stop_reason}


@dataclass(frozen=True)
class ClusteringResult:
    """The whole outcome of one fit, as `cpagent clusters --json` would print it."""

    clusters: tuple[Cluster, ...]
    labels: tuple[int, ...]  # cluster index per candidate, in the order given to fit
    inputs: tuple[GeneratedInput, ...]
    dropped: tuple[DroppedInput, ...]
    cost: ClusteringCost
    reason: str = ""  # set when the outcome is degenerate (one cluster or none) and why
    notes: tuple[str, ...] = ()  # what went wrong on the way (a generator failing, a sandbox failure)

    def to_json(self) -> dict[str, Any]:
        return {
            "clusters": [c.to_json() for c in self.clusters],
            "labels": list(self.labels),
            "inputs": [i.to_json() for i in self.inputs],
            "dropped": [d.to_json() for d in self.dropped],
            "cost": self.cost.to_json(),
            "reason": self.reason,
            "notes": list(self.notes),
        }
