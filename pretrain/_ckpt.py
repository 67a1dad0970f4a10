"""Training checkpoints with Orbax's CheckpointManager: parameters, optimizer state, loader position, config.

Saves are asynchronous (training continues while the arrays are written) and only the last `keep`
are kept. Orbax writes each step under a temporary name and renames it when complete, so a run killed
mid-save leaves the previous checkpoint intact and the half-written one invisible. A checkpoint that
fails to restore (truncated or corrupted files) is reported with its step and path and never deleted or
overwritten: the user decides to remove it and resume from the one before.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jax

from pretrain.errors import PretrainError


def _ocp():
    import orbax.checkpoint as ocp  # slow to import; only training needs it

    return ocp




def _join_orbax_threads(timeout_s: float) -> None:
    import threading
    import time

    deadline = time.monotonic() + timeout_s
    for thread in threading.enumerate():
        if thread is threading.current_thread() or not type(thread).__module__.startswith("orbax"):
            continue
        thread.join(max(0.0, deadline - time.monotonic()))

@contextlib.contextmanager
def _library_logs_silenced() -> Iterator[None]:
    """Orbax logs a damaged array's read failure with its traceback from a worker thread; the damage is
    reported once, by us, with what to do, so the user never sees a library traceback."""
    loggers = [logging.getLogger(), logging.getLogger("absl")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)

class TrainCheckpoints:
    def __init__(self, directory: str | Path, *, keep: int, async_save: bool) -> None:
        ocp = _ocp()
        self.directory = Path(directory).resolve()
        options = ocp.CheckpointManagerOptions(
            max_to_keep=keep, enable_async_checkpointing=async_save, create=True
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._mgr = ocp.CheckpointManager(self.directory, options=options)

    def steps(self) -> list[int]:
        return sorted(self._mgr.all_steps())

    def latest(self) -> int | None:
        steps = self.steps()
        return steps[-1] if steps else None

    def save(self, step: int, params: Any, opt_state: Any, loader: dict, config: dict, extra: dict) -> None:
        ocp = _ocp()
        args = ocp.args.Composite(
            params=ocp.args.StandardSave(params),
            opt_state=ocp.args.StandardSave(opt_state),
            loader=ocp.args.JsonSave(loader),
            config=ocp.args.JsonSave(config),
            extra=ocp.args.JsonSave(extra),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._mgr.save(step, args=args, force=True)

    def read_config(self, step: int) -> dict:
        return self._restore_json(step, "config")

    def _restore_json(self, step: int, name: str) -> dict:
        ocp = _ocp()
        try:
            out = self._mgr.restore(step, args=ocp.args.Composite(**{name: ocp.args.JsonRestore()}))
            return dict(out[name])
        except Exception as exc:
            raise self._damaged(step, exc) from exc

    def _damaged(self, step: int, exc: BaseException) -> PretrainError:
        earlier = [s for s in self.steps() if s < step]
        where = self.directory / str(step)
        hint = (
            f"move {where} away to resume from step {earlier[-1]}"
            if earlier
            else f"move {where} away to start the run again"
        )
        return PretrainError(
            f"checkpoint at step {step} is damaged and cannot be restored: {where} "
            f"({type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''})",
            hint=hint + "; nothing was overwritten",
        )

    def restore(self, step: int, params: Any, opt_state: Any) -> tuple[Any, Any, dict, dict]:
        """Restore into the shapes and shardings of `params` and `opt_state` (abstract or real arrays)."""
        ocp = _ocp()

        def abstract(tree: Any) -> Any:
            return jax.tree.map(lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=x.sharding), tree)

        args = ocp.args.Composite(
            params=ocp.args.StandardRestore(abstract(params)),
            opt_state=ocp.args.StandardRestore(abstract(opt_state)),
            loader=ocp.args.JsonRestore(),
            extra=ocp.args.JsonRestore(),
        )
        with warnings.catch_warnings(), _library_logs_silenced():
            warnings.simplefilter("ignore")
            try:
                out = self._mgr.restore(step, args=args)
            except Exception as exc:
                # Orbax's other reader threads may still fail (and log) after the first error: let them end
                # while their logs are silenced, so the user sees our one line and no library traceback.
                _join_orbax_threads(timeout_s=10.0)
                error = self._damaged(step, exc)
                # Failed reader tasks report "exception never retrieved" when collected: collect them now,
                # while silenced, rather than at exit.
                del exc
                import gc

                gc.collect()
                raise error from None
        return out["params"], out["opt_state"], dict(out["loader"]), dict(out["extra"])

    def wait(self) -> None:
        self._mgr.wait_until_finished()

    def close(self) -> None:
        self._mgr.close()
