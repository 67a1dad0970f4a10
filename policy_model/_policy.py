"""One interface for every source of candidate programs: `Policy.sample(prompt, n, options)`.

Backends (our JAX model, an OpenAI-compatible server, a file of candidates) all stream `Candidate`s,
so the pipeline neither knows nor cares where its programs come from.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from policy_model._prompt import ConditioningOptions, PolicyPrompt
from policy_model.errors import PolicyError


@dataclass(frozen=True)
class Candidate:
    """One sampled program.

    `logprob` is the model's log-probability of the generated tokens (None when the backend cannot
    tell); `meta` holds backend details (batch, temperature, conditioning, finish reason, ...).
    """

    code: str
    language: str
    logprob: float | None = None
    num_tokens: int | None = None
    backend: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "language": self.language, "logprob": self.logprob,
                "num_tokens": self.num_tokens, "backend": self.backend, "meta": dict(self.meta)}


@dataclass(frozen=True, kw_only=True)
class SampleOptions:
    """How to sample; each backend uses the fields that apply to it."""

    temperature: float = 0.8
    temperatures: tuple[float, ...] = ()  # if given, each batch draws one of these (AlphaCode 2)
    top_k: int | None = None  # None: the backend's default (jax: 64; openai: not sent)
    top_p: float = 0.95
    max_new_tokens: int = 1024
    batch_size: int = 16  # samples per model batch / per server request (`n`)
    seed: int = 0
    # Index of this call's first sample in the caller's stream. Sampling backends ignore it; a finite,
    # ordered source (the candidates file) continues from it, so batch after batch walks the whole file
    # and a resumed run asks for exactly the lines it lacks.
    offset: int = 0
    stop: tuple[str, ...] = ()  # extra stop strings
    conditioning: ConditioningOptions = field(default_factory=ConditioningOptions)
    chat: bool = False  # openai: chat completions instead of completions
    concurrency: int = 4  # openai: requests in flight
    timeout_s: float = 300.0  # openai: per request
    max_retries: int = 4  # openai: retries on 429/5xx/connection errors
    backoff_s: float = 1.0  # openai: first retry delay (doubles, with jitter)

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.concurrency < 1 or self.max_new_tokens < 1 or self.offset < 0:
            raise PolicyError("batch_size, concurrency and max_new_tokens must be at least 1, offset at least 0")
        if self.temperature < 0 or any(t < 0 for t in self.temperatures):
            raise PolicyError("temperatures must be >= 0")

    @property
    def temperature_choices(self) -> tuple[float, ...]:
        return self.temperatures or (self.temperature,)


class Policy(abc.ABC):
    """A source of candidate programs."""

    name: str = "policy"

    @abc.abstractmethod
    def sample(self, prompt: PolicyPrompt, n: int, options: SampleOptions | None = None) -> Iterator[Candidate]:
        """Up to `n` candidates for `prompt`, streamed as they are made."""

    def close(self) -> None:
        """Release resources (threads, models); the policy cannot sample afterwards."""

    def __enter__(self) -> "Policy":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
