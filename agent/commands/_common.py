"""Options and plumbing shared by the commands that run the pipeline (solve, eval)."""

from __future__ import annotations

import argparse
from typing import Any

from agent.errors import CpagentError
from agent.sources import CandidateSource, DatasetSource, PolicySource


class _ExecutorAction(argparse.Action):
    """`--executor ray[:ADDRESS]` becomes the `ray` sandbox backend (every node runs its native sandbox)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, value: Any,
                 option_string: str | None = None) -> None:
        from sandbox.errors import SandboxError
        from sandbox.ray_backend import backend_for_executor

        try:
            name = backend_for_executor(str(value))
        except SandboxError as exc:
            parser.error(f"{exc.message} ({exc.hint})")
        if name is not None and getattr(namespace, "backend", "native") not in ("native", name):
            parser.error("--executor ray runs the native sandbox on every node: leave out --backend")
        setattr(namespace, self.dest, value)
        if name is not None:
            namespace.backend = name


class _BackendAction(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, value: Any,
                 option_string: str | None = None) -> None:
        if getattr(namespace, "executor", "local") != "local" and value != "native":
            parser.error("--executor ray runs the native sandbox on every node: leave out --backend")
        if getattr(namespace, "executor", "local") == "local":
            setattr(namespace, self.dest, value)


def add_sandbox_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", default="native", action=_BackendAction,
                        help="sandbox backend: native (default), docker, unsafe")
    parser.add_argument("--executor", default="local", action=_ExecutorAction, metavar="local|ray[:ADDRESS]",
                        help="where runs execute: local worker slots (default), or the sandbox slots of a Ray "
                             "cluster's nodes (see docs/ray.md)")
    parser.add_argument("--insecure", action="store_true",
                        help="run untrusted code even when an isolation layer is missing")
    parser.add_argument("-j", "--jobs", type=int, default=None,
                        help="worker slots (default: one per core; with --executor ray: per node)")


def add_pipeline_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policy", default="dataset",
                        help="dataset (the problems' own submissions), jax:CKPT, openai:URL[,URL...], "
                             "'ray-jax:CKPT[@ADDRESS][?replicas=N]' (docs/ray.md), candidates:FILE")
    parser.add_argument("--model", default=None, help="model name for an openai: policy")
    parser.add_argument("--language", default="cpp17", help="language asked of a policy (default cpp17)")
    parser.add_argument("-n", "--samples", type=int, default=0,
                        help="samples per problem (default: all of a dataset's submissions)")
    parser.add_argument("-k", type=int, default=10, help="submissions selected per problem (default 10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--selection", default="default", help="selection strategy (see docs/scorer.md)")
    parser.add_argument("--scorer", default="default", type=_scorer_arg,
                        help="default (the scorer shipped with cpagent), a file from `cpagent train-scorer`, "
                             "or none (rank clusters by size)")
    parser.add_argument("--batch-size", type=int, default=64, help="samples per streaming batch")
    add_sandbox_options(parser)


def make_source(args: argparse.Namespace) -> tuple[CandidateSource, Any]:
    """The candidate source and, for a policy, the policy object (clustering may ask it for generators)."""
    if args.policy == "dataset":
        return DatasetSource(), None
    from agent.policy_adapter import open_policy

    if ":" not in args.policy:
        raise CpagentError(f"unknown policy {args.policy!r}",
                           hint="use dataset, jax:CKPT_DIR, openai:URL (with --model), ray-jax:CKPT_DIR or candidates:FILE")
    policy = open_policy(args.policy, args.model)
    return PolicySource(policy, batch_size=args.batch_size, language=args.language), policy


def close_policy(policy: Any) -> None:
    """End what a policy holds (a Ray pool's replica actors, an HTTP session) once the command is done with it."""
    close = getattr(policy, "close", None)
    if callable(close):
        close()


def _scorer_arg(value: str) -> str | None:
    return None if value.lower() == "none" else value
