"""Analyses over the runs of a study, computed with dask chunk by chunk of trials.

The functions take the lazy frames of :class:`isf.store.study_view.StudyView` (any dask data frame
with the label columns ``<conditions…>, run, trial`` in front, indexed by ``study_trial``, the rows of
one trial in one partition) and return small pandas results. They compute on dask's local threaded
scheduler, or on the ``dask.distributed`` cluster of ``client``. Memory stays bounded by a few
partitions per worker: nothing holds all trials at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from isf.analysis.psth import bin_edges
from isf.analysis.synapse_stats import cell_type_of
from isf.errors import ArgumentValueError

__all__ = ["LABEL_COLUMNS", "compute", "mean_soma_distance_by_cell_type", "psth_by_condition", "spike_probability",
           "trace_mean_sd"]

#: Label columns a view's frames carry after the conditions.
LABEL_COLUMNS = ("run", "trial")
#: Partial results combined per reduction step (the fan-in of the tree).
_FAN_IN = 8


def compute(*objects: Any, client: Any = None) -> tuple[Any, ...]:
    """Compute dask objects on ``client`` (a ``dask.distributed.Client``) or the local threaded scheduler."""
    import dask

    if client is not None:
        return tuple(client.compute(list(objects), sync=True))
    return dask.compute(*objects, scheduler="threads")


def _check_window(start: float, stop: float, what: str) -> None:
    if not stop > start:
        raise ArgumentValueError(f"{what}: the end must be after the start, got {start} … {stop}",
                                 field=what, value=(start, stop), allowed="start < stop")


def _trial_counts(trials: pd.DataFrame, by: Sequence[str]) -> pd.Series:
    if not by:
        return pd.Series([len(trials)], index=pd.Index(["all"], name="all"))
    return trials.groupby(list(by), observed=True).size()


def _constant(part: pd.DataFrame, by: Sequence[str]) -> bool:
    """Whether every row of ``part`` has the same labels ``by`` (a view's partitions are chunks of one run:
    they do, and a reduction needs no grouping inside the partition)."""
    for name in by:
        column = part[name]
        values = column.cat.codes.to_numpy() if isinstance(column.dtype, pd.CategoricalDtype) else column.to_numpy()
        if values.shape[0] and not (values == values[0]).all():
            return False
    return True


def _labelled(part: pd.DataFrame, by: Sequence[str], columns: dict[str, Any]) -> pd.DataFrame:
    """A small frame: the (constant) labels ``by`` of ``part`` repeated beside ``columns``."""
    n = len(next(iter(columns.values()))) if columns else 0
    front = {name: part[name].iloc[:1].repeat(n).to_numpy() if n else part[name].iloc[:0].to_numpy()
             for name in by}
    out = pd.DataFrame({**front, **columns})
    for name in by:  # keep the view's categories, so that partial results line up
        if isinstance(part[name].dtype, pd.CategoricalDtype):
            out[name] = pd.Categorical(out[name], dtype=part[name].dtype)
    return out


def _reduce(frame: Any, columns: list[str], partial: Callable[[pd.DataFrame], pd.DataFrame], keys: list[str],
            client: Any) -> pd.DataFrame:
    """Apply ``partial`` to every partition of ``frame[columns]`` (only those columns are read), compute,
    and sum the small partial results over ``keys``."""
    projected = frame[columns]
    meta = partial(projected._meta)
    (parts,) = compute(projected.map_partitions(partial, meta=meta), client=client)
    if not keys:
        return parts.sum().to_frame().T
    return parts.groupby(keys, observed=True).sum()


def spike_probability(spike_times: Any, trials: pd.DataFrame, window_ms: tuple[float, float],
                      by: Sequence[str], *, client: Any = None) -> pd.Series:
    """P(at least one spike in ``start ≤ t < stop``) per condition.

    Args:
        spike_times: the view's ``spike_times`` (one row per spike, ``time_ms`` in ms).
        trials: the view's ``trials`` table (one row per trial, also those without spikes).
        window_ms: ``(start, stop)``, ms.
        by: the label columns to group by (e.g. ``view.condition_names``).

    Returns:
        Probabilities indexed by the groups (every group of ``trials``; 0 where no trial spiked).
    """
    start, stop = window_ms
    _check_window(start, stop, "window_ms")
    by = list(by)

    def spiking(part: pd.DataFrame) -> pd.DataFrame:
        # rows of one trial share its study_trial index: count distinct ones with a spike in the window
        t = part.time_ms.to_numpy()
        hit = np.flatnonzero((t >= start) & (t < stop))
        trial = part.index.to_numpy()[hit]
        if _constant(part, by):
            return _labelled(part, by, {"n": np.array([np.unique(trial).shape[0]] if hit.shape[0] else [],
                                                      dtype=np.int64)})
        first = hit[np.unique(trial, return_index=True)[1]]
        return part.iloc[first][by].groupby(by, observed=True).size().rename("n").reset_index()

    counts = _reduce(spike_times, by + ["time_ms"], spiking, by, client)["n"]
    total = _trial_counts(trials, by)
    if not by:
        counts = pd.Series([counts.iloc[0] if len(counts) else 0], index=total.index)
    return (counts.reindex(total.index, fill_value=0) / total).rename("p_spike")


def psth_by_condition(spike_times: Any, trials: pd.DataFrame, by: Sequence[str], *, bin_ms: float = 1.0,
                      t_start_ms: float = 0.0, t_stop_ms: float, rate: bool = True,
                      client: Any = None) -> pd.DataFrame:
    """Peri-stimulus time histogram per condition.

    Bins are ``[t_start + k·bin, t_start + (k+1)·bin)``, the last one closed at ``t_stop`` (as
    :func:`numpy.histogram`); spikes outside are ignored.

    Returns:
        One row per group of ``by`` (all groups of ``trials``), one column per bin (its left edge, ms):
        Hz (spikes per trial per second) if ``rate``, else spikes per trial per bin.
    """
    _check_window(t_start_ms, t_stop_ms, "t_start_ms/t_stop_ms")
    edges = bin_edges(bin_ms, t_start_ms, t_stop_ms)
    n_bins = len(edges) - 1
    by = list(by)

    def binned(part: pd.DataFrame) -> pd.DataFrame:
        t = part.time_ms.to_numpy()
        keep = (t >= t_start_ms) & (t <= t_stop_ms)
        b = np.minimum(((t[keep] - t_start_ms) // bin_ms).astype(np.int64), n_bins - 1)
        if _constant(part, by):
            counts = np.bincount(b, minlength=n_bins) if b.shape[0] else np.zeros(n_bins, np.int64)
            used = np.flatnonzero(counts)
            return _labelled(part, by, {"bin": used.astype(np.int64), "n": counts[used].astype(np.int64)})
        return part[keep][by].assign(bin=b).groupby(by + ["bin"], observed=True).size().rename("n").reset_index()

    counts = _reduce(spike_times, by + ["time_ms"], binned, by + ["bin"], client)["n"]
    total = _trial_counts(trials, by)
    if by:
        table = counts.unstack("bin", fill_value=0) if len(counts) else pd.DataFrame(index=total.index)
        table = table.reindex(index=total.index, columns=range(n_bins), fill_value=0)
    else:
        table = pd.DataFrame([counts.reindex(range(n_bins), fill_value=0).to_numpy()
                              if len(counts) else np.zeros(n_bins)], index=total.index)
    values = table.to_numpy(np.float64) / total.to_numpy()[:, None]
    if rate:
        values = values * (1000.0 / bin_ms)
    return pd.DataFrame(values, index=total.index, columns=pd.Index(edges[:-1], name="t_ms"))


# ---------------------------------------------------------------------- mean and SD of traces

_Stats = dict[tuple[Any, ...], tuple[int, NDArray[np.float64], NDArray[np.float64]]]


def _block_stats(values: NDArray[np.float64], labels: pd.DataFrame | None) -> _Stats:
    """Per group of rows (the rows of ``labels``, all rows if ``None``): (n, mean, sum of squared
    deviations) of the traces ``values`` (rows × samples), per sample."""
    if labels is None or labels.shape[1] == 0:
        groups = {(): np.arange(values.shape[0])}
    else:
        groups = {k if isinstance(k, tuple) else (k,): v
                  for k, v in labels.groupby(list(labels.columns), observed=True).indices.items()}
    out: _Stats = {}
    for key, rows in groups.items():
        block = values[rows]
        mean = block.mean(axis=0)
        out[key] = (block.shape[0], mean, ((block - mean) ** 2).sum(axis=0))
    return out


def _frame_stats(part: pd.DataFrame, by: Sequence[str], n_labels: int) -> _Stats:
    return _block_stats(part.iloc[:, n_labels:].to_numpy(np.float64), part[list(by)] if by else None)


def _combine(*parts: _Stats) -> _Stats:
    """Chan et al.'s pairwise update: merge the (n, mean, M2) of disjoint sets of traces."""
    out: _Stats = {}
    for part in parts:
        for key, (n_b, mean_b, m2_b) in part.items():
            if key not in out:
                out[key] = (n_b, mean_b, m2_b)
                continue
            n_a, mean_a, m2_a = out[key]
            n = n_a + n_b
            delta = mean_b - mean_a
            out[key] = (n, mean_a + delta * (n_b / n), m2_a + m2_b + delta ** 2 * (n_a * n_b / n))
    return out


