"""The decoder: presets, causality, cache equivalence, MQA/GQA cache size, dtypes, parity with HF Gemma."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from policy_model import PRESETS, ModelConfig, PolicyError, preset, to_hf_state_dict, hf_config_kwargs
from policy_model.testing import tiny_config, tiny_model


def test_presets() -> None:
    assert set(PRESETS) == {"tiny", "small", "gemma-2b", "codegemma-2b", "gemma-7b"}
    # Gemma 2B has about 2.5B parameters, 7B about 8.5B (both counted with the 256128-row embedding)
    assert 2.4e9 < preset("gemma-2b").num_params < 2.6e9
    assert 8.4e9 < preset("gemma-7b").num_params < 8.6e9
    assert 25e6 < preset("small").num_params < 35e6
    assert preset("gemma-2b").num_kv_heads == 1 and preset("gemma-7b").num_kv_heads == 16
    c = preset("tiny", num_layers=3)
    assert c.num_layers == 3 and ModelConfig.from_json(c.to_json()) == c


@pytest.mark.parametrize("bad", [dict(num_heads=4, num_kv_heads=3), dict(dtype="float16"), dict(num_layers=0)])
def test_bad_config(bad: dict) -> None:
    with pytest.raises(PolicyError):
        preset("tiny", **bad)


def test_from_json_rejects_unknown_fields() -> None:
    with pytest.raises(PolicyError, match="unknown fields"):
        ModelConfig.from_json({**preset("tiny").to_json(), "sliding_window": 4})


def test_causal() -> None:
    model = tiny_model()
    a = jnp.asarray([[2, 10, 20, 30, 40]])
    b = a.at[0, 4].set(99)
    la, lb = model(a), model(b)
    assert la.shape == (1, 5, 384) and la.dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(la[0, :4]), np.asarray(lb[0, :4]))
    assert not np.allclose(np.asarray(la[0, 4]), np.asarray(lb[0, 4]))


@pytest.mark.parametrize("kv_heads", [1, 2, 4])
def test_prefill_and_decode_match_full_forward(kv_heads: int) -> None:
    """MQA, GQA and MHA: the shared-prefix cache path gives the same logits as scoring the sequence."""
    model = tiny_model(tiny_config(num_kv_heads=kv_heads))
    seq = [2, 17, 33, 5, 71, 100, 8, 9]
    full = np.asarray(model(jnp.asarray([seq])))[0]
    P = 5
    padded = jnp.asarray([seq[:P] + [0] * 59])  # right-padded to a 64 bucket
    last, prefix = model.prefill(padded, jnp.int32(P))
    np.testing.assert_allclose(np.asarray(last), full[P - 1], atol=2e-5)
    cache = model.empty_cache(batch=3, slots=8)
    # only the KV heads are cached, never repeated to the query heads
    assert cache[0][0].shape == (3, 8, kv_heads, model.config.head_dim)
    assert prefix[0][0].shape == (64, kv_heads, model.config.head_dim)
    valid = jnp.arange(64) < P
    for step, tok in enumerate(seq[P:]):
        logits, cache = model.decode(jnp.full((3,), tok), jnp.full((3,), P + step), prefix, valid, cache,
                                     jnp.int32(step))
        for row in range(3):
            np.testing.assert_allclose(np.asarray(logits[row]), full[P + step], atol=2e-5)


def test_bfloat16_close_to_float32() -> None:
    f32 = tiny_model(tiny_config())
    bf16 = tiny_model(tiny_config(dtype="bfloat16"))
    leaves = [x.dtype for x in jax.tree.leaves(nnx.state(bf16))]
    assert set(leaves) == {jnp.dtype(jnp.bfloat16)}
    toks = jnp.asarray([[2, 10, 20, 30, 40, 50]])
    a, b = np.asarray(f32(toks)), np.asarray(bf16(toks))
    assert b.dtype == np.float32
    # same random init, rounded: the bf16 logits track the f32 ones closely
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.99


@pytest.mark.parametrize("kv_heads", [1, 2])
def test_parity_with_transformers_gemma(kv_heads: int) -> None:
    try:
        import torch
        import transformers
    except ImportError as exc:  # test-only dependencies
        print(f"SKIPPED: torch/transformers not importable ({exc})")
        pytest.skip(f"torch/transformers not importable: {exc}")
    model = tiny_model(tiny_config(num_kv_heads=kv_heads), seed=3)
    hf = transformers.GemmaForCausalLM(transformers.GemmaConfig(**hf_config_kwargs(model.config))).eval()
    missing, unexpected = hf.load_state_dict(
        {k: torch.from_numpy(v.copy()) for k, v in to_hf_state_dict(model).items()}, strict=False)
    assert not missing and not unexpected
    toks = np.random.default_rng(0).integers(0, 384, (2, 37))
    with torch.no_grad():
        ref = hf(torch.from_numpy(toks)).logits.float().numpy()
    ours = np.asarray(model(jnp.asarray(toks)))
    assert np.abs(ref).max() > 1.0  # logits of real size, not a vacuous comparison
    np.testing.assert_allclose(ours, ref, atol=1e-4, rtol=0)
