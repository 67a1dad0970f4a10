"""Where candidates come from: a policy (a model, a server, a file) or a problem's own known submissions.

A source yields samples by index so that a resumed run asks only for the indices it lacks, and a seeded
source gives the same sample for the same index after a restart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from agent.errors import CpagentError
from agent.problems.model import Problem


@dataclass(frozen=True)
class Sample:
    code: str
    language: str
    logprob: float | None = None
    num_tokens: int | None = None
    label: str | None = None  # "correct" / "incorrect" when the source knows (datasets)
    meta: dict[str, Any] = field(default_factory=dict)


class CandidateSource(Protocol):
    name: str

    def total(self, problem: Problem, requested: int) -> int:
        """How many samples this source will give for the problem when `requested` are asked for."""

    def samples(self, problem: Problem, start: int, stop: int, seed: int) -> Iterator[tuple[int, Sample]]:
        """Samples with indices in [start, stop), in index order."""


class DatasetSource:
    """The problem's own accepted and rejected submissions, labelled: `--policy dataset`.

    They come in a seeded random order, not the dataset's (accepted first): every stage that breaks ties by
    sample order would otherwise learn the labels from the order.
    """

    name = "dataset"

    def total(self, problem: Problem, requested: int) -> int:
        n = len(problem.submissions)
        return n if requested <= 0 else min(n, requested)

    @staticmethod
    def order(problem: Problem, seed: int) -> list[int]:
        import random

        order = list(range(len(problem.submissions)))
        random.Random(f"{seed}/{problem.id}").shuffle(order)
        return order

    def samples(self, problem: Problem, start: int, stop: int, seed: int) -> Iterator[tuple[int, Sample]]:
        order = self.order(problem, seed)
        for index in range(start, min(stop, len(problem.submissions))):
            sub = problem.submissions[order[index]]
            label = None if sub.correct is None else ("correct" if sub.correct else "incorrect")
            yield index, Sample(sub.code, sub.language, label=label,
                                meta={"name": sub.name, "expected": sub.expected})


def batch_seed(seed: int, problem_id: str, batch: int) -> int:
    """A seed per (run seed, problem, batch): a resumed run re-draws exactly the batch it lost."""
    digest = hashlib.sha256(f"{seed}/{problem_id}/{batch}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


class PolicySource:
    """Samples from a `policy_model` Policy, in fixed-size seeded batches."""

    def __init__(self, policy: Any, *, batch_size: int = 32, language: str = "cpp17",
                 options: dict[str, Any] | None = None) -> None:
        self.policy = policy
        self.name = f"policy:{getattr(policy, 'name', type(policy).__name__)}"
        self.batch_size = batch_size
        self.language = language
        self.options = options or {}

    def total(self, problem: Problem, requested: int) -> int:
        if requested <= 0:
            raise CpagentError("a policy needs a number of samples", hint="pass -n SAMPLES")
        return requested

    def samples(self, problem: Problem, start: int, stop: int, seed: int) -> Iterator[tuple[int, Sample]]:
        from agent.policy_adapter import prompt_for, sample_options

        prompt = prompt_for(problem, self.language)
        first_batch = start // self.batch_size
        for batch in range(first_batch, (stop + self.batch_size - 1) // self.batch_size):
            lo = batch * self.batch_size
            hi = min(lo + self.batch_size, stop)
            options = sample_options(self.options, seed=batch_seed(seed, problem.id, batch), offset=lo)
            for offset, cand in enumerate(self.policy.sample(prompt, hi - lo, options)):
                index = lo + offset
                if index >= hi:
                    break
                if index < start:
                    continue  # already stored before a restart
                yield index, Sample(cand.code, cand.language or self.language, cand.logprob,
                                    getattr(cand, "num_tokens", None), None, dict(getattr(cand, "meta", {}) or {}))
