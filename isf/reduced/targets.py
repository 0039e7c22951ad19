"""The spiking output as target (REDUCED_MODELS §2): spike-in-window labels and the time since the last
spike, from NaN-padded spike-time tables aligned row by row with the binned input.

Spike times are read off soma traces by the one detector, :func:`isf.model.spikes.spike_times` (run
stores keep its output; :func:`spike_table_from_traces` applies it to traces). Windows are left-closed,
right-open: a spike at ``tmin`` counts, one at ``tmax`` does not, ``tmin == tmax`` selects nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from isf.errors import ArgumentValueError
from isf.model.spikes import spike_times

__all__ = ["isi_before", "spike_in_interval", "spike_matrix", "spike_table_from_traces", "spike_times_aligned"]


def spike_matrix(spikes: pd.DataFrame | ArrayLike | Sequence[ArrayLike]) -> NDArray[np.float64]:
    """Spike times as a float ``(n_trials, max_spikes)`` array, NaN-padded.

    Accepts a wide frame (``store["spike_times"]``, ISF's ``spike_times``), a 2-D array, or one
    sequence of spike times per trial.
    """
    if isinstance(spikes, pd.DataFrame):
        return spikes.to_numpy(np.float64).reshape(len(spikes), -1)
    if isinstance(spikes, np.ndarray) and spikes.ndim == 2:
        return spikes.astype(np.float64)
    rows = [np.asarray(r, dtype=np.float64).reshape(-1) for r in spikes]  # type: ignore[union-attr]
    width = max((r.shape[0] for r in rows), default=0)
    out = np.full((len(rows), width), np.nan)
    for i, r in enumerate(rows):
        out[i, :r.shape[0]] = r
    return out


def spike_in_interval(spikes: pd.DataFrame | ArrayLike | Sequence[ArrayLike], tmin_ms: float,
                      tmax_ms: float) -> NDArray[np.bool_]:
    """Per trial: is there a spike ``s`` with ``tmin_ms ≤ s < tmax_ms`` (ms)? NaN never counts."""
    m = spike_matrix(spikes)
    with np.errstate(invalid="ignore"):
        return np.asarray(((m >= tmin_ms) & (m < tmax_ms)).any(axis=1), dtype=bool)


def isi_before(spikes: pd.DataFrame | ArrayLike | Sequence[ArrayLike], t_ref_ms: float) -> NDArray[np.float64]:
    """``(latest spike ≤ t_ref) − t_ref`` per trial (≤ 0, ms; NaN without such a spike), ISF's
    ``DataExtractor_ISI``. The input is not modified (ISF blanks later spikes in place)."""
    m = spike_matrix(spikes)
    with np.errstate(invalid="ignore"):
        before = np.where(m <= t_ref_ms, m, np.nan)
    out = np.full(m.shape[0], np.nan)
    has = ~np.all(np.isnan(before), axis=1) if m.shape[1] else np.zeros(m.shape[0], dtype=bool)
    out[has] = np.nanmax(before[has], axis=1) - t_ref_ms
    return out


def spike_times_aligned(spike_table: pd.DataFrame, trials: Sequence[Any] | pd.Index) -> NDArray[np.float64]:
    """The rows of a wide spike-time table in the order of ``trials`` (e.g. :attr:`BinnedInput.trials`).

    Raises:
        ArgumentValueError: a trial has no row in the table (a trial without spikes must still have a
            row of NaN, as in run stores).
    """
    index = pd.Index(trials)
    pos = spike_table.index.get_indexer(index)
    if np.any(pos < 0):
        missing = index[pos < 0][:5].tolist()
        raise ArgumentValueError(f"trials {missing} have no row in the spike-time table", field="trials",
                                 value=missing, allowed="trials of the spike-time table's index")
    return spike_matrix(spike_table)[pos]


def spike_table_from_traces(traces: pd.DataFrame, threshold_mV: float = 0.0) -> pd.DataFrame:
    """A wide spike-time table from soma traces (rows = trials, columns = sample times, ms; as
    ``store.traces(key)``), by :func:`isf.model.spikes.spike_times` (0 mV: ISF's somatic threshold)."""
    t = traces.columns.to_numpy(np.float64)
    rows = [spike_times(t, v, threshold_mV) for v in traces.to_numpy(np.float64)]
    return pd.DataFrame(spike_matrix(rows), index=traces.index)
