"""The decoder, Gemma-style, in `flax.nnx`: the whole network in one readable place.

Runtime weights are 2-D matrices (query/key/value fused into one `(d, (H + 2K) * hd)` matrix, gate and
up fused into one `(d, 2 * hidden)` matrix): on CPU one wide matmul beats several multi-axis einsums.
Gemma's published einsum tensors are reshaped into this layout on import (`_gemma_import.py`).

Shapes: B batch, T query positions, S key positions, P prompt (prefix) positions, N decode slots,
d embed_dim, H query heads, K KV heads, G = H // K query heads per KV head, hd head_dim, V vocab.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from flax import nnx

from policy_model._config import ModelConfig

F32 = jnp.float32
KV = tuple[jax.Array, jax.Array]  # (keys, values), each (..., K, hd)


def _normal(rngs: nnx.Rngs, shape: tuple[int, ...], std: float, dtype) -> nnx.Param:
    return nnx.Param((jax.random.normal(rngs.params(), shape, F32) * std).astype(dtype))


class RMSNorm(nnx.Module):
    """Gemma's RMSNorm: the learned scale is stored as an offset from 1 (zero-initialised)."""

    def __init__(self, dim: int, eps: float, dtype) -> None:
        self.scale = nnx.Param(jnp.zeros((dim,), dtype))
        self.eps = eps

    def __call__(self, x: jax.Array) -> jax.Array:
        x32 = x.astype(F32)
        y = x32 * jax.lax.rsqrt(jnp.mean(x32 * x32, axis=-1, keepdims=True) + self.eps)
        return (y * (1.0 + self.scale[...].astype(F32))).astype(x.dtype)


def apply_rope(x: jax.Array, positions: jax.Array, base: float) -> jax.Array:
    """Rotary embedding on the two halves of the head dimension (Gemma's and HF's convention).

    x: (B, T, N, hd); positions: (B, T).
    """
    half = x.shape[-1] // 2
    timescale = base ** (2.0 * jnp.arange(half, dtype=F32) / x.shape[-1])
    angle = positions.astype(F32)[..., None] / timescale  # (B, T, hd/2)
    sin, cos = jnp.sin(angle)[..., None, :], jnp.cos(angle)[..., None, :]  # (B, T, 1, hd/2)
    x1, x2 = x[..., :half].astype(F32), x[..., half:].astype(F32)
    out = jnp.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)
    return out.astype(x.dtype)


