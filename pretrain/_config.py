"""The training configuration: frozen dataclasses read from a JSON or YAML file, every field defaulted.

Unknown keys are errors (a misspelt `warmup_step` would otherwise silently train with the default).
The resolved configuration is written to `RUN_DIR/config.json` and saved inside every checkpoint, so a
run can be reproduced and a resume with a different model or data is refused.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pretrain.errors import PretrainError


@dataclass(frozen=True, kw_only=True)
class DataSource:
    """One source of the mixture. Exactly one of `corpus` (pretraining) or `problems` (fine-tuning)."""

    name: str
    corpus: str = ""  # a directory written by `cpagent corpus`
    languages: tuple[str, ...] = ()  # keep only these languages of the corpus (empty: all)
    problems: tuple[str, ...] = ()  # problem JSONL files (fine-tuning)
    weight: float = 1.0
    final_weight: float | None = None  # the weight at the end of the run (None: constant)
    ramp_start: float = 0.0  # fraction of the run where the weight starts moving towards final_weight


@dataclass(frozen=True, kw_only=True)
class DataConfig:
    sources: tuple[DataSource, ...] = ()
    seq_len: int = 256  # tokens per training sequence
    seed: int = 0  # mixture draws and per-epoch shuffles


@dataclass(frozen=True, kw_only=True)
class OptimConfig:
    learning_rate: float = 3e-4  # peak, reached after warmup
    warmup_steps: int = 100
    min_lr_ratio: float = 0.1  # cosine decays to learning_rate * min_lr_ratio at the last step
    weight_decay: float = 0.1
    b1: float = 0.9
    b2: float = 0.95
    clip_norm: float = 1.0  # global gradient-norm clipping (0: off)
    accum_steps: int = 1  # micro-batches summed into one optimizer step


@dataclass(frozen=True, kw_only=True)
class MeshConfig:
    """Device counts along each named axis; -1 takes the devices the others leave."""

    data: int = -1
    fsdp: int = 1
    tensor: int = 1


@dataclass(frozen=True, kw_only=True)
class CheckpointConfig:
    every: int = 100  # steps between checkpoints (0: only at the end)
    keep: int = 3  # the last N checkpoints are kept
    async_save: bool = True  # write in the background while training continues


@dataclass(frozen=True, kw_only=True)
class ObjectiveConfig:
    """`mle` is the usual likelihood; `gold` is AlphaCode's GOLD (offline RL with tempered weights)."""

    kind: str = "mle"
    gold_alpha: float = 0.5  # GOLD token weight max(p^alpha, beta), AlphaCode's values
    gold_beta: float = 0.05
    gold_warmup_steps: int = 0  # plain likelihood before this step (GOLD needs a model that already fits)


@dataclass(frozen=True, kw_only=True)
class FinetuneConfig:
    task: str = "solve"  # "solve" (statement -> solution), "generate_inputs" (-> input generator), "scorer"
    include_incorrect: bool = True  # train on rejected solutions too, conditioned as INCORRECT SOLUTION
    statement_tokens: int = 768  # at most this many prompt tokens (cut from the left)
    generator_prompt: str = ""  # the template with {statement}; the command layer fills clustering's
    scorer_epochs: int = 2  # task "scorer": epochs of the scorer head's fine-tuning (scorer.neural)


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    mode: str = "pretrain"  # "pretrain" or "finetune"
    run_dir: str = "runs/train"
    tokenizer: str = ""  # pretraining: a tokenizer.model from `cpagent tokenizer train`
    model: str = "tiny"  # a policy_model preset (pretraining)
    model_overrides: dict[str, Any] = field(default_factory=dict)  # e.g. {"num_layers": 4}
    init_from: str = ""  # a policy checkpoint directory (fine-tuning starts from it)
    data: DataConfig = field(default_factory=DataConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    mesh: MeshConfig = field(default_factory=MeshConfig)
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig)
    batch_size: int = 16  # sequences per optimizer step (all micro-batches together)
    steps: int = 1000
    compute_dtype: str = "float32"  # "bfloat16": master weights stay float32, the forward runs in bf16
    seed: int = 0  # parameter initialisation
    log_every: int = 1
    sdc_every: int = 0  # replay every N-th step and compare bit for bit (0: off)
    export: str = "policy"  # a policy checkpoint (relative to run_dir) written at the end ("" : none)

    def __post_init__(self) -> None:
        if self.mode not in ("pretrain", "finetune"):
            raise PretrainError(f"mode must be pretrain or finetune, got {self.mode!r}")
        if self.compute_dtype not in ("float32", "bfloat16"):
            raise PretrainError(f"compute_dtype must be float32 or bfloat16, got {self.compute_dtype!r}")
        if self.objective.kind not in ("mle", "gold"):
            raise PretrainError(f"objective.kind must be mle or gold, got {self.objective.kind!r}")
        if self.batch_size % self.optim.accum_steps:
            raise PretrainError(
                f"batch_size {self.batch_size} is not a multiple of accum_steps {self.optim.accum_steps}",
                hint="each micro-batch must hold the same number of sequences",
            )
        if self.steps < 1 or self.batch_size < 1:
            raise PretrainError("steps and batch_size must be positive")
        if not self.data.sources:
            raise PretrainError("the config names no data sources", hint="add data.sources: [{name, corpus}]")

    def to_json(self) -> dict[str, Any]:
        return json.loads(json.dumps(dataclasses.asdict(self)))


def _build(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise PretrainError(f"{where}: expected a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise PretrainError(
            f"{where}: unknown keys {', '.join(unknown)}", hint=f"known keys: {', '.join(sorted(names))}"
        )
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        tp = hints[key]
        origin = typing.get_origin(tp)
        if dataclasses.is_dataclass(tp):
            value = _build(tp, value, f"{where}.{key}")
        elif origin is tuple:
            (inner, *_rest) = typing.get_args(tp)
            items = value if isinstance(value, list | tuple) else [value]
            value = tuple(
                _build(inner, v, f"{where}.{key}[{i}]") if dataclasses.is_dataclass(inner) else v
                for i, v in enumerate(items)
            )
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise PretrainError(f"{where}: {exc}") from exc


def config_from_dict(data: dict[str, Any]) -> TrainConfig:
    return _build(TrainConfig, data, "config")


def load_config(path: str | Path, **overrides: Any) -> TrainConfig:
    """Read a JSON or YAML config; relative paths inside are taken relative to the file's directory."""
    path = Path(path)
    if not path.is_file():
        raise PretrainError(
            f"config not found: {path}", hint="give a JSON or YAML file (see docs/pretrain.md)"
        )
    text = path.read_text()
    try:
        if path.suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:
        raise PretrainError(f"{path}: cannot parse ({exc})", hint="check the file's syntax") from exc
    data = dict(data or {})
    data.update(overrides)
    base = path.resolve().parent

    def rel(p: str) -> str:
        return str(base / p) if p and not Path(p).is_absolute() else p

    for key in ("run_dir", "tokenizer", "init_from"):
        if key in data:
            data[key] = rel(data[key])
    for src in (data.get("data") or {}).get("sources") or []:
        if isinstance(src, dict):
            if src.get("corpus"):
                src["corpus"] = rel(src["corpus"])
            if src.get("problems"):
                probs = src["problems"] if isinstance(src["problems"], list) else [src["problems"]]
                src["problems"] = [rel(p) for p in probs]
    return config_from_dict(data)
