"""Pretraining and fine-tuning the policy: corpus, tokenizer, sharded training, exact resume, SFT and GOLD.

This file is the package's public surface; the implementation lives in private modules, one job each.
`pretrain` builds on `policy_model` (model, tokenizer, checkpoints) and imports nothing else of ours.
JAX-heavy modules load on first use of a name that needs them, so the corpus tools stay cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pretrain.errors import PretrainError, SDCError

_EXPORTS: dict[str, str] = {
    # --- Corpus: read, filter, deduplicate, decontaminate ---------------------------------------
    "Document": "_readers",
    "read_source": "_readers",
    "detect_language": "_readers",
    "FilterConfig": "_filters",
    "rejection": "_filters",
    "DedupConfig": "_dedup",
    "Deduplicator": "_dedup",
    "EvalText": "_decontam",
    "Decontaminator": "_decontam",
    "eval_texts": "_decontam",
    "CorpusConfig": "_corpus",
    "CorpusReport": "_corpus",
    "build_corpus": "_corpus",
    "read_documents": "_corpus",
    # --- Tokenizer ---------------------------------------------------------------------------
    "train_tokenizer_on_corpus": "_tokenizer_train",
    # --- Shards and the data loader ----------------------------------------------------------
    "pack_documents": "_shards",
    "pack_examples": "_shards",
    "ShardSet": "_shards",
    "SourceSpec": "_loader",
    "MixtureLoader": "_loader",
    "mixture_weights": "_loader",
    # --- Fine-tuning data --------------------------------------------------------------------
    "read_problems": "_sft",
    "solve_examples": "_sft",
    "solve_prompt": "_sft",
    "generator_examples": "_sft",
    "ProblemRecord": "_sft",
    # --- Training ----------------------------------------------------------------------------
    "TrainConfig": "_config",
    "load_config": "_config",
    "config_from_dict": "_config",
    "make_mesh": "_sharding",
    "PARTITION_RULES": "_sharding",
    "make_optimizer": "_step",
    "make_train_step": "_step",
    "replay_check": "_sdc",
    "compare_trees": "_sdc",
    "train": "_trainer",
    "TrainResult": "_trainer",
    "read_metrics": "_metrics",
}

__all__ = sorted([*_EXPORTS, "PretrainError", "SDCError"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pretrain' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"pretrain.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from pretrain._config import TrainConfig, config_from_dict, load_config
    from pretrain._corpus import CorpusConfig, CorpusReport, build_corpus, read_documents
    from pretrain._decontam import Decontaminator, EvalText, eval_texts
    from pretrain._dedup import DedupConfig, Deduplicator
    from pretrain._filters import FilterConfig, rejection
    from pretrain._loader import MixtureLoader, SourceSpec, mixture_weights
    from pretrain._metrics import read_metrics
    from pretrain._readers import Document, detect_language, read_source
    from pretrain._sdc import compare_trees, replay_check
    from pretrain._sft import ProblemRecord, generator_examples, read_problems, solve_examples, solve_prompt
    from pretrain._sharding import PARTITION_RULES, make_mesh
    from pretrain._shards import ShardSet, pack_documents, pack_examples
    from pretrain._step import make_optimizer, make_train_step
    from pretrain._tokenizer_train import train_tokenizer_on_corpus
    from pretrain._trainer import TrainResult, train
