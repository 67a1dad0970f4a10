"""Write trained parameters as a policy checkpoint (the sampler's format), also from multi-host runs.

`policy_model.save_checkpoint` uses an Orbax checkpointer that synchronises every JAX process; at the
end of a multi-host run only process 0 writes the export, so there it hands the gathered parameters to a
fresh single-process Python (`python -m pretrain._export`), which has no other processes to wait for.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from pretrain.errors import PretrainError


def write_policy(
    flat: dict[str, np.ndarray],
    model_config: dict[str, Any],
    tokenizer_proto: bytes,
    out: Path,
    metadata: dict[str, Any],
) -> Path:
    from flax import nnx

    from policy_model import ModelConfig, Tokenizer, Transformer, load_flat_params, save_checkpoint

    config = ModelConfig.from_json(model_config)
    model = nnx.eval_shape(lambda: Transformer(config, rngs=nnx.Rngs(0)))
    model = load_flat_params(model, flat, "trained parameters")
    return save_checkpoint(out, model, Tokenizer(tokenizer_proto), metadata=metadata, overwrite=True)


def export_policy(
    params: Any, model_config: Any, tokenizer: Any, out: Path, metadata: dict[str, Any]
) -> Path:
    """`params`: host numpy arrays in our nested string-keyed tree."""
    import jax

    from policy_model._params import flatten

    flat = {k: np.asarray(v) for k, v in flatten(params).items()}
    if jax.process_count() == 1:
        return write_policy(flat, model_config.to_json(), tokenizer.model_proto, out, metadata)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        np.savez(Path(tmp) / "params.npz", **flat)
        Path(tmp, "tokenizer.model").write_bytes(tokenizer.model_proto)
        Path(tmp, "meta.json").write_text(json.dumps({"model": model_config.to_json(), "metadata": metadata}))
        proc = subprocess.run(
            [sys.executable, "-m", "pretrain._export", tmp, str(out)],
            check=False,
            capture_output=True,
            text=True,
        )
        if proc.returncode:
            raise PretrainError(
                f"exporting the policy checkpoint failed: {proc.stderr[-500:]}",
                hint="the training checkpoints are intact; export again from them",
            )
    return out


def _main(tmp: str, out: str) -> None:
    meta = json.loads(Path(tmp, "meta.json").read_text())
    with np.load(Path(tmp, "params.npz")) as data:
        flat = {k: data[k] for k in data.files}
    write_policy(flat, meta["model"], Path(tmp, "tokenizer.model").read_bytes(), Path(out), meta["metadata"])


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2])
