"""Parameters as a flat `{"layers/0/attn/qkv": array}` mapping, loaded strictly.

Every checkpoint format (ours, Gemma's, Hugging Face's) converts to or from this flat form, and every
load goes through `load_flat_params`, which refuses anything but an exact match of names and shapes:
a partial load would give a model that runs and samples garbage without a word.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from policy_model._model import Transformer
from policy_model.errors import CheckpointMismatchError


def flatten(tree: Mapping[Any, Any], prefix: str = "") -> dict[str, Any]:
    """A nested mapping as {"a/b/c": leaf}; keys may already contain "/" (Gemma's do)."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "/"))
        else:
            out[name] = value
    return out


def flat_params(model: Transformer) -> dict[str, jax.Array]:
    return flatten(nnx.to_pure_dict(nnx.state(model, nnx.Param)))


def param_shapes(model: Transformer) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in flat_params(model).items()}


def check_params(
    expected: Mapping[str, tuple[int, ...]], given: Mapping[str, Any], source: str
) -> None:
    """Raise CheckpointMismatchError listing every missing, unexpected or wrongly shaped key."""
    problems = [f"missing: {k} {expected[k]}" for k in sorted(set(expected) - set(given))]
    problems += [f"unexpected: {k} {tuple(np.shape(given[k]))}" for k in sorted(set(given) - set(expected))]
    problems += [
        f"shape: {k} expected {expected[k]}, found {tuple(np.shape(given[k]))}"
        for k in sorted(set(expected) & set(given))
        if tuple(np.shape(given[k])) != tuple(expected[k])
    ]
    if problems:
        raise CheckpointMismatchError(
            f"{source}: parameters do not fit the model ({len(problems)} mismatched keys)",
            problems,
            hint="check that the checkpoint and the model config belong together; nothing was loaded",
        )


def load_flat_params(model: Transformer, given: Mapping[str, Any], source: str) -> Transformer:
    """Copy `given` into `model` (cast to the model's dtype) after an exact name and shape check."""
    check_params(param_shapes(model), given, source)
    state = nnx.state(model, nnx.Param)
    pure = nnx.to_pure_dict(state)

    def fill(node: dict, prefix: str) -> None:
        for key in node:
            name = f"{prefix}{key}"
            if isinstance(node[key], dict):
                fill(node[key], name + "/")
            else:
                node[key] = jnp.asarray(given[name], dtype=node[key].dtype)

    fill(pure, "")
    nnx.replace_by_pure_dict(state, pure)
    nnx.update(model, state)
    return model
