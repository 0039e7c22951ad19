"""Temporal binning of event times (spikes, synapse activations) over trials."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from isf.errors import ArgumentValueError


def bin_edges(bin_ms: float, t_start_ms: float, t_stop_ms: float) -> NDArray[np.float64]:
    """Edges (ms) of the bins ``[t_start + k·bin, t_start + (k+1)·bin)`` covering ``[t_start, t_stop]``.

    Whole bins only: a partial last bin is extended, never dropped, and there is at least one bin.

    Raises:
        ArgumentValueError: ``bin_ms`` is not > 0.
    """
    if bin_ms <= 0:
        raise ArgumentValueError(
            f"bin_ms must be > 0, got {bin_ms}",
            field="bin_ms",
            value=bin_ms,
            allowed="> 0",
        )
    # 1e-9: a range that is a whole number of bins up to rounding gets no extra, empty bin
    n_bins = max(1, int(np.ceil((t_stop_ms - t_start_ms) / bin_ms - 1e-9)))
    return t_start_ms + bin_ms * np.arange(n_bins + 1, dtype=np.float64)


def psth(
    spike_times_ms: Sequence[NDArray[np.float64]],
    bin_ms: float = 1.0,
    t_start_ms: float = 0.0,
    t_stop_ms: float | None = None,
    rate: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Peri-stimulus time histogram over trials.

    Args:
        spike_times_ms: one array of event times per trial, ms.
        bin_ms: bin width, ms.
        t_start_ms: left edge of the first bin, ms.
        t_stop_ms: right end (default: the latest event); the last bin is closed.
        rate: return Hz (events per trial per second) instead of events per trial per bin.

    Returns:
        (bin edges, values per bin).
    """
    trials = [np.asarray(t, dtype=float) for t in spike_times_ms]
    everything = np.concatenate(trials) if trials else np.zeros(0)
    if t_stop_ms is None:
        t_stop_ms = float(everything.max()) if everything.size else t_start_ms + bin_ms
    edges = bin_edges(bin_ms, t_start_ms, t_stop_ms)
    counts, _ = np.histogram(everything, bins=edges)
    values: NDArray[np.float64] = counts / max(1, len(trials))
    if rate:
        values = values / (np.diff(edges) / 1000.0)
    return edges, values


def spike_probability(spike_times_ms: Sequence[NDArray[np.float64]], t0_ms: float, t1_ms: float) -> float:
    """Fraction of trials with at least one event in ``[t0_ms, t1_ms)``."""
    if not spike_times_ms:
        return float("nan")
    hits = [bool(np.any((np.asarray(t) >= t0_ms) & (np.asarray(t) < t1_ms))) for t in spike_times_ms]
    return float(np.mean(hits))


def mean_rate_hz(spike_times_ms: Sequence[NDArray[np.float64]], t0_ms: float, t1_ms: float) -> float:
    """Mean event rate in ``[t0_ms, t1_ms)`` over trials, Hz."""
    if not spike_times_ms or t1_ms <= t0_ms:
        return float("nan")
    n = sum(int(np.sum((np.asarray(t) >= t0_ms) & (np.asarray(t) < t1_ms))) for t in spike_times_ms)
    return n / len(spike_times_ms) / ((t1_ms - t0_ms) / 1000.0)
