"""Runs of a study: trials of an experiment into a database item, labelled with their conditions.

``run_condition`` runs one condition (e.g. ``{"whisker": "B1"}``) into the run-store item ``key`` of a
:class:`~isf.store.database.Database` through :func:`~isf.backends.runner.run_trials` (resumable: call
it again to finish an interrupted run) and keeps the labels in the store, where
:meth:`StudyView.of_database <isf.store.study_view.StudyView.of_database>` finds them.
``run_study`` does it for every condition of a sweep — into a database, or a folder of store files —
with one progress bar over the trials of all conditions, on loky, dask or MPI. ``whisker_sweep`` makes
the conditions of a whisker-tuning study: one evoked network per deflected whisker.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from isf.backends.parallel import Parallel
from isf.backends.runner import run_trials, run_trials_mpi
from isf.dsl.evoked_network import WHISKERS, EmbeddingFiles, evoked_network
from isf.errors import ArgumentValueError
from isf.model.experiment import Experiment
from isf.store import Database, RunStore
from isf.store.db_keys import Key
from isf.store.provenance import experiment_json
from isf.store.study_view import write_conditions

__all__ = ["condition_seed", "run_condition", "run_study", "whisker_sweep"]

#: A sweep: condition labels paired with the experiment to run for them.
Runs = Iterable[tuple[Mapping[str, Any], Experiment]]


def condition_seed(run_seed: int, conditions: Mapping[str, Any]) -> int:
    """The seed of a condition's run: derived from ``run_seed`` and the labels only (not from the order of
    the sweep), so adding a condition later leaves the others' runs, and their resumption, unchanged."""
    text = json.dumps([int(run_seed), {str(k): str(v) for k, v in conditions.items()}], sort_keys=True)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little") & 0x7FFFFFFF


def whisker_sweep(experiment: Experiment, whiskers: Sequence[str], embedding: EmbeddingFiles | str | os.PathLike[str],
                  *, name: str = "whisker", **options: Any) -> list[tuple[dict[str, str], Experiment]]:
    """The conditions of a whisker-tuning study: ``experiment`` with, for each deflected whisker, the evoked
    network built from the cell's ``embedding`` (:func:`isf.dsl.evoked_network.evoked_network`, whose
    keywords ``options`` are) in place of its network; labelled ``{name: whisker}``.

    Raises:
        ArgumentValueError: an unknown or repeated whisker (checked before any network is built).
    """
    unknown = [w for w in whiskers if w not in WHISKERS]
    if unknown or len(set(whiskers)) != len(whiskers) or not whiskers:
        raise ArgumentValueError(f"whiskers {list(whiskers)}: give distinct whiskers, each one of {', '.join(WHISKERS)}"
                                 + (f" (unknown: {', '.join(map(str, unknown))})" if unknown else ""),
                                 field="whiskers", value=list(whiskers), allowed=", ".join(WHISKERS))
    morphology = experiment.cell.morphology
    return [({name: w}, attrs.evolve(experiment, network=evoked_network(w, morphology, embedding, **options)))
            for w in whiskers]


def run_condition(db: Database, key: Key, experiment: Experiment, n_trials: int, *, run_seed: int,
                  conditions: Mapping[str, Any], parallel: Parallel = Parallel()) -> Path:
    """Run trials ``0 … n_trials−1`` of ``experiment`` into the run-store item ``key`` of ``db``, labelled
    with ``conditions`` (strings or numbers, kept as text). Resumes an interrupted run of the same
    experiment, seed and labels.

    Returns:
        The store file.

    Raises:
        StoreError: ``key`` holds another kind of item, or the run of other labels.
        FileExistsError: ``key`` holds the run of another experiment, seed or trial count.
    """
    path = db.run_store_path(key)
    _label_store(path, experiment, n_trials, run_seed, conditions)
    return run_trials(experiment, n_trials, path, run_seed=run_seed, parallel=parallel)


def _label_store(path: Path, experiment: Experiment, n_trials: int, run_seed: int,
                 conditions: Mapping[str, Any]) -> None:
    with RunStore.create(path, experiment_json=experiment_json(experiment), run_seed=run_seed,
                         n_trials=n_trials) as store:
        write_conditions(store, conditions)


class _BarView:
    """What :meth:`Parallel.progress_bar` hands one ``run_trials`` call of a sweep: the sweep's bar, which
    the call advances (by the trials its store held already, then trial by trial) but does not close."""

    def __init__(self, bar: Any, initial: int) -> None:
        self._bar = bar
        bar.update(initial)

    def __enter__(self) -> _BarView:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int = 1) -> None:
        self._bar.update(n)

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        self._bar.set_postfix(*args, **kwargs)

    def close(self) -> None:
        return None


@attrs.frozen
class _SweepParallel(Parallel):
    """``parallel`` whose progress bar is the sweep's (one bar over the trials of every condition)."""

    bar: Any = attrs.field(default=None, eq=False, repr=False)

    def progress_bar(self, total: int, desc: str, unit: str, initial: int = 0) -> Any:
        return _BarView(self.bar, initial)


