"""Grouping columns of synapse activations for binning (REDUCED_MODELS §1.2): cell type, presynaptic
column, proximal/distal, EXC/INH by an explicit table, and 50-µm soma-distance bins.

The EXC/INH class is an explicit, versioned input (:class:`EITable`). ISF changed its lists in January
2025 (commit ``983a67bc``): since then ``L1`` counts as excitatory, although the barrel-cortex network
gives ``L1`` populations GABA receptors. Data binned before 2025 (e.g. Bast et al. 2024) used the older
lists, which are the default here (:data:`EI_TABLE_PRE_2025`); :data:`EI_TABLE_ISF_2025` reproduces
ISF's current lists (:data:`isf.model.cell_types.ISF_EXCITATORY_CELL_TYPES`). Under both, a name in
neither list is INH, as in ISF. :func:`check_ei_table` compares a table with the receptors of a network.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.analysis.synapse_stats import cell_type_of
from isf.errors import ArgumentValueError
from isf.model.cell_types import EXCITATORY_CELL_TYPES, INHIBITORY_CELL_TYPES, ISF_EXCITATORY_CELL_TYPES
from isf.model.validation import to_tuple

__all__ = [
    "DISTANCE_BIN_UM",
    "EI_TABLE_ISF_2025",
    "EI_TABLE_PRE_2025",
    "GROUP_COLUMNS",
    "PROXIMAL_LIMIT_UM",
    "EITable",
    "check_ei_table",
    "distance_bin_label",
    "distance_bin_lower_um",
    "group_values",
]

#: Soma distance (µm) from which a synapse is ``'dist'`` (500 itself is distal).
PROXIMAL_LIMIT_UM = 500.0
#: Width of the soma-distance bins of ``binned_somadist``, µm.
DISTANCE_BIN_UM = 50.0
#: The grouping columns :func:`group_values` can make (and ``population`` itself).
GROUP_COLUMNS = ("EI", "binned_somadist", "celltype", "population", "presynaptic_column", "proximal")


@attrs.frozen
class EITable:
    """Which presynaptic cell types are excitatory (every other name, listed or not, is INH, as in ISF).

    Attributes:
        name: the table's name (kept with binned data and fitted models).
        excitatory: cell types counted as EXC.
        inhibitory: cell types known to be INH (documentation and :func:`check_ei_table`; names in
            neither list are INH too).
    """

    name: str
    excitatory: tuple[str, ...] = attrs.field(converter=to_tuple)
    inhibitory: tuple[str, ...] = attrs.field(converter=to_tuple)

    def classify(self, cell_type: str) -> str:
        """``'EXC'`` or ``'INH'``."""
        return "EXC" if cell_type in self.excitatory else "INH"


#: ISF's lists before January 2025 (``L1`` is INH); the default.
EI_TABLE_PRE_2025 = EITable(
    "isf_pre_2025",
    (*EXCITATORY_CELL_TYPES, "Generic"),
    (*INHIBITORY_CELL_TYPES, "GenericINH", "INH"),
)
#: ISF's lists since commit ``983a67bc`` (January 2025): ``L1`` is EXC (a regression, see the module text).
EI_TABLE_ISF_2025 = EITable(
    "isf_2025",
    ISF_EXCITATORY_CELL_TYPES,
    ("INH",),
)


def distance_bin_lower_um(label: str) -> float:
    """Lower edge (µm) of a ``binned_somadist`` label (``'50to100'`` → 50)."""
    try:
        return float(label.split("to", 1)[0])
    except ValueError:
        raise ArgumentValueError(f"not a distance-bin label: {label!r}", field="label", value=label,
                                 allowed="'<lower>to<upper>', e.g. '50to100'") from None


def distance_bin_label(k: int, width_um: float = DISTANCE_BIN_UM) -> str:
    """Label of distance bin ``k``: ``"{w·k}to{w·k+w}"`` (integers printed without a decimal point)."""
    lo, hi = width_um * k, width_um * (k + 1)
    fmt = (lambda x: str(int(x))) if float(width_um).is_integer() else (lambda x: f"{x:g}")
    return f"{fmt(lo)}to{fmt(hi)}"


def _column_of(population: str) -> str | float:
    parts = population.split("_")
    return parts[1] if len(parts) > 1 else math.nan


def group_values(column: str, populations: NDArray[Any], distances_um: NDArray[np.float64],
                 ei_table: EITable = EI_TABLE_PRE_2025,
                 distance_bin_um: float = DISTANCE_BIN_UM) -> NDArray[Any]:
    """The value of the grouping ``column`` for each row (REDUCED_MODELS §1.2).

    Args:
        column: one of :data:`GROUP_COLUMNS`.
        populations: presynaptic population names (``<celltype>_<column>``), one per row.
        distances_um: soma distances, µm, one per row.
        ei_table: the EXC/INH table of ``'EI'``.
        distance_bin_um: bin width of ``'binned_somadist'``: label ``"{wk}to{wk+w}"`` for
            ``k = floor(d / w)`` (half-open bins).

    Returns:
        An object array of strings (``presynaptic_column`` is NaN for a name without ``_``).
    """
    populations = np.asarray(populations)
    if column == "binned_somadist":
        k = np.floor(np.asarray(distances_um, dtype=np.float64) / distance_bin_um).astype(np.int64)
        unique, inverse = np.unique(k, return_inverse=True)
        labels = np.array([distance_bin_label(int(u), distance_bin_um) for u in unique], dtype=object)
        return labels[inverse.reshape(-1)]
    if column == "proximal":
        return np.where(np.asarray(distances_um) < PROXIMAL_LIMIT_UM, "prox", "dist").astype(object)
    mappers: Mapping[str, Any] = {
        "population": str,
        "celltype": cell_type_of,
        "presynaptic_column": _column_of,
        "EI": lambda p: ei_table.classify(cell_type_of(p)),
    }
    if column not in mappers:
        raise ArgumentValueError(f"unknown grouping column {column!r}", field="groupby", value=column,
                                 allowed=", ".join(GROUP_COLUMNS))
    unique, inverse = np.unique(populations.astype(str), return_inverse=True)
    mapped = np.array([mappers[column](str(u)) for u in unique], dtype=object)
    return mapped[inverse.reshape(-1)]


def check_ei_table(table: EITable, receptors_by_cell_type: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Cell types whose class in ``table`` contradicts their receptors (glutamate → EXC, GABA → INH).

    Args:
        receptors_by_cell_type: receptor mechanism names per cell type (e.g. from a network's
            populations: ``{"L1": ["gaba_syn"], "L5tt": ["glutamate_syn"]}``).

    Returns:
        ``{cell_type: "table says X, receptors say Y"}`` (empty: the table agrees).
    """
    problems = {}
    for cell_type, receptors in sorted(receptors_by_cell_type.items()):
        kinds = {"EXC" if "glut" in r.lower() or "ampa" in r.lower() or "nmda" in r.lower() else
                 "INH" if "gaba" in r.lower() else "?" for r in receptors}
        kinds.discard("?")
        if len(kinds) == 1:
            (expected,) = kinds
            if table.classify(cell_type) != expected:
                problems[cell_type] = f"table {table.name!r} says {table.classify(cell_type)}, receptors say {expected}"
    return problems
