"""One fan-out for every job: where work runs (:class:`Parallel`) and how it is handed out
(:func:`map_unordered`).

``Parallel`` is the settings value every fan-out of isf takes (network trials, Hay evaluations,
exploration walkers, embedding realisations): the joblib backend (loky processes on this machine, a
dask.distributed cluster, or this process), the number of loky workers, items per task and whether
to show a progress bar. It is validated when built, so a wrong value fails before any file or
progress bar is created.

``map_unordered(function, shared, items, parallel)`` yields ``(position, function(shared, item))``
as results arrive. Items are sent in batches (:func:`default_batch_size`); with loky the shared value
travels as a pickle file that each worker process reads once and keeps for the rest of that call.

Worker processes outlive a call (loky reuses them), so what one fan-out leaves in a worker must not
reach the next: a NEURON cell kept alive is simulated along with every later model in that process
and changes its results. A worker therefore keeps one fan-out's state at a time: when a task of
another call arrives it drops the shared value and runs the release functions that fan-outs with
worker-side caches registered (:func:`register_worker_cache`).
"""

from __future__ import annotations

import pickle
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

import attrs
import joblib

from isf.model.validation import fail, one_of, positive_int

__all__ = [
    "BACKENDS",
    "Backend",
    "Parallel",
    "dask_workers",
    "default_batch_size",
    "map_unordered",
    "register_worker_cache",
]

#: Where a fan-out runs: ``"loky"`` (processes on this machine), ``"dask"`` (a dask.distributed
#: cluster) or ``"sequential"`` (in this process, one item after the other).
Backend = Literal["loky", "dask", "sequential"]
BACKENDS: tuple[Backend, ...] = get_args(Backend)

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

#: per worker process: the fan-out whose tasks it runs now (its token) and that fan-out's shared value
_CURRENT: dict[str, Any] = {}
#: per worker process: what releases the worker-side caches of fan-outs (see register_worker_cache)
_RELEASES: list[Callable[[], None]] = []


