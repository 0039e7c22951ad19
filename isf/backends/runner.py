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
coordinating process as they arrive, one trial at a time, and not kept: the
coordinator's memory does not grow with the number of trials. Interrupting a
run (even killing it) loses at most the trials in flight, and calling
``run_trials`` again with the same arguments finishes it.

A wall-clock limit per trial (``trial_timeout_s``) stops a runaway trial with
the mechanism of the Hay evaluations (:func:`isf.backends.neuron.simulate.run`
with ``time_limit_s``): the trial is recorded as failed with its reason
(:meth:`isf.store.RunStore.failed_trials`, ``isf inspect``) and the run goes on.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from pathlib import Path
from typing import Any

from isf.backends.parallel import Parallel, map_unordered, register_worker_cache
from isf.errors import ArgumentValueError
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


def run_trial(job: tuple[Any, ...], trial: int) -> tuple[TrialResult | str, float]:
    """Run one trial in this process (the worker side): its result (or, for a trial stopped by its
    wall-clock limit, the reason as text) and its wall seconds.

    ``job`` is ``(experiment digest, experiment, run_seed[, trial_timeout_s])``, the value
    :func:`~isf.backends.parallel.map_unordered` hands each worker once; the cell built for the
    experiment is kept for the worker's later trials.
    """
    digest, experiment, run_seed = job[:3]
    limit = job[3] if len(job) > 3 else None
    sim = _simulator(digest, experiment)
    start = time.perf_counter()
    if limit is None:
        return sim.run(run_seed, trial), time.perf_counter() - start
    from isf.backends.neuron.simulate import SimulationTimeout

    try:
        result = sim.run(run_seed, trial, time_limit_s=limit)
    except SimulationTimeout as exc:
        return f"runaway trial: {exc}", time.perf_counter() - start
    return result, time.perf_counter() - start


def _check_timeout(trial_timeout_s: float | None) -> None:
    if trial_timeout_s is not None and (isinstance(trial_timeout_s, bool) or not isinstance(trial_timeout_s, (int, float))
                                        or not math.isfinite(trial_timeout_s) or trial_timeout_s <= 0):
        raise ArgumentValueError(f"trial_timeout_s = {trial_timeout_s!r}: allowed is None or a number of seconds > 0",
                                 field="trial_timeout_s", value=trial_timeout_s, allowed="None or a number > 0")


def _store_outcome(store: Any, network: Any, trial: int, outcome: TrialResult | str, wall: float) -> None:
    """Append a trial's result, or record it as failed (``outcome`` is then the reason)."""
    if isinstance(outcome, str):
        store.record_failure(trial, outcome, wall_s=wall)
    else:
        store.append(outcome, network, wall_s=wall)


def run_trials(
    experiment: Experiment,
    n_trials: int,
    store_path: str | os.PathLike[str],
    *,
    run_seed: int,
    parallel: Parallel = Parallel(),
    trial_timeout_s: float | None = None,
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
        trial_timeout_s: wall-clock limit of one trial, s (``None``: none). A trial over it is
            stopped, recorded as failed with its reason (:meth:`~isf.store.RunStore.failed_trials`)
            and not run again on resume; the run goes on.
    """
    from isf.store import RunStore

    if experiment.network is None:
        raise ValueError("run_trials needs an Experiment with a network")
    if n_trials < 0:
        raise ValueError(f"n_trials must be >= 0, got {n_trials}")
    _check_timeout(trial_timeout_s)
    text = experiment_json(experiment)
    job = _job(text, experiment, run_seed, trial_timeout_s)
    path = Path(store_path)
    with RunStore.create(path, experiment_json=text, run_seed=run_seed, n_trials=n_trials) as store:
        todo = _todo(store, n_trials)
        try:
            with parallel.progress_bar(n_trials, "trials", "trial", initial=n_trials - len(todo)) as bar:
                for position, (outcome, wall) in map_unordered(run_trial, job, todo, parallel):
                    _store_outcome(store, experiment.network, todo[position], outcome, wall)
                    bar.update(1)
                    if not isinstance(outcome, str):
                        bar.set_postfix(spikes=len(outcome.spike_times_ms))
        finally:
            # In-process runs (sequential, one loky worker) must not leave their cell alive in NEURON.
            close_simulators()
    return path


def _job(text: str, experiment: Experiment, run_seed: int, trial_timeout_s: float | None) -> tuple[Any, ...]:
    digest = _digest(text)
    return (digest, experiment, run_seed) if trial_timeout_s is None else (digest, experiment, run_seed,
                                                                           float(trial_timeout_s))


def _todo(store: Any, n_trials: int) -> list[int]:
    """Trials neither completed nor recorded as failed."""
    done = store.completed_trials() | set(store.failed_trials().index.tolist())
    return [t for t in range(n_trials) if t not in done]


def run_trials_mpi(experiment: Experiment, n_trials: int, store_path: str | os.PathLike[str], *, run_seed: int,
                   parallel: Parallel = Parallel(), trial_timeout_s: float | None = None) -> Path | None:
    """Run trials across the ranks of ``MPI.COMM_WORLD`` (start with ``mpiexec -n N python -m isf trials …``).

    Rank 0 owns the store; every rank, rank 0 included, simulates the missing trials whose
    position in the to-do list is congruent to its rank, and sends results to rank 0 as they
    finish, one trial at a time. Returns the store path on rank 0, ``None`` elsewhere.

    Args:
        experiment, n_trials, store_path, run_seed: as for :func:`run_trials` (same store, same
            results).
        parallel: only its ``progress`` applies (rank 0 shows the bar): the ranks are the workers.
        trial_timeout_s: as for :func:`run_trials`.
    """
    from mpi4py import MPI

    from isf.store import RunStore

    network = experiment.network
    if network is None:
        raise ValueError("run_trials_mpi needs an Experiment with a network")
    _check_timeout(trial_timeout_s)
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    text = experiment_json(experiment)
    job = _job(text, experiment, run_seed, trial_timeout_s)
    path = Path(store_path)
    store = None
    todo: list[int] | None = None
    if rank == 0:
        store = RunStore.create(path, experiment_json=text, run_seed=run_seed, n_trials=n_trials)
        todo = _todo(store, n_trials)
    todo = comm.bcast(todo, root=0)
    mine = todo[rank::size]
    tag = 7
    if rank != 0:
        for trial in mine:
            comm.send((trial, *run_trial(job, trial)), dest=0, tag=tag)
        close_simulators()
        return None
    assert store is not None
    bar = parallel.progress_bar(n_trials, f"trials ({size} ranks)", "trial", initial=n_trials - len(todo))
    remote = len(todo) - len(mine)

    def store_one(trial: int, outcome: TrialResult | str, wall: float) -> None:
        _store_outcome(store, network, trial, outcome, wall)
        bar.update(1)

    try:
        with store:
            for trial in mine:
                store_one(trial, *run_trial(job, trial))
                while comm.iprobe(source=MPI.ANY_SOURCE, tag=tag):
                    store_one(*comm.recv(source=MPI.ANY_SOURCE, tag=tag))
                    remote -= 1
            for _ in range(remote):
                store_one(*comm.recv(source=MPI.ANY_SOURCE, tag=tag))
    finally:
        bar.close()
        close_simulators()
    return path
