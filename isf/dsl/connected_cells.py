"""``NumberOfConnectedCells.csv``: connected presynaptic cells per cell type and column (LEGACY_FORMATS §5.3).

Layout (TAB-separated, one header line)::

    Presynaptic column\\tPresynaptic cell type\\tConnected presynaptic cells
    A1\\tL4py\\t8
    ...

The counts are ``{celltype: {column: n}}``; :func:`connected_cells_from_con` derives them
from a ``.con`` (number of distinct cell IDs per population, population name split at its
first ``_``), and :func:`write_connected_cells` writes them like ISF's
``con_file_to_NumberOfConnectedCells_sheet``: zero rows for every missing combination of the
22 cell types × 24 columns of the rat barrel-cortex model, rows sorted by column name. ISF
leaves the order of rows within a column undefined; here it is the order of
:data:`~isf.model.cell_types.CELL_TYPES`, then other cell types by name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from isf.dsl.atomic import atomic_write_text
from isf.dsl.text_fields import non_negative_int, read_legacy_text, tab_fields
from isf.errors import ArgumentValueError, LegacyFormatError
from isf.model.cell_types import CELL_TYPES
from isf.model.synapse import Connectivity

__all__ = [
    "COLUMNS",
    "HEADER",
    "ConnectedCells",
    "connected_cells_from_con",
    "format_connected_cells",
    "parse_connected_cells",
    "read_connected_cells",
    "split_population_name",
    "write_connected_cells",
]

#: cell type → column → number of connected presynaptic cells.
ConnectedCells = dict[str, dict[str, int]]

#: The 24 barrel columns (sorted by name, as in the CSV).
COLUMNS: tuple[str, ...] = (
    "A1", "A2", "A3", "A4", "Alpha", "B1", "B2", "B3", "B4", "Beta", "C1", "C2", "C3", "C4",
    "D1", "D2", "D3", "D4", "Delta", "E1", "E2", "E3", "E4", "Gamma",
)
#: First line of the CSV.
HEADER = "Presynaptic column\tPresynaptic cell type\tConnected presynaptic cells"


def split_population_name(name: str) -> tuple[str, str]:
    """``"L5tt_C2"`` → ``("L5tt", "C2")`` (split at the first ``_``, as ISF does)."""
    celltype, sep, column = name.partition("_")
    if not sep or not celltype or not column:
        raise ArgumentValueError(f"population name {name!r} is not '<celltype>_<column>'")
    return celltype, column


def parse_connected_cells(text: str, filename: str = "<text>") -> ConnectedCells:
    """Parse a ``NumberOfConnectedCells.csv``: the first line is skipped, as by ISF.

    Raises:
        LegacyFormatError: with the line of a row that is not ``column<TAB>celltype<TAB>count``
            with a count >= 0, or that repeats a (cell type, column) pair.
    """
    counts: ConnectedCells = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if lineno == 1:
            continue
        stripped = line.strip()
        if not stripped:
            continue
        fields = tab_fields(stripped, 3, "column, cell type, count", filename, lineno)
        column, celltype, raw = (f.strip() for f in fields)
        if not column or not celltype:
            raise LegacyFormatError(filename, lineno, f"empty column or cell type: {stripped!r}")
        n = non_negative_int(raw, "cell count", filename, lineno)
        per_type = counts.setdefault(celltype, {})
        if column in per_type:
            raise LegacyFormatError(filename, lineno, f"{celltype} in column {column} is listed twice")
        per_type[column] = n
    return counts


def read_connected_cells(path: str | os.PathLike[str]) -> ConnectedCells:
    """Read a ``NumberOfConnectedCells.csv``: ``{celltype: {column: n}}`` in file order."""
    text, filename = read_legacy_text(path, "connected-cells file")
    return parse_connected_cells(text, filename=filename)


def connected_cells_from_con(connectivity: Mapping[str, Connectivity]) -> ConnectedCells:
    """Number of distinct presynaptic cell IDs of each population of a ``.con``, as ``{celltype: {column: n}}``.

    Only populations present in ``connectivity`` appear (zero rows are added on writing).
    """
    counts: ConnectedCells = {}
    for name, rows in connectivity.items():
        celltype, column = split_population_name(name)
        counts.setdefault(celltype, {})[column] = int(np.unique(rows.cell_id).size)
    return counts


def _type_order(celltype: str) -> tuple[int, str]:
    return (CELL_TYPES.index(celltype), "") if celltype in CELL_TYPES else (len(CELL_TYPES), celltype)


def format_connected_cells(counts: Mapping[str, Mapping[str, int]], fill_zeros: bool = True) -> str:
    """Text of a ``NumberOfConnectedCells.csv``.

    Args:
        counts: ``{celltype: {column: n}}``.
        fill_zeros: add a 0 row for every missing pair of :data:`~isf.model.cell_types.CELL_TYPES` × :data:`COLUMNS` (as ISF).
    """
    rows: dict[tuple[str, str], int] = {}
    for celltype, per_column in counts.items():
        for column, n in per_column.items():
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
                raise ArgumentValueError(f"{celltype} in {column}: cell count {n!r} is not an integer >= 0")
            for text in (celltype, column):
                if not text or any(c.isspace() for c in text):
                    raise ArgumentValueError(
                        f"{text!r}: cell types and columns must be non-empty names without whitespace"
                    )
            rows[(column, celltype)] = int(n)
    if fill_zeros:
        for column in COLUMNS:
            for celltype in CELL_TYPES:
                rows.setdefault((column, celltype), 0)
    ordered = sorted(rows, key=lambda key: (key[0], _type_order(key[1])))
    return HEADER + "\n" + "".join(f"{column}\t{celltype}\t{rows[(column, celltype)]}\n"
                                   for column, celltype in ordered)


def write_connected_cells(
    path: str | os.PathLike[str], counts: Mapping[str, Mapping[str, int]], fill_zeros: bool = True
) -> None:
    """Write a ``NumberOfConnectedCells.csv`` atomically (see :func:`format_connected_cells`)."""
    atomic_write_text(path, format_connected_cells(counts, fill_zeros))
