"""Binned input and spike times of whole runs, row-aligned: the data a reduced model is fitted to.

:func:`binned_runs` reads run-store files (each binned with :func:`~isf.reduced.binning.bin_store`,
joined with :func:`~isf.reduced.binning.concat_binned`; rows ``"<file stem>/<trial>"``);
:func:`binned_study` reads every labelled run of a study database through its
:class:`~isf.store.StudyView` (rows ``study_trial``). Both return the spike times of the same rows.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from isf.errors import ArgumentValueError
from isf.reduced.binning import MAXTIME_MS, BinnedInput, bin_store, bin_study, concat_binned
from isf.reduced.groups import DISTANCE_BIN_UM, EI_TABLE_PRE_2025, EITable
from isf.reduced.targets import spike_matrix, spike_times_aligned

__all__ = ["binned_runs", "binned_study"]


def binned_runs(paths: Sequence[str | os.PathLike[str]], groupby: Sequence[str] = ("EI",), *,
                maxtime_ms: float = MAXTIME_MS, bin_ms: float = 1.0, ei_table: EITable = EI_TABLE_PRE_2025,
                distance_bin_um: float = DISTANCE_BIN_UM) -> tuple[BinnedInput, NDArray[np.float64]]:
    """(binned input of the completed trials of every store, their spike times NaN-padded, ms)."""
    from isf.store import RunStore

    if not paths:
        raise ArgumentValueError("no run stores given", field="paths", value=[], allowed="one or more .h5 files")
    parts, spikes, names = [], [], []
    for path in paths:
        with RunStore.open(path) as store:
            binned = bin_store(store, groupby, maxtime_ms=maxtime_ms, bin_ms=bin_ms, ei_table=ei_table,
                               distance_bin_um=distance_bin_um)
            spikes.append(spike_times_aligned(store["spike_times"], binned.trials))
        parts.append(binned)
        names.append(Path(path).stem)
    if len(set(names)) != len(names):
        names = [f"{i}:{n}" for i, n in enumerate(names)]
    width = max(s.shape[1] for s in spikes)
    table = np.full((sum(s.shape[0] for s in spikes), width), np.nan)
    row = 0
    for s in spikes:
        table[row:row + s.shape[0], :s.shape[1]] = s
        row += s.shape[0]
    return concat_binned(parts, names), table


def binned_study(db: Any, groupby: Sequence[str] = ("EI",), *, maxtime_ms: float = MAXTIME_MS,
                 bin_ms: float = 1.0, ei_table: EITable = EI_TABLE_PRE_2025, distance_bin_um: float = DISTANCE_BIN_UM,
                 client: Any = None) -> tuple[BinnedInput, NDArray[np.float64]]:
    """(binned input of every trial of a study database's view, their spike times NaN-padded, ms)."""
    from isf.store import StudyView

    view = StudyView.of_database(db)
    binned = bin_study(view, groupby, maxtime_ms=maxtime_ms, bin_ms=bin_ms, ei_table=ei_table, distance_bin_um=distance_bin_um,
                       client=client)
    spikes = view.spike_times[["time_ms"]].compute()
    by_trial = spikes.groupby(level=0)["time_ms"].apply(list)
    rows = [by_trial.get(t, []) for t in binned.trials]
    return binned, spike_matrix(rows)
