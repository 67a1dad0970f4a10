"""`train(config)`: the whole training run, top to bottom, the same for pretraining and fine-tuning.

1. data      pack each source into shards under RUN_DIR/data (once; cached by content key)
2. model     a fresh preset (pretraining) or a policy checkpoint (fine-tuning), float32 master weights
3. mesh      parameters and batch placed by the partitioning rules; the step jitted with those shardings
4. resume    from the last checkpoint: parameters, optimizer state, loader position (bit-exact)
5. loop      batch -> (optional SDC replay) -> step -> metrics -> asynchronous checkpoint
6. export    a policy checkpoint (policy_model format) the sampler and `cpagent solve` can load
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from policy_model import Tokenizer, Transformer, load_checkpoint, preset
from pretrain._ckpt import TrainCheckpoints
from pretrain._config import DataSource, TrainConfig
from pretrain._corpus import read_documents
from pretrain._export import export_policy
from pretrain._hosts import is_collective_failure, peer_failure
from pretrain._loader import MixtureLoader, SourceSpec
from pretrain._metrics import MetricsLog
from pretrain._sdc import replay_check
from pretrain._sft import encode_examples, generator_examples, read_problems, solve_examples
from pretrain._sharding import (
    batch_sharding,
    make_mesh,
    param_shardings,
    put_global,
    replicated,
    state_shardings,
)
from pretrain._shards import ShardSet, pack_documents, pack_examples, tokenizer_digest
from pretrain._step import from_model_tree, learning_rate_schedule, make_optimizer, make_train_step
from pretrain.errors import PretrainError

DEFAULT_GENERATOR_PROMPT = (
    "{statement}\n\nWrite a program that prints ONE random valid input for the problem above."
)


# Config fields a resume may change: how long to train, how often to log, save and check, where the run
# lives and which mesh it runs on (Orbax restores onto the new shardings). Everything else (model, data,
# optimizer, objective) must match the checkpoint.
_RESUMABLE_CHANGES = ("steps", "log_every", "checkpoint", "sdc_every", "export", "run_dir", "mesh")


@dataclass(frozen=True)
class TrainResult:
    run_dir: str
    steps: int
    resumed_from: int | None
    final_loss: float
    tokens: int
    export: str | None
    metrics: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


# --- 1. data ---------------------------------------------------------------------------------------


def _source_key(src: DataSource, cfg: TrainConfig, digest: str) -> str:
    parts = {
        "source": src.__dict__,
        "seq_len": cfg.data.seq_len,
        "tokenizer": digest,
        "mode": cfg.mode,
        "finetune": cfg.finetune.__dict__ if cfg.mode == "finetune" else None,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]


def prepare_source(src: DataSource, cfg: TrainConfig, tokenizer: Tokenizer, data_dir: Path) -> ShardSet:
    """Shards for one source, packed on first use and re-used while the source and tokenizer stay the same."""
    digest = tokenizer_digest(tokenizer.model_proto)
    out = data_dir / f"{src.name}-{_source_key(src, cfg, digest)}"
    if not (out / "manifest.json").is_file():
        try:
            _pack_source(src, cfg, tokenizer, out)
        except PretrainError as exc:
            raise PretrainError(f"data source {src.name!r}: {exc.message}", hint=exc.hint) from exc
    shards = ShardSet(out)
    if shards.info.tokenizer != digest:
        raise PretrainError(f"{out} was packed with another tokenizer", hint="delete it to pack again")
    return shards


def _pack_source(src: DataSource, cfg: TrainConfig, tokenizer: Tokenizer, out: Path) -> None:
    """Pack one source: a corpus (documents end to end) or problem files (one example per row)."""
    if bool(src.corpus) == bool(src.problems):
        raise PretrainError(
            f"data source {src.name!r} must name exactly one of corpus or problems",
            hint="pretraining sources name a corpus directory; fine-tuning ones problem files",
        )
    if src.corpus:
        texts = (d["text"] for d in read_documents(src.corpus, src.languages))
        pack_documents(texts, tokenizer, cfg.data.seq_len, out)
    else:
        problems = [p for f in src.problems for p in read_problems(f)]
        if cfg.finetune.task == "solve":
            pairs = solve_examples(problems, include_incorrect=cfg.finetune.include_incorrect)
        elif cfg.finetune.task == "generate_inputs":
            pairs = generator_examples(problems, cfg.finetune.generator_prompt or DEFAULT_GENERATOR_PROMPT)
        else:
            raise PretrainError(
                f"unknown finetune.task {cfg.finetune.task!r}",
                hint="use solve or generate_inputs (the scorer head: task scorer, via the CLI)",
            )
        pack_examples(
            encode_examples(pairs, tokenizer, cfg.finetune.statement_tokens), tokenizer, cfg.data.seq_len, out
        )


# --- 2. model --------------------------------------------------------------------------------------


def build_model(cfg: TrainConfig) -> tuple[Any, Tokenizer, dict[str, Any] | None, Any]:
    """(model config, tokenizer, initial parameters or None for a fresh init, graphdef)."""
    if cfg.init_from:
        ckpt = load_checkpoint(cfg.init_from, dtype="float32")
        graphdef, params = nnx.split(ckpt.model)
        return ckpt.config, ckpt.tokenizer, from_model_tree(nnx.to_pure_dict(params)), graphdef
    if cfg.mode == "finetune":
        raise PretrainError(
            "fine-tuning needs init_from: a policy checkpoint to start from",
            hint="set init_from to the `policy` directory a pretraining run exported",
        )
    if not cfg.tokenizer:
        raise PretrainError(
            "the config names no tokenizer", hint="train one: cpagent tokenizer train CORPUS -o tok.model"
        )
    tokenizer = Tokenizer.load(cfg.tokenizer)
    # The preset's max_seq_len is what the sampler will accept later (RoPE has no learned positions);
    # it is raised only when training sequences are longer.
    overrides = {
        "vocab_size": tokenizer.vocab_size,
        "max_seq_len": max(cfg.data.seq_len, preset(cfg.model).max_seq_len),
        **cfg.model_overrides,
        "dtype": "float32",
    }
    try:
        mcfg = preset(cfg.model, **overrides)
    except TypeError as exc:
        raise PretrainError(f"model_overrides: {exc}", hint="use ModelConfig field names") from exc
    graphdef, _ = nnx.split(nnx.eval_shape(lambda: Transformer(mcfg, rngs=nnx.Rngs(0))))
    return mcfg, tokenizer, None, graphdef


def _init_params(mcfg: Any, seed: int, shardings: Any) -> dict[str, Any]:
    def init() -> dict[str, Any]:
        return from_model_tree(nnx.to_pure_dict(nnx.state(Transformer(mcfg, rngs=nnx.Rngs(seed)))))

    return jax.jit(init, out_shardings=shardings)()


# --- the run ---------------------------------------------------------------------------------------


def train(
    cfg: TrainConfig, *, resume: bool = False, devices: list[Any] | None = None, progress: bool = True
) -> TrainResult:
    run_dir = Path(cfg.run_dir)
    primary = jax.process_index() == 0
    ckpts = TrainCheckpoints(
        run_dir / "checkpoints", keep=cfg.checkpoint.keep, async_save=cfg.checkpoint.async_save
    )
    latest = ckpts.latest()
    if latest is not None and not resume:
        raise PretrainError(
            f"{run_dir} already holds checkpoints (last at step {latest})",
            hint="add --resume to continue that run, or choose another run_dir",
        )
    if latest is not None:
        saved = ckpts.read_config(latest)
        mine = cfg.to_json()
        differs = sorted(
            k
            for k in mine
            if k not in _RESUMABLE_CHANGES
            and saved.get(k) != mine[k]
        )
        if differs:
            raise PretrainError(
                f"the config differs from the checkpoint's in: {', '.join(differs)}",
                hint="resume with the config the run started with (see RUN_DIR/config.json)",
            )

    # 1-2. model and data
    mcfg, tokenizer, params, graphdef = build_model(cfg)
    if primary:
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "config.json").write_text(
            json.dumps({"train": cfg.to_json(), "model": mcfg.to_json()}, indent=2) + "\n"
        )
        sets = [prepare_source(s, cfg, tokenizer, run_dir / "data") for s in cfg.data.sources]
    _barrier("cpagent-data-packed", cfg.run_dir)
    if not primary:
        sets = [prepare_source(s, cfg, tokenizer, run_dir / "data") for s in cfg.data.sources]
    if max(len(s) for s in sets) == 0:
        raise PretrainError("the data sources hold no rows", hint="check the corpus")
    specs = [
        SourceSpec(name=s.name, weight=s.weight, final_weight=s.final_weight, ramp_start=s.ramp_start)
        for s in cfg.data.sources
    ]
    loader = MixtureLoader(sets, specs, batch_size=cfg.batch_size, total_steps=cfg.steps, seed=cfg.data.seed)

    # 3. mesh and shardings
    mesh = make_mesh(cfg.mesh, devices)
    accum = cfg.optim.accum_steps
    micro = cfg.batch_size // accum
    bsh = batch_sharding(mesh, cfg.batch_size, micro)
    abstract = (
        params
        if params is not None
        else jax.eval_shape(
            lambda: from_model_tree(nnx.to_pure_dict(nnx.state(Transformer(mcfg, rngs=nnx.Rngs(cfg.seed)))))
        )
    )
    psh = param_shardings(abstract, mesh)
    if params is None:
        params = _init_params(mcfg, cfg.seed, psh)
    else:
        params = jax.tree.map(lambda x, s: put_global(np.asarray(x, np.float32), s), params, psh)
    optimizer = make_optimizer(cfg.optim, cfg.steps)
    osh = state_shardings(jax.eval_shape(optimizer.init, params), mesh)
    opt_state = jax.jit(optimizer.init, out_shardings=osh)(params)
    compute = jnp.bfloat16 if cfg.compute_dtype == "bfloat16" else jnp.float32
    schedule = learning_rate_schedule(cfg.optim, cfg.steps)
    step_fn = jax.jit(
        make_train_step(graphdef, optimizer, cfg.objective, compute, schedule),
        in_shardings=(psh, osh, bsh, bsh, replicated(mesh)),
        out_shardings=(psh, osh, replicated(mesh)),
    )

    # 4. resume
    start = 0
    if latest is not None:
        params, opt_state, loader_state, _extra = ckpts.restore(latest, params, opt_state)
        loader.set_state(loader_state)
        start = latest
    log = MetricsLog(
        run_dir / "metrics.jsonl", resume_step=start, total=cfg.steps, enabled=primary, progress=progress
    )

    # 5. loop. Compiled ahead of time, then every process waits for the others: a host that compiles
    # more slowly must not make the first collective time out on the fast ones.
    T = loader.seq_len + 1
    abstract_batch = jax.ShapeDtypeStruct((accum, micro, T), np.int32, sharding=bsh)
    abstract_mask = jax.ShapeDtypeStruct((accum, micro, T), np.uint8, sharding=bsh)
    step_fn = step_fn.lower(params, opt_state, abstract_batch, abstract_mask, np.int32(0)).compile()
    _barrier("cpagent-step-compiled", cfg.run_dir)
    last_loss, tokens_seen = float("nan"), 0
    every = cfg.checkpoint.every
    # Throughput is measured between logged steps: dispatch is asynchronous, so one step's wall time alone
    # would include whatever earlier steps were still queued.
    t_log, logged = time.perf_counter(), start
    step = start
    try:
        for step in range(start, cfg.steps):
            tokens, mask = loader.next_batch()
            tok = put_global(tokens.reshape(accum, micro, T), bsh)
            msk = put_global(mask.reshape(accum, micro, T), bsh)
            args = (params, opt_state, tok, msk, np.int32(step))
            if cfg.sdc_every and step % cfg.sdc_every == 0:
                params, opt_state, metrics = replay_check(step_fn, args, step)
            else:
                params, opt_state, metrics = step_fn(*args)
            done = step + 1
            if done % cfg.log_every == 0 or done == cfg.steps:
                m = jax.device_get(metrics)
                now = time.perf_counter()
                per_step = (now - t_log) / (done - logged)
                t_log, logged = now, done
                last_loss = float(m["loss"])
                tokens_seen = int(m["tokens"])
                log.write(
                    {
                        "step": done,
                        "loss": last_loss,
                        "learning_rate": float(m["learning_rate"]),
                        "grad_norm": float(m["grad_norm"]),
                        "tokens": tokens_seen,
                        "tokens_per_s": tokens_seen / per_step if per_step > 0 else 0.0,
                        "time_s": round(per_step, 4),  # wall seconds per step since the last record
                    }
                )
            log.advance()
            if (every and done % every == 0) or done == cfg.steps:
                ckpts.save(done, params, opt_state, loader.get_state(), cfg.to_json(), {"loss": last_loss})
        ckpts.wait()
    except (jax.errors.JaxRuntimeError, ValueError) as exc:
        # Orbax's own cross-process sync during a save reports a vanished peer as a ValueError from Gloo.
        if jax.process_count() == 1 or not is_collective_failure(exc):
            raise
        raise peer_failure(exc, f"at step {step + 1}", cfg.run_dir) from None
    finally:
        log.close()
        if jax.process_count() == 1 or sys.exc_info()[0] is None:
            ckpts.close()  # with a failed peer, closing would wait on it: the process exits instead

    # 6. export
    export = None
    if cfg.export:
        _barrier("cpagent-trained", cfg.run_dir)
        try:
            host = _gather(params)  # every process takes part in the gather; process 0 writes
        except jax.errors.JaxRuntimeError as exc:
            if jax.process_count() == 1:
                raise
            raise peer_failure(exc, "gathering the parameters", cfg.run_dir) from None
        if primary:
            export = str(
                export_policy(
                    host,
                    mcfg,
                    tokenizer,
                    run_dir / cfg.export,
                    {"trained_by": "cpagent train", "mode": cfg.mode, "steps": cfg.steps},
                )
            )
    return TrainResult(
        run_dir=str(run_dir),
        steps=cfg.steps,
        resumed_from=latest,
        final_loss=last_loss,
        tokens=tokens_seen,
        export=export,
        metrics=str(run_dir / "metrics.jsonl"),
    )


def _barrier(name: str, run_dir: str) -> None:
    """Wait for every process (through the coordination service, not a device collective, so there is
    no short collective timeout while another host is still packing data or compiling). A process that
    dies meanwhile fails the barrier once its heartbeats stop (see `_hosts`)."""
    if jax.process_count() > 1:
        from jax._src import distributed

        try:
            distributed.global_state.client.wait_at_barrier(name, timeout_in_ms=30 * 60 * 1000)
        except Exception as exc:  # the runtime raises its own status errors here
            raise peer_failure(exc, f"waiting for the other processes ({name})", run_dir) from None


def _gather(tree: Any) -> Any:
    """Host numpy copies of (possibly multi-process) sharded arrays."""
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        return jax.tree.map(np.asarray, multihost_utils.process_allgather(tree, tiled=True))
    return jax.tree.map(np.asarray, jax.device_get(tree))