def _optional_positive_int(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        positive_int(instance, attribute, value)


def _boolean(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool):
        fail(instance, attribute, value, "True or False")


def default_batch_size(n_items: int, n_workers: int) -> int:
    """Items per task when :attr:`Parallel.batch_size` is ``None``: about four tasks per worker, at
    most 64 items per task.

    Why this rule: four tasks per worker balance the load (a slow or late worker is made up for by
    the others) while the per-task cost (dispatch, pickling the results) is paid rarely; it
    matters for cheap items (10 ms embedding realisations ran ≈ 7 % slower in batches of 8 than of
    50). The cap of 64 keeps a progress bar live and bounds what an interrupted run loses (a
    resumable run redoes the tasks in flight). Fan-outs whose items take seconds and vary (Hay
    evaluations, exploration walkers) send one item per task instead.
    """
    return max(1, min(64, -(-n_items // (4 * max(1, n_workers)))))


def dask_workers(client: Any) -> int:
    """Number of workers of a dask.distributed client (the active one if ``None``)."""
    if client is None:
        from distributed import get_client

        client = get_client()
    return max(1, len(client.scheduler_info()["workers"]))


@attrs.frozen
class Parallel:
    """Where a fan-out runs and how its work is handed out.

    Attributes:
        backend: ``"loky"`` (local worker processes), ``"dask"`` (a dask.distributed cluster) or
            ``"sequential"`` (this process).
        workers: loky worker processes (≥ 1; with 1, loky runs in this process). Dask uses the
            cluster's workers.
        batch_size: items per task; ``None`` for the fan-out's default (:func:`default_batch_size`
            unless the fan-out says otherwise).
        progress: show a progress bar.
        dask_client: the dask.distributed client for ``backend="dask"`` (``None``: the active
            client). Not compared and not shown.
    """

    backend: Backend = attrs.field(default="loky", validator=one_of(BACKENDS))
    workers: int = attrs.field(default=2, validator=positive_int)
    batch_size: int | None = attrs.field(default=None, validator=_optional_positive_int)
    progress: bool = attrs.field(default=True, validator=_boolean)
    dask_client: Any = attrs.field(default=None, eq=False, repr=False)

    @property
    def in_process(self) -> bool:
        """Whether the work runs in this process (sequential, or loky with one worker)."""
        return self.backend == "sequential" or (self.backend == "loky" and self.workers == 1)

    def n_workers(self) -> int:
        """Workers that share the work (asks the dask scheduler for ``"dask"``)."""
        if self.in_process:
            return 1
        return self.workers if self.backend == "loky" else dask_workers(self.dask_client)

    def batch_size_for(self, n_items: int) -> int:
        """Items per task for ``n_items`` items: :attr:`batch_size`, or :func:`default_batch_size`."""
        return self.batch_size or default_batch_size(n_items, self.n_workers())

    def progress_bar(self, total: int, desc: str, unit: str, initial: int = 0) -> Any:
        """A tqdm bar over ``total`` items (disabled unless :attr:`progress`); use it as a context."""
        from tqdm.auto import tqdm

        return tqdm(total=total, initial=initial, desc=desc, unit=unit, disable=not self.progress)


def register_worker_cache(release: Callable[[], None]) -> None:
    """Have ``release`` run in a worker process when it gets its first task of another
    :func:`map_unordered` call, so that what a fan-out keeps between its tasks (a built cell) lives
    for that fan-out only. Call it at import of the module whose task function fills the cache."""
    if release not in _RELEASES:
        _RELEASES.append(release)


class _Handoff:
    """What every task of one call carries: the call's token and the shared value, or for loky
    (workers on this machine) the path of a pickle file of it."""

    def __init__(self, token: str, value: Any = None, path: str | None = None) -> None:
        self.token = token
        self.value = value
        self.path = path


def _enter(handoff: _Handoff) -> Any:
    """The shared value of ``handoff``'s call, in this worker; a new call releases the previous one's state."""
    if _CURRENT.get("token") != handoff.token:
        _CURRENT.clear()
        for release in _RELEASES:
            release()
        value = handoff.value
        if handoff.path is not None:
            with open(handoff.path, "rb") as handle:
                value = pickle.load(handle)
        _CURRENT.update(token=handoff.token, value=value)
    return _CURRENT["value"]


def _run_batch(function: Callable[[Any, Any], Any], handoff: _Handoff,
               batch: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    value = _enter(handoff)
    return [(pos, function(value, item)) for pos, item in batch]


def _batches(items: Sequence[T], size: int) -> Iterator[list[tuple[int, T]]]:
    """``[(position, item), …]`` lists of ``size`` items, made one at a time."""
    for start in range(0, len(items), size):
        yield [(pos, items[pos]) for pos in range(start, min(start + size, len(items)))]


def map_unordered(function: Callable[[S, T], R], shared: S, items: Sequence[T],
                  parallel: Parallel = Parallel()) -> Iterator[tuple[int, R]]:
    """Yield ``(position, function(shared, items[position]))`` in completion order.

    Args:
        function: a module-level function (workers import it by name).
        shared: a value every call needs (sent to each loky worker once, as a pickle file it reads
            once and keeps for this call; dask tasks carry it).
        items: the work.
        parallel: where it runs and the items per task (:meth:`Parallel.batch_size_for`); its
            ``progress`` is the caller's to show.
    """
    if not items:
        return
    if parallel.in_process:
        for pos, item in enumerate(items):
            yield pos, function(shared, item)
        return
    size = parallel.batch_size_for(len(items))
    token = uuid.uuid4().hex
    with tempfile.TemporaryDirectory(prefix="isf-map-") as tmp:
        handoff = _Handoff(token, value=shared)
        if parallel.backend == "loky":
            path = Path(tmp) / "shared.pickle"
            with open(path, "wb") as handle:
                pickle.dump(shared, handle, protocol=pickle.HIGHEST_PROTOCOL)
            handoff = _Handoff(token, path=str(path))
        # Batches are made as joblib dispatches them (a few per worker ahead) and results are handed
        # on as they arrive: the coordinator's memory does not grow with the number of items.
        tasks = (joblib.delayed(_run_batch)(function, handoff, b) for b in _batches(items, size))
        if parallel.backend == "dask":
            client = parallel.dask_client
            with joblib.parallel_backend("dask", **({"client": client} if client is not None else {})):
                for batch in joblib.Parallel(return_as="generator_unordered")(tasks):
                    yield from batch
        else:
            for batch in joblib.Parallel(n_jobs=parallel.workers, backend="loky",
                                         return_as="generator_unordered")(tasks):
                yield from batch
