"""The train step: masked next-token loss (likelihood or GOLD), accumulation, clipping, AdamW.

Parameters live as a nested dict of float32 arrays (master weights); the forward pass casts them to the
compute dtype (bfloat16 halves activation memory and doubles matmul speed on accelerators, while the
optimizer state and update stay float32). Micro-batches are summed with `lax.scan`, so accumulation
costs no extra memory for gradients beyond one copy; the loss is a sum over counted tokens divided by
their number across the whole step, so accumulation gives the same update as one big batch.

GOLD (Pang & He, 2021; AlphaCode section 4.3): the likelihood gradient of each target token weighted by
the model's own (stop-gradient) probability of it, tempered as max(p^alpha, beta). It concentrates
learning on solutions the model already finds likely, which suits a dataset with many valid solutions
per problem where precision matters more than recall.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax
from flax import nnx

from pretrain._config import ObjectiveConfig, OptimConfig

Params = dict[str, Any]


def to_model_tree(params: Params) -> dict[Any, Any]:
    """Our string-keyed tree -> nnx's pure dict (list indices as ints)."""
    return {
        (int(k) if k.isdigit() else k): (to_model_tree(v) if isinstance(v, dict) else v)
        for k, v in params.items()
    }


def from_model_tree(tree: dict[Any, Any]) -> Params:
    """nnx's pure dict -> string keys everywhere (Orbax and JSON need string keys)."""
    return {str(k): (from_model_tree(v) if isinstance(v, dict) else v) for k, v in tree.items()}


def split_model(model: nnx.Module) -> tuple[Any, Params]:
    graphdef, state = nnx.split(model)
    return graphdef, from_model_tree(nnx.to_pure_dict(state))


def learning_rate_schedule(cfg: OptimConfig, total_steps: int) -> optax.Schedule:
    warmup = min(cfg.warmup_steps, max(total_steps - 1, 0))
    return optax.warmup_cosine_decay_schedule(
        init_value=0.0,
        peak_value=cfg.learning_rate,
        warmup_steps=warmup,
        decay_steps=max(total_steps, warmup + 1),
        end_value=cfg.learning_rate * cfg.min_lr_ratio,
    )


def make_optimizer(cfg: OptimConfig, total_steps: int) -> optax.GradientTransformation:
    """AdamW with warmup + cosine decay, after global-norm clipping; no decay on norms (1-D params)."""
    parts = [optax.clip_by_global_norm(cfg.clip_norm)] if cfg.clip_norm > 0 else []
    parts.append(
        optax.adamw(
            learning_rate_schedule(cfg, total_steps),
            b1=cfg.b1,
            b2=cfg.b2,
            weight_decay=cfg.weight_decay,
            mask=lambda p: jax.tree.map(lambda x: x.ndim > 1, p),
        )
    )
    return optax.chain(*parts)


def token_losses(graphdef: Any, params: Params, tokens: jax.Array, compute_dtype: Any) -> jax.Array:
    """Log-probability (B, T) of each next token under the model. tokens: (B, T + 1)."""
    cast = jax.tree.map(lambda x: x.astype(compute_dtype), params)
    model = nnx.merge(graphdef, to_model_tree(cast))
    logits = model(tokens[:, :-1])  # (B, T, V) float32
    logp = jax.nn.log_softmax(logits, axis=-1)
    return jnp.take_along_axis(logp, tokens[:, 1:, None], axis=-1)[..., 0]  # (B, T)


def make_train_step(
    graphdef: Any,
    optimizer: optax.GradientTransformation,
    objective: ObjectiveConfig,
    compute_dtype: Any,
    schedule: optax.Schedule | None = None,
) -> Callable[..., Any]:
    """step(params, opt_state, tokens, mask, step) -> (params, opt_state, metrics); tokens (A, b, T + 1)."""

    def micro_loss(params: Params, tokens: jax.Array, mask: jax.Array, step: jax.Array):
        tok_lp = token_losses(graphdef, params, tokens, compute_dtype)
        w = mask[:, 1:].astype(jnp.float32)
        weight = w
        if objective.kind == "gold":
            gold = jnp.maximum(jnp.exp(tok_lp) ** objective.gold_alpha, objective.gold_beta)
            gold = jnp.where(step >= objective.gold_warmup_steps, jax.lax.stop_gradient(gold), 1.0)
            weight = w * gold
        nll = -(w * tok_lp).sum()
        return -(weight * tok_lp).sum(), (nll, w.sum())

    grad_fn = jax.grad(micro_loss, has_aux=True)

    def step_fn(params: Params, opt_state: Any, tokens: jax.Array, mask: jax.Array, step: jax.Array):
        def body(carry, batch):
            g_acc, nll_acc, n_acc = carry
            g, (nll, n) = grad_fn(params, batch[0], batch[1], step)
            return (jax.tree.map(jnp.add, g_acc, g), nll_acc + nll, n_acc + n), None

        zeros = jax.tree.map(jnp.zeros_like, params)
        (grads, nll, count), _ = jax.lax.scan(body, (zeros, jnp.float32(0), jnp.float32(0)), (tokens, mask))
        count = jnp.maximum(count, 1.0)
        grads = jax.tree.map(lambda g: g / count, grads)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        metrics = {"loss": nll / count, "grad_norm": optax.tree.norm(grads), "tokens": count}
        if schedule is not None:
            metrics["learning_rate"] = schedule(step)
        return params, opt_state, metrics

    return step_fn


def make_eval_loss(graphdef: Any, compute_dtype: Any) -> Callable[..., Any]:
    """Mean masked negative log-likelihood of a (B, T + 1) batch."""

    def fn(params: Params, tokens: jax.Array, mask: jax.Array) -> jax.Array:
        tok_lp = token_losses(graphdef, params, tokens, compute_dtype)
        w = mask[:, 1:].astype(jnp.float32)
        return -(w * tok_lp).sum() / jnp.maximum(w.sum(), 1.0)

    return fn
