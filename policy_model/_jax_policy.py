"""The `jax` backend: our own model (or an imported Gemma) sampled in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from policy_model._checkpoint import Checkpoint
from policy_model._extract import extract_code
from policy_model._loading import load_any_checkpoint
from policy_model._policy import Candidate, Policy, SampleOptions
from policy_model._prompt import COMPLETION_STOP, PolicyPrompt, plan_batches, render_completion_prompt
from policy_model._sampler import Sampler, SamplingParams

DEFAULT_TOP_K = 64


class JaxPolicy(Policy):
    name = "jax"

    def __init__(self, checkpoint: Checkpoint | str | Path, *, dtype: str | None = None) -> None:
        self.checkpoint = checkpoint if isinstance(checkpoint, Checkpoint) else load_any_checkpoint(checkpoint, dtype=dtype)
        self._samplers: dict[int, Sampler] = {}

    def sampler(self, batch_size: int) -> Sampler:
        if batch_size not in self._samplers:
            self._samplers[batch_size] = Sampler(self.checkpoint.model, self.checkpoint.tokenizer, batch_size=batch_size)
        return self._samplers[batch_size]

    def sample(self, prompt: PolicyPrompt, n: int, options: SampleOptions | None = None) -> Iterator[Candidate]:
        o = options or SampleOptions()
        sampler = self.sampler(o.batch_size)
        plans = plan_batches(prompt, n, o.batch_size, seed=o.seed, temperatures=o.temperature_choices,
                             conditioning=o.conditioning)
        for plan in plans:
            text = render_completion_prompt(prompt, plan.conditioning)
            params = SamplingParams(temperature=plan.temperature, top_k=DEFAULT_TOP_K if o.top_k is None else o.top_k,
                                    top_p=o.top_p, max_new_tokens=o.max_new_tokens, stop=COMPLETION_STOP + o.stop)
            for i, s in enumerate(sampler.sample_batch(text, params, seed=plan.seed)[: plan.size]):
                code = extract_code(s.text, prompt.language, open_fence=True)
                yield Candidate(
                    code=code.code, language=code.language or prompt.language, logprob=s.logprob,
                    num_tokens=s.num_tokens, backend=self.name,
                    meta={"batch": plan.index, "index": i, "temperature": plan.temperature,
                          "rating": plan.conditioning.rating, "tags": list(plan.conditioning.tags),
                          "finish_reason": s.finish_reason, "seed": plan.seed},
                )
