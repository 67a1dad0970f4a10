"""Our checkpoints: config, parameters and tokenizer together in one directory, restored bit-exact.

Layout of a checkpoint directory:
  config.json       {"format": "cpagent-policy/1", "model": ModelConfig, "metadata": {...}}
  tokenizer.model   the SentencePiece model the parameters were trained with
  params/           an Orbax PyTree checkpoint of the flat parameter mapping
"""

from __future__ import annotations

import json
import shutil
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from flax import nnx

from policy_model._config import ModelConfig
from policy_model._model import Transformer
from policy_model._params import flat_params, flatten, load_flat_params
from policy_model._tokenizer import Tokenizer
from policy_model.errors import PolicyError

FORMAT = "cpagent-policy/1"


@dataclass(frozen=True)
class Checkpoint:
    model: Transformer
    tokenizer: Tokenizer
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def config(self) -> ModelConfig:
        return self.model.config


def _checkpointer():
    import orbax.checkpoint as ocp  # imported late: orbax is slow to import and only needed here

    return ocp.PyTreeCheckpointer()


def save_checkpoint(
    path: str | Path, model: Transformer, tokenizer: Tokenizer, *, metadata: Mapping[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a checkpoint directory; refuses to replace an existing one unless `overwrite`."""
    path = Path(path).resolve()
    if path.exists():
        if not overwrite:
            raise PolicyError(f"checkpoint directory exists: {path}", hint="choose a new directory or pass overwrite=True")
        shutil.rmtree(path)
    path.mkdir(parents=True)
    params = {k: np.asarray(v) for k, v in flat_params(model).items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _checkpointer().save(path / "params", params)
    tokenizer.save(path / "tokenizer.model")
    doc = {"format": FORMAT, "model": model.config.to_json(), "metadata": dict(metadata or {})}
    (path / "config.json").write_text(json.dumps(doc, indent=2) + "\n")
    return path


def read_config(path: str | Path) -> tuple[ModelConfig, dict[str, Any]]:
    path = Path(path)
    cfg = path / "config.json"
    if not cfg.is_file():
        raise PolicyError(
            f"not a cpagent checkpoint (no config.json): {path}",
            hint="give a directory written by save_checkpoint, or import a Gemma checkpoint with import_gemma",
        )
    try:
        doc = json.loads(cfg.read_text())
    except json.JSONDecodeError as exc:
        raise PolicyError(f"{cfg}: invalid JSON ({exc})", hint="the checkpoint is damaged; write it again") from exc
    if doc.get("format") != FORMAT:
        raise PolicyError(f"{cfg}: unknown format {doc.get('format')!r}", hint=f"expected {FORMAT}")
    return ModelConfig.from_json(doc["model"]), dict(doc.get("metadata", {}))


def restore_flat(path: Path) -> dict[str, Any]:
    """An Orbax PyTree checkpoint as a flat mapping of numpy arrays."""
    if not path.is_dir():
        raise PolicyError(f"no parameters at {path}", hint="the checkpoint is incomplete; write it again")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = _checkpointer().restore(path.resolve())
    return {k: np.asarray(v) for k, v in flatten(tree).items()}


def load_checkpoint(path: str | Path, *, dtype: str | None = None) -> Checkpoint:
    """Restore a checkpoint written by `save_checkpoint`; `dtype` converts the parameters on load."""
    path = Path(path)
    config, metadata = read_config(path)
    if dtype is not None:
        config = config.replace(dtype=dtype)
    tokenizer = Tokenizer.load(path / "tokenizer.model")
    model = nnx.eval_shape(lambda: Transformer(config, rngs=nnx.Rngs(0)))
    model = load_flat_params(model, restore_flat(path / "params"), str(path))
    return Checkpoint(model=model, tokenizer=tokenizer, metadata=metadata)
