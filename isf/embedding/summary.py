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
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from isf.embedding.realisation import CompactRealisation, Realisation
from isf.errors import ArgumentValueError

if TYPE_CHECKING:  # pandas is imported on use: worker processes only need the numbers
    import pandas as pd

    from isf.embedding.synapse_density import AxonDensities
    from isf.embedding.targets import CellTargets

__all__ = [
    "CELL_TYPE_ORDER",
    "SUMMARY_COLUMNS",
    "celltype_order",
    "compact_summary_values",
    "population_summary",
    "representative_sample",
    "sample_summary",
    "summary_frame",
    "summary_tables",
    "summary_values",
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


_COLUMN = {name: i for i, name in enumerate(SUMMARY_COLUMNS)}


def _summary_rows(
    parts: Sequence[tuple[NDArray[np.float64], NDArray[np.integer], NDArray[np.integer], int, int]],
    n_rows: int,
) -> NDArray[np.float64]:
    """Summary rows (columns :data:`SUMMARY_COLUMNS`) of groups of populations.

    Args:
        parts: every population as ``(path length to the soma, structure, presynaptic cell, cells, row)``
            of its synapses; a row's statistics are over its populations' synapses in the given order.
        n_rows: number of rows (groups).
    """
    col = _COLUMN
    out = np.empty((n_rows, len(SUMMARY_COLUMNS)), np.float64)
    sizes = np.array([len(d) for d, *_ in parts], dtype=np.int64)
    row_of_part = np.array([r for *_, r in parts], dtype=np.int64)
    n_cells = np.array([n for *_, n, _ in parts], dtype=np.int64)
    if parts:
        dist = np.concatenate([d for d, *_ in parts])
        structure = np.concatenate([s for _, s, *_ in parts]).astype(np.int64)
        # presynaptic cells numbered across populations, so cells of different populations differ
        offsets = np.cumsum(n_cells) - n_cells
        cell = np.concatenate([c.astype(np.int64) + o for (_, _, c, _, _), o in zip(parts, offsets)])
    else:
        dist, structure, cell = np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64)
    row = np.repeat(row_of_part, sizes)
    total = np.bincount(row_of_part, weights=n_cells, minlength=n_rows).astype(np.float64)
    n_syn = np.bincount(row, minlength=n_rows)
    n_struct = np.bincount(row * 3 + structure, minlength=3 * n_rows).reshape(n_rows, 3)
    _, first = np.unique(cell, return_index=True)
    connected = np.bincount(row[first], minlength=n_rows).astype(np.float64)
    _, first = np.unique(cell * 3 + structure, return_index=True)
    connected_s = np.bincount(
        row[first] * 3 + structure[first], minlength=3 * n_rows
    ).reshape(n_rows, 3).astype(np.float64)
    order = np.argsort(row, kind="stable")  # each row's synapses in population order
    bounds = np.concatenate([np.zeros(1, np.int64), np.cumsum(n_syn)])
    dist, structure = dist[order], structure[order]
    for r in range(n_rows):
        d = dist[bounds[r] : bounds[r + 1]]
        s_r = structure[bounds[r] : bounds[r + 1]]
        out[r, col["Number of synapses"]] = float(d.size)
        out[r, col["Mean path length to soma"]] = float(d.mean()) if d.size else -1.0
        out[r, col["SD path length to soma"]] = float(d.std()) if d.size else -1.0
        out[r, col["Connected presynaptic cells"]] = connected[r]
        out[r, col["Total presynaptic cells"]] = total[r]
        out[r, col["Convergence"]] = _ratio(connected[r], total[r])
        for s, word in _STRUCTURE_COLUMNS.items():
            out[r, col[f"Number of {word} synapses"]] = float(n_struct[r, s])
            if s != 0:
                on = d[s_r == s] if n_struct[r, s] else d[:0]
                out[r, col[f"Mean {word} path length to soma"]] = float(on.mean()) if on.size else -1.0
                out[r, col[f"SD {word} path length to soma"]] = float(on.std()) if on.size else -1.0
            out[r, col[f"Connected {word} presynaptic cells"]] = connected_s[r, s]
            out[r, col[f"{word.capitalize()} convergence"]] = _ratio(connected_s[r, s], total[r])
    return out


