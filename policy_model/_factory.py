"""`make_policy("jax:CKPT" | "ray-jax:CKPT@HOST:PORT" | "openai:URL" | "candidates:FILE", **kw)`: a policy
from one string."""

from __future__ import annotations

from typing import Any

from policy_model._policy import Policy
from policy_model.errors import PolicyError

SPEC_HELP = ("use jax:CHECKPOINT_DIR, ray-jax:CHECKPOINT_DIR[@HOST:PORT][?replicas=N], "
             "openai:http://HOST:PORT/v1 or candidates:FILE.jsonl")


def make_policy(spec: str, **kw: Any) -> Policy:
    """Build a policy backend from its spec string.

    Keyword arguments go to the backend: `dtype` (jax, ray-jax); `model`, `api_key` (openai).
    """
    kind, sep, target = spec.partition(":")
    if not sep or not target:
        raise PolicyError(f"bad policy spec {spec!r}", hint=SPEC_HELP)
    if kind == "jax":
        from policy_model._jax_policy import JaxPolicy

        return JaxPolicy(target, **kw)
    if kind == "ray-jax":  # replicas of the jax backend as Ray actors; Ray is imported only here
        from policy_model._ray_pool import RayJaxPool, parse_pool_spec

        unknown = set(kw) - {"dtype"}
        if unknown:
            raise PolicyError(f"the ray-jax policy takes no {', '.join(sorted(unknown))}", hint=SPEC_HELP)
        return RayJaxPool(parse_pool_spec(target, **kw))
    if kind == "openai":
        if "," in target:  # several servers: requests spread over the healthy ones
            from policy_model._multi import MultiServerPolicy

            return MultiServerPolicy(target.split(","), **kw)
        from policy_model._openai_policy import OpenAIPolicy

        return OpenAIPolicy(target, **kw)
    if kind == "candidates":
        from policy_model._candidates_policy import CandidatesPolicy

        if kw:
            raise PolicyError(f"candidates policy takes no options, got {', '.join(kw)}", hint=SPEC_HELP)
        return CandidatesPolicy(target)
    raise PolicyError(f"unknown policy backend {kind!r} in {spec!r}", hint=SPEC_HELP)
