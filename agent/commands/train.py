"""`cpagent train pretrain|finetune CONFIG [--resume]`: train the policy (or fine-tune it, its scorer head
or its test-input generator) from a JSON or YAML config; see docs/pretrain.md for every field.

Run the same command with `--resume` after any interruption: training continues from the last
checkpoint, exactly as if it had never stopped. Several hosts: start the same command on each with
`--coordinator HOST:PORT --num-processes N --process-id I` (jax.distributed).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from agent import ui

EPILOG = """examples:
  cpagent train pretrain configs/pretrain-tiny.yaml
  cpagent train pretrain configs/pretrain-tiny.yaml --resume      # after an interruption
  cpagent train finetune configs/sft.yaml --json
  cpagent train pretrain cfg.yaml --coordinator 10.0.0.1:1234 --num-processes 2 --process-id 0

environment: JAX_COMPILATION_CACHE_DIR re-uses compiled steps across runs"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train",
        help="pretrain or fine-tune the policy model",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__.split("\n\n", 1)[0],
    )
    p.add_argument("mode", choices=("pretrain", "finetune"))
    p.add_argument("config", type=Path, help="a JSON or YAML training config")
    p.add_argument(
        "--resume", action="store_true", help="continue from the last checkpoint of the run directory"
    )
    p.add_argument("--steps", type=int, default=None, help="override the config's steps")
    p.add_argument("--run-dir", type=Path, default=None, help="override the config's run_dir")
    p.add_argument("--coordinator", default=None, help="HOST:PORT of process 0 (multi-host)")
    p.add_argument("--num-processes", type=int, default=1)
    p.add_argument("--process-id", type=int, default=0)
    p.add_argument(
        "--heartbeat-timeout",
        type=int,
        default=60,
        metavar="SECONDS",
        help="multi-host: a process silent this long counts as failed, and every other one stops (60)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=run)


def _train_scorer(cfg) -> dict:
    """Task "scorer": the scorer head on the policy decoder, trained by scorer.neural (not duplicated)."""
    from pretrain import PretrainError, read_problems
    from scorer.neural import NeuralExample, NeuralScorer

    if not cfg.init_from:
        raise PretrainError("the scorer head needs init_from: a policy checkpoint", hint="set init_from")
    examples = [
        NeuralExample(p.problem_id, p.statement, s.code, s.correct)
        for src in cfg.data.sources
        for f in src.problems
        for p in read_problems(f)
        for s in p.solutions
    ]
    scorer = NeuralScorer(
        checkpoint=cfg.init_from,
        max_len=cfg.data.seq_len,
        epochs=cfg.finetune.scorer_epochs,
        batch_size=cfg.batch_size,
        learning_rate=cfg.optim.learning_rate,
        weight_decay=cfg.optim.weight_decay,
        seed=cfg.seed,
    ).fit(examples)
    out = Path(cfg.run_dir) / "scorer"
    scorer.save(out, extra={"config": cfg.to_json()})
    return {
        "run_dir": cfg.run_dir,
        "task": "scorer",
        "scorer": str(out),
        "history": scorer.history_,
        "examples": scorer.n_train_,
    }


def _library_logs_to_file(path: Path) -> None:
    """Send JAX's and Orbax's own log records (absl) to a file in the run directory, not the terminal: a damaged
    checkpoint makes Orbax's worker threads log tracebacks, while the user gets one clear line from us."""
    import logging

    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # Every library logger ends at the root or at absl's own logger: both go to the file. Our own lines are
    # printed by agent.ui, not through logging, so nothing of ours is hidden.
    for logger in (logging.getLogger(), logging.getLogger("absl"), logging.getLogger("asyncio")):
        logger.handlers[:] = [handler]
    logging.getLogger("absl").propagate = False
    logging.getLogger("asyncio").propagate = False


def run(args: argparse.Namespace) -> int:
    overrides: dict = {"mode": args.mode}
    if args.steps is not None:
        overrides["steps"] = args.steps
    from pretrain import load_config

    cfg = load_config(args.config, **overrides)
    if args.run_dir is not None:
        import dataclasses

        cfg = dataclasses.replace(cfg, run_dir=str(args.run_dir.resolve()))
    if args.coordinator:
        from pretrain import PretrainError, _hosts

        _hosts.initialize(
            args.coordinator,
            args.num_processes,
            args.process_id,
            heartbeat_timeout_s=args.heartbeat_timeout,
            hint=_hosts.resume_hint(cfg.run_dir),
            log=_hosts.runtime_log(cfg.run_dir, args.process_id),
        )
        try:
            status = _run(args, cfg)
            _hosts.finished()
            return status
        except PretrainError as exc:
            # One line, then out at once: a failed peer would keep this process waiting at exit.
            _hosts.fail(exc.message, exc.hint)
        except BaseException as exc:
            # Ending normally would wait at JAX's shutdown barrier for the failed process: exit instead.
            _hosts.mark_failed(130 if isinstance(exc, KeyboardInterrupt) else 2)
            raise
    return _run(args, cfg)


def _run(args: argparse.Namespace, cfg) -> int:
    from pretrain import train

    _library_logs_to_file(Path(cfg.run_dir) / "library.log")
    if cfg.mode == "finetune" and cfg.finetune.task == "scorer":
        result = _train_scorer(cfg)
    else:
        if (
            cfg.mode == "finetune"
            and cfg.finetune.task == "generate_inputs"
            and not cfg.finetune.generator_prompt
        ):
            import dataclasses

            from clustering.model_generators import GENERATOR_PROMPT

            cfg = dataclasses.replace(
                cfg, finetune=dataclasses.replace(cfg.finetune, generator_prompt=GENERATOR_PROMPT)
            )
        if not args.json:
            ui.info(f"{cfg.mode} {cfg.init_from or cfg.model} for {cfg.steps} steps in {cfg.run_dir}")
        result = train(cfg, resume=args.resume, progress=not (args.no_progress or args.json)).to_json()
    if args.json:
        ui.print_json(result)
    else:
        loss = result.get("final_loss")
        ui.success(
            f"trained to step {result.get('steps')} in {result['run_dir']}"
            + (f", loss {loss:.4f}" if isinstance(loss, float) else "")
            + (f"; policy checkpoint {result['export']}" if result.get("export") else "")
        )
        if result.get("scorer"):
            ui.success(f"scorer in {result['scorer']}: {json.dumps(result['history'][-1:])}")
    return 0