class Attention(nnx.Module):
    """Multi-query / grouped-query attention whose cache holds only the K key/value heads."""

    def __init__(self, config: ModelConfig, *, rngs: nnx.Rngs) -> None:
        c = config
        self.config = c
        d, hd = c.embed_dim, c.head_dim
        self.qkv = _normal(rngs, (d, (c.num_heads + 2 * c.num_kv_heads) * hd), d**-0.5, c.jnp_dtype)
        self.out = _normal(rngs, (c.num_heads * hd, d), (c.num_heads * hd) ** -0.5, c.jnp_dtype)

    def _project(self, x: jax.Array, positions: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
        """x (B, T, d) -> rotated q (B, T, H, hd) scaled by hd^-0.5, rotated k and v (B, T, K, hd)."""
        c = self.config
        H, K, hd = c.num_heads, c.num_kv_heads, c.head_dim
        qkv = x @ self.qkv[...]  # (B, T, (H + 2K) hd)
        B, T = x.shape[:2]
        q = qkv[..., : H * hd].reshape(B, T, H, hd)
        k = qkv[..., H * hd : (H + K) * hd].reshape(B, T, K, hd)
        v = qkv[..., (H + K) * hd :].reshape(B, T, K, hd)
        q = apply_rope(q, positions, c.rope_base) * jnp.asarray(hd**-0.5, q.dtype)
        k = apply_rope(k, positions, c.rope_base)
        return q, k, v

    def __call__(self, x: jax.Array, positions: jax.Array, mask: jax.Array) -> tuple[jax.Array, KV]:
        """Self-attention over the whole sequence (training, scoring, prefill).

        x (B, T, d); positions (B, T); mask (B, T, S=T) True where attending is allowed.
        Returns the output (B, T, d) and this layer's keys and values (B, T, K, hd) for a cache.
        """
        c = self.config
        K, G, hd = c.num_kv_heads, c.num_heads // c.num_kv_heads, c.head_dim
        q, k, v = self._project(x, positions)
        B, T = x.shape[:2]
        q = q.reshape(B, T, K, G, hd)
        logits = jnp.einsum("btkgh,bskh->bkgts", q, k, preferred_element_type=F32)
        logits = jnp.where(mask[:, None, None], logits, jnp.finfo(F32).min)
        probs = jax.nn.softmax(logits, axis=-1).astype(v.dtype)
        attn = jnp.einsum("bkgts,bskh->btkgh", probs, v).reshape(B, T, K * G * hd)
        return attn @ self.out[...], (k, v)

    def decode(
        self, x: jax.Array, position: jax.Array, prefix: KV, prefix_valid: jax.Array, cache: KV, step: jax.Array
    ) -> tuple[jax.Array, KV]:
        """One new token per sample, attending to a shared prompt prefix and to its own past tokens.

        x (B, d); position (B,); prefix keys/values (P, K, hd) shared by every sample (the prompt is
        prefilled once and never copied per sample); prefix_valid (P,); cache keys/values (B, N, K, hd);
        step: the slot this token's key and value are written to. Returns (B, d) and the updated cache.
        """
        c = self.config
        K, G, hd = c.num_kv_heads, c.num_heads // c.num_kv_heads, c.head_dim
        B = x.shape[0]
        q, k, v = self._project(x[:, None], position[:, None])
        q = q.reshape(B, K, G, hd)
        ck = jax.lax.dynamic_update_slice_in_dim(cache[0], k, step, axis=1)  # (B, N, K, hd)
        cv = jax.lax.dynamic_update_slice_in_dim(cache[1], v, step, axis=1)
        pk, pv = prefix
        neg = jnp.finfo(F32).min
        lp = jnp.einsum("bkgh,pkh->bkgp", q, pk, preferred_element_type=F32)  # (B, K, G, P)
        lp = jnp.where(prefix_valid, lp, neg)
        lc = jnp.einsum("bkgh,bnkh->bkgn", q, ck, preferred_element_type=F32)  # (B, K, G, N)
        lc = jnp.where(jnp.arange(ck.shape[1]) <= step, lc, neg)
        probs = jax.nn.softmax(jnp.concatenate([lp, lc], axis=-1), axis=-1).astype(pv.dtype)
        P = pk.shape[0]
        attn = jnp.einsum("bkgp,pkh->bkgh", probs[..., :P], pv) + jnp.einsum("bkgn,bnkh->bkgh", probs[..., P:], cv)
        return attn.reshape(B, K * G * hd) @ self.out[...], (ck, cv)


class GeGLU(nnx.Module):
    """Gated feed-forward: gelu(x W_gate) * (x W_up), projected back down (tanh-approximate gelu)."""

    def __init__(self, config: ModelConfig, *, rngs: nnx.Rngs) -> None:
        d, h = config.embed_dim, config.hidden_dim
        self.gate_up = _normal(rngs, (d, 2 * h), d**-0.5, config.jnp_dtype)
        self.down = _normal(rngs, (h, d), h**-0.5, config.jnp_dtype)
        self.hidden = h

    def __call__(self, x: jax.Array) -> jax.Array:
        gu = x @ self.gate_up[...]
        gate, up = gu[..., : self.hidden], gu[..., self.hidden :]
        return (jax.nn.gelu(gate, approximate=True) * up) @ self.down[...]


class Block(nnx.Module):
    def __init__(self, config: ModelConfig, *, rngs: nnx.Rngs) -> None:
        self.pre_attention_norm = RMSNorm(config.embed_dim, config.norm_eps, config.jnp_dtype)
        self.attn = Attention(config, rngs=rngs)
        self.pre_ffw_norm = RMSNorm(config.embed_dim, config.norm_eps, config.jnp_dtype)
        self.mlp = GeGLU(config, rngs=rngs)


class Transformer(nnx.Module):
    """The decoder. `__call__` scores whole sequences; `prefill` and `decode` serve the sampler."""

    def __init__(self, config: ModelConfig, *, rngs: nnx.Rngs | None = None) -> None:
        rngs = rngs if rngs is not None else nnx.Rngs(0)
        self.config = config
        d = config.embed_dim
        # Tied input/output embedding; rows scaled by sqrt(d) on input, so unit-variance init.
        self.embedding = _normal(rngs, (config.vocab_size, d), d**-0.5, config.jnp_dtype)
        self.layers = nnx.List([Block(config, rngs=rngs) for _ in range(config.num_layers)])
        self.final_norm = RMSNorm(d, config.norm_eps, config.jnp_dtype)

    def _embed(self, tokens: jax.Array) -> jax.Array:
        x = jnp.take(self.embedding[...], tokens, axis=0)
        return x * jnp.asarray(math.sqrt(self.config.embed_dim), x.dtype)

    def _logits(self, x: jax.Array) -> jax.Array:
        x = self.final_norm(x)
        return jnp.matmul(x, self.embedding[...].T, preferred_element_type=F32)

    def __call__(
        self, tokens: jax.Array, positions: jax.Array | None = None, mask: jax.Array | None = None
    ) -> jax.Array:
        """Logits (B, T, V) in float32 for every position. Default: causal mask, positions 0..T-1."""
        logits, _ = self.forward_with_kv(tokens, positions, mask)
        return logits

    def forward_with_kv(
        self, tokens: jax.Array, positions: jax.Array | None = None, mask: jax.Array | None = None
    ) -> tuple[jax.Array, list[KV]]:
        B, T = tokens.shape
        if positions is None:
            positions = jnp.broadcast_to(jnp.arange(T), (B, T))
        if mask is None:
            mask = jnp.broadcast_to(jnp.tril(jnp.ones((T, T), bool)), (B, T, T))
        x = self._embed(tokens)
        kvs: list[KV] = []
        for layer in self.layers:
            h, kv = layer.attn(layer.pre_attention_norm(x), positions, mask)
            x = x + h
            x = x + layer.mlp(layer.pre_ffw_norm(x))
            kvs.append(kv)
        return self._logits(x), kvs

    def prefill(self, tokens: jax.Array, length: jax.Array) -> tuple[jax.Array, list[KV]]:
        """Run a right-padded prompt (1, P) once; return the last real position's logits (V,) and the
        per-layer keys/values (P, K, hd) that every sample then shares."""
        logits, kvs = self.forward_with_kv(tokens)
        last = jax.lax.dynamic_index_in_dim(logits[0], length - 1, axis=0, keepdims=False)
        return last, [(k[0], v[0]) for k, v in kvs]

    def decode(
        self,
        token: jax.Array,
        position: jax.Array,
        prefix: list[KV],
        prefix_valid: jax.Array,
        cache: list[KV],
        step: jax.Array,
    ) -> tuple[jax.Array, list[KV]]:
        """One step for B samples: token (B,) at position (B,) -> logits (B, V) and the new cache."""
        x = self._embed(token)  # (B, d)
        new_cache: list[KV] = []
        for layer, pre, kv in zip(self.layers, prefix, cache):
            h, kv = layer.attn.decode(layer.pre_attention_norm(x), position, pre, prefix_valid, kv, step)
            x = x + h
            x = x + layer.mlp(layer.pre_ffw_norm(x))
            new_cache.append(kv)
        return self._logits(x), new_cache

    def empty_cache(self, batch: int, slots: int) -> list[KV]:
        """Zeroed per-sample cache: (B, N, K, hd) per layer, K = num_kv_heads only (never repeated)."""
        c = self.config
        shape = (batch, slots, c.num_kv_heads, c.head_dim)
        return [(jnp.zeros(shape, c.jnp_dtype), jnp.zeros(shape, c.jnp_dtype)) for _ in range(c.num_layers)]
