"""Fan network trials out to workers and collect them in one HDF5 store, resumably.

``run_trials`` splits the trials that the store does not hold yet into
batches and runs them through joblib (``loky`` processes by default, a
``dask.distributed`` cluster with ``backend="dask"``, or in this process with
``backend="sequential"``); :func:`run_trials_mpi` does the same across MPI
ranks. Workers rebuild the cell from the model value (NEURON objects never
cross processes) and keep it for later batches of the same experiment. Each
trial's randomness comes from ``(run_seed, trial_index)`` only, so results do
not depend on the number or kind of workers. Results are written by the
coordinating process as they arrive, one trial at a time: interrupting a run
loses at most the trials in flight, and calling ``run_trials`` again with the
same arguments finishes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import joblib
from tqdm.auto import tqdm

from isf.backends.parallel import BACKENDS, dask_workers, default_batch_size
from isf.dsl.serialization import to_data
from isf.model.experiment import Experiment
from isf.model.trial_result import TrialResult

#: Per worker process: experiment digest → trial simulator (the built cell).
_SIMULATORS: dict[str, Any] = {}


def experiment_json(experiment: Experiment) -> str:
    """Canonical JSON of an experiment (provenance, and the key for resuming)."""
    return json.dumps(to_data(experiment), sort_keys=True, separators=(",", ":"))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _simulator(digest: str, experiment: Experiment) -> Any:
    from isf.backends.neuron.trials import TrialSimulator

    sim = _SIMULATORS.get(digest)
    if sim is None:
        for old in _SIMULATORS.values():
            old.close()
        _SIMULATORS.clear()
        sim = _SIMULATORS[digest] = TrialSimulator(experiment)
    return sim


def close_simulators() -> None:
    """Release the cells this process keeps for later batches (their NEURON sections)."""
    for sim in _SIMULATORS.values():
        sim.close()
    _SIMULATORS.clear()


def run_batch(digest: str, experiment: Experiment | str, run_seed: int,
              trials: Sequence[int]) -> list[tuple[TrialResult, float]]:
    """Run some trials in this process (the worker side); returns (result, wall seconds) pairs.

    ``experiment`` may be the path of a pickle of it: a worker then reads it only the first time it
    sees ``digest``, instead of receiving the (large) experiment with every task.
    """
    if isinstance(experiment, str) and digest not in _SIMULATORS:
        with open(experiment, "rb") as handle:
            experiment = pickle.load(handle)
    sim = _simulator(digest, experiment)  # type: ignore[arg-type]
    out = []
    for trial in trials:
        start = time.perf_counter()
        result = sim.run(run_seed, trial)
        out.append((result, time.perf_counter() - start))
    return out


def _batches(todo: list[int], n_workers: int, batch_size: int | None) -> list[list[int]]:
    size = batch_size or default_batch_size(len(todo), n_workers)
    return [todo[i : i + size] for i in range(0, len(todo), size)]


def run_trials(
    experiment: Experiment,
    n_trials: int,
    store_path: str | os.PathLike[str],
    *,
    run_seed: int,
    backend: str = "loky",
    n_jobs: int = 2,
    batch_size: int | None = None,
    progress: bool = True,
    dask_client: Any = None,
) -> Path:
    """Run trials ``0 … n_trials−1`` of a network experiment into an HDF5 store.

    Args:
        experiment: cell, network, stimuli, recordings and run settings.
        n_trials: number of trials in the run.
        store_path: the run's HDF5 file; if it exists for the same experiment and seed, the
            missing trials are run (resume).
        run_seed: the run's seed; trial ``i`` draws from ``trial_rng(run_seed, i)``.
        backend: ``"loky"`` (local processes), ``"dask"`` (a dask.distributed cluster: pass
            ``dask_client`` or have one active) or ``"sequential"``.
        n_jobs: number of workers (loky).
        batch_size: trials per task (default: a few per worker).
        progress: show a progress bar.
    """
    from isf.backends.store import RunStore

    if backend not in BACKENDS:
        raise ValueError(f"backend {backend!r} is not available: choose one of {', '.join(BACKENDS)}")
    if experiment.network is None:
        raise ValueError("run_trials needs an Experiment with a network")
    if n_trials < 0:
        raise ValueError(f"n_trials must be >= 0, got {n_trials}")
    text = experiment_json(experiment)
    digest = _digest(text)
    path = Path(store_path)
    with RunStore.create(path, experiment_json=text, run_seed=run_seed, n_trials=n_trials) as store:
        todo = [t for t in range(n_trials) if t not in store.completed_trials()]
        bar = tqdm(total=n_trials, initial=n_trials - len(todo), desc="trials", unit="trial", disable=not progress)
        try:
            with tempfile.TemporaryDirectory(prefix="isf-run-") as tmp:
                handoff = _handoff(experiment, backend, Path(tmp))
                for result, wall in _execute(digest, handoff, run_seed, todo, backend, n_jobs, batch_size,
                                             dask_client):
                    store.append(result, experiment.network, wall_s=wall)
                    bar.update(1)
                    bar.set_postfix(spikes=len(result.spike_times_ms))
        finally:
            bar.close()
            # In-process runs (sequential, n_jobs=1) must not leave their cell alive in NEURON.
            close_simulators()
    return path


def _handoff(experiment: Experiment, backend: str, folder: Path) -> Experiment | str:
    """What tasks carry: local process pools get a pickle path, remote (dask) workers the value."""
    if backend != "loky":
        return experiment
    path = folder / "experiment.pickle"
    with open(path, "wb") as handle:
        pickle.dump(experiment, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return str(path)


def _execute(digest: str, experiment: Experiment | str, run_seed: int, todo: list[int], backend: str, n_jobs: int,
             batch_size: int | None, dask_client: Any) -> Iterator[tuple[TrialResult, float]]:
    if not todo:
        return
    if backend == "sequential":
        for trial in todo:
            yield from run_batch(digest, experiment, run_seed, [trial])
        return
    workers = n_jobs if backend == "loky" else dask_workers(dask_client)
    batches = _batches(todo, workers, batch_size)
    tasks = (joblib.delayed(run_batch)(digest, experiment, run_seed, b) for b in batches)
    if backend == "dask":
        with joblib.parallel_backend("dask", **({"client": dask_client} if dask_client is not None else {})):
            yield from _flatten(joblib.Parallel(return_as="generator_unordered")(tasks))
    else:
        yield from _flatten(joblib.Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered")(tasks))


def _flatten(batches: Iterable[list[tuple[TrialResult, float]]]) -> Iterator[tuple[TrialResult, float]]:
    for batch in batches:
        yield from batch


def run_trials_mpi(experiment: Experiment, n_trials: int, store_path: str | os.PathLike[str], *, run_seed: int,
                   progress: bool = True) -> Path | None:
    """Run trials across the ranks of ``MPI.COMM_WORLD`` (start with ``mpiexec -n N python -m isf trials …``).

    Rank 0 owns the store; every rank, rank 0 included, simulates the missing trials whose
    position in the to-do list is congruent to its rank, and sends results to rank 0 as they
    finish. Returns the store path on rank 0, ``None`` elsewhere.
    """
    from mpi4py import MPI

    from isf.backends.store import RunStore

    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    text = experiment_json(experiment)
    digest = _digest(text)
    path = Path(store_path)
    store = None
    todo: list[int] | None = None
    if rank == 0:
        store = RunStore.create(path, experiment_json=text, run_seed=run_seed, n_trials=n_trials)
        todo = [t for t in range(n_trials) if t not in store.completed_trials()]
    todo = comm.bcast(todo, root=0)
    mine = todo[rank::size]
    tag = 7
    if rank != 0:
        for trial in mine:
            comm.send(run_batch(digest, experiment, run_seed, [trial])[0], dest=0, tag=tag)
        close_simulators()
        return None
    assert store is not None
    bar = tqdm(total=n_trials, initial=n_trials - len(todo), desc=f"trials ({size} ranks)", unit="trial",
               disable=not progress)
    remote = len(todo) - len(mine)

    def store_one(result: TrialResult, wall: float) -> None:
        store.append(result, experiment.network, wall_s=wall)
        bar.update(1)

    try:
        with store:
            for trial in mine:
                store_one(*run_batch(digest, experiment, run_seed, [trial])[0])
                while comm.iprobe(source=MPI.ANY_SOURCE, tag=tag):
                    store_one(*comm.recv(source=MPI.ANY_SOURCE, tag=tag))
                    remote -= 1
            for _ in range(remote):
                store_one(*comm.recv(source=MPI.ANY_SOURCE, tag=tag))
    finally:
        bar.close()
        close_simulators()
    return path
