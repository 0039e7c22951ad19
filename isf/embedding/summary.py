"""Connectivity statistics of realisations and the choice of a representative one (LEGACY_FORMATS §5.7, §9.2 steps 7–8).

Per presynaptic cell type (over all areas) a realisation gives: number of synapses, mean and SD
of their path length to the soma (geometric, µm), connected presynaptic cells (≥ 1 synapse),
total presynaptic cells, convergence (connected / total), and the same for apical, basal and
soma synapses (soma: count, connected cells, convergence). Missing values are −1, as in ISF.

The representative sample (:func:`representative_sample`) is the one whose synapse counts per
cell type are closest to the mean over samples: z-scores per cell type (SD with ddof 0, z = 0
where the SD is 0); among samples with every |z| ≤ 2 the smallest Σz², else the smallest overall.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from isf.embedding.realisation import PopulationSynapses, Realisation

__all__ = [
    "CELL_TYPE_ORDER",
    "SUMMARY_COLUMNS",
    "celltype_order",
    "population_summary",
    "representative_sample",
    "sample_summary",
    "summary_tables",
]

#: Row order of ISF's summary tables.
CELL_TYPE_ORDER: tuple[str, ...] = (
    "L2",
    "L34",
    "L4py",
    "L4sp",
    "L4ss",
    "L5st",
    "L5tt",
    "L6cc",
    "L6ccinv",
    "L6ct",
    "VPM",
    "L1",
    "L23Trans",
    "L45Peak",
    "L45Sym",
    "L56Trans",
    "SymLocal1",
    "SymLocal2",
    "SymLocal3",
    "SymLocal4",
    "SymLocal5",
    "SymLocal6",
)

#: Columns of a per-cell-type summary, in ISF's order.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "Number of synapses",
    "Mean path length to soma",
    "SD path length to soma",
    "Connected presynaptic cells",
    "Total presynaptic cells",
    "Convergence",
    "Number of apical synapses",
    "Mean apical path length to soma",
    "SD apical path length to soma",
    "Connected apical presynaptic cells",
    "Apical convergence",
    "Number of basal synapses",
    "Mean basal path length to soma",
    "SD basal path length to soma",
    "Connected basal presynaptic cells",
    "Basal convergence",
    "Number of soma synapses",
    "Connected soma presynaptic cells",
    "Soma convergence",
)
_STRUCTURE_COLUMNS = {1: "apical", 2: "basal", 0: "soma"}


def celltype_order(cell_types: Sequence[str]) -> list[str]:
    """``cell_types`` in ISF's summary order (unknown types last, in their given order)."""
    known = [t for t in CELL_TYPE_ORDER if t in cell_types]
    return known + [t for t in cell_types if t not in CELL_TYPE_ORDER]


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else -1.0


def _stats(pops: Sequence[PopulationSynapses]) -> dict[str, float]:
    dist = np.concatenate([p.soma_distance_um for p in pops]) if pops else np.zeros(0)
    structure = (
        np.concatenate([p.structure for p in pops]) if pops else np.zeros(0, np.int64)
    )
    total = float(sum(p.n_cells for p in pops))
    row: dict[str, float] = {
        "Number of synapses": float(dist.size),
        "Mean path length to soma": float(dist.mean()) if dist.size else -1.0,
        "SD path length to soma": float(dist.std()) if dist.size else -1.0,
        "Connected presynaptic cells": float(sum(p.n_connected for p in pops)),
        "Total presynaptic cells": total,
    }
    row["Convergence"] = _ratio(row["Connected presynaptic cells"], total)
    for s, word in _STRUCTURE_COLUMNS.items():
        on = structure == s
        connected = float(
            sum(np.unique(p.presynaptic_cell[p.structure == s]).size for p in pops)
        )
        cap = word.capitalize()
        row[f"Number of {word} synapses"] = float(on.sum())
        if s != 0:
            row[f"Mean {word} path length to soma"] = (
                float(dist[on].mean()) if on.any() else -1.0
            )
            row[f"SD {word} path length to soma"] = (
                float(dist[on].std()) if on.any() else -1.0
            )
        row[f"Connected {word} presynaptic cells"] = connected
        row[f"{cap} convergence"] = _ratio(connected, total)
    return row


