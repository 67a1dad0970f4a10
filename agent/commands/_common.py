"""Options and plumbing shared by the commands that run the pipeline (solve, eval)."""

from __future__ import annotations

import argparse
from typing import Any

from agent.errors import CpagentError
from agent.sources import CandidateSource, DatasetSource, PolicySource


def add_sandbox_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", default="native", help="sandbox backend: native (default), docker, unsafe")
    parser.add_argument("--insecure", action="store_true",
                        help="run untrusted code even when an isolation layer is missing")
    parser.add_argument("-j", "--jobs", type=int, default=None, help="worker slots (default: one per core)")


def add_pipeline_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policy", default="dataset",
                        help="dataset (the problems' own submissions), jax:CKPT, openai:URL, candidates:FILE")
    parser.add_argument("--model", default=None, help="model name for an openai: policy")
    parser.add_argument("--language", default="cpp17", help="language asked of a policy (default cpp17)")
    parser.add_argument("-n", "--samples", type=int, default=0,
                        help="samples per problem (default: all of a dataset's submissions)")
    parser.add_argument("-k", type=int, default=10, help="submissions selected per problem (default 10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--selection", default="default", help="selection strategy (see docs/scorer.md)")
    parser.add_argument("--scorer", default=None, help="a scorer file from `cpagent train-scorer`")
    parser.add_argument("--batch-size", type=int, default=64, help="samples per streaming batch")
    add_sandbox_options(parser)


def make_source(args: argparse.Namespace) -> tuple[CandidateSource, Any]:
    """The candidate source and, for a policy, the policy object (clustering may ask it for generators)."""
    if args.policy == "dataset":
        return DatasetSource(), None
    from agent.policy_adapter import open_policy

    if ":" not in args.policy:
        raise CpagentError(f"unknown policy {args.policy!r}",
                           hint="use dataset, jax:CKPT_DIR, openai:URL (with --model) or candidates:FILE")
    policy = open_policy(args.policy, args.model)
    return PolicySource(policy, batch_size=args.batch_size, language=args.language), policy
