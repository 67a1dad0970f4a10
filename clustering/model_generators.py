"""Inputs written by the policy: ask it for a generator program, run it with different seeds.

Any object with `sample(prompt, n, options) -> Iterator[candidate]` fits (`PolicyLike`), where a
candidate has `code` and `language`; so clustering does not import `policy_model` and works with any
backend, including the `candidates` backend that replays programs from a JSONL file. The prompt is a
`TaskPrompt`, with the fields of policy_model's `PolicyPrompt` (statement, name, problem_id,
language, ...), its statement being the generator's task. A policy can also be asked for an input
validator (a program that exits 0 exactly on valid inputs).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from sandbox.backend import Backend
from sandbox.verdict import Status

from clustering.data import ClusteringProblem, GeneratedInput
from clustering.execution import InputFiles, Limits, RunCounter, compile_program, run_spec_for

GENERATOR_PROMPT = """{statement}

Write a program that prints ONE random valid input for the problem above, small enough to check by
hand (at most a few dozen numbers), respecting every constraint. The program reads an integer seed
from its first command-line argument (and also from standard input) and must print the same input
for the same seed.
"""

VALIDATOR_PROMPT = """{statement}

Write a program that reads one input of the problem above from standard input and exits with
status 0 if it satisfies every constraint of the statement, and with status 1 otherwise.
"""


@dataclass(frozen=True, kw_only=True)
class TaskPrompt:
    """What the policy is asked, shaped like policy_model's `PolicyPrompt` (duck-typed)."""

    statement: str
    name: str = ""
    problem_id: str = ""
    language: str = "python3"
    rating: int | None = None
    tags: tuple[str, ...] = ()
    examples: tuple[tuple[str, str], ...] = ()
    time_limit_s: float | None = None
    memory_mb: int | None = None


@runtime_checkable
class PolicyLike(Protocol):
    """The policy interface clustering needs (policy_model's `Policy` has this shape)."""

    def sample(self, prompt: Any, n: int, options: Any = None) -> Iterator[Any]: ...


@dataclass(frozen=True)
class ModelGeneratorConfig:
    """How many generator programs to ask for, and how many seeds to run each with."""

    programs: int = 4
    seeds_per_program: int = 8
    language: str = "python3"  # the language the generator is asked for
    time_limit_s: float = 2.0
    memory_mb: int = 256
    max_input_chars: int = 200_000


def _programs(policy: PolicyLike, prompt: TaskPrompt, n: int) -> list[tuple[str, str]]:
    out = []
    for cand in policy.sample(prompt, n, None):
        code = getattr(cand, "code", None) or getattr(cand, "source", None)
        language = getattr(cand, "language", None)
        if code and language:
            out.append((str(code), str(language)))
        if len(out) >= n:
            break
    return out


def model_inputs(policy: PolicyLike, backend: Backend, problem: ClusteringProblem, seed: int,
                 config: ModelGeneratorConfig = ModelGeneratorConfig(), cache: Any = None,
                 counter: RunCounter | None = None) -> tuple[list[GeneratedInput], list[str]]:
    """Inputs printed by policy-written generators, and notes on generators that failed."""
    notes: list[str] = []
    prompt = TaskPrompt(statement=GENERATOR_PROMPT.format(statement=problem.statement), language=config.language,
                        examples=tuple(zip(problem.public_inputs, problem.public_outputs)))
    programs = _programs(policy, prompt, config.programs)
    if not programs:
        return [], ["the policy returned no generator program"]
    rng = random.Random(seed)
    limits = Limits(config.time_limit_s, config.memory_mb)
    specs, origins = [], []
    with InputFiles() as files:
        for g, (source, language) in enumerate(programs):
            compiled = compile_program(backend, source, language, cache)
            if counter is not None:
                counter.compiles += 1
            if not compiled.ok:
                notes.append(f"generator {g}: {compiled.status.value} {compiled.message[:200]}")
                continue
            for _ in range(config.seeds_per_program):
                s = rng.randrange(1, 2**31)
                specs.append(run_spec_for(compiled, f"seed{s}", f"{s}\n", limits, files, argv=(str(s),)))
                origins.append((g, s))
        results = backend.run_batch(specs) if specs else []
    if counter is not None:
        counter.runs += len(specs)
    out, seen = [], set()
    for (g, s), result in zip(origins, results):
        text = result.stdout.decode("utf-8", errors="replace")
        if result.status is not Status.OK or not text.strip() or len(text) > config.max_input_chars:
            notes.append(f"generator {g} seed {s}: {result.status.value}{' (empty)' if result.ok else ''}")
            continue
        if text not in seen:
            seen.add(text)
            out.append(GeneratedInput(text if text.endswith("\n") else text + "\n", "model", f"generator {g} seed {s}"))
    return out, notes


def model_validator(policy: PolicyLike, backend: Backend, problem: ClusteringProblem,
                    cache: Any = None, language: str = "python3") -> tuple[str, str] | None:
    """(source, language) of a policy-written validator that accepts every public input, or None."""
    prompt = TaskPrompt(statement=VALIDATOR_PROMPT.format(statement=problem.statement), language=language)
    for source, language in _programs(policy, prompt, 2):
        verdicts = validate_inputs(backend, (source, language), list(problem.public_inputs), cache)
        if verdicts and all(verdicts):
            return source, language
    return None


def validate_inputs(backend: Backend, validator: tuple[str, str], inputs: Sequence[str], cache: Any = None,
                    counter: RunCounter | None = None) -> list[bool] | None:
    """True per input the validator accepts (exit 0); None when the validator does not compile.

    An IE run counts as accepted: the sandbox failing says nothing about the input.
    """
    compiled = compile_program(backend, validator[0], validator[1], cache)
    if not compiled.ok:
        return None
    with InputFiles() as files:
        specs = [run_spec_for(compiled, f"v{i}", text, Limits(2.0, 256), files) for i, text in enumerate(inputs)]
        results = backend.run_batch(specs) if specs else []
    if counter is not None:
        counter.runs += len(specs)
        counter.compiles += 1
    return [r.status is Status.IE or (r.status is Status.OK and r.exit_code in (0, None)) for r in results]
