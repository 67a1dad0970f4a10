"""Silent-data-corruption check: run a step twice from the same inputs and compare bit for bit.

The train step is a pure function of (parameters, optimizer state, batch, step); on healthy hardware
two executions give identical bits. Gemini's report relies on this to find faulty accelerators: a
mismatch means a chip computed wrongly (or the program is not deterministic), and training must stop
before the corruption spreads into every later step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from pretrain.errors import SDCError


def _local_bits(x: Any) -> list[np.ndarray]:
    if isinstance(x, jax.Array):
        return [np.asarray(s.data) for s in x.addressable_shards]
    return [np.asarray(x)]


def compare_trees(a: Any, b: Any) -> list[dict[str, Any]]:
    """Leaves whose bits differ (this process's shards), with the largest absolute difference."""
    out = []
    paths_a = jax.tree_util.tree_leaves_with_path(a)
    leaves_b = jax.tree.leaves(b)
    for (path, xa), xb in zip(paths_a, leaves_b):
        for sa, sb in zip(_local_bits(xa), _local_bits(xb)):
            if sa.tobytes() != sb.tobytes():
                diff = np.abs(sa.astype(np.float64) - sb.astype(np.float64))
                out.append(
                    {
                        "leaf": jax.tree_util.keystr(path),
                        "max_abs_diff": float(np.nanmax(diff)),
                        "elements_differing": int((sa != sb).sum()),
                    }
                )
                break
    return out


def replay_check(step_fn: Callable[..., Any], args: tuple, step: int) -> Any:
    """Run `step_fn(*args)` twice; return the first result, or raise SDCError naming what differed."""
    first = step_fn(*args)
    second = step_fn(*args)
    diffs = compare_trees(first, second)
    if diffs:
        report = {"step": step, "process": jax.process_index(), "mismatches": diffs}
        raise SDCError(
            f"silent data corruption check failed at step {step}: a replay of the step differs in "
            f"{len(diffs)} arrays (first: {diffs[0]['leaf']}, max abs diff {diffs[0]['max_abs_diff']:g})",
            report,
            hint="the run was stopped before saving; check the hardware (or run the step on other "
            "devices) and resume from the last checkpoint",
        )
    return first
