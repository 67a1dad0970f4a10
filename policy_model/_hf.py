"""Our parameters in Hugging Face `GemmaForCausalLM` names, as numpy arrays (no torch import here).

Used by the parity test and by bench/sampler.py to run transformers on exactly our weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from policy_model._config import ModelConfig
from policy_model._model import Transformer
from policy_model._params import flat_params


def hf_config_kwargs(config: ModelConfig) -> dict[str, Any]:
    """Keyword arguments for `transformers.GemmaConfig` describing the same network."""
    return dict(
        vocab_size=config.vocab_size, hidden_size=config.embed_dim, intermediate_size=config.hidden_dim,
        num_hidden_layers=config.num_layers, num_attention_heads=config.num_heads,
        num_key_value_heads=config.num_kv_heads, head_dim=config.head_dim, rms_norm_eps=config.norm_eps,
        rope_theta=config.rope_base, max_position_embeddings=config.max_seq_len,
        hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True, attention_bias=False,
        pad_token_id=0, eos_token_id=1, bos_token_id=2,
    )


def to_hf_state_dict(model: Transformer) -> dict[str, np.ndarray]:
    c = model.config
    H, K, hd, h = c.num_heads, c.num_kv_heads, c.head_dim, c.hidden_dim
    p = {k: np.asarray(v, dtype=np.float32) for k, v in flat_params(model).items()}
    sd = {"model.embed_tokens.weight": p["embedding"], "model.norm.weight": p["final_norm/scale"],
          "lm_head.weight": p["embedding"]}
    for i in range(c.num_layers):
        q, o = f"layers/{i}/", f"model.layers.{i}."
        qkv = p[q + "attn/qkv"]
        sd[o + "self_attn.q_proj.weight"] = qkv[:, : H * hd].T
        sd[o + "self_attn.k_proj.weight"] = qkv[:, H * hd : (H + K) * hd].T
        sd[o + "self_attn.v_proj.weight"] = qkv[:, (H + K) * hd :].T
        sd[o + "self_attn.o_proj.weight"] = p[q + "attn/out"].T
        sd[o + "mlp.gate_proj.weight"] = p[q + "mlp/gate_up"][:, :h].T
        sd[o + "mlp.up_proj.weight"] = p[q + "mlp/gate_up"][:, h:].T
        sd[o + "mlp.down_proj.weight"] = p[q + "mlp/down"].T
        sd[o + "input_layernorm.weight"] = p[q + "pre_attention_norm/scale"]
        sd[o + "post_attention_layernorm.weight"] = p[q + "pre_ffw_norm/scale"]
    return {k: np.ascontiguousarray(v) for k, v in sd.items()}
