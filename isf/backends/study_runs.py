"""Runs of a study: trials of an experiment into a database item, labelled with their conditions.

``run_condition`` runs one condition (e.g. ``{"whisker": "B1"}``) into the run-store item ``key`` of a
:class:`~isf.store.database.Database` through :func:`~isf.backends.runner.run_trials` (resumable: call
it again to finish an interrupted run) and keeps the labels in the store, where
:meth:`StudyView.of_database <isf.store.study_view.StudyView.of_database>` finds them.
``run_study`` does it for every condition of a sweep.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from isf.backends.parallel import Parallel
from isf.backends.runner import run_trials
from isf.model.experiment import Experiment
from isf.store import Database, RunStore
from isf.store.db_keys import Key
from isf.store.provenance import experiment_json
from isf.store.study_view import write_conditions

__all__ = ["condition_seed", "run_condition", "run_study"]


def condition_seed(run_seed: int, conditions: Mapping[str, Any]) -> int:
    """The seed of a condition's run: derived from ``run_seed`` and the labels only (not from the order of
    the sweep), so adding a condition later leaves the others' runs, and their resumption, unchanged."""
    text = json.dumps([int(run_seed), {str(k): str(v) for k, v in conditions.items()}], sort_keys=True)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little") & 0x7FFFFFFF


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
    with RunStore.create(path, experiment_json=experiment_json(experiment), run_seed=run_seed,
                         n_trials=n_trials) as store:
        write_conditions(store, conditions)
    return run_trials(experiment, n_trials, path, run_seed=run_seed, parallel=parallel)


def run_study(db: Database, runs: Iterable[tuple[Mapping[str, Any], Experiment]], n_trials: int, *,
              run_seed: int, under: str = "runs", parallel: Parallel = Parallel()) -> list[Path]:
    """Run every condition of a sweep: ``runs`` pairs condition labels with the experiment to run for
    them. Condition ``c`` goes to the key ``(under, *c.values())`` (e.g. ``("runs", "B1")``) with the
    seed :func:`condition_seed` ``(run_seed, c)``. One progress bar counts the conditions; finished
    ones are skipped quickly, an interrupted one resumes.

    Returns:
        The store files, in the order of ``runs``.
    """
    todo = [(dict(labels), experiment) for labels, experiment in runs]
    inner = attrs.evolve(parallel, progress=False)
    paths = []
    with parallel.progress_bar(len(todo), "conditions", "condition") as bar:
        for labels, experiment in todo:
            key = (under, *(str(v) for v in labels.values()))
            bar.set_postfix_str(", ".join(f"{k}={v}" for k, v in labels.items()))
            paths.append(run_condition(db, key, experiment, n_trials, run_seed=condition_seed(run_seed, labels),
                                       conditions=labels, parallel=inner))
            bar.update(1)
    return paths