def trace_mean_sd(traces: Any, *, by: Sequence[str] = (), labels: pd.DataFrame | None = None,
                  t_ms: Sequence[float] | None = None, ddof: int = 1, client: Any = None) -> pd.DataFrame:
    """Mean and standard deviation of traces per sample, in constant memory (each block of trials is
    reduced to its (n, mean, M2) per group, then these are merged pairwise in a tree).

    Args:
        traces: either the view's ``trace_array(key)`` (a dask array, trials × samples; fastest, also on
            a cluster) with ``labels`` = the view's ``trials`` (row ``i`` labels trial row ``i``) and
            ``t_ms`` = ``view.time_ms(key)``; or a wide frame of the view (``voltage_traces``,
            ``traces(key)``: label columns, then one column per sample time, ms).
        by: label columns to group by (``()``: all traces together).
        ddof: delta degrees of freedom of the SD (1: the sample SD, as pandas' ``std``).

    Returns:
        Index ``t_ms`` (sample positions if not known); columns ``mean`` and ``sd`` (``by=()``), or a
        MultiIndex column ``(statistic, group…)`` per group; in the traces' unit (mV for voltages).
    """
    import dask

    by = list(by)
    if hasattr(traces, "to_delayed") and hasattr(traces, "columns"):  # a dask data frame
        n_labels = _label_count(traces)
        parts = [dask.delayed(_frame_stats)(p, by, n_labels) for p in traces.to_delayed()]
        t = np.asarray(traces.columns[n_labels:], dtype=np.float64)
    else:
        if by and labels is None:
            raise ArgumentValueError("grouping the rows of a trace array needs labels (the view's trials)",
                                     field="labels", value=None, allowed="a frame with one row per trace row")
        offsets = np.cumsum((0, *traces.chunks[0]))
        parts = []
        for i, block in enumerate(traces.to_delayed().ravel()):
            rows = labels.iloc[offsets[i]:offsets[i + 1]][by] if by and labels is not None else None
            parts.append(dask.delayed(_block_stats)(block, rows))
        t = np.asarray(t_ms, dtype=np.float64) if t_ms is not None else np.arange(traces.shape[1], dtype=np.float64)
    while len(parts) > 1:
        parts = [dask.delayed(_combine)(*parts[i:i + _FAN_IN]) for i in range(0, len(parts), _FAN_IN)]
    (stats,) = compute(parts[0], client=client) if parts else ({},)
    index = pd.Index(t, name="t_ms")
    columns = {}
    for key in sorted(stats, key=lambda k: tuple(map(str, k))):
        n, mean, m2 = stats[key]
        sd = np.sqrt(m2 / (n - ddof)) if n > ddof else np.full(mean.shape, np.nan)
        columns[("mean", *key)] = mean
        columns[("sd", *key)] = sd
    if not by:
        return pd.DataFrame({"mean": columns.get(("mean",), np.full(len(index), np.nan)),
                             "sd": columns.get(("sd",), np.full(len(index), np.nan))}, index=index)
    frame = pd.DataFrame(columns, index=index)
    frame.columns = pd.MultiIndex.from_tuples(list(columns), names=["statistic", *by])
    return frame


