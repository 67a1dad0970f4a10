"""Tiny models, tokenizers and checkpoints for tests: hermetic, built in seconds, no network.

Public because other parts' tests (the pipeline, pretraining) need a policy to sample from too.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
from flax import nnx

from policy_model._checkpoint import save_checkpoint
from policy_model._config import ModelConfig, preset
from policy_model._model import Transformer
from policy_model._tokenizer import Tokenizer, train_code_tokenizer

# A few small programs of our own writing, enough for SentencePiece to learn code-like pieces.
_SNIPPETS = (
    "#include <bits/stdc++.h>\nusing namespace std;\n\nint main() {\n    int n;\n    cin >> n;\n"
    "    vector<long long> a(n);\n    for (auto &x : a) cin >> x;\n    cout << accumulate(a.begin(), a.end(), 0LL)"
    " << \"\\n\";\n    return 0;\n}\n",
    "import sys\n\n\ndef main():\n    data = sys.stdin.read().split()\n    n = int(data[0])\n"
    "    print(sum(map(int, data[1:n + 1])))\n\n\nif __name__ == \"__main__\":\n    main()\n",
    "#include <stdio.h>\n\nint main(void) {\n\tint a, b;\n\tscanf(\"%d %d\", &a, &b);\n"
    "\tprintf(\"%d\\n\", a + b);\n\treturn 0;\n}\n",
    "MOD = 1000000007\nprimes = [2, 3, 5, 7, 11, 13]\nx = 4 * 6 + 8 * 9\nprint(x % MOD, 2024)\n",
    "n, k = map(int, input().split())\nfor i in range(n):\n    if i % k == 0:\n        print(i)\n",
    "PROBLEM: Sum\nRATING: 800\nTAGS: math, implementation\nLANGUAGE IS C++17\n\nGiven n numbers, print"
    " their sum.\n\nCORRECT SOLUTION\n```cpp\nint main() { return 0; }\n```\n",
)


@functools.lru_cache(maxsize=4)
def tiny_tokenizer(vocab_size: int = 384) -> Tokenizer:
    """A code tokenizer trained on a handful of programs (cached per process)."""
    texts = [s * 3 for s in _SNIPPETS] * 20
    return train_code_tokenizer(texts, vocab_size)


def tiny_config(**overrides: Any) -> ModelConfig:
    return preset("tiny", vocab_size=384, **overrides)


def tiny_model(config: ModelConfig | None = None, seed: int = 0, *, random_norms: bool = True) -> Transformer:
    """A tiny random model; norm scales are random too, so tests see them used (Gemma inits them at 0)."""
    config = config or tiny_config()
    model = nnx.jit(lambda: Transformer(config, rngs=nnx.Rngs(seed)))()  # one compile, not one per op
    if random_norms:
        rng = np.random.default_rng(seed)
        for _, var in nnx.iter_graph(model):
            if isinstance(var, nnx.Param) and var[...].ndim == 1:
                var[...] = (rng.normal(size=var[...].shape) * 0.2).astype(var[...].dtype)
    return model


def tiny_checkpoint(path: str | Path, *, seed: int = 0, **config_overrides: Any) -> Path:
    """Write a tiny checkpoint (model + tokenizer) to `path` and return it."""
    return save_checkpoint(path, tiny_model(tiny_config(**config_overrides), seed), tiny_tokenizer(), overwrite=True)


def gemma_tree(model: Transformer, *, padded_vocab: int | None = None, fused_qkv: bool = False) -> dict[str, Any]:
    """`model`'s weights in the published Gemma Flax tree (top-level keys are module paths with "/"),
    with `padded_vocab - vocab` extra random embedding rows, as Google's checkpoints have."""
    c = model.config
    H, K, hd, d, h = c.num_heads, c.num_kv_heads, c.head_dim, c.embed_dim, c.hidden_dim
    from policy_model._params import flat_params

    p = {k: np.asarray(v) for k, v in flat_params(model).items()}
    emb = p["embedding"]
    if padded_vocab and padded_vocab > emb.shape[0]:
        extra = np.random.default_rng(1).normal(size=(padded_vocab - emb.shape[0], d)).astype(emb.dtype)
        emb = np.concatenate([emb, extra])
    tree: dict[str, Any] = {"transformer/embedder": {"input_embedding": emb},
                            "transformer/final_norm": {"scale": p["final_norm/scale"]}}
    for i in range(c.num_layers):
        q, g = f"layers/{i}/", f"transformer/layer_{i}/"
        qkv = p[q + "attn/qkv"]
        heads = lambda w, n: np.transpose(w.reshape(d, n, hd), (1, 0, 2))  # (d, n*hd) -> (n, d, hd)
        wq = heads(qkv[:, : H * hd], H)
        wk = heads(qkv[:, H * hd : (H + K) * hd], K)
        wv = heads(qkv[:, (H + K) * hd :], K)
        if fused_qkv:
            tree[g + "attn/qkv_einsum"] = {"w": np.stack([wq, wk, wv])}
        else:
            tree[g + "attn/q_einsum"] = {"w": wq}
            tree[g + "attn/kv_einsum"] = {"w": np.stack([wk, wv])}
        tree[g + "attn/attn_vec_einsum"] = {"w": p[q + "attn/out"].reshape(H, hd, d)}
        gu = p[q + "mlp/gate_up"]
        tree[g + "mlp"] = {"gating_einsum": np.stack([gu[:, :h], gu[:, h:]]), "linear": p[q + "mlp/down"]}
        tree[g + "pre_attention_norm"] = {"scale": p[q + "pre_attention_norm/scale"]}
        tree[g + "pre_ffw_norm"] = {"scale": p[q + "pre_ffw_norm/scale"]}
    return tree


def write_gemma_checkpoint(path: str | Path, tree: dict[str, Any]) -> Path:
    """Save a Gemma-layout tree with Orbax, as the published checkpoints are stored."""
    import warnings

    import orbax.checkpoint as ocp

    path = Path(path).resolve()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ocp.PyTreeCheckpointer().save(path, tree)
    return path