def sample_summary(realisation: Realisation, by_area: bool = False) -> pd.DataFrame:
    """Statistics of one realisation per cell type (or per (area, cell type) with ``by_area``)."""
    groups: dict[tuple[str, ...], list[PopulationSynapses]] = {}
    for p in realisation.populations:
        groups.setdefault(
            (p.area, p.cell_type) if by_area else (p.cell_type,), []
        ).append(p)
    types = celltype_order(
        list(dict.fromkeys(p.cell_type for p in realisation.populations))
    )
    if by_area:
        keys = [
            (a, t)
            for a in sorted({p.area for p in realisation.populations})
            for t in types
            if (a, t) in groups
        ]
        index = pd.MultiIndex.from_tuples(
            keys, names=["Presynaptic column", "Presynaptic cell type"]
        )
    else:
        keys = [(t,) for t in types]
        index = pd.Index(types, name="Presynaptic cell type")
    return pd.DataFrame(
        [_stats(groups[k]) for k in keys], index=index, columns=list(SUMMARY_COLUMNS)
    )


def population_summary(
    summaries: Sequence[pd.DataFrame], legacy_compatible: bool = True
) -> pd.DataFrame:
    """Mean and SD (ddof 0) over samples of every per-cell-type statistic, columns ``<quantity>``,
    ``<quantity> STD`` (ISF headers both ``STD``); ``Total presynaptic cells`` has no SD.

    With ``legacy_compatible`` the apical/basal "SD path length" columns hold the mean over samples of
    the per-sample *mean* path length, as ISF's code computes them.
    """
    stacked = np.stack([s.to_numpy() for s in summaries])
    mean = pd.DataFrame(
        stacked.mean(axis=0), index=summaries[0].index, columns=summaries[0].columns
    )
    std = pd.DataFrame(
        stacked.std(axis=0), index=summaries[0].index, columns=summaries[0].columns
    )
    if legacy_compatible:
        for word in ("apical", "basal"):
            mean[f"SD {word} path length to soma"] = mean[
                f"Mean {word} path length to soma"
            ]
            std[f"SD {word} path length to soma"] = std[
                f"Mean {word} path length to soma"
            ]
    out = {}
    for column in SUMMARY_COLUMNS:
        out[column] = mean[column]
        if column != "Total presynaptic cells":
            out[f"{column} STD"] = std[column]
    return pd.DataFrame(out)


def representative_sample(
    counts: NDArray[np.float64] | Sequence[Mapping[str, float]],
) -> int:
    """Index of the representative sample.

    Args:
        counts: synapses per cell type of every sample, as an array (samples × cell types) or as
            one ``{cell type: count}`` per sample (cell types missing from a sample count 0; columns
            are the cell types sorted by name, as in ISF).
    """
    if not isinstance(counts, np.ndarray):
        types = sorted({t for c in counts for t in c})
        counts = np.array(
            [[float(c.get(t, 0)) for t in types] for c in counts], dtype=np.float64
        )
    table = np.asarray(counts, dtype=np.float64)
    if table.ndim != 2 or table.shape[0] == 0:
        raise ValueError(
            f"need a (samples × cell types) table with at least one sample, got shape {table.shape}"
        )
    mean = table.mean(axis=0)
    sd = table.std(axis=0)
    z = np.divide(table - mean, sd, out=np.zeros_like(table), where=sd > 0)
    score = (z**2).sum(axis=1)
    inside = np.all(np.abs(z) <= 2, axis=1)
    if inside.any():
        return int(np.flatnonzero(inside)[np.argmin(score[inside])])
    return int(np.argmin(score))


def summary_tables(
    summaries: Sequence[pd.DataFrame],
    chosen: Realisation,
    legacy_compatible: bool = True,
) -> dict[str, pd.DataFrame]:
    """The three tables of ISF's representative-sample summary file (LEGACY_FORMATS §5.7)."""
    return {
        "connectivity per cell type population summary": population_summary(
            summaries, legacy_compatible
        ),
        "connectivity per cell type representative realization summary": sample_summary(
            chosen
        ),
        "connectivity per column per cell type summary": sample_summary(
            chosen, by_area=True
        ),
    }
