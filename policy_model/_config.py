"""The model's shape: one frozen dataclass, with named presets from a test-sized model to Gemma 7B.

Every field owns its default and says why it has it. The config is saved beside the parameters in
every checkpoint (`to_json`/`from_json`), so a checkpoint can always be rebuilt without guessing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp

from policy_model.errors import PolicyError

DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """A Gemma-style decoder: RMSNorm(1+scale), RoPE, MQA/GQA, GeGLU, tied scaled embeddings."""

    vocab_size: int  # rows of the embedding; may exceed the tokenizer's size (Gemma pads to 256128)
    num_layers: int
    embed_dim: int  # d_model
    hidden_dim: int  # GeGLU width (each of the gate and up projections)
    num_heads: int
    head_dim: int
    num_kv_heads: int = 1  # 1 is multi-query attention, as Gemini and Gemma 2B use; == num_heads is MHA
    max_seq_len: int = 8192  # the longest prompt + completion the sampler accepts
    rope_base: float = 10_000.0  # RoPE wavelength base, Gemma's value
    norm_eps: float = 1e-6  # RMSNorm epsilon, Gemma's value
    dtype: str = "float32"  # parameters and activations; "bfloat16" halves memory (norms/softmax stay f32)

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise PolicyError(f"unknown dtype {self.dtype!r}", hint=f"use one of {', '.join(DTYPES)}")
        if self.num_heads % self.num_kv_heads:
            raise PolicyError(
                f"num_heads={self.num_heads} is not a multiple of num_kv_heads={self.num_kv_heads}",
                hint="grouped-query attention shares each KV head among an equal number of query heads",
            )
        for name in ("vocab_size", "num_layers", "embed_dim", "hidden_dim", "num_heads", "head_dim"):
            if getattr(self, name) <= 0:
                raise PolicyError(f"model config: {name} must be positive, got {getattr(self, name)}")

    @property
    def jnp_dtype(self) -> Any:
        return DTYPES[self.dtype]

    @property
    def num_params(self) -> int:
        """Parameter count (embedding counted once: input and output are tied)."""
        d, h = self.embed_dim, self.hidden_dim
        attn = d * (self.num_heads + 2 * self.num_kv_heads) * self.head_dim + self.num_heads * self.head_dim * d
        layer = attn + 3 * d * h + 2 * d
        return self.vocab_size * d + self.num_layers * layer + d

    def replace(self, **changes: Any) -> "ModelConfig":
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ModelConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise PolicyError(f"model config has unknown fields: {', '.join(unknown)}",
                              hint="the checkpoint was written by a newer cpagent; upgrade to read it")
        return cls(**data)


# Gemma's published shapes (gemma/transformer.py TransformerConfig); codegemma-2b shares gemma-2b's.
PRESETS: dict[str, ModelConfig] = {
    "tiny": ModelConfig(vocab_size=512, num_layers=2, embed_dim=64, hidden_dim=128, num_heads=4,
                        head_dim=16, num_kv_heads=1, max_seq_len=1024),
    "small": ModelConfig(vocab_size=32_000, num_layers=6, embed_dim=512, hidden_dim=1024, num_heads=8,
                         head_dim=64, num_kv_heads=1, max_seq_len=4096),
    "gemma-2b": ModelConfig(vocab_size=256_128, num_layers=18, embed_dim=2048, hidden_dim=16_384,
                            num_heads=8, head_dim=256, num_kv_heads=1, dtype="bfloat16"),
    "codegemma-2b": ModelConfig(vocab_size=256_128, num_layers=18, embed_dim=2048, hidden_dim=16_384,
                                num_heads=8, head_dim=256, num_kv_heads=1, dtype="bfloat16"),
    "gemma-7b": ModelConfig(vocab_size=256_128, num_layers=28, embed_dim=3072, hidden_dim=24_576,
                            num_heads=16, head_dim=256, num_kv_heads=16, dtype="bfloat16"),
}


def preset(name: str, **overrides: Any) -> ModelConfig:
    """A named preset, optionally with fields replaced (e.g. `preset("tiny", vocab_size=300)`)."""
    if name not in PRESETS:
        raise PolicyError(f"unknown model preset {name!r}", hint=f"choose one of {', '.join(PRESETS)}")
    return PRESETS[name].replace(**overrides) if overrides else PRESETS[name]
