"""Fan network trials out to workers and collect them in one HDF5 store, resumably.

``run_trials`` hands the trials that the store does not hold yet to
:func:`isf.backends.parallel.map_unordered`, where a
:class:`~isf.backends.parallel.Parallel` value says (``loky`` processes by
default, a ``dask.distributed`` cluster, or this process); the experiment
reaches each loky worker once. :func:`run_trials_mpi` does the same across MPI
ranks. Workers rebuild the cell from the model value (NEURON objects never
cross processes) and keep it, keyed by the experiment's digest, for the
run's later trials (and release it when a worker gets other work: a cell left
alive would be simulated along with it). Each
trial's randomness comes from ``(run_seed, trial_index)`` only, so results do
not depend on the number or kind of workers. Results are written by the
coordinating process as they arrive, one trial at a time: interrupting a run
loses at most the trials in flight, and calling ``run_trials`` again with the
same arguments finishes it.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

from isf.backends.parallel import Parallel, map_unordered, register_worker_cache
from isf.model.experiment import Experiment
from isf.model.trial_result import TrialResult
from isf.store.provenance import experiment_json

#: Per worker process: experiment digest → trial simulator (the built cell).
_SIMULATORS: dict[str, Any] = {}


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
    """Release the cells this process keeps for later trials (their NEURON sections)."""
    for sim in _SIMULATORS.values():
        sim.close()
    _SIMULATORS.clear()


register_worker_cache(close_simulators)


def run_trial(job: tuple[str, Experiment, int], trial: int) -> tuple[TrialResult, float]:
    """Run one trial in this process (the worker side): its result and its wall seconds.

    ``job`` is ``(experiment digest, experiment, run_seed)``, the value
    :func:`~isf.backends.parallel.map_unordered` hands each worker once; the cell built for the
    experiment is kept for the worker's later trials.
    """
    digest, experiment, run_seed = job
    sim = _simulator(digest, experiment)
    start = time.perf_counter()
    result = sim.run(run_seed, trial)
    return result, time.perf_counter() - start


def run_trials(
    experiment: Experiment,
    n_trials: int,
    store_path: str | os.PathLike[str],
    *,
    run_seed: int,
    parallel: Parallel = Parallel(),
) -> Path:
    """Run trials ``0 … n_trials−1`` of a network experiment into an HDF5 store.

    Args:
        experiment: cell, network, stimuli, recordings and run settings.
        n_trials: number of trials in the run.
        store_path: the run's HDF5 file; if it exists for the same experiment and seed, the
            missing trials are run (resume).
        run_seed: the run's seed; trial ``i`` draws from ``trial_rng(run_seed, i)``.
        parallel: where the trials run (loky workers by default; ``Parallel(backend="dask")`` for a
            dask.distributed cluster, ``"sequential"`` for this process), trials per task (default
            :func:`~isf.backends.parallel.default_batch_size`) and the progress bar. Results do not
            depend on it.
    """
    from isf.store import RunStore

    if experiment.network is None:
        raise ValueError("run_trials needs an Experiment with a network")
    if n_trials < 0:
        raise ValueError(f"n_trials must be >= 0, got {n_trials}")
    text = experiment_json(experiment)
    job = (_digest(text), experiment, run_seed)
    path = Path(store_path)
    with RunStore.create(path, experiment_json=text, run_seed=run_seed, n_trials=n_trials) as store:
        todo = [t for t in range(n_trials) if t not in store.completed_trials()]
        try:
            with parallel.progress_bar(n_trials, "trials", "trial", initial=n_trials - len(todo)) as bar:
                for _, (result, wall) in map_unordered(run_trial, job, todo, parallel):
                    store.append(result, experiment.network, wall_s=wall)
                    bar.update(1)
                    bar.set_postfix(spikes=len(result.spike_times_ms))
        finally:
            # In-process runs (sequential, one loky worker) must not leave their cell alive in NEURON.
            close_simulators()
    return path


def run_trials_mpi(experiment: Experiment, n_trials: int, store_path: str | os.PathLike[str], *, run_seed: int,
                   parallel: Parallel = Parallel()) -> Path | None:
    """Run trials across the ranks of ``MPI.COMM_WORLD`` (start with ``mpiexec -n N python -m isf trials …``).

    Rank 0 owns the store; every rank, rank 0 included, simulates the missing trials whose
    position in the to-do list is congruent to its rank, and sends results to rank 0 as they
    finish, one trial at a time. Returns the store path on rank 0, ``None`` elsewhere.

    Args:
        experiment, n_trials, store_path, run_seed: as for :func:`run_trials` (same store, same
            results).
        parallel: only its ``progress`` applies (rank 0 shows the bar): the ranks are the workers.
    """
    from mpi4py import MPI

    from isf.store import RunStore

    network = experiment.network
    if network is None:
        raise ValueError("run_trials_mpi needs an Experiment with a network")
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    text = experiment_json(experiment)
    job = (_digest(text), experiment, run_seed)
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
            comm.send(run_trial(job, trial), dest=0, tag=tag)
        close_simulators()
        return None
    assert store is not None
    bar = parallel.progress_bar(n_trials, f"trials ({size} ranks)", "trial", initial=n_trials - len(todo))
    remote = len(todo) - len(mine)

    def store_one(result: TrialResult, wall: float) -> None:
        store.append(result, network, wall_s=wall)
        bar.update(1)

    try:
        with store:
            for trial in mine:
                store_one(*run_trial(job, trial))
                while comm.iprobe(source=MPI.ANY_SOURCE, tag=tag):
                    store_one(*comm.recv(source=MPI.ANY_SOURCE, tag=tag))
                    remote -= 1
            for _ in range(remote):
                store_one(*comm.recv(source=MPI.ANY_SOURCE, tag=tag))
    finally:
        bar.close()
        close_simulators()
    return path
