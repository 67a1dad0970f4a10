"""Checkpoints: ours bit-exact; Gemma's published tree imported; mismatches listed, never half-loaded."""

from __future__ import annotations

import json

import jax.numpy as jnp
import numpy as np
import pytest

from policy_model import (CheckpointMismatchError, PolicyError, Sampler, SamplingParams, flat_params, import_gemma,
                          load_any_checkpoint, load_checkpoint, save_checkpoint)
from policy_model.testing import gemma_tree, tiny_config, tiny_model, tiny_tokenizer, write_gemma_checkpoint


def _bits(x) -> np.ndarray:
    a = np.asarray(x)
    return a.view(np.uint16 if a.dtype.itemsize == 2 else np.uint32)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_save_restore_bit_exact(tmp_path, dtype: str) -> None:
    model, tok = tiny_model(tiny_config(dtype=dtype)), tiny_tokenizer()
    path = save_checkpoint(tmp_path / "ckpt", model, tok, metadata={"step": 7})
    ckpt = load_checkpoint(path)
    assert ckpt.config == model.config and ckpt.metadata == {"step": 7}
    assert ckpt.tokenizer.model_proto == tok.model_proto
    a, b = flat_params(model), flat_params(ckpt.model)
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].dtype == b[k].dtype
        np.testing.assert_array_equal(_bits(a[k]), _bits(b[k]))
    with pytest.raises(PolicyError, match="exists"):
        save_checkpoint(path, model, tok)


def test_mismatched_checkpoint_lists_keys(tmp_path) -> None:
    path = save_checkpoint(tmp_path / "ckpt", tiny_model(), tiny_tokenizer())
    doc = json.loads((path / "config.json").read_text())
    doc["model"]["num_layers"] = 3
    doc["model"]["hidden_dim"] = 96
    (path / "config.json").write_text(json.dumps(doc))
    with pytest.raises(CheckpointMismatchError) as info:
        load_checkpoint(path)
    keys = info.value.mismatched
    assert "missing: layers/2/attn/qkv (64, 96)" in keys
    assert any(k.startswith("shape: layers/0/mlp/down expected (96, 64), found (128, 64)") for k in keys)
    assert "layers/2/attn/qkv" in info.value.message  # the message itself lists them


def test_not_a_checkpoint(tmp_path) -> None:
    with pytest.raises(PolicyError, match="not found"):
        load_any_checkpoint(tmp_path / "nothing")
    with pytest.raises(PolicyError, match="no config.json"):
        load_checkpoint(tmp_path)


@pytest.mark.parametrize(("kv_heads", "fused"), [(1, False), (2, False), (4, True)])
def test_import_gemma_tree(tmp_path, kv_heads: int, fused: bool) -> None:
    """A tiny checkpoint in Gemma's exact published tree (MQA, GQA, and 7B's fused qkv_einsum)."""
    source = tiny_model(tiny_config(num_kv_heads=kv_heads), seed=5)
    path = write_gemma_checkpoint(tmp_path / "2b", gemma_tree(source, padded_vocab=400, fused_qkv=fused))
    tiny_tokenizer().save(tmp_path / "tokenizer.model")  # Kaggle layout: tokenizer beside the folder
    ckpt = load_any_checkpoint(path)
    assert ckpt.config.num_kv_heads == kv_heads and ckpt.config.num_layers == 2
    assert ckpt.config.vocab_size == 384  # the 16 padding rows were dropped
    toks = jnp.asarray([[2, 40, 41, 300, 383]])
    np.testing.assert_allclose(np.asarray(ckpt.model(toks)), np.asarray(source(toks)), atol=1e-6)


def test_import_gemma_without_tokenizer_never_samples_padding(tmp_path) -> None:
    source = tiny_model(seed=6)
    path = write_gemma_checkpoint(tmp_path / "ckpt", gemma_tree(source, padded_vocab=512))
    ckpt = import_gemma(path)
    assert ckpt.tokenizer is None and ckpt.config.vocab_size == 512
    # with the tokenizer, the sampler only draws ids below its size even though the model has 512 rows
    sampler = Sampler(ckpt.model, tiny_tokenizer(), batch_size=8, stop_ids=())
    params = SamplingParams(temperature=5.0, top_k=0, max_new_tokens=16)
    ids = {i for s in sampler.sample_batch([2, 3, 4], params, seed=1) for i in s.token_ids}
    assert ids and max(ids) < 384


def test_gemma_tree_mismatch_is_listed(tmp_path) -> None:
    tree = gemma_tree(tiny_model())
    tree["transformer/layer_1/post_attention_norm"] = {"scale": np.zeros(64, np.float32)}  # a Gemma 2 key
    del tree["transformer/layer_0/mlp"]
    path = write_gemma_checkpoint(tmp_path / "g", tree)
    with pytest.raises(CheckpointMismatchError) as info:
        import_gemma(path)
    listed = "\n".join(info.value.mismatched)
    assert "unexpected: transformer/layer_1/post_attention_norm/scale" in listed
    assert "missing: transformer/layer_0/mlp/gating_einsum" in listed
    assert "missing: transformer/layer_0/mlp/linear" in listed
