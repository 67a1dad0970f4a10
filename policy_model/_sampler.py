"""Many samples of one prompt, fast: prefill once, share the prompt's cache, decode in one jitted loop.

AlphaCode-style sampling draws thousands of programs from the same prompt. So the prompt is prefilled
once (batch 1) and its keys/values are shared by every sample without being copied (the attention reads
the shared prefix and each sample's own cache side by side). The decode loop is one `lax.while_loop`
that stops as soon as every sample has finished. Prompt lengths are padded to power-of-two buckets so a
new prompt does not recompile; temperature and top-p are traced values, so a new temperature per batch
does not recompile either. Token choice is top-k first, then top-p inside the k (a full-vocabulary sort
is two orders of magnitude slower on CPU).

The log-probability reported for a sample is the model's own (temperature 1, unfiltered) log-probability
of the tokens drawn, the quantity a scorer can compare across samples drawn at different temperatures.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from policy_model._model import Transformer
from policy_model._tokenizer import Tokenizer
from policy_model.errors import PolicyError

MIN_BUCKET = 64
_MAX_STOP_SEQS, _MAX_STOP_LEN = 8, 16


@dataclass(frozen=True, kw_only=True)
class SamplingParams:
    """How tokens are chosen. `temperature` 0 is greedy; `top_k` 0 means the whole vocabulary."""

    temperature: float = 1.0
    top_k: int = 64
    top_p: float = 1.0
    max_new_tokens: int = 512
    stop: tuple[str, ...] = ()  # stop strings: generation ends at the first one (it is cut off)

    def __post_init__(self) -> None:
        if self.temperature < 0 or not 0 < self.top_p <= 1 or self.top_k < 0 or self.max_new_tokens < 1:
            raise PolicyError(
                f"bad sampling parameters: temperature={self.temperature} top_k={self.top_k} "
                f"top_p={self.top_p} max_new_tokens={self.max_new_tokens}",
                hint="temperature >= 0, top_k >= 0, 0 < top_p <= 1, max_new_tokens >= 1",
            )


@dataclass(frozen=True)
class Sample:
    text: str  # the completion, cut at the first stop string or stop token
    token_ids: tuple[int, ...]  # tokens generated, including a final stop token if one was drawn
    logprob: float  # sum of the model's log-probabilities of `token_ids`
    finish_reason: str  # "stop" (stop token or string) or "length" (max_new_tokens reached)
    token_logprobs: tuple[float, ...] = ()  # per token of `token_ids`

    @property
    def num_tokens(self) -> int:
        return len(self.token_ids)


def bucket_length(n: int) -> int:
    """The padded prompt length: the next power of two, at least MIN_BUCKET."""
    b = MIN_BUCKET
    while b < n:
        b *= 2
    return b


def choose_tokens(
    logits: jax.Array, key: jax.Array, temperature: jax.Array, top_p: jax.Array, top_k: int
) -> jax.Array:
    """Sample one token per row of logits (B, V): temperature, then top-k, then top-p within the k."""
    k = top_k if 0 < top_k < logits.shape[-1] else logits.shape[-1]
    vals, idx = jax.lax.top_k(logits, k)  # (B, k), sorted descending
    vals = vals / jnp.maximum(temperature, 1e-6)
    probs = jax.nn.softmax(vals, axis=-1)
    keep = (jnp.cumsum(probs, axis=-1) - probs) < top_p  # the first token is always kept
    vals = jnp.where(keep, vals, -jnp.inf)
    choice = jax.random.categorical(key, vals, axis=-1)
    choice = jnp.where(temperature > 0, choice, 0)  # temperature 0: greedy
    return jnp.take_along_axis(idx, choice[:, None], axis=-1)[:, 0]


@functools.partial(jax.jit, static_argnames=("graphdef",))
def _prefill(graphdef, state, tokens, length):
    model = nnx.merge(graphdef, state)
    return model.prefill(tokens, length)


@functools.partial(jax.jit, static_argnames=("graphdef", "batch", "max_new", "top_k", "vocab"))
def _generate(graphdef, state, first_logits, prefix, prompt_len, key, temperature, top_p,
              stop_ids, stop_seqs, stop_valid, *, batch, max_new, top_k, vocab):
    """The decode loop. Returns tokens (B, N), number generated (B,), token log-probs (B, N), stopped (B,)."""
    model: Transformer = nnx.merge(graphdef, state)
    P = prefix[0][0].shape[0]
    prefix_valid = jnp.arange(P) < prompt_len
    pad = jnp.int32(0)
    vocab_mask = jnp.arange(first_logits.shape[-1]) < vocab  # Gemma pads its embedding past the vocab

    def cond(c):
        t, _, _, done, *_ = c
        return (t < max_new) & ~jnp.all(done)

    def body(c):
        t, logits, tokens, done, lp, n, recent, cache, key = c  # lp: (B, N) per-token log-probs
        key, sub = jax.random.split(key)
        logits = jnp.where(vocab_mask, logits, -jnp.inf)
        tok = choose_tokens(logits, sub, temperature, top_p, top_k)
        tok_lp = jnp.take_along_axis(jax.nn.log_softmax(logits, axis=-1), tok[:, None], axis=-1)[:, 0]
        tok = jnp.where(done, pad, tok).astype(jnp.int32)
        tokens = jax.lax.dynamic_update_slice_in_dim(tokens, tok[:, None], t, axis=1)
        lp = jax.lax.dynamic_update_slice_in_dim(lp, jnp.where(done, 0.0, tok_lp)[:, None], t, axis=1)
        n = n + (~done).astype(jnp.int32)
        recent = jnp.concatenate([recent[:, 1:], tok[:, None]], axis=1)  # (B, L) last tokens
        seq_hit = jnp.all((stop_seqs[None] == recent[:, None]) | (stop_seqs[None] < 0), axis=-1)
        hit = jnp.any(tok[:, None] == stop_ids[None], axis=-1) | jnp.any(seq_hit & stop_valid[None], axis=-1)
        done = done | hit
        position = jnp.full((batch,), prompt_len + t, jnp.int32)
        logits, cache = model.decode(tok, position, prefix, prefix_valid, cache, t)
        return t + 1, logits, tokens, done, lp, n, recent, cache, key

    init = (
        jnp.int32(0),
        jnp.broadcast_to(first_logits, (batch, first_logits.shape[-1])),
        jnp.zeros((batch, max_new), jnp.int32),
        jnp.zeros((batch,), bool),
        jnp.zeros((batch, max_new), jnp.float32),
        jnp.zeros((batch,), jnp.int32),
        jnp.full((batch, stop_seqs.shape[1]), -3, jnp.int32),
        model.empty_cache(batch, max_new),
        key,
    )
    _, _, tokens, done, lp, n, *_ = jax.lax.while_loop(cond, body, init)
    return tokens, n, lp, done


class Sampler:
    """Draws samples from a Transformer, `batch_size` at a time.

    Args:
      model: the decoder.
      tokenizer: its tokenizer; its stop tokens end samples, ids past its size are never drawn. None
        samples token ids only (prompts must be ids; `Sample.text` is empty): for benchmarks and
        pretraining code that has no tokenizer at hand.
      batch_size: samples decoded together; fixed, so that every batch reuses one compiled loop.
      stop_ids: tokens that end a sample (default: the tokenizer's `<eos>`, `<end_of_turn>`, ...).
    """

    def __init__(self, model: Transformer, tokenizer: Tokenizer | None, *, batch_size: int = 16,
                 stop_ids: Sequence[int] | None = None) -> None:
        if tokenizer is not None and tokenizer.vocab_size > model.config.vocab_size:
            raise PolicyError(
                f"tokenizer has {tokenizer.vocab_size} tokens but the model only {model.config.vocab_size}",
                hint="use the tokenizer the checkpoint was trained with",
            )
        self.model, self.tokenizer, self.batch_size = model, tokenizer, batch_size
        self.config = model.config
        self._graphdef, self._state = nnx.split(model)
        if stop_ids is None:
            stop_ids = tokenizer.stop_ids if tokenizer is not None else ()
        self._stop_id_set = frozenset(int(i) for i in stop_ids)
        self._stop_ids = jnp.asarray(tuple(stop_ids) or (-1,), jnp.int32)
        self._vocab = tokenizer.vocab_size if tokenizer is not None else model.config.vocab_size
        self._prefilled: tuple[tuple[int, ...], object] | None = None  # last prompt's prefill, reused

    def _prefill_prompt(self, ids: tuple[int, ...]):
        if self._prefilled is not None and self._prefilled[0] == ids:
            return self._prefilled[1]
        padded = np.zeros((1, bucket_length(len(ids))), np.int32)
        padded[0, : len(ids)] = ids
        out = _prefill(self._graphdef, self._state, jnp.asarray(padded), jnp.int32(len(ids)))
        self._prefilled = (ids, out)
        return out

    def _stop_arrays(self, stop: Sequence[str]) -> tuple[jax.Array, jax.Array]:
        """Stop strings as right-aligned token sequences (-1 padding) for in-loop early exit."""
        seqs = np.full((_MAX_STOP_SEQS, _MAX_STOP_LEN), -1, np.int32)
        valid = np.zeros((_MAX_STOP_SEQS,), bool)
        for i, s in enumerate(s for s in stop if s and self.tokenizer is not None):
            ids = self.tokenizer.encode(s)
            if i < _MAX_STOP_SEQS and 0 < len(ids) <= _MAX_STOP_LEN:
                seqs[i, _MAX_STOP_LEN - len(ids):] = ids
                valid[i] = True
        return jnp.asarray(seqs), jnp.asarray(valid)

    def encode_prompt(self, prompt: str | Sequence[int]) -> tuple[int, ...]:
        if isinstance(prompt, str):
            if self.tokenizer is None:
                raise PolicyError("a text prompt needs a tokenizer", hint="give token ids, or a Sampler with a tokenizer")
            ids = tuple(self.tokenizer.encode(prompt, add_bos=True))
        else:
            ids = tuple(int(i) for i in prompt)
        if not ids:
            raise PolicyError("empty prompt", hint="give at least one token")
        return ids

    def sample_batch(self, prompt: str | Sequence[int], params: SamplingParams, seed: int = 0) -> list[Sample]:
        """Exactly `batch_size` samples of one prompt; the same seed gives the same samples."""
        ids = self.encode_prompt(prompt)
        if len(ids) + params.max_new_tokens > self.config.max_seq_len:
            raise PolicyError(
                f"prompt ({len(ids)} tokens) + max_new_tokens ({params.max_new_tokens}) exceeds the model's "
                f"max_seq_len {self.config.max_seq_len}",
                hint="shorten the prompt or lower max_new_tokens",
            )
        first_logits, prefix = self._prefill_prompt(ids)
        stop_seqs, stop_valid = self._stop_arrays(params.stop)
        tokens, n, lp, done = _generate(
            self._graphdef, self._state, first_logits, prefix, jnp.int32(len(ids)), jax.random.key(seed),
            jnp.float32(params.temperature), jnp.float32(params.top_p), self._stop_ids, stop_seqs, stop_valid,
            batch=self.batch_size, max_new=params.max_new_tokens, top_k=params.top_k,
            vocab=self._vocab,
        )
        tokens, n, lp, done = (np.asarray(a) for a in (tokens, n, lp, done))
        return [self._finish(tokens[i, : n[i]], lp[i, : n[i]], bool(done[i]), params.stop) for i in range(len(n))]

    def _finish(self, ids: np.ndarray, lps: np.ndarray, stopped: bool, stop: Sequence[str]) -> Sample:
        body = [int(i) for i in ids]
        text = self.tokenizer.decode([i for i in body if i not in self._stop_id_set]) if self.tokenizer else ""
        cut = min((text.find(s) for s in stop if s and s in text), default=-1)
        if cut >= 0:
            text, stopped = text[:cut], True
        return Sample(text=text, token_ids=tuple(body), logprob=float(np.sum(lps, dtype=np.float64)),
                      finish_reason="stop" if stopped else "length", token_logprobs=tuple(float(x) for x in lps))

    def sample(
        self, prompt: str | Sequence[int], n: int, params: SamplingParams, seed: int = 0
    ) -> Iterator[list[Sample]]:
        """`n` samples, streamed one batch at a time (memory stays one batch, whatever n is)."""
        done = 0
        batch_index = 0
        while done < n:
            batch = self.sample_batch(prompt, params, seed=seed * 1_000_003 + batch_index)
            take = batch[: n - done]
            done += len(take)
            batch_index += 1
            yield take
