"""The policy: a Gemma-style code model in JAX/Flax, a fast many-sample sampler, and policy backends.

This file is the package's public surface; implementation lives in private modules. `policy_model`
imports nothing else of ours. Heavy modules (JAX, Orbax) load on first use of a name that needs them,
so `from policy_model import PolicyPrompt` stays cheap for the parts that only send prompts.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from policy_model.errors import CheckpointMismatchError, PolicyError, ServerError

# Name -> private module, imported lazily on first access.
_EXPORTS: dict[str, str] = {
    # --- Configuration -------------------------------------------------------------------------
    "ModelConfig": "_config", "PRESETS": "_config", "preset": "_config",
    # --- Tokenizer -------------------------------------------------------------------------------
    "Tokenizer": "_tokenizer", "train_code_tokenizer": "_tokenizer", "CONTROL_TOKENS": "_tokenizer",
    "STOP_TOKENS": "_tokenizer",
    # --- Model -----------------------------------------------------------------------------------
    "Transformer": "_model", "RMSNorm": "_model", "Attention": "_model", "GeGLU": "_model",
    "apply_rope": "_model",
    # --- Parameters and checkpoints ----------------------------------------------------------------
    "flat_params": "_params", "load_flat_params": "_params",
    "Checkpoint": "_checkpoint", "save_checkpoint": "_checkpoint", "load_checkpoint": "_checkpoint",
    "import_gemma": "_gemma_import", "infer_gemma_config": "_gemma_import",
    "convert_gemma_params": "_gemma_import", "load_any_checkpoint": "_loading",
    "to_hf_state_dict": "_hf", "hf_config_kwargs": "_hf",
    # --- Sampler ---------------------------------------------------------------------------------
    "Sampler": "_sampler", "SamplingParams": "_sampler", "Sample": "_sampler", "choose_tokens": "_sampler",
    "bucket_length": "_sampler",
    # --- Prompts and code extraction ---------------------------------------------------------------
    "PolicyPrompt": "_prompt", "Conditioning": "_prompt", "ConditioningOptions": "_prompt",
    "BatchPlan": "_prompt", "plan_batches": "_prompt", "render_completion_prompt": "_prompt",
    "render_chat_messages": "_prompt", "LANGUAGE_NAMES": "_prompt",
    "extract_code": "_extract", "Extracted": "_extract",
    # --- Backends ----------------------------------------------------------------------------------
    "Candidate": "_policy", "SampleOptions": "_policy", "Policy": "_policy",
    "JaxPolicy": "_jax_policy", "OpenAIPolicy": "_openai_policy", "CandidatesPolicy": "_candidates_policy",
    "make_policy": "_factory",
    # --- Server ------------------------------------------------------------------------------------
    "PolicyServer": "_server", "make_server": "_server",
}

__all__ = sorted([*_EXPORTS, "PolicyError", "CheckpointMismatchError", "ServerError"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'policy_model' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"policy_model.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from policy_model._candidates_policy import CandidatesPolicy
    from policy_model._checkpoint import Checkpoint, load_checkpoint, save_checkpoint
    from policy_model._config import PRESETS, ModelConfig, preset
    from policy_model._extract import Extracted, extract_code
    from policy_model._factory import make_policy
    from policy_model._gemma_import import convert_gemma_params, import_gemma, infer_gemma_config
    from policy_model._hf import hf_config_kwargs, to_hf_state_dict
    from policy_model._jax_policy import JaxPolicy
    from policy_model._loading import load_any_checkpoint
    from policy_model._model import Attention, GeGLU, RMSNorm, Transformer, apply_rope
    from policy_model._openai_policy import OpenAIPolicy
    from policy_model._params import flat_params, load_flat_params
    from policy_model._policy import Candidate, Policy, SampleOptions
    from policy_model._prompt import (LANGUAGE_NAMES, BatchPlan, Conditioning, ConditioningOptions, PolicyPrompt,
                                      plan_batches, render_chat_messages, render_completion_prompt)
    from policy_model._sampler import Sample, Sampler, SamplingParams, bucket_length, choose_tokens
    from policy_model._server import PolicyServer, make_server
    from policy_model._tokenizer import CONTROL_TOKENS, STOP_TOKENS, Tokenizer, train_code_tokenizer