def summary_values(
    realisation: Realisation, cell_types: Sequence[str] | None = None
) -> NDArray[np.float64]:
    """The numbers of :func:`sample_summary` (rows: ``cell_types``, default the realisation's types in
    :func:`celltype_order`; columns :data:`SUMMARY_COLUMNS`)."""
    if cell_types is None:
        cell_types = celltype_order(list(dict.fromkeys(p.cell_type for p in realisation.populations)))
    rows = {t: i for i, t in enumerate(cell_types)}
    return _summary_rows(
        [
            (p.soma_distance_um, p.structure, p.presynaptic_cell, p.n_cells, rows[p.cell_type])
            for p in realisation.populations
            if p.cell_type in rows
        ],
        len(cell_types),
    )


def compact_summary_values(
    compact: CompactRealisation,
    targets: CellTargets,
    densities: Sequence[AxonDensities],
    cell_types: Sequence[str],
) -> NDArray[np.float64]:
    """:func:`summary_values` of a :class:`~isf.embedding.realisation.CompactRealisation` (same numbers,
    without building the populations)."""
    ip = compact.indptr
    rows = {t: i for i, t in enumerate(cell_types)}
    parts = []
    for p, density in enumerate(densities):
        if density.cell_type not in rows:
            continue
        point = compact.point[ip[p] : ip[p + 1]]
        parts.append(
            (
                targets.point_soma_distance_um[point],
                targets.point_structure[point],
                compact.presynaptic_cell[ip[p] : ip[p + 1]],
                density.n_cells,
                rows[density.cell_type],
            )
        )
    return _summary_rows(parts, len(cell_types))


def summary_frame(values: NDArray[np.float64], cell_types: Sequence[str]) -> pd.DataFrame:
    """A per-cell-type summary table (as :func:`sample_summary`) from :func:`summary_values` numbers."""
    import pandas as pd

    return pd.DataFrame(
        np.array(values, dtype=np.float64),
        index=pd.Index(list(cell_types), name="Presynaptic cell type"),
        columns=list(SUMMARY_COLUMNS),
    )


def sample_summary(realisation: Realisation, by_area: bool = False) -> pd.DataFrame:
    """Statistics of one realisation per cell type (or per (area, cell type) with ``by_area``)."""
    import pandas as pd

    types = celltype_order(
        list(dict.fromkeys(p.cell_type for p in realisation.populations))
    )
    if not by_area:
        return summary_frame(summary_values(realisation, types), types)
    areas = sorted({p.area for p in realisation.populations})
    present = {(p.area, p.cell_type) for p in realisation.populations}
    keys = [(a, t) for a in areas for t in types if (a, t) in present]
    rows = {k: i for i, k in enumerate(keys)}
    index = pd.MultiIndex.from_tuples(
        keys, names=["Presynaptic column", "Presynaptic cell type"]
    )
    values = _summary_rows(
        [
            (p.soma_distance_um, p.structure, p.presynaptic_cell, p.n_cells, rows[(p.area, p.cell_type)])
            for p in realisation.populations
        ],
        len(keys),
    )
    return pd.DataFrame(values, index=index, columns=list(SUMMARY_COLUMNS))


def population_summary(
    summaries: Sequence[pd.DataFrame], legacy_compatible: bool = True
) -> pd.DataFrame:
    """Mean and SD (ddof 0) over samples of every per-cell-type statistic, columns ``<quantity>``,
    ``<quantity> STD`` (ISF headers both ``STD``); ``Total presynaptic cells`` has no SD.

    With ``legacy_compatible`` the apical/basal "SD path length" columns hold the mean over samples of
    the per-sample *mean* path length, as ISF's code computes them.
    """
    import pandas as pd

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
        raise ArgumentValueError(
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
