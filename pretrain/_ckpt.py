"""Training checkpoints with Orbax's CheckpointManager: parameters, optimizer state, loader position, config.

Saves are asynchronous (training continues while the arrays are written) and only the last `keep`
are kept. Orbax writes each step under a temporary name and renames it when complete, so a run killed
mid-save leaves the previous checkpoint intact and the half-written one invisible. Just before that
rename, a seal (size and SHA-256 of every file, `_integrity.py`) is written into the step.

Before anything of a step is handed to Orbax, its files are checked against the seal in the calling
thread. A damaged step (truncated or corrupted files) is refused there, with its step, path and the file
at fault, before any Orbax reader thread starts: the refusal is deterministic and the user sees one line,
never a library traceback. Nothing is deleted or overwritten: the user moves the step away and resumes
from the one before.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jax

from pretrain._integrity import Damage, check_seal, write_seal
from pretrain.errors import PretrainError


def _ocp():
    import orbax.checkpoint as ocp  # slow to import; only training needs it

    return ocp


def _join_orbax_threads(timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    for thread in threading.enumerate():
        if thread is threading.current_thread() or not type(thread).__module__.startswith("orbax"):
            continue
        thread.join(max(0.0, deadline - time.monotonic()))


@contextlib.contextmanager
def _library_logs_silenced() -> Iterator[None]:
    """Orbax logs a damaged array's read failure with its traceback from a worker thread; only a step that
    passed the checks can get there (an unsealed one, or files changed between check and read)."""
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
        self._async = async_save
        self._sealing: int | None = None  # the step whose save is in flight
        self._checked: set[int] = set()
        # Always Orbax's asynchronous checkpointer, so that the seal is written by its post-finalization
        # callback (before the commit rename); a synchronous save simply waits for it.
        options = ocp.CheckpointManagerOptions(
            max_to_keep=keep,
            enable_async_checkpointing=True,
            async_options=ocp.AsyncOptions(post_finalization_callback=self._seal_pending),
            create=True,
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
        if (self.directory / str(step)).exists():
            # Never replace a step on disk (it may be the only good copy); the trainer only saves new steps.
            raise PretrainError(
                f"checkpoint {self.directory / str(step)} already exists", hint="choose another run_dir"
            )
        args = ocp.args.Composite(
            params=ocp.args.StandardSave(params),
            opt_state=ocp.args.StandardSave(opt_state),
            loader=ocp.args.JsonSave(loader),
            config=ocp.args.JsonSave(config),
            extra=ocp.args.JsonSave(extra),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._mgr.wait_until_finished()  # at most one save in flight: the callback knows which step
            self._sealing = step
            self._mgr.save(step, args=args)
        if not self._async:
            self.wait()

    def _seal_pending(self) -> None:
        """Orbax's post-finalization callback: every file of the step is written, the rename not yet done."""
        step = self._sealing
        if step is None or jax.process_index() != 0:
            return
        pending = sorted(
            (p for p in self.directory.glob(f"{step}.orbax-checkpoint-tmp*") if p.is_dir()),
            key=lambda p: p.stat().st_mtime,
        )
        target = pending[-1] if pending else self.directory / str(step)
        write_seal(target)

    def check(self, step: int) -> None:
        """Refuse a damaged step before Orbax reads any of it (see the module docstring)."""
        if step in self._checked:
            return
        damage = check_seal(self.directory / str(step))
        if damage is not None:
            raise self._damaged(step, damage)
        self._checked.add(step)

    def read_config(self, step: int) -> dict:
        return self._restore_json(step, "config")

    def _restore_json(self, step: int, name: str) -> dict:
        ocp = _ocp()
        self.check(step)
        try:
            out = self._mgr.restore(step, args=ocp.args.Composite(**{name: ocp.args.JsonRestore()}))
            return dict(out[name])
        except Exception as exc:
            raise self._damaged(step, exc) from exc

    def _damaged(self, step: int, cause: Damage | BaseException) -> PretrainError:
        earlier = [s for s in self.steps() if s < step]
        where = self.directory / str(step)
        away = self.directory.parent / f"damaged-step-{step}"
        hint = (
            f"move {where} away (mv {where} {away}) to resume from step {earlier[-1]}"
            if earlier
            else f"move {where} away (mv {where} {away}) to start the run again"
        )
        if isinstance(cause, Damage):
            what = str(cause)
        else:
            what = f"{type(cause).__name__}: {str(cause).splitlines()[0][:200] if str(cause) else ''}"
        return PretrainError(
            f"checkpoint at step {step} is damaged and cannot be restored: {where} ({what})",
            hint=hint + "; nothing was overwritten",
        )

    def restore(self, step: int, params: Any, opt_state: Any) -> tuple[Any, Any, dict, dict]:
        """Restore into the shapes and shardings of `params` and `opt_state` (abstract or real arrays)."""
        ocp = _ocp()
        self.check(step)

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
                # Only an unsealed (older) step can fail here. Orbax's other reader threads may still fail
                # after the first error: let them end, and collect their failed tasks, while silenced.
                _join_orbax_threads(timeout_s=10.0)
                error = self._damaged(step, exc)
                del exc
                gc.collect()
                raise error from None
        return out["params"], out["opt_state"], dict(out["loader"]), dict(out["extra"])

    def wait(self) -> None:
        self._mgr.wait_until_finished()

    def close(self) -> None:
        self._mgr.close()