def _key_text(labels: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(v) for v in labels.values())


def run_study(target: Database | str | os.PathLike[str], runs: Runs, n_trials: int, *, run_seed: int,
              under: str = "runs", parallel: Parallel = Parallel(), mpi: bool = False) -> list[Path]:
    """Run every condition of a sweep, ``n_trials`` trials each.

    Args:
        target: a :class:`~isf.store.database.Database`: condition ``c`` goes to the run-store item
            ``(under, *c.values())`` (e.g. ``("runs", "B1")``); or a folder (created if missing): condition
            ``c`` goes to the store file ``<folder>/<values joined by _>.h5``, read back with
            :meth:`StudyView.of_stores <isf.store.study_view.StudyView.of_stores>`.
        runs: pairs of condition labels (strings or numbers; every condition the same names) and the
            experiment to run for them (:func:`whisker_sweep`, or your own list).
        n_trials: trials per condition.
        run_seed: the study's seed; condition ``c`` runs with :func:`condition_seed` ``(run_seed, c)``.
        under: the key prefix of the runs in a database.
        parallel: where the trials run (as :func:`~isf.backends.runner.run_trials`); one progress bar
            counts the trials of all conditions (finished ones count at once).
        mpi: run across the ranks of ``MPI.COMM_WORLD`` (:func:`~isf.backends.runner.run_trials_mpi`);
            every rank calls ``run_study`` with the same arguments, rank 0 writes.

    Re-running the same call skips finished conditions and resumes an interrupted one.

    Returns:
        The store files, in the order of ``runs`` (on every rank under MPI).

    Raises:
        ArgumentValueError: two conditions with the same labels, or conditions with different names.
        StoreError: a key or file holds the run of other labels.
    """
    todo = [(dict(labels), experiment) for labels, experiment in runs]
    _check_labels(todo)
    if not isinstance(target, Database):
        for labels, _ in todo:
            _file_name(labels)  # every name checked before anything is written
    rank = 0
    comm: Any = None
    if mpi:
        from mpi4py import MPI

        comm = MPI.COMM_WORLD
        rank = comm.Get_rank()
    paths: list[Path] | BaseException = []
    if rank == 0:
        try:
            paths = _prepare(target, todo, n_trials, run_seed, under)
        except Exception as exc:
            if comm is None:
                raise
            paths = exc  # the other ranks must not wait for paths that never come
    if comm is not None:
        paths = comm.bcast(paths, root=0)
    if isinstance(paths, BaseException):
        raise paths
    shown = attrs.evolve(parallel, progress=parallel.progress and rank == 0)  # under MPI, rank 0 shows it
    with shown.progress_bar(len(todo) * n_trials, "sweep", "trial") as bar:
        inner = _SweepParallel(**{f.name: getattr(shown, f.name) for f in attrs.fields(Parallel)}, bar=bar)
        for (labels, experiment), path in zip(todo, paths):
            bar.set_description(f"sweep {', '.join(f'{k}={v}' for k, v in labels.items())}")
            seed = condition_seed(run_seed, labels)
            if mpi:
                run_trials_mpi(experiment, n_trials, path, run_seed=seed, parallel=inner)
            else:
                run_trials(experiment, n_trials, path, run_seed=seed, parallel=inner)
    return paths


def _prepare(target: Database | str | os.PathLike[str], todo: Sequence[tuple[dict[str, Any], Experiment]],
             n_trials: int, run_seed: int, under: str) -> list[Path]:
    """Create (or check, when resuming) the labelled store of every condition; their paths."""
    paths = []
    for labels, experiment in todo:
        if isinstance(target, Database):
            path = target.run_store_path((under, *_key_text(labels)))
        else:
            folder = Path(target)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / _file_name(labels)
        _label_store(path, experiment, n_trials, condition_seed(run_seed, labels), labels)
        paths.append(path)
    return paths


def _file_name(labels: Mapping[str, Any]) -> str:
    """The store file of a condition in a folder of stores: its label values joined by ``_``."""
    name = "_".join(_key_text(labels))
    if "/" in name or os.sep in name or name.startswith("."):
        raise ArgumentValueError(f"conditions {dict(labels)}: the labels name the store file {name}.h5, so they must "
                                 "not hold a path separator or start with '.'", field="runs", value=dict(labels),
                                 allowed="labels usable in a file name")
    return f"{name}.h5"


def _check_labels(todo: Sequence[tuple[dict[str, Any], Experiment]]) -> None:
    seen: set[tuple[str, ...]] = set()
    names = [tuple(labels) for labels, _ in todo]
    for labels, _ in todo:
        text = _key_text(labels)
        if text in seen or not labels:
            raise ArgumentValueError(f"conditions {labels}: every condition needs labels, and different ones "
                                     "from the other conditions", field="runs", value=labels,
                                     allowed="distinct, non-empty labels")
        seen.add(text)
    if len(set(names)) > 1:
        raise ArgumentValueError(f"conditions with different names {sorted(set(names))}: every condition of a "
                                 "study has the same label names", field="runs", value=sorted(set(names)),
                                 allowed="one set of label names")
