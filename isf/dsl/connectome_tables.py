"""The dense-connectome spreadsheets of ISF's input mapper (LEGACY_FORMATS §9.1, §5.7).

* **cell-number spreadsheet** (``nrCells.csv``): TAB-separated; lines before the header are
  skipped; the header's first field is ``CELL TYPE``, the others name anatomical areas
  (barrel columns); then one row per presynaptic cell type with an integer count per area.
  Read as ``{area: {celltype: n}}`` keeping header and row order (the order synapses are written in).
* **connections spreadsheet** (``ConnectionsV8.csv``): TAB-separated; the header row starting
  with ``PRESYNAPTIC_CELLTYPE`` is skipped; each row: presynaptic class (a field containing
  ``EXCITATORY`` or ``INHIBITORY``), postsynaptic cell type, then ``SOMA_LENGTH APICAL_LENGTH
  BASAL_LENGTH SOMA_AREA APICAL_AREA BASAL_AREA``. Read as ``{postsynaptic type: {"EXC"|"INH":
  PSTDensities}}``.
* **summary CSV** (``<cell>_summary_*.csv``): several TAB-separated tables, each introduced by a
  ``#`` title line, then a header row and data rows, tables separated by an empty line. Read as
  ``{title: DataFrame}`` (as ``read_InputMapper_summary`` does).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from isf.dsl.atomic import atomic_write_text
from isf.dsl.text_fields import non_negative_int, read_legacy_text
from isf.errors import ArgumentValueError, LegacyFormatError, ModelValueError
from isf.model.cell_types import EIClass
from isf.model.pst import PSTDensities, misplaced_densities

if TYPE_CHECKING:  # pandas is imported on use: isf.dsl is part of `import isf`, pandas takes ~0.3 s
    import pandas as pd

__all__ = [
    "CONNECTIONS_COLUMNS",
    "CellCounts",
    "ConnectionsTable",
    "format_cell_counts",
    "format_connections",
    "format_summary",
    "parse_cell_counts",
    "parse_connections",
    "parse_summary",
    "read_cell_counts",
    "read_connections",
    "read_summary",
    "write_cell_counts",
    "write_connections",
    "write_summary",
]

#: area → presynaptic cell type → number of cells.
CellCounts = dict[str, dict[str, int]]
#: postsynaptic cell type → presynaptic class → PST constants.
ConnectionsTable = dict[str, dict[str, PSTDensities]]

#: The six constant columns of the connections spreadsheet, in file order.
CONNECTIONS_COLUMNS: tuple[str, ...] = (
    "SOMA_LENGTH",
    "APICAL_LENGTH",
    "BASAL_LENGTH",
    "SOMA_AREA",
    "APICAL_AREA",
    "BASAL_AREA",
)
_CONNECTIONS_FIELDS = (
    "soma_length",
    "apical_length",
    "basal_length",
    "soma_area",
    "apical_area",
    "basal_area",
)


# ---------------------------------------------------------------------------------------------
# cell numbers


def parse_cell_counts(text: str, filename: str = "<text>") -> CellCounts:
    """Parse a cell-number spreadsheet: ``{area: {celltype: n}}`` in header / row order.

    Raises:
        LegacyFormatError: no ``CELL TYPE`` header, a row with another number of columns than the
            header, a count that is not an integer >= 0, or a cell type listed twice.
    """
    areas: list[str] | None = None
    counts: CellCounts = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        fields = [f.strip() for f in stripped.split("\t")]
        if areas is None:
            if fields[0] == "CELL TYPE":
                areas = fields[1:]
                if (
                    not areas
                    or any(not a for a in areas)
                    or len(set(areas)) != len(areas)
                ):
                    raise LegacyFormatError(
                        filename,
                        lineno,
                        f"the header must name distinct areas: {stripped!r}",
                    )
                counts = {area: {} for area in areas}
            continue
        if len(fields) != len(areas) + 1:
            raise LegacyFormatError(
                filename,
                lineno,
                f"expected {len(areas) + 1} TAB-separated columns (cell type "
                f"and one count per area), found {len(fields)}: {stripped!r}",
            )
        celltype = fields[0]
        if not celltype or any(c.isspace() for c in celltype):
            raise LegacyFormatError(
                filename,
                lineno,
                f"cell type {celltype!r} must be a name without whitespace",
            )
        if celltype in counts[areas[0]]:
            raise LegacyFormatError(
                filename, lineno, f"cell type {celltype} is listed twice"
            )
        for area, raw in zip(areas, fields[1:]):
            counts[area][celltype] = non_negative_int(
                raw, f"cell count of {celltype} in {area}", filename, lineno
            )
    if areas is None:
        raise LegacyFormatError(
            filename, None, "no header row whose first field is 'CELL TYPE'"
        )
    return counts


def read_cell_counts(path: str | os.PathLike[str]) -> CellCounts:
    """Read a cell-number spreadsheet (see :func:`parse_cell_counts`)."""
    return parse_cell_counts(*read_legacy_text(path, "cell-number spreadsheet"))


def format_cell_counts(counts: Mapping[str, Mapping[str, int]]) -> str:
    """Text of a cell-number spreadsheet; every area must list the same cell types."""
    areas = list(counts)
    if not areas:
        raise ArgumentValueError("cell counts need at least one area")
    celltypes = list(counts[areas[0]])
    for area in areas:
        if list(counts[area]) != celltypes:
            raise ArgumentValueError(
                f"area {area} lists cell types {list(counts[area])}, expected {celltypes} like {areas[0]}"
            )
        for celltype, n in counts[area].items():
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ArgumentValueError(
                    f"{celltype} in {area}: cell count {n!r} is not an integer >= 0"
                )
    for name in (*areas, *celltypes):
        if not name or any(c.isspace() for c in name):
            raise ArgumentValueError(
                f"{name!r}: areas and cell types must be non-empty names without whitespace"
            )
    rows = ["\t".join(["CELL TYPE", *areas])]
    rows.extend(
        "\t".join([celltype, *(str(counts[a][celltype]) for a in areas)])
        for celltype in celltypes
    )
    return "\n".join(rows) + "\n"


def write_cell_counts(
    path: str | os.PathLike[str], counts: Mapping[str, Mapping[str, int]]
) -> None:
    """Write a cell-number spreadsheet atomically."""
    atomic_write_text(path, format_cell_counts(counts))


# ---------------------------------------------------------------------------------------------
# connections (PST constants)


def parse_connections(text: str, filename: str = "<text>") -> ConnectionsTable:
    """Parse a connections spreadsheet: ``{postsynaptic type: {"EXC"|"INH": PSTDensities}}``.

    Raises:
        LegacyFormatError: a row with fewer than 8 columns, a class field naming neither
            ``EXCITATORY`` nor ``INHIBITORY``, a non-number or negative constant, or a repeated
            (class, postsynaptic type) pair.
    """
    table: ConnectionsTable = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("PRESYNAPTIC_CELLTYPE", "#")):
            continue
        fields = [f.strip() for f in stripped.split("\t")]
        if len(fields) < 8:
            raise LegacyFormatError(
                filename,
                lineno,
                "expected 8 TAB-separated columns (class, postsynaptic type, "
                f"{', '.join(CONNECTIONS_COLUMNS)}), found {len(fields)}: {stripped!r}",
            )
        klass: EIClass
        if "EXCITATORY" in fields[0]:
            klass = "EXC"
        elif "INHIBITORY" in fields[0]:
            klass = "INH"
        else:
            raise LegacyFormatError(
                filename,
                lineno,
                f"presynaptic class {fields[0]!r} names neither EXCITATORY "
                "nor INHIBITORY",
            )
        values: dict[str, float] = {}
        for name, column, raw in zip(
            _CONNECTIONS_FIELDS, CONNECTIONS_COLUMNS, fields[2:8]
        ):
            try:
                value = float(raw)
            except ValueError:
                raise LegacyFormatError(
                    filename, lineno, f"{column} = {raw!r} is not a number"
                ) from None
            if not math.isfinite(value) or value < 0:
                raise LegacyFormatError(
                    filename, lineno, f"{column} = {raw!r} must be a finite number >= 0"
                )
            values[name] = value
        per_type = table.setdefault(fields[1], {})
        if klass in per_type:
            raise LegacyFormatError(
                filename, lineno, f"{klass} constants of {fields[1]} are listed twice"
            )
        try:
            per_type[klass] = PSTDensities(klass, fields[1], **values)
        except ModelValueError as exc:
            raise LegacyFormatError(filename, lineno, str(exc)) from None
    return table


def read_connections(path: str | os.PathLike[str]) -> ConnectionsTable:
    """Read a connections spreadsheet (see :func:`parse_connections`)."""
    return parse_connections(*read_legacy_text(path, "connections spreadsheet"))


def format_connections(table: Mapping[str, Mapping[str, PSTDensities]]) -> str:
    """Text of a connections spreadsheet (numbers with ``repr``, so reading gives them back exactly)."""
    rows = [
        "\t".join(
            ["PRESYNAPTIC_CELLTYPE", "POSTSYNAPTIC_CELLTYPE", *CONNECTIONS_COLUMNS]
        )
    ]
    misplaced = misplaced_densities(table)
    if misplaced is not None:
        post, klass, _ = misplaced
        raise ArgumentValueError(f"table[{post!r}][{klass!r}] must be the PSTDensities of {klass} onto {post}")
    for post, per_class in table.items():
        for klass, pst in per_class.items():
            name = "EXCITATORY" if klass == "EXC" else "INHIBITORY"
            rows.append(
                "\t".join(
                    [name, post, *(repr(getattr(pst, f)) for f in _CONNECTIONS_FIELDS)]
                )
            )
    return "\n".join(rows) + "\n"


def write_connections(
    path: str | os.PathLike[str], table: Mapping[str, Mapping[str, PSTDensities]]
) -> None:
    """Write a connections spreadsheet atomically."""
    atomic_write_text(path, format_connections(table))


# ---------------------------------------------------------------------------------------------
# summary tables


def parse_summary(text: str, filename: str = "<text>") -> dict[str, pd.DataFrame]:
    """Parse an input-mapper summary: ``{title (without '#'): DataFrame}``, first column as index
    (two index columns for the per-column table).

    Raises:
        LegacyFormatError: a table without a header row, or a data row with another number of
            columns than its header.
    """
    import pandas as pd

    tables: dict[str, pd.DataFrame] = {}
    title: str | None = None
    block: list[tuple[int, str]] = []

    def close() -> None:
        if title is None:
            return
        if not block:
            raise LegacyFormatError(
                filename, None, f"table {title!r} has no header row"
            )
        header = block[0][1].split("\t")
        for lineno, row in block[1:]:
            if len(row.split("\t")) != len(header):
                raise LegacyFormatError(
                    filename,
                    lineno,
                    f"expected {len(header)} TAB-separated columns like the "
                    f"header of {title!r}, found {len(row.split(chr(9)))}",
                )
        frame = pd.read_csv(io.StringIO("\n".join(r for _, r in block)), sep="\t")
        keys = [
            c for c in frame.columns[:2] if not pd.api.types.is_numeric_dtype(frame[c])
        ]
        tables[title] = frame.set_index(keys or list(frame.columns[:1]))

    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#"):
            close()
            title, block = line[1:].strip(), []
        elif line.strip():
            if title is None:
                raise LegacyFormatError(
                    filename, lineno, "data before the first '#' table title"
                )
            block.append((lineno, line.rstrip("\n")))
    close()
    return tables


def read_summary(path: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Read an input-mapper summary CSV (see :func:`parse_summary`)."""
    return parse_summary(*read_legacy_text(path, "summary file"))


def format_summary(tables: Mapping[str, pd.DataFrame]) -> str:
    """Text of a summary CSV: each table as ``# title``, header, rows (index columns first), then an empty line.

    Floats are written with ``repr``; missing values should already be −1 (ISF's convention).
    """
    out: list[str] = []
    for title, frame in tables.items():
        if "\n" in title:
            raise ArgumentValueError(f"table title {title!r} must be one line")
        flat = frame.reset_index()
        out.append(f"# {title}")
        out.append("\t".join(str(c) for c in flat.columns))
        for row in flat.itertuples(index=False):
            out.append(
                "\t".join(
                    repr(float(v)) if isinstance(v, float) else str(v) for v in row
                )
            )
        out.append("")
    return "\n".join(out) + "\n"


def write_summary(
    path: str | os.PathLike[str], tables: Mapping[str, pd.DataFrame]
) -> None:
    """Write a summary CSV atomically."""
    atomic_write_text(path, format_summary(tables))
