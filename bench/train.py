"""Training throughput: our jitted JAX step against a PyTorch implementation of the same model and batch.

Both sides train the same Gemma-style decoder (RMSNorm(1+scale), RoPE, multi-query attention, GeGLU,
tied scaled embeddings) of a `policy_model` preset with AdamW on the same random token batch, float32,
on this machine's CPU; each is warmed up (compilation) and then timed over the same number of steps.
The PyTorch figure is the anchor measured in the same run. With --peak-tflops (the accelerator's peak)
the model FLOPs utilisation is printed too (6 N per token + attention), e.g. on a GPU for `small` and
`gemma-2b`.

  .venv/bin/python bench/train.py --preset small --batch 8 --seq-len 256 --steps 5
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def torch_model(cfg, torch):
    nn = torch.nn
    d, H, K, hd, h = cfg.embed_dim, cfg.num_heads, cfg.num_kv_heads, cfg.head_dim, cfg.hidden_dim

    class RMSNorm(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.zeros(d))

        def forward(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + cfg.norm_eps) * (1 + self.scale)

    def rope(x, pos):
        half = hd // 2
        ts = cfg.rope_base ** (2.0 * torch.arange(half) / hd)
        ang = pos[:, None] / ts  # (T, half)
        sin, cos = ang.sin()[None, :, None], ang.cos()[None, :, None]
        x1, x2 = x[..., :half], x[..., half:]
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.n1, self.n2 = RMSNorm(), RMSNorm()
            self.qkv = nn.Linear(d, (H + 2 * K) * hd, bias=False)
            self.out = nn.Linear(H * hd, d, bias=False)
            self.gate_up = nn.Linear(d, 2 * h, bias=False)
            self.down = nn.Linear(h, d, bias=False)

        def forward(self, x, pos):
            B, T, _ = x.shape
            qkv = self.qkv(self.n1(x))
            q = rope(qkv[..., : H * hd].view(B, T, H, hd), pos).transpose(1, 2)
            k = rope(qkv[..., H * hd : (H + K) * hd].view(B, T, K, hd), pos).transpose(1, 2)
            v = qkv[..., (H + K) * hd :].view(B, T, K, hd).transpose(1, 2)
            k, v = k.repeat_interleave(H // K, 1), v.repeat_interleave(H // K, 1)
            a = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.out(a.transpose(1, 2).reshape(B, T, H * hd))
            g, u = self.gate_up(self.n2(x)).chunk(2, -1)
            return x + self.down(torch.nn.functional.gelu(g, approximate="tanh") * u)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Parameter(torch.randn(cfg.vocab_size, d) * d**-0.5)
            self.blocks = nn.ModuleList([Block() for _ in range(cfg.num_layers)])
            self.norm = RMSNorm()

        def forward(self, tokens):
            x = self.emb[tokens] * math.sqrt(d)
            pos = torch.arange(tokens.shape[1], dtype=torch.float32)
            for b in self.blocks:
                x = b(x, pos)
            return self.norm(x) @ self.emb.T

    return Model()


def bench_torch(cfg, tokens_np, steps: int, warmup: int, threads: int) -> float:
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torch_model(cfg, torch)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.1)
    tokens = torch.from_numpy(tokens_np).long()

    def step():
        logits = model(tokens[:, :-1])
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, cfg.vocab_size), tokens[:, 1:].reshape(-1)
        )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return float(loss)

    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps


def bench_jax(cfg, tokens_np, steps: int, warmup: int) -> float:
    import jax
    import jax.numpy as jnp
    from flax import nnx

    from policy_model import Transformer
    from pretrain._config import ObjectiveConfig, OptimConfig
    from pretrain._step import make_optimizer, make_train_step, split_model

    model = nnx.jit(lambda: Transformer(cfg, rngs=nnx.Rngs(0)))()
    graphdef, params = split_model(model)
    opt = make_optimizer(OptimConfig(warmup_steps=0, learning_rate=1e-4), 1000)
    state = jax.jit(opt.init)(params)
    fn = jax.jit(make_train_step(graphdef, opt, ObjectiveConfig(), jnp.float32), donate_argnums=(0, 1))
    tok = jnp.asarray(tokens_np)[None]
    mask = jnp.ones_like(tok, dtype=jnp.uint8)
    for i in range(warmup):
        params, state, m = fn(params, state, tok, mask, jnp.int32(i))
    jax.block_until_ready(m)
    t0 = time.perf_counter()
    for i in range(steps):
        params, state, m = fn(params, state, tok, mask, jnp.int32(i))
    jax.block_until_ready(m)
    return (time.perf_counter() - t0) / steps


def model_flops_per_token(cfg, seq_len: int) -> float:
    return 6 * cfg.num_params + 12 * cfg.num_layers * seq_len * cfg.num_heads * cfg.head_dim / 2  # causal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--vocab", type=int, default=0, help="override the preset's vocabulary size")
    parser.add_argument("--layers", type=int, default=0, help="override the preset's layer count")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq-len", type=int, default=256)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--no-torch", action="store_true", help="skip the PyTorch anchor (e.g. on a GPU host)"
    )
    parser.add_argument("--peak-tflops", type=float, default=0.0, help="accelerator peak, for MFU")
    args = parser.parse_args()

    import numpy as np

    from policy_model import preset

    over = {"max_seq_len": max(args.seq_len, 1024), "dtype": "float32"}
    if args.vocab:
        over["vocab_size"] = args.vocab
    if args.layers:
        over["num_layers"] = args.layers
    cfg = preset(args.preset, **over)
    tokens = np.random.default_rng(0).integers(
        0, cfg.vocab_size, (args.batch, args.seq_len + 1), dtype=np.int32
    )
    n_tok = args.batch * args.seq_len
    print(
        f"model {args.preset}: {cfg.num_params / 1e6:.1f}M parameters; "
        f"batch {args.batch} x {args.seq_len} tokens; "
        f"{os.cpu_count()} CPUs"
    )
    import jax

    t_jax = bench_jax(cfg, tokens, args.steps, args.warmup)
    print(f"jax   ({jax.default_backend()}): {n_tok / t_jax:10.0f} tokens/s  ({t_jax * 1e3:.0f} ms/step)")
    if not args.no_torch:
        import torch

        t_torch = bench_torch(cfg, tokens, args.steps, args.warmup, threads=os.cpu_count() or 1)
        print(
            f"torch (cpu {torch.__version__}): {n_tok / t_torch:10.0f} tokens/s  "
            f"({t_torch * 1e3:.0f} ms/step)  [anchor]"
        )
        print(f"ratio jax/torch: {t_torch / t_jax:.2f}x")
    if args.peak_tflops:
        mfu = model_flops_per_token(cfg, args.seq_len) * n_tok / t_jax / (args.peak_tflops * 1e12)
        print(f"MFU: {100 * mfu:.1f}% of {args.peak_tflops} TFLOP/s")


if __name__ == "__main__":
    main()
