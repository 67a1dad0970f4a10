"""Import a published Gemma / CodeGemma Flax checkpoint (the Orbax tree Google distributes).

The published tree names (flattened with "/"):
  transformer/embedder/input_embedding                (V_padded, d)
  transformer/layer_{i}/attn/q_einsum/w               (H, d, hd)          } when K < H
  transformer/layer_{i}/attn/kv_einsum/w              (2, K, d, hd)       }
  transformer/layer_{i}/attn/qkv_einsum/w             (3, H, d, hd)         when K == H (Gemma 7B)
  transformer/layer_{i}/attn/attn_vec_einsum/w        (H, hd, d)
  transformer/layer_{i}/mlp/gating_einsum             (2, d, hidden)   (gate, up)
  transformer/layer_{i}/mlp/linear                    (hidden, d)
  transformer/layer_{i}/pre_attention_norm/scale      (d,)
  transformer/layer_{i}/pre_ffw_norm/scale            (d,)
  transformer/final_norm/scale                        (d,)
The config is inferred from these shapes; the einsum tensors are reshaped into our 2-D runtime layout.
The embedding has padding rows past the tokenizer's vocabulary (256128 rows for 256000 tokens): they are
dropped when the tokenizer is known, and never sampled in any case (the sampler masks ids past it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from flax import nnx

from policy_model._checkpoint import Checkpoint, restore_flat
from policy_model._config import ModelConfig
from policy_model._model import Transformer
from policy_model._params import check_params, load_flat_params
from policy_model._tokenizer import Tokenizer
from policy_model.errors import CheckpointMismatchError, PolicyError

_LAYER = re.compile(r"^transformer/layer_(\d+)/")


def _layer_keys(i: int, fused_qkv: bool) -> list[str]:
    p = f"transformer/layer_{i}/"
    attn = [p + "attn/qkv_einsum/w"] if fused_qkv else [p + "attn/q_einsum/w", p + "attn/kv_einsum/w"]
    return attn + [p + "attn/attn_vec_einsum/w", p + "mlp/gating_einsum", p + "mlp/linear",
                   p + "pre_attention_norm/scale", p + "pre_ffw_norm/scale"]


def _strip(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Drop a leading "params/" some exports add."""
    return {k[len("params/"):] if k.startswith("params/") else k: v for k, v in flat.items()}


def infer_gemma_config(flat: Mapping[str, Any], **overrides: Any) -> ModelConfig:
    """The ModelConfig of a Gemma tree, from its shapes alone."""
    flat = _strip(flat)
    emb = flat.get("transformer/embedder/input_embedding")
    layers = {int(m.group(1)) for k in flat if (m := _LAYER.match(k))}
    if emb is None or not layers:
        raise CheckpointMismatchError(
            "not a Gemma checkpoint tree", sorted(flat)[:20],
            hint="expected transformer/embedder/input_embedding and transformer/layer_N/... keys",
        )
    vocab, d = np.shape(emb)
    p = "transformer/layer_0/"
    if p + "attn/qkv_einsum/w" in flat:
        _, heads, _, head_dim = np.shape(flat[p + "attn/qkv_einsum/w"])
        kv_heads = heads
    elif p + "attn/q_einsum/w" in flat and p + "attn/kv_einsum/w" in flat:
        heads, _, head_dim = np.shape(flat[p + "attn/q_einsum/w"])
        kv_heads = np.shape(flat[p + "attn/kv_einsum/w"])[1]
    else:
        raise CheckpointMismatchError("layer 0 has no attention weights", [k for k in flat if k.startswith(p)])
    linears = [k for k in flat if k.endswith("/mlp/linear") and _LAYER.match(k)]
    if not linears:
        raise CheckpointMismatchError("no feed-forward weights", [f"missing: {p}mlp/linear"],
                                      hint="expected transformer/layer_N/mlp/linear and mlp/gating_einsum")
    hidden = np.shape(flat[linears[0]])[0]
    dtype = "bfloat16" if "bfloat16" in str(np.asarray(emb).dtype) else "float32"
    fields: dict[str, Any] = dict(vocab_size=vocab, num_layers=max(layers) + 1, embed_dim=d, hidden_dim=hidden,
                                  num_heads=heads, head_dim=head_dim, num_kv_heads=kv_heads, dtype=dtype)
    fields.update(overrides)
    return ModelConfig(**fields)


