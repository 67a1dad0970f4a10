"""The one interface every sandbox backend offers, and the registry that picks one.

A backend runs `RunSpec`s and returns `RunResult`s. Batches run on worker slots (one per core by
default). An infrastructure failure (IE) is retried here, once for all backends, so that no caller
ever mistakes a broken sandbox for a program's behaviour.
"""

from __future__ import annotations

import abc
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

from sandbox.errors import SandboxError
from sandbox.spec import RunResult, RunSpec
from sandbox.verdict import Status

IE_RETRIES = 2


def default_slots() -> int:
    """One worker slot per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


class Backend(abc.ABC):
    """Runs untrusted programs under limits. Subclasses implement `_run_once`."""

    name: str = "abstract"
    #: False for backends that do not isolate (refused unless the user passed --insecure).
    secure: bool = True

    def __init__(self, slots: int | None = None) -> None:
        self.slots = slots or default_slots()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # -- one run ---------------------------------------------------------------------------
    @abc.abstractmethod
    def _run_once(self, spec: RunSpec) -> RunResult:
        """Run once; return IE (never raise) when the sandbox itself failed."""

    def run(self, spec: RunSpec) -> RunResult:
        result = self._run_once(spec)
        for _ in range(IE_RETRIES):
            if result.status is not Status.IE:
                break
            result = self._run_once(spec)
        return result

    # -- many runs -------------------------------------------------------------------------
    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.slots, thread_name_prefix=f"{self.name}-slot")
            return self._pool

    def run_batch(
        self, specs: Sequence[RunSpec], on_result: Callable[[int, RunResult], None] | None = None
    ) -> list[RunResult]:
        """Run many specs on the worker slots; results come back in the order of `specs`."""
        results: list[RunResult | None] = [None] * len(specs)
        for index, result in self.iter_batch(specs):
            results[index] = result
            if on_result is not None:
                on_result(index, result)
        return [r for r in results if r is not None]

    def iter_batch(self, specs: Sequence[RunSpec]) -> Iterator[tuple[int, RunResult]]:
        """Yield `(index, result)` as runs finish, so callers can stream into a store."""
        pool = self._executor()
        futures = {pool.submit(self.run, spec): i for i, spec in enumerate(specs)}
        from concurrent.futures import as_completed

        for future in as_completed(futures):
            yield futures[future], future.result()

    # -- interactive problems --------------------------------------------------------------
    def run_interactive(self, solution: RunSpec, interactor: RunSpec) -> tuple[RunResult, RunResult]:
        """Run the solution and the interactor in two sandboxes joined by pipes."""
        raise SandboxError(f"the {self.name} backend cannot run interactive problems",
                           hint="use the native backend")

    # -- lifetime --------------------------------------------------------------------------
    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    def __enter__(self) -> "Backend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


BackendFactory = Callable[..., Backend]
_REGISTRY: dict[str, BackendFactory] = {}


def register_backend(name: str, factory: BackendFactory) -> None:
    _REGISTRY[name] = factory


def backend_names() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def _load_builtin() -> None:
    # Imported lazily so that importing the interface never pulls optional dependencies.
    import sandbox.unsafe  # noqa: F401

    try:
        import sandbox.native  # noqa: F401
    except ImportError:
        pass
    try:
        import sandbox.docker_backend  # noqa: F401
    except ImportError:
        pass
    try:
        import sandbox.ray_backend  # noqa: F401  (imports ray only when a ray backend is built)
    except ImportError:
        pass


def open_backend(name: str = "native", *, insecure: bool = False, slots: int | None = None) -> Backend:
    """Build the named backend. Without `insecure`, a backend missing an isolation layer refuses."""
    _load_builtin()
    if name not in _REGISTRY:
        raise SandboxError(f"unknown sandbox backend {name!r}", hint=f"choose one of {', '.join(backend_names())}")
    return _REGISTRY[name](insecure=insecure, slots=slots)
