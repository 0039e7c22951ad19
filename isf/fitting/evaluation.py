"""Evaluate many parameter vectors of a :class:`~isf.fitting.setup.HaySetup` in parallel (joblib: loky
processes, a dask.distributed cluster, or sequentially), with a progress bar."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from isf.backends.parallel import map_unordered
from isf.fitting.setup import HaySetup


def _evaluate(setup: HaySetup, job: tuple[dict[str, float], Mapping[str, float] | None]) -> pd.Series:
    params, cutoffs = job
    if cutoffs is None:
        return setup.evaluate(params)
    return setup.evaluate_incremental(params, cutoffs)[1]


def evaluate_many(setup: HaySetup, vectors: pd.DataFrame, *, backend: str = "loky", n_jobs: int = 2,
                  dask_client: Any = None, cutoffs: Mapping[str, float] | None = None, progress: bool = True,
                  batch_size: int | None = 1, description: str = "evaluations") -> pd.DataFrame:
    """Evaluate every row of ``vectors`` (columns = parameter names).

    Args:
        setup: the set-up (its ``time_limit_s`` bounds each protocol run).
        vectors: one parameter vector per row.
        backend, n_jobs, dask_client: where to run (see :func:`isf.backends.parallel.map_unordered`).
        cutoffs: if given, incremental evaluation with these per-protocol cutoffs (σ).
        progress: show a progress bar with the best maximum score so far.
        batch_size: vectors per task (1 balances best: evaluations take seconds).

    Returns:
        One row per input row (same index), columns = ISF's evaluation keys, ``inside``, ``timed_out``,
        ``eval_s`` and the parameters.
    """
    jobs = [({str(k): float(v) for k, v in row.items()}, dict(cutoffs) if cutoffs is not None else None)
            for _, row in vectors.iterrows()]
    results: list[pd.Series | None] = [None] * len(jobs)
    names = setup.objective_names
    best = float("inf")
    with tqdm(total=len(jobs), desc=description, unit="model", disable=not progress) as bar:
        for pos, series in map_unordered(_evaluate, setup, jobs, backend=backend, n_jobs=n_jobs,
                                         batch_size=batch_size, dask_client=dask_client):
            results[pos] = series
            scores = [float(series[n]) for n in names if n in series]
            if scores:
                best = min(best, max(scores))
            bar.update(1)
            bar.set_postfix(best_max_sigma=f"{best:.2f}")
    frame = pd.DataFrame([r for r in results if r is not None])
    frame.index = vectors.index
    return frame