def convert_gemma_params(flat: Mapping[str, Any], config: ModelConfig) -> dict[str, np.ndarray]:
    """Gemma tree (flat) -> our flat runtime parameters. Every key must be used, none may be missing."""
    flat = _strip(flat)
    fused = config.num_kv_heads == config.num_heads and "transformer/layer_0/attn/qkv_einsum/w" in flat
    expected: dict[str, tuple[int, ...]] = {}
    d, H, K, hd, h = config.embed_dim, config.num_heads, config.num_kv_heads, config.head_dim, config.hidden_dim
    expected["transformer/embedder/input_embedding"] = (int(np.shape(flat.get("transformer/embedder/input_embedding", np.zeros((0, d))))[0]), d)
    expected["transformer/final_norm/scale"] = (d,)
    for i in range(config.num_layers):
        shapes = ([(3, H, d, hd)] if fused else [(H, d, hd), (2, K, d, hd)]) + [
            (H, hd, d), (2, d, h), (h, d), (d,), (d,)]
        expected.update(zip(_layer_keys(i, fused), shapes))
    given = dict(flat)
    gating_t = f"transformer/layer_0/mlp/gating_einsum"
    if gating_t in given and np.shape(given[gating_t]) == (2, h, d) and h != d:  # later Gemma layout
        for i in range(config.num_layers):
            k = f"transformer/layer_{i}/mlp/gating_einsum"
            if k in given and np.shape(given[k]) == (2, h, d):
                given[k] = np.swapaxes(np.asarray(given[k]), 1, 2)
    check_params(expected, given, "Gemma checkpoint")

    out: dict[str, np.ndarray] = {}
    emb = np.asarray(given["transformer/embedder/input_embedding"])
    out["embedding"] = emb[: config.vocab_size]
    out["final_norm/scale"] = np.asarray(given["transformer/final_norm/scale"])
    for i in range(config.num_layers):
        p, q = f"transformer/layer_{i}/", f"layers/{i}/"
        if fused:
            w = np.asarray(given[p + "attn/qkv_einsum/w"])  # (3, H, d, hd)
            wq, wk, wv = w[0], w[1], w[2]
        else:
            wq = np.asarray(given[p + "attn/q_einsum/w"])  # (H, d, hd)
            kv = np.asarray(given[p + "attn/kv_einsum/w"])  # (2, K, d, hd)
            wk, wv = kv[0], kv[1]
        to2d = lambda w: np.transpose(w, (1, 0, 2)).reshape(d, -1)  # (N, d, hd) -> (d, N * hd)
        out[q + "attn/qkv"] = np.concatenate([to2d(wq), to2d(wk), to2d(wv)], axis=1)
        out[q + "attn/out"] = np.asarray(given[p + "attn/attn_vec_einsum/w"]).reshape(H * hd, d)
        gating = np.asarray(given[p + "mlp/gating_einsum"])  # (2, d, hidden): gate, up
        out[q + "mlp/gate_up"] = np.concatenate([gating[0], gating[1]], axis=1)
        out[q + "mlp/down"] = np.asarray(given[p + "mlp/linear"])
        out[q + "pre_attention_norm/scale"] = np.asarray(given[p + "pre_attention_norm/scale"])
        out[q + "pre_ffw_norm/scale"] = np.asarray(given[p + "pre_ffw_norm/scale"])
    return out


def import_gemma(
    path: str | Path, tokenizer: str | Path | Tokenizer | None = None, *, dtype: str | None = None,
    max_seq_len: int = 8192,
) -> Checkpoint:
    """Load a published Gemma/CodeGemma Flax checkpoint directory as a model (and its tokenizer).

    Args:
      path: the Orbax checkpoint directory (e.g. `2b/` of the Kaggle download).
      tokenizer: its `tokenizer.model` (default: `tokenizer.model` beside or inside `path`, if any).
      dtype: "float32" or "bfloat16" (default: the checkpoint's).
    """
    path = Path(path)
    if not path.is_dir():
        raise PolicyError(f"Gemma checkpoint not found: {path}", hint="give the checkpoint directory (e.g. .../2b)")
    if tokenizer is None:
        for cand in (path / "tokenizer.model", path.parent / "tokenizer.model"):
            if cand.is_file():
                tokenizer = cand
                break
    tok = tokenizer if isinstance(tokenizer, Tokenizer) or tokenizer is None else Tokenizer.load(tokenizer)
    flat = restore_flat(path)
    overrides: dict[str, Any] = {"max_seq_len": max_seq_len}
    if dtype is not None:
        overrides["dtype"] = dtype
    config = infer_gemma_config(flat, **overrides)
    if tok is not None:
        if tok.vocab_size > config.vocab_size:
            raise PolicyError(
                f"tokenizer has {tok.vocab_size} tokens but the checkpoint's embedding only {config.vocab_size} rows",
                hint="use the tokenizer.model published with this checkpoint",
            )
        params = convert_gemma_params(flat, config)
        config = config.replace(vocab_size=tok.vocab_size)  # drop the embedding's padding rows
        params["embedding"] = params["embedding"][: tok.vocab_size]
    else:
        params = convert_gemma_params(flat, config)
    model = nnx.eval_shape(lambda: Transformer(config, rngs=nnx.Rngs(0)))
    model = load_flat_params(model, params, str(path))
    return Checkpoint(model=model, tokenizer=tok, metadata={"source": "gemma", "path": str(path)})  # type: ignore[arg-type]
