"""Open a checkpoint directory whichever kind it is: ours (config.json) or a published Gemma tree."""

from __future__ import annotations

from pathlib import Path

from policy_model._checkpoint import Checkpoint, load_checkpoint
from policy_model._gemma_import import import_gemma
from policy_model.errors import PolicyError


def load_any_checkpoint(path: str | Path, *, dtype: str | None = None) -> Checkpoint:
    path = Path(path)
    if not path.exists():
        raise PolicyError(f"checkpoint not found: {path}",
                          hint="give a directory written by save_checkpoint or a Gemma checkpoint directory")
    if (path / "config.json").is_file():
        return load_checkpoint(path, dtype=dtype)
    ckpt = import_gemma(path, dtype=dtype)
    if ckpt.tokenizer is None:
        raise PolicyError(f"no tokenizer.model beside the Gemma checkpoint {path}",
                          hint="put the published tokenizer.model in the checkpoint directory or its parent")
    return ckpt
