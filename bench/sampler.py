"""Sampler speed: our JAX sampler against Hugging Face transformers `generate()` on the same weights.

Both run the same ~30M-parameter Gemma-style network (6 layers, d_model 512, 8 heads, 1 KV head,
head_dim 64, GeGLU width 1024, vocab 32000) with the same random weights, one prompt of 64 tokens,
16 and 64 samples, 256 new tokens, temperature 0.8, top-k 50 (transformers' default, set in both),
top-p 0.95, no stop token (every sample runs the full 256 tokens in both). transformers runs with its
KV cache on, torch limited to the same CPU threads. Each figure is the best of `--repeats` timed runs
after one warm-up run (which includes our compilation, reported separately). Wall time and process CPU
time are both reported: on a shared machine the load average (printed) inflates wall time, and the CPU
time ratio is the steadier comparison.

Achieved FLOP/s counts 2 FLOPs per multiply-add of the weight matmuls (including the tied output
projection) and of attention over the cached positions; peak is estimated from the CPU flags
(AVX-512 -> 16 fp32 lanes, AVX2 -> 8), 2 FMA units per core (server Xeon cores) and the nominal
frequency (lscpu max MHz, else the model name, else BogoMIPS / 2).

  nice .venv/bin/python bench/sampler.py            # both batch sizes, about 5 minutes on 2 cores
  nice .venv/bin/python bench/sampler.py --samples 16 --repeats 1 --json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jax  # noqa: E402
import numpy as np  # noqa: E402
from flax import nnx  # noqa: E402

from policy_model import ModelConfig, Sampler, SamplingParams, Transformer, hf_config_kwargs, to_hf_state_dict  # noqa: E402

CONFIG = ModelConfig(vocab_size=32_000, num_layers=6, embed_dim=512, hidden_dim=1024, num_heads=8, head_dim=64,
                     num_kv_heads=1, max_seq_len=1024)
PROMPT_LEN, NEW_TOKENS, TEMPERATURE, TOP_K, TOP_P = 64, 256, 0.8, 50, 0.95


def peak_flops() -> tuple[float, str]:
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    lanes = 16 if " avx512f" in flags else 8 if " avx2" in flags else 4
    cores = os.cpu_count() or 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    ghz, how = 0.0, ""
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout if Path("/usr/bin/lscpu").exists() else ""
    m = re.search(r"CPU max MHz:\s*([\d.]+)", lscpu)
    if m:
        ghz, how = float(m.group(1)) / 1000, "lscpu max MHz"
    elif (m := re.search(r"model name\s*:.*@\s*([\d.]+)GHz", flags)):
        ghz, how = float(m.group(1)), "model name"
    elif (m := re.search(r"bogomips\s*:\s*([\d.]+)", flags)):
        ghz, how = float(m.group(1)) / 2000, "BogoMIPS/2"
    peak = cores * ghz * 1e9 * lanes * 2 * 2  # FMA = 2 FLOPs, 2 FMA units per core
    return peak, f"{cores} cores x {ghz:.2f} GHz ({how}) x {lanes} fp32 lanes x 2 (FMA) x 2 FMA units"


def generated_flops(config: ModelConfig, batch: int, prompt_len: int, new_tokens: int) -> float:
    """FLOPs of decoding `new_tokens` tokens for `batch` samples (the prefill is not counted)."""
    c = config
    d, hd = c.embed_dim, c.head_dim
    weights = c.num_layers * (d * (c.num_heads + 2 * c.num_kv_heads) * hd + c.num_heads * hd * d + 3 * d * c.hidden_dim)
    weights += c.vocab_size * d  # output projection
    total = 0.0
    for t in range(new_tokens):
        ctx = prompt_len + t + 1
        total += 2 * weights + c.num_layers * 2 * 2 * c.num_heads * hd * ctx
    return batch * total


def bench_ours(model: Transformer, prompt: list[int], batch: int, repeats: int) -> dict:
    sampler = Sampler(model, None, batch_size=batch, stop_ids=())
    params = SamplingParams(temperature=TEMPERATURE, top_k=TOP_K, top_p=TOP_P, max_new_tokens=NEW_TOKENS)
    t0 = time.perf_counter()
    sampler.sample_batch(prompt, params, seed=0)
    warm = time.perf_counter() - t0
    best, cpu, tokens = float("inf"), float("inf"), 0
    for r in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = sampler.sample_batch(prompt, params, seed=r + 1)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        tokens = sum(s.num_tokens for s in out)
        best, cpu = min(best, dt), min(cpu, dc)
    return {"seconds": best, "cpu_seconds": cpu, "tokens": tokens, "tokens_per_s": tokens / best,
            "tokens_per_cpu_s": tokens / cpu, "first_run_s": warm}


def bench_hf(model: Transformer, prompt: list[int], batch: int, repeats: int) -> dict | None:
    try:
        import torch
        import transformers
    except ImportError as exc:
        print(f"[INFO] transformers not measured: {exc}", file=sys.stderr)
        return None
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    hf = transformers.GemmaForCausalLM(transformers.GemmaConfig(**hf_config_kwargs(model.config))).eval()
    hf.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in to_hf_state_dict(model).items()}, strict=True)
    ids = torch.tensor([prompt] * batch)
    kw = dict(do_sample=True, temperature=TEMPERATURE, top_k=TOP_K, top_p=TOP_P, max_new_tokens=NEW_TOKENS,
              min_new_tokens=NEW_TOKENS, use_cache=True, eos_token_id=None, pad_token_id=0)
    with torch.inference_mode():
        hf.generate(ids, **{**kw, "max_new_tokens": 8, "min_new_tokens": 8})  # warm-up
        best, cpu, tokens = float("inf"), float("inf"), 0
        for r in range(repeats):
            torch.manual_seed(r)
            t0, c0 = time.perf_counter(), time.process_time()
            out = hf.generate(ids, **kw)
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            tokens = int((out.shape[1] - ids.shape[1]) * batch)
            best, cpu = min(best, dt), min(cpu, dc)
    return {"seconds": best, "cpu_seconds": cpu, "tokens": tokens, "tokens_per_s": tokens / best,
            "tokens_per_cpu_s": tokens / cpu,
            "torch": torch.__version__, "transformers": transformers.__version__}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, nargs="+", default=[16, 64])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    ap.add_argument("--no-hf", action="store_true", help="skip transformers (ours only)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    config = CONFIG.replace(dtype=args.dtype)
    model = Transformer(config, rngs=nnx.Rngs(0))
    prompt = [int(x) for x in np.random.default_rng(0).integers(4, config.vocab_size, PROMPT_LEN)]
    peak, peak_how = peak_flops()
    load = os.getloadavg()[0]
    cores = len(os.sched_getaffinity(0))
    print(f"[INFO] model: {config.num_params / 1e6:.1f}M parameters, {args.dtype}; jax {jax.__version__} "
          f"on {jax.devices()[0].platform}; load average {load:.1f}; peak estimate {peak / 1e9:.0f} GFLOP/s = {peak_how}", file=sys.stderr)
    rows = []
    for batch in args.samples:
        ours = bench_ours(model, prompt, batch, args.repeats)
        ours["gflops"] = generated_flops(config, batch, PROMPT_LEN, NEW_TOKENS) / ours["seconds"] / 1e9
        ours["fraction_of_peak"] = ours["gflops"] * 1e9 / peak
        # per CPU-second against one core's peak: steadier than wall time on a loaded, shared machine
        ours["gflops_per_cpu_s"] = generated_flops(config, batch, PROMPT_LEN, NEW_TOKENS) / ours["cpu_seconds"] / 1e9
        ours["fraction_of_core_peak"] = ours["gflops_per_cpu_s"] * 1e9 / (peak / cores)
        hf = None if args.no_hf or args.dtype != "float32" else bench_hf(model, prompt, batch, args.repeats)
        row = {"samples": batch, "ours": ours, "transformers": hf,
               "speedup": ours["tokens_per_s"] / hf["tokens_per_s"] if hf else None}
        rows.append(row)
        line = (f"samples={batch:3d}  ours {ours['tokens_per_s']:8.0f} tok/s ({ours['seconds']:.2f} s wall, "
                f"{ours['cpu_seconds']:.2f} s CPU, "
                f"{ours['gflops']:.1f} GFLOP/s = {100 * ours['fraction_of_peak']:.1f}% of peak, "
                f"{ours['gflops_per_cpu_s']:.1f} GFLOP per CPU-s = {100 * ours['fraction_of_core_peak']:.1f}% of a core's peak; "
                f"first run incl. compile {ours['first_run_s']:.1f} s)")
        if hf:
            line += (f"  |  transformers {hf['tokens_per_s']:8.0f} tok/s ({hf['seconds']:.2f} s wall, "
                     f"{hf['cpu_seconds']:.2f} s CPU)  |  speedup {row['speedup']:.2f}x wall, "
                     f"{hf['cpu_seconds'] / ours['cpu_seconds']:.2f}x CPU time")
        print(line, flush=True)
    if args.json:
        print(json.dumps({"config": config.to_json(), "peak_gflops": peak / 1e9, "peak_how": peak_how,
                          "prompt_len": PROMPT_LEN, "new_tokens": NEW_TOKENS, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
