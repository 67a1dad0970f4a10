"""The neural scorer: a classification head on the policy's decoder, fine-tuned in JAX.

AlphaCode 2 fine-tuned Gemini to estimate how likely a sampled program is correct; this is that idea
on our own decoder (`policy_model.Transformer`). The input is the problem statement (truncated) and
the program, joined by a separator token; the decoder's final hidden state at the last real token (a
causal model has read everything there) goes through one linear layer to a logit of P(correct). The
whole network is fine-tuned with AdamW on binary cross-entropy.

The backbone is a policy checkpoint (`checkpoint=DIR`, the normal case: its tokenizer comes with it)
or, without one, a freshly initialised model of a preset with a code tokenizer trained on the training
programs; that is the from-scratch baseline, and what the tests use.

A trained scorer is a directory: `scorer.json` (format version, model config, parameters of the
scorer, metrics, training data identity), `tokenizer.model` and `params.npz` (the flat parameters of
backbone and head). `load_neural_scorer` refuses another format version with a ScorerError.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scorer.errors import ScorerError

FORMAT = "cpagent-neural-scorer"
FORMAT_VERSION = 1
_BUCKET = 64  # sequence lengths are padded to multiples of this, so training compiles a few shapes only


@dataclass(frozen=True)
class NeuralExample:
    """One (problem, program, correct?) example; `correct` is None when unknown (scoring only)."""

    problem_id: str
    statement: str
    code: str
    correct: bool | None = None


def _jax() -> Any:
    """JAX, Flax and the policy model, imported on first use: they are slow to import and optional."""
    try:
        import jax  # noqa: F401
        import optax  # noqa: F401
        from flax import nnx  # noqa: F401

        import policy_model  # noqa: F401
    except ImportError as exc:  # pragma: no cover - only without the model extra
        raise ScorerError(f"the neural scorer needs JAX, Flax, optax and policy_model ({exc})",
                          hint="pip install 'cpagent[model]'") from exc
    return jax


def _build_classifier(config: Any, seed: int) -> Any:
    """A Flax module: the policy decoder plus a linear head on its last hidden state."""
    import jax
    import jax.numpy as jnp
    from flax import nnx

    from policy_model import Transformer

    class Classifier(nnx.Module):
        def __init__(self, rngs: nnx.Rngs) -> None:
            self.backbone = Transformer(config, rngs=rngs)
            self.head = nnx.Linear(config.embed_dim, 1, rngs=rngs)

        def __call__(self, tokens: jax.Array, lengths: jax.Array) -> jax.Array:
            """tokens (B, T) right-padded, lengths (B,) -> logits (B,)."""
            model = self.backbone
            B, T = tokens.shape
            positions = jnp.broadcast_to(jnp.arange(T), (B, T))
            mask = jnp.broadcast_to(jnp.tril(jnp.ones((T, T), bool)), (B, T, T))
            x = model._embed(tokens)  # (B, T, d); the decoder's own embedding scale
            for layer in model.layers:
                h, _ = layer.attn(layer.pre_attention_norm(x), positions, mask)
                x = x + h
                x = x + layer.mlp(layer.pre_ffw_norm(x))
            x = model.final_norm(x)
            last = jnp.take_along_axis(x, (lengths - 1)[:, None, None], axis=1)[:, 0]  # (B, d)
            return self.head(last.astype(jnp.float32))[:, 0]

    return Classifier(nnx.Rngs(seed))


def _flatten(tree: dict, prefix: str = "") -> dict[str, Any]:
    """A nested parameter dict as {"backbone/layers/0/attn/qkv": leaf}."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        out.update(_flatten(value, name + "/") if isinstance(value, dict) else {name: value})
    return out


def _flat(module: Any) -> dict[str, np.ndarray]:
    from flax import nnx

    return {k: np.asarray(v) for k, v in _flatten(nnx.to_pure_dict(nnx.state(module, nnx.Param))).items()}


def _load_flat(module: Any, given: dict[str, np.ndarray], source: str) -> None:
    """Copy parameters into `module` after an exact name and shape check (never a partial load)."""
    import jax.numpy as jnp
    from flax import nnx

    state = nnx.state(module, nnx.Param)
    pure = nnx.to_pure_dict(state)
    expected = {k: tuple(v.shape) for k, v in _flatten(pure).items()}
    bad = sorted(set(expected) ^ set(given)) + sorted(
        k for k in set(expected) & set(given) if tuple(given[k].shape) != tuple(expected[k]))
    if bad:
        raise ScorerError(f"{source}: parameters do not fit the scorer model ({len(bad)} keys: {', '.join(bad[:5])})",
                          hint="the file was written by another version; train it again with cpagent train-scorer")

    def fill(node: dict, prefix: str) -> None:
        for key in node:
            name = f"{prefix}{key}"
            if isinstance(node[key], dict):
                fill(node[key], name + "/")
            else:
                node[key] = jnp.asarray(given[name], dtype=node[key].dtype)

    fill(pure, "")
    nnx.replace_by_pure_dict(state, pure)
    nnx.update(module, state)


