"""The pooled space × time histogram of synapse activations (REDUCED_MODELS §1.6): counts per
soma-distance bin and time bin, summed over all rows (all trials together, not per trial).

Rows ``z = floor(d / spatial_bin)`` from 0 to the largest occupied one (missing rows are zero, so the
row count depends on the data); time bins from :func:`isf.analysis.psth.bin_edges` as
:func:`numpy.histogram` (the last bin closed). The dask path sums the partitions' histograms padded to a
common shape, so it equals the pandas path for any partitioning; an empty partition contributes nothing
(ISF raises on it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from isf.analysis.psth import bin_edges
from isf.errors import ArgumentValueError

__all__ = ["pooled_histogram", "pooled_histogram_dask"]


def _distance_and_times(frame: pd.DataFrame, distance_column: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(distance, time) of every release: from a ``time_ms`` column, or from ISF's integer-named time columns."""
    if distance_column not in frame.columns:
        raise ArgumentValueError(f"no distance column {distance_column!r}", field="distance_column",
                                 value=distance_column, allowed=", ".join(map(str, frame.columns)))
    d = frame[distance_column].to_numpy(np.float64)
    if "time_ms" in frame.columns:
        return d, frame["time_ms"].to_numpy(np.float64)
    names = []
    for c in frame.columns:
        try:
            int(str(c))
        except ValueError:
            continue
        names.append(c)
    times = frame[names].to_numpy(np.float64) if names else np.zeros((len(frame), 0))
    row, col = np.nonzero(~np.isnan(times))
    return d[row], times[row, col]


def pooled_histogram(frame: pd.DataFrame, distance_column: str = "soma_distance_um", spatial_bin_um: float = 50.0,
                     min_time_ms: float = 0.0, max_time_ms: float = 300.0, time_bin_ms: float = 1.0
                     ) -> NDArray[np.int64]:
    """Counts ``[z, time bin]`` over all rows of ``frame`` (ISF's ``spatiotemporal_binning.universal``).

    Args:
        frame: activations — isf long form (``time_ms`` column) or ISF wide form (integer-named time columns).
        distance_column: the soma-distance column (µm).
        spatial_bin_um: distance-bin width, µm (row ``z`` is ``[z·w, (z+1)·w)``).
        min_time_ms, max_time_ms, time_bin_ms: time bins (the last closed at ``max_time_ms``), ms.

    Returns:
        int64 array ``(z_max + 1, n_time_bins)``; ``(0, n_time_bins)`` if nothing falls in the time range.
    """
    if spatial_bin_um <= 0:
        raise ArgumentValueError(f"spatial_bin_um must be > 0, got {spatial_bin_um}", field="spatial_bin_um",
                                 value=spatial_bin_um, allowed="> 0")
    edges = bin_edges(time_bin_ms, min_time_ms, max_time_ms)
    n_t = edges.shape[0] - 1
    d, t = _distance_and_times(frame, distance_column)
    keep = (t >= edges[0]) & (t <= edges[-1])
    d, t = d[keep], t[keep]
    if not t.shape[0]:
        return np.zeros((0, n_t), dtype=np.int64)
    z = np.floor(d / spatial_bin_um).astype(np.int64)
    if z.min() < 0:
        raise ArgumentValueError("negative distances cannot be binned", field=distance_column, value=float(d.min()),
                                 allowed=">= 0")
    tb = np.minimum(np.searchsorted(edges, t, side="right") - 1, n_t - 1)
    n_z = int(z.max()) + 1
    return np.bincount(z * n_t + tb, minlength=n_z * n_t).reshape(n_z, n_t).astype(np.int64)


def pooled_histogram_dask(frame: Any, distance_column: str = "soma_distance_um", spatial_bin_um: float = 50.0,
                          min_time_ms: float = 0.0, max_time_ms: float = 300.0, time_bin_ms: float = 1.0,
                          client: Any = None) -> NDArray[np.int64]:
    """:func:`pooled_histogram` of a dask frame: per partition, zero-padded to the largest row count, summed."""
    import dask

    from isf.analysis.study import compute

    parts = [dask.delayed(pooled_histogram)(p, distance_column, spatial_bin_um, min_time_ms, max_time_ms, time_bin_ms)
             for p in frame.to_delayed()]
    (arrays,) = compute(parts, client=client)
    n_t = bin_edges(time_bin_ms, min_time_ms, max_time_ms).shape[0] - 1
    n_z = max((a.shape[0] for a in arrays), default=0)
    total = np.zeros((n_z, n_t), dtype=np.int64)
    for a in arrays:
        total[:a.shape[0]] += a
    return total
