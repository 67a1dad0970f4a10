"""The bridge from our problem model to the policy's plain-data prompt (policy_model never imports agent)."""

from __future__ import annotations

from typing import Any

from agent.errors import CpagentError
from agent.problems.model import Problem


def prompt_for(problem: Problem, language: str) -> Any:
    from policy_model import PolicyPrompt

    return PolicyPrompt(
        statement=problem.statement,
        name=problem.name,
        problem_id=problem.id,
        language=language,
        rating=problem.rating,
        tags=tuple(problem.tags),
        examples=tuple((t.input, t.output or "") for t in problem.public_tests),
        time_limit_s=problem.time_limit_s,
        memory_mb=problem.memory_mb,
    )


def sample_options(options: dict[str, Any], seed: int, offset: int = 0) -> Any:
    from policy_model import SampleOptions

    return SampleOptions(**{**options, "seed": seed, "offset": offset})


def open_policy(spec: str, model: str | None = None) -> Any:
    """`jax:CKPT`, `openai:URL` (with `--model`), or `candidates:FILE`."""
    try:
        from policy_model import make_policy
    except ImportError as exc:  # the model extra is not installed
        raise CpagentError(f"the policy backends need the model extra ({exc.name} is missing)",
                           hint="pip install 'cpagent[model]'") from None
    kwargs: dict[str, Any] = {}
    if model:
        kwargs["model"] = model
    return make_policy(spec, **kwargs)