class NeuralScorer:
    """P(correct) from (statement, program) with a fine-tuned decoder (scikit-learn estimator face).

    Args:
        checkpoint: a policy checkpoint directory to start from; None trains a fresh `preset` model.
        preset: the policy preset of a fresh backbone (`tiny` for tests, `small` for CPU experiments).
        vocab_size: pieces of the tokenizer trained for a fresh backbone.
        max_len: tokens per example (statement and program together).
        statement_tokens: at most this many tokens of the statement; the program gets the rest.
        epochs, batch_size, learning_rate, weight_decay: AdamW fine-tuning.
        seed: initialisation and shuffling.
    """

    def __init__(self, checkpoint: str | None = None, preset: str = "tiny", vocab_size: int = 1024,
                 max_len: int = 512, statement_tokens: int = 128, epochs: int = 2, batch_size: int = 8,
                 learning_rate: float = 3e-4, weight_decay: float = 0.01, seed: int = 0) -> None:
        self.checkpoint = checkpoint
        self.preset = preset
        self.vocab_size = vocab_size
        self.max_len = max_len
        self.statement_tokens = statement_tokens
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.seed = seed

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "checkpoint", "preset", "vocab_size", "max_len", "statement_tokens", "epochs", "batch_size",
            "learning_rate", "weight_decay", "seed")}

    # -- encoding ----------------------------------------------------------------------------
    def _encode(self, examples: Sequence[NeuralExample]) -> tuple[np.ndarray, np.ndarray]:
        """Right-padded token ids (n, T) with T a bucket multiple, and real lengths (n,)."""
        tok = self.tokenizer_
        sep = tok.special_id("<start_of_turn>")
        sep = tok.eos_id if sep is None else sep
        rows = []
        for ex in examples:
            head = [tok.bos_id] + tok.encode(ex.statement)[: self.statement_tokens] + [sep]
            ids = (head + tok.encode(ex.code))[: self.max_len]
            rows.append(ids)
        width = max((len(r) for r in rows), default=1)
        width = min(self.max_len, _BUCKET * math.ceil(width / _BUCKET))
        tokens = np.full((len(rows), width), tok.pad_id, dtype=np.int32)
        for i, r in enumerate(rows):
            tokens[i, : len(r)] = r
        return tokens, np.asarray([len(r) for r in rows], dtype=np.int32)

    # -- training ----------------------------------------------------------------------------
    def _backbone(self, examples: Sequence[NeuralExample]) -> None:
        from policy_model import load_any_checkpoint, train_code_tokenizer
        from policy_model import preset as policy_preset

        if self.checkpoint:
            # Ours or a published Gemma/CodeGemma checkpoint (with its tokenizer.model).
            ckpt = load_any_checkpoint(self.checkpoint)
            self.tokenizer_ = ckpt.tokenizer
            self.config_ = ckpt.config
            self.model_ = _build_classifier(self.config_, self.seed)
            _load_flat(self.model_.backbone, _flat(ckpt.model), str(self.checkpoint))
            self.backbone_source_ = str(self.checkpoint)
        else:
            texts = [ex.code for ex in examples] + [ex.statement for ex in examples[:500]]
            self.tokenizer_ = train_code_tokenizer(texts, self.vocab_size)
            self.config_ = policy_preset(self.preset, vocab_size=self.tokenizer_.vocab_size,
                                         max_seq_len=max(self.max_len, _BUCKET))
            self.model_ = _build_classifier(self.config_, self.seed)
            self.backbone_source_ = f"fresh:{self.preset}"

    def fit(self, examples: Sequence[NeuralExample],
            validation: Sequence[NeuralExample] = ()) -> "NeuralScorer":
        """Fine-tune on labelled examples; `validation` (other problems) is measured after each epoch."""
        _jax()
        import jax
        import jax.numpy as jnp
        import optax
        from flax import nnx

        train = [ex for ex in examples if ex.correct is not None]
        if not train or len({ex.correct for ex in train}) < 2:
            raise ScorerError("the neural scorer needs correct and incorrect labelled programs",
                              hint="train on a dataset with accepted and rejected submissions")
        self._backbone(train)
        tokens, lengths = self._encode(train)
        labels = np.asarray([float(ex.correct) for ex in train], dtype=np.float32)
        optimizer = nnx.Optimizer(
            self.model_, optax.adamw(self.learning_rate, weight_decay=self.weight_decay), wrt=nnx.Param)

        @nnx.jit
        def step(model: Any, opt: Any, t: jax.Array, n: jax.Array, y: jax.Array) -> jax.Array:
            def loss_fn(m: Any) -> jax.Array:
                return optax.sigmoid_binary_cross_entropy(m(t, n), y).mean()

            loss, grads = nnx.value_and_grad(loss_fn)(model)
            opt.update(model, grads)
            return loss

        rng = np.random.default_rng(self.seed)
        self.history_: list[dict[str, float]] = []
        for epoch in range(self.epochs):
            order = rng.permutation(len(train))
            losses = []
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                # Trim each batch to its own longest example (bucketed), so short programs run fast.
                width = min(tokens.shape[1], _BUCKET * math.ceil(int(lengths[idx].max()) / _BUCKET))
                losses.append(float(step(self.model_, optimizer, jnp.asarray(tokens[idx, :width]),
                                         jnp.asarray(lengths[idx]), jnp.asarray(labels[idx]))))
            record = {"epoch": float(epoch + 1), "train_loss": float(np.mean(losses))}
            if validation:
                record.update({f"val_{k}": v for k, v in self.evaluate(validation).items()})
            self.history_.append(record)
        self.n_train_ = len(train)
        digest = hashlib.sha256()
        for ex in train:
            digest.update(f"{ex.problem_id}\0{ex.correct}\0{ex.code}\0".encode())
        self.data_identity_ = digest.hexdigest()[:16]
        return self

    # -- scoring -----------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise ScorerError("this neural scorer is not trained yet",
                              hint="call fit(...) or load_neural_scorer(path)")

    def predict_proba(self, examples: Sequence[NeuralExample]) -> np.ndarray:
        """(n, 2) probabilities of [incorrect, correct]; no examples give an empty (0, 2) array."""
        self._check_fitted()
        if not examples:
            return np.zeros((0, 2))
        import jax
        import jax.numpy as jnp
        from flax import nnx

        @nnx.jit
        def forward(model: Any, t: jax.Array, n: jax.Array) -> jax.Array:
            return jax.nn.sigmoid(model(t, n))

        tokens, lengths = self._encode(examples)
        out = []
        for start in range(0, len(examples), max(self.batch_size, 16)):
            sl = slice(start, start + max(self.batch_size, 16))
            out.append(np.asarray(forward(self.model_, jnp.asarray(tokens[sl]), jnp.asarray(lengths[sl]))))
        p = np.concatenate(out).astype(np.float64)
        return np.stack([1 - p, p], axis=1)

    def evaluate(self, examples: Sequence[NeuralExample]) -> dict[str, float]:
        """Log loss, AUC and per-problem top-1 on labelled examples (as the feature scorer reports)."""
        from scorer.learned import ranking_metrics

        labelled = [ex for ex in examples if ex.correct is not None]
        if not labelled:
            return {}
        p = self.predict_proba(labelled)[:, 1]
        y = np.asarray([int(bool(ex.correct)) for ex in labelled])
        return ranking_metrics(y, p, [ex.problem_id for ex in labelled])

    # -- persistence -------------------------------------------------------------------------
    def save(self, path: str | Path, extra: dict[str, Any] | None = None) -> Path:
        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "params": self.get_params(),
            "model_config": self.config_.to_json(), "backbone": self.backbone_source_,
            "history": self.history_, "n_train": self.n_train_, "data_identity": self.data_identity_,
            "extra": dict(extra or {}),
        }
        np.savez(path / "params.npz", **_flat(self.model_))
        self.tokenizer_.save(path / "tokenizer.model")
        (path / "scorer.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
        return path


def is_neural_scorer_dir(path: str | Path) -> bool:
    return (Path(path) / "scorer.json").is_file()


def load_neural_scorer(path: str | Path) -> NeuralScorer:
    """Load a saved neural scorer; refuse another format version or a damaged directory."""
    _jax()
    from flax import nnx

    from policy_model import ModelConfig, Tokenizer

    path = Path(path)
    hint = "train one with: cpagent train-scorer DATASET --kind neural -o DIR"
    try:
        meta = json.loads((path / "scorer.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ScorerError(f"{path} is not a readable neural scorer ({exc})", hint=hint) from exc
    if meta.get("format") != FORMAT:
        raise ScorerError(f"{path} is not a cpagent neural scorer", hint=hint)
    if meta.get("format_version") != FORMAT_VERSION:
        raise ScorerError(f"{path} is a neural scorer of format version {meta.get('format_version')}, "
                          f"this cpagent reads version {FORMAT_VERSION}", hint="retrain it: " + hint)
    scorer = NeuralScorer(**meta["params"])
    try:
        scorer.config_ = ModelConfig.from_json(meta["model_config"])
        scorer.tokenizer_ = Tokenizer.load(path / "tokenizer.model")
        with np.load(path / "params.npz") as data:
            flat = {k: data[k] for k in data.files}
    except Exception as exc:  # noqa: BLE001 - any damaged part is the same user error
        raise ScorerError(f"{path}: damaged neural scorer ({type(exc).__name__}: {exc})", hint=hint) from exc
    scorer.model_ = nnx.eval_shape(lambda: _build_classifier(scorer.config_, 0))
    _load_flat(scorer.model_, flat, str(path))
    scorer.backbone_source_ = meta.get("backbone", "")
    scorer.history_ = meta.get("history", [])
    scorer.n_train_ = meta.get("n_train", 0)
    scorer.data_identity_ = meta.get("data_identity", "")
    return scorer
