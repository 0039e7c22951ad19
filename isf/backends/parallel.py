"""Map a function over many items on joblib workers (loky processes, a dask.distributed cluster, or in
this process), handing a large shared value to the workers once.

``map_unordered(function, shared, items)`` yields ``(position, function(shared, item))`` as results
arrive. Items are sent in small batches (a live progress bar, balanced load); with loky the shared
value travels as a pickle file that each worker process reads once and keeps.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import joblib

BACKENDS = ("loky", "dask", "sequential")
S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

#: per worker process: pickle path → shared value
_SHARED: dict[str, Any] = {}


def _load_shared(shared: Any) -> Any:
    if not isinstance(shared, _PickledPath):
        return shared
    value = _SHARED.get(shared.path)
    if value is None:
        _SHARED.clear()
        with open(shared.path, "rb") as handle:
            value = _SHARED[shared.path] = pickle.load(handle)
    return value


class _PickledPath:
    """A shared value left in a pickle file (loky workers run on this machine)."""

    def __init__(self, path: str) -> None:
        self.path = path


def _run_batch(function: Callable[[Any, Any], Any], shared: Any, batch: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    value = _load_shared(shared)
    return [(pos, function(value, item)) for pos, item in batch]


def default_batch_size(n_items: int, n_workers: int) -> int:
    """Small enough for a live progress bar and balanced load, large enough to amortise pickling."""
    return max(1, min(8, n_items // (4 * max(1, n_workers)) or 1))


def dask_workers(client: Any) -> int:
    """Number of workers of a dask.distributed client (the active one if ``None``)."""
    if client is None:
        from distributed import get_client

        client = get_client()
    return max(1, len(client.scheduler_info()["workers"]))


def map_unordered(function: Callable[[S, T], R], shared: S, items: Sequence[T], *, backend: str = "loky",
                  n_jobs: int = 2, batch_size: int | None = None, dask_client: Any = None) -> Iterator[tuple[int, R]]:
    """Yield ``(position, function(shared, items[position]))`` in completion order.

    Args:
        function: a module-level function (workers import it by name).
        shared: a value every call needs (sent to each worker once with loky).
        items: the work.
        backend: ``"loky"``, ``"dask"`` (pass ``dask_client`` or have one active) or ``"sequential"``.
        n_jobs: loky worker processes.
        batch_size: items per task (default :func:`default_batch_size`).
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend {backend!r} is not available: choose one of {', '.join(BACKENDS)}")
    if not items:
        return
    if backend == "sequential" or (backend == "loky" and n_jobs == 1):
        for pos, item in enumerate(items):
            yield pos, function(shared, item)
        return
    workers = n_jobs if backend == "loky" else dask_workers(dask_client)
    size = batch_size or default_batch_size(len(items), workers)
    indexed = list(enumerate(items))
    batches = [indexed[i:i + size] for i in range(0, len(indexed), size)]
    with tempfile.TemporaryDirectory(prefix="isf-map-") as tmp:
        handoff: Any = shared
        if backend == "loky":
            path = Path(tmp) / "shared.pickle"
            with open(path, "wb") as handle:
                pickle.dump(shared, handle, protocol=pickle.HIGHEST_PROTOCOL)
            handoff = _PickledPath(str(path))
        tasks = (joblib.delayed(_run_batch)(function, handoff, b) for b in batches)
        if backend == "dask":
            with joblib.parallel_backend("dask", **({"client": dask_client} if dask_client is not None else {})):
                for batch in joblib.Parallel(return_as="generator_unordered")(tasks):
                    yield from batch
        else:
            for batch in joblib.Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered")(tasks):
                yield from batch
