"""Evaluate many parameter vectors of a :class:`~isf.fitting.setup.HaySetup` in parallel (where a
:class:`~isf.backends.parallel.Parallel` value says: loky processes, a dask.distributed cluster, or
sequentially), with a progress bar."""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import pandas as pd

from isf.backends.parallel import Parallel, map_unordered
from isf.fitting.setup import HaySetup


def _evaluate(setup: HaySetup, job: tuple[dict[str, float], Mapping[str, float] | None]) -> pd.Series:
    params, cutoffs = job
    if cutoffs is None:
        return setup.evaluate(params)
    return setup.evaluate_incremental(params, cutoffs)[1]


def evaluate_many(setup: HaySetup, vectors: pd.DataFrame, *, parallel: Parallel = Parallel(),
                  cutoffs: Mapping[str, float] | None = None, description: str = "evaluations") -> pd.DataFrame:
    """Evaluate every row of ``vectors`` (columns = parameter names).

    Args:
        setup: the set-up (its ``time_limit_s`` bounds each protocol run).
        vectors: one parameter vector per row.
        parallel: where to run, and whether to show a progress bar (with the best maximum score so
            far). Its ``batch_size`` defaults to one vector per task here: evaluations take seconds
            and vary (a runaway model runs to its time limit), so single tasks balance best.
        cutoffs: if given, incremental evaluation with these per-protocol cutoffs (σ).
        description: the progress bar's label.

    Returns:
        One row per input row (same index), columns = ISF's evaluation keys, ``inside``, ``timed_out``,
        ``eval_s`` and the parameters.
    """
    jobs = [({str(k): float(v) for k, v in row.items()}, dict(cutoffs) if cutoffs is not None else None)
            for _, row in vectors.iterrows()]
    results: list[pd.Series | None] = [None] * len(jobs)
    names = setup.objective_names
    best = float("inf")
    parallel = attrs.evolve(parallel, batch_size=parallel.batch_size or 1)
    with parallel.progress_bar(len(jobs), description, "model") as bar:
        for pos, series in map_unordered(_evaluate, setup, jobs, parallel):
            results[pos] = series
            scores = [float(series[n]) for n in names if n in series]
            if scores:
                best = min(best, max(scores))
            bar.update(1)
            bar.set_postfix(best_max_sigma=f"{best:.2f}")
    frame = pd.DataFrame([r for r in results if r is not None])
    frame.index = vectors.index
    return frame