def _label_count(frame: Any) -> int:
    """Number of label columns (conditions…, run, trial) in front of a view frame."""
    names = list(frame.columns)
    if "trial" not in names:
        raise ArgumentValueError("expected a study-view frame (label columns … run, trial in front)",
                                 field="traces", value=names[:5], allowed="frames of isf.store.StudyView")
    return names.index("trial") + 1


# ---------------------------------------------------------------------- synapse activations

def _group_of(population: pd.Series, group: str | Callable[[str], str]) -> pd.Categorical:
    """Each row's group: its ``population``, its ``cell_type`` (:func:`cell_type_of`), or ``group(name)``."""
    names = [str(c) for c in population.cat.categories]
    if group == "population":
        mapped = names
    elif group == "cell_type":
        mapped = [cell_type_of(n) for n in names]
    elif callable(group):
        mapped = [group(n) for n in names]
    else:
        raise ArgumentValueError(f"group must be 'population', 'cell_type' or a function, got {group!r}",
                                 field="group", value=group, allowed="'population', 'cell_type', callable")
    categories = sorted(set(mapped))
    codes = np.array([categories.index(m) for m in mapped] + [-1], dtype=np.int64)
    return pd.Categorical.from_codes(codes[population.cat.codes.to_numpy()], categories)


def mean_soma_distance_by_cell_type(activations: Any, *, by: Sequence[str] = (),
                                    group: str | Callable[[str], str] = "cell_type",
                                    client: Any = None) -> pd.Series:
    """Mean soma distance (µm) of the synapse activations per cell type (per ``group``), and per the
    label columns ``by`` if given. Summed per population in each partition (``numpy.bincount`` on the
    population codes; only these two columns are read), merged, then mapped to groups."""
    by = list(by)

    def summed(part: pd.DataFrame) -> pd.DataFrame:
        population = part.population
        if _constant(part, by):
            codes = population.cat.codes.to_numpy()
            known = codes >= 0
            n = len(population.cat.categories)
            count = np.bincount(codes[known], minlength=n)
            total = np.bincount(codes[known], weights=part.soma_distance_um.to_numpy()[known], minlength=n)
            used = np.flatnonzero(count)
            return _labelled(part, by, {"population": pd.Categorical.from_codes(used, dtype=population.dtype),
                                        "sum": total[used], "count": count[used].astype(np.int64)})
        grouped = part.groupby(by + ["population"], observed=True).soma_distance_um
        return grouped.agg(["sum", "count"]).reset_index()

    table = _reduce(activations, by + ["population", "soma_distance_um"], summed, by + ["population"],
                    client).reset_index()
    table["group"] = _group_of(table.population.astype(pd.CategoricalDtype(
        sorted(table.population.astype(str).unique()))), group)
    merged = table.groupby(by + ["group"], observed=True)[["sum", "count"]].sum()
    name = group if isinstance(group, str) else "group"
    out = (merged["sum"] / merged["count"]).rename("mean_soma_distance_um")
    return out.rename_axis(index=[*by, name])
