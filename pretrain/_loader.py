"""A deterministic, resumable data loader over a weighted mixture of shard sets.

Which source each row of step `s` comes from is drawn from a generator seeded with (seed, s), with the
weights the schedule gives at `s`; each source then serves its next row from its own cursor, walking a
fresh seeded permutation of its rows every epoch. So a batch depends only on the loader's state
(`{"step", "cursors"}`), a small JSON object saved in every checkpoint: restore it and the following
batches are exactly those an uninterrupted run would have seen.

The weight schedule follows Gemini's recipe of raising the domain share towards the end: a source's
weight moves linearly from `weight` to `final_weight` between `ramp_start` (a fraction of the run) and
the end.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pretrain._shards import ShardSet
from pretrain.errors import PretrainError


@dataclass(frozen=True, kw_only=True)
class SourceSpec:
    """One source of the mixture: a shard set and its weight schedule."""

    name: str
    weight: float = 1.0
    final_weight: float | None = None  # None: constant weight
    ramp_start: float = 0.0  # fraction of the run at which the weight starts to move


def mixture_weights(sources: Sequence[SourceSpec], step: int, total_steps: int) -> np.ndarray:
    """Normalized weights at `step` (pure function: the schedule)."""
    frac = step / max(total_steps, 1)
    out = []
    for s in sources:
        end = s.weight if s.final_weight is None else s.final_weight
        t = 0.0 if frac <= s.ramp_start else min((frac - s.ramp_start) / max(1.0 - s.ramp_start, 1e-9), 1.0)
        out.append(s.weight + (end - s.weight) * t)
    w = np.asarray(out, np.float64)
    if (w < 0).any() or w.sum() <= 0:
        raise PretrainError(
            f"mixture weights at step {step} are {w.tolist()}",
            hint="weights must be non-negative with at least one positive",
        )
    return w / w.sum()


class MixtureLoader:
    """Global batches of (tokens, mask), each (batch_size, seq_len + 1), from a mixture of shard sets."""

    def __init__(
        self,
        sets: Sequence[ShardSet],
        sources: Sequence[SourceSpec],
        *,
        batch_size: int,
        total_steps: int,
        seed: int = 0,
    ) -> None:
        if len(sets) != len(sources) or not sets:
            raise PretrainError("the mixture needs one source spec per shard set", hint="check data.sources")
        lengths = {s.info.seq_len for s in sets}
        if len(lengths) != 1:
            raise PretrainError(
                f"sources have different sequence lengths {sorted(lengths)}",
                hint="pack every source with the same seq_len",
            )
        self.sets, self.sources = list(sets), list(sources)
        self.batch_size, self.total_steps, self.seed = batch_size, total_steps, seed
        self.seq_len = lengths.pop()
        self.state: dict[str, Any] = {"step": 0, "cursors": {s.name: [0, 0] for s in sources}}
        self._perm_cache: dict[tuple[int, int], np.ndarray] = {}

    # --- state -------------------------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        return copy.deepcopy(self.state)

    def set_state(self, state: dict[str, Any]) -> None:
        names = {s.name for s in self.sources}
        if set(state.get("cursors", {})) != names:
            raise PretrainError(
                f"loader state names sources {sorted(state.get('cursors', {}))}, config has {sorted(names)}",
                hint="resume with the same data sources the checkpoint was trained on",
            )
        self.state = copy.deepcopy(state)

    # --- batches -----------------------------------------------------------------------------------
    def _perm(self, k: int, epoch: int) -> np.ndarray:
        key = (k, epoch)
        if key not in self._perm_cache:
            self._perm_cache = {
                key: np.random.default_rng([self.seed, k, epoch]).permutation(len(self.sets[k]))
            }
        return self._perm_cache[key]

    def _take(self, k: int, n: int) -> np.ndarray:
        cursor = self.state["cursors"][self.sources[k].name]
        out = []
        for _ in range(n):
            epoch, pos = cursor
            out.append(self._perm(k, epoch)[pos])
            pos += 1
            if pos == len(self.sets[k]):
                epoch, pos = epoch + 1, 0
            cursor[:] = [epoch, pos]
        return np.asarray(out, np.int64)

    def next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        step = self.state["step"]
        weights = mixture_weights(self.sources, step, self.total_steps)
        choice = np.random.default_rng([self.seed, 1 << 20, step]).choice(
            len(self.sets), size=self.batch_size, p=weights
        )
        tokens = np.empty((self.batch_size, self.seq_len + 1), np.int32)
        masks = np.empty((self.batch_size, self.seq_len + 1), np.uint8)
        for k in range(len(self.sets)):
            rows = np.nonzero(choice == k)[0]
            if len(rows):
                t, m = self.sets[k].rows(self._take(k, len(rows)))
                tokens[rows], masks[rows] = t, m
        self.state["step"] = step + 1
        return tokens, masks
