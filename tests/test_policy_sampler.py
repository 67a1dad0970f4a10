"""The sampler: correct log-probs, greedy = argmax, top-k/top-p, stops, seeds, buckets, streaming."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from policy_model import PolicyError, Sampler, SamplingParams, bucket_length, choose_tokens
from policy_model._sampler import _generate
from policy_model.testing import tiny_model, tiny_tokenizer

PROMPT = [2, 17, 33, 5, 71, 100]
NEW = 12  # one decode length for every test: each new shape would compile the loop again


@nnx.jit
def _forward(model, tokens):
    return model(tokens)


def _logits(model, seq: list[int]) -> np.ndarray:
    """Logits of `seq`, padded to 64 positions (causal: padding after it changes nothing)."""
    padded = jnp.asarray([seq + [0] * (64 - len(seq))])
    return np.asarray(_forward(model, padded))[0, : len(seq)]


@pytest.fixture(scope="module")
def model():
    return tiny_model(seed=2)


@pytest.fixture(scope="module")
def sampler(model) -> Sampler:
    return Sampler(model, tiny_tokenizer(), batch_size=4)


def _score(model, prompt: list[int], tokens: tuple[int, ...]) -> np.ndarray:
    """Per-token log-probs of `tokens` after `prompt`, from one full forward pass."""
    logp = jax.nn.log_softmax(_logits(model, prompt + list(tokens)), axis=-1)
    return np.array([logp[len(prompt) - 1 + i, t] for i, t in enumerate(tokens)])


def test_logprobs_are_the_models(model, sampler: Sampler) -> None:
    params = SamplingParams(temperature=1.3, top_p=0.9, max_new_tokens=NEW)
    for s in sampler.sample_batch(PROMPT, params, seed=4):
        assert s.num_tokens >= 1 and len(s.token_logprobs) == s.num_tokens
        np.testing.assert_allclose(s.token_logprobs, _score(model, PROMPT, s.token_ids), atol=1e-4)
        assert s.logprob == pytest.approx(sum(s.token_logprobs), abs=1e-4)


def test_greedy_is_argmax(model, sampler: Sampler) -> None:
    params = SamplingParams(temperature=0.0, max_new_tokens=NEW)
    batch = sampler.sample_batch(PROMPT, params, seed=0)
    assert len({s.token_ids for s in batch}) == 1
    seq = list(PROMPT)
    for _ in range(batch[0].num_tokens):
        seq.append(int(np.argmax(_logits(model, seq)[-1])))
        if seq[-1] in tiny_tokenizer().stop_ids:
            break
    assert batch[0].token_ids == tuple(seq[len(PROMPT):])
    top1 = sampler.sample_batch(PROMPT, SamplingParams(temperature=1.0, top_k=1, max_new_tokens=NEW), seed=9)
    assert top1[0].token_ids == batch[0].token_ids


def test_seeded_and_reproducible(sampler: Sampler) -> None:
    params = SamplingParams(temperature=1.0, max_new_tokens=NEW)
    a = sampler.sample_batch(PROMPT, params, seed=1)
    assert a == sampler.sample_batch(PROMPT, params, seed=1)
    assert a != sampler.sample_batch(PROMPT, params, seed=2)
    assert len({s.token_ids for s in a}) > 1  # the samples of one batch differ from each other


def test_stop_tokens_and_strings(model) -> None:
    tok = tiny_tokenizer()
    everything = Sampler(model, tok, batch_size=4, stop_ids=range(384))
    for s in everything.sample_batch(PROMPT, SamplingParams(max_new_tokens=NEW), seed=0):
        assert s.num_tokens == 1 and s.finish_reason == "stop"
    plain = Sampler(model, tok, batch_size=4, stop_ids=())
    greedy = SamplingParams(temperature=0.0, max_new_tokens=NEW)
    text = plain.sample_batch(PROMPT, greedy, seed=0)[0].text
    assert len(text) > 8
    stop = text[6:9]
    cut = plain.sample_batch(PROMPT, SamplingParams(temperature=0.0, max_new_tokens=NEW, stop=(stop,)), seed=0)[0]
    assert cut.text == text[: text.find(stop)] and cut.finish_reason == "stop"
    full = plain.sample_batch(PROMPT, greedy, seed=0)[0]
    assert full.finish_reason == "length" and full.num_tokens == NEW


def test_choose_tokens_filters() -> None:
    logits = jnp.log(jnp.asarray([[0.05, 0.6, 0.3, 0.05]] * 256))
    keys = jax.random.key(0)
    top2 = np.asarray(choose_tokens(logits, keys, jnp.float32(1.0), jnp.float32(1.0), 2))
    assert set(top2) == {1, 2}
    nucleus = np.asarray(choose_tokens(logits, keys, jnp.float32(1.0), jnp.float32(0.5), 0))
    assert set(nucleus) == {1}
    nucleus = np.asarray(choose_tokens(logits, keys, jnp.float32(1.0), jnp.float32(0.85), 0))
    assert set(nucleus) == {1, 2}
    greedy = np.asarray(choose_tokens(logits, keys, jnp.float32(0.0), jnp.float32(1.0), 0))
    assert set(greedy) == {1}
    hot = np.asarray(choose_tokens(logits, keys, jnp.float32(50.0), jnp.float32(1.0), 0))
    assert set(hot) == {0, 1, 2, 3}


def test_prompt_buckets_do_not_recompile(sampler: Sampler) -> None:
    assert [bucket_length(n) for n in (1, 64, 65, 200)] == [64, 64, 128, 256]
    params = SamplingParams(temperature=0.7, max_new_tokens=NEW)
    sampler.sample_batch([2, 3], params, seed=0)
    before = _generate._cache_size()
    sampler.sample_batch([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], SamplingParams(temperature=1.2, top_p=0.8,
                                                                                max_new_tokens=NEW), seed=1)
    assert _generate._cache_size() == before


def test_streams_batches(sampler: Sampler) -> None:
    params = SamplingParams(max_new_tokens=NEW)
    stream = sampler.sample(PROMPT, 10, params, seed=3)
    first = next(stream)  # the first batch arrives before the others are drawn
    assert len(first) == 4
    assert [len(b) for b in stream] == [4, 2]


def test_too_long_prompt(sampler: Sampler) -> None:
    with pytest.raises(PolicyError, match="max_seq_len"):
        sampler.sample_batch([2] * 1000, SamplingParams(max_new_tokens=100))
    with pytest.raises(PolicyError):
        SamplingParams(top_p=0.0)
