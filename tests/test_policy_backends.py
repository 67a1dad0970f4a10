"""Backends behind one interface: prompts and per-batch conditioning, candidates files, the jax model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policy_model import (Candidate, CandidatesPolicy, ConditioningOptions, JaxPolicy, OpenAIPolicy, PolicyError,
                          PolicyPrompt, SampleOptions, make_policy, plan_batches, render_chat_messages,
                          render_completion_prompt)
from policy_model._prompt import Conditioning
from policy_model.testing import tiny_checkpoint

PROMPT = PolicyPrompt(statement="Given two integers, print their sum.", name="A+B", problem_id="cf/1A",
                      language="cpp17", rating=800, tags=("math", "implementation"),
                      examples=(("1 2\n", "3\n"),), time_limit_s=1.0, memory_mb=256)


def test_completion_prompt_states_the_conditioning() -> None:
    text = render_completion_prompt(PROMPT, Conditioning(language="cpp17", rating=1900, tags=("dp",)))
    assert "RATING: 1900" in text and "TAGS: dp" in text and "LANGUAGE IS C++17" in text
    assert "Given two integers" in text and "1 2" in text and "3" in text
    assert text.endswith("```cpp\n")  # the model continues inside an open code fence
    msgs = render_chat_messages(PROMPT, Conditioning(language="python3"))
    assert [m["role"] for m in msgs] == ["system", "user"] and "Python 3" in msgs[1]["content"]


def test_plan_batches_randomizes_per_batch_and_is_seeded() -> None:
    opts = ConditioningOptions(randomize_rating=True, randomize_tags=True)
    plans = list(plan_batches(PROMPT, 50, 8, seed=1, temperatures=(0.2, 0.6, 1.0), conditioning=opts))
    assert [p.size for p in plans] == [8] * 6 + [2]
    assert plans == list(plan_batches(PROMPT, 50, 8, seed=1, temperatures=(0.2, 0.6, 1.0), conditioning=opts))
    assert len({p.temperature for p in plans}) > 1 and {p.temperature for p in plans} <= {0.2, 0.6, 1.0}
    assert len({p.conditioning.rating for p in plans}) > 1
    assert all(800 <= p.conditioning.rating <= 3500 and p.conditioning.rating % 100 == 0 for p in plans)
    assert len({p.conditioning.tags for p in plans}) > 1
    assert len({p.seed for p in plans}) == len(plans)
    fixed = list(plan_batches(PROMPT, 20, 8, seed=1, temperatures=(0.8,), conditioning=ConditioningOptions()))
    assert {(p.temperature, p.conditioning.rating, p.conditioning.tags) for p in fixed} == {
        (0.8, 800, ("math", "implementation"))}


def _write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_candidates_file(tmp_path) -> None:
    path = _write_jsonl(tmp_path / "c.jsonl", [
        {"code": "int main(){}", "language": "cpp17", "logprob": -3.5, "num_tokens": 7, "source": "run-1"},
        {"code": "print(3)", "language": "python3", "problem_id": "cf/1A"},
        {"code": "other problem", "problem_id": "cf/2B"},
        "",
        {"code": "int main(){return 0;}"},
    ])
    policy = make_policy(f"candidates:{path}")
    got = list(policy.sample(PROMPT, 10))
    assert [c.code for c in got] == ["int main(){}", "print(3)", "int main(){return 0;}"]
    assert got[0] == Candidate(code="int main(){}", language="cpp17", logprob=-3.5, num_tokens=7,
                               backend="candidates", meta={"line": 1, "source": "run-1"})
    assert got[2].language == "cpp17" and got[2].logprob is None  # default: the prompt's language
    assert len(list(policy.sample(PROMPT, 2))) == 2


def test_candidates_file_errors(tmp_path) -> None:
    with pytest.raises(PolicyError, match="not found"):
        CandidatesPolicy(tmp_path / "missing.jsonl")
    bad = _write_jsonl(tmp_path / "bad.jsonl", [{"code": "x"}, "{not json"])
    with pytest.raises(PolicyError, match=r"bad.jsonl:2: invalid JSON"):
        list(CandidatesPolicy(bad).sample(PROMPT, 5))
    nocode = _write_jsonl(tmp_path / "nocode.jsonl", [{"program": "x"}])
    with pytest.raises(PolicyError, match='no "code"'):
        list(CandidatesPolicy(nocode).sample(PROMPT, 5))


@pytest.mark.parametrize("spec", ["", "jax", "gpt:model", "openai:", "openai:ftp://x", "candidates:x.jsonl"])
def test_make_policy_bad_specs(spec: str) -> None:
    with pytest.raises(PolicyError) as info:
        make_policy(spec)
    assert info.value.hint or "not found" in info.value.message


def test_make_policy_kinds(tmp_path) -> None:
    p = make_policy("openai:http://127.0.0.1:9/", model="m")
    assert isinstance(p, OpenAIPolicy) and p.base_url == "http://127.0.0.1:9/v1"
    assert make_policy("openai:http://h:1/api/v1").base_url == "http://h:1/api/v1"


def test_jax_policy_end_to_end(tmp_path) -> None:
    ckpt = tiny_checkpoint(tmp_path / "ckpt")
    policy = make_policy(f"jax:{ckpt}")
    assert isinstance(policy, JaxPolicy)
    opts = SampleOptions(batch_size=4, max_new_tokens=12, temperatures=(0.5, 1.0), seed=3,
                         conditioning=ConditioningOptions(randomize_rating=True))
    stream = policy.sample(PROMPT, 6, opts)
    first = next(stream)
    rest = list(stream)
    got = [first, *rest]
    assert len(got) == 6
    assert all(c.backend == "jax" and c.language == "cpp17" and c.num_tokens >= 1 for c in got)
    assert all(c.logprob is not None and c.logprob < 0 for c in got)
    assert [c.meta["batch"] for c in got] == [0, 0, 0, 0, 1, 1]
    assert {c.meta["finish_reason"] for c in got} <= {"stop", "length"}
    again = list(policy.sample(PROMPT, 6, opts))
    assert [c.code for c in again] == [c.code for c in got]  # same seed, same programs
