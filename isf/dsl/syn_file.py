"""Reader and writer of legacy ``.syn`` synapse-location files (LEGACY_FORMATS §5.1).

Layout::

    # Synapse distribution file
    # corresponding to cell: <cell name>
    # Type - section - section.x
    <empty line>
    <type>\\t<section ID>\\t<x>
    ...

Each data row is one synapse of population ``<type>`` (``L5tt_C2``) at relative
position ``x`` (0–1) of hoc section ``section ID``. The synapse ID of a row is its
0-based rank among the rows of the same type, so rows of different types may be
interleaved. A variant with a 4th column ``pruned`` (0/1; header
``# Type - section - section.x - pruned``) marks synapses that never fire.

Reading (:func:`read_syn`, :func:`read_syn_file`) follows ISF: empty lines and lines whose first
non-blank character is ``#`` are skipped, data rows are split at TABs, and the name must end in
``.syn``/``.SYN``. Unlike ISF, every row must have the same number of columns (3 or 4, fixed by the
first row), section IDs must be integers >= 0 and ``x`` a finite number in [0, 1]; anything else is
a :class:`~isf.errors.LegacyFormatError` naming file and line.

Writing (:func:`write_syn`) reproduces the input mapper's layout; ``x`` is clamped to [0, 1]
as ISF does and written with ``repr`` (the shortest text that reads back to the same float), so
``read_syn(write_syn(p))`` is exact. Legacy files hold Python-2 ``str`` numbers (12 significant
digits, ``0.138046479525``); those read to the float they denote, and are written back the same
when that float's ``repr`` is the same text, which it is for all of them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.dsl.atomic import atomic_write_text
from isf.dsl.text_fields import non_negative_int, read_legacy_text
from isf.errors import ArgumentValueError, LegacyFormatError

__all__ = [
    "SynFile",
    "SynPopulations",
    "check_syn_name",
    "format_syn",
    "parse_syn",
    "read_syn",
    "read_syn_file",
    "syn_row_line",
    "write_syn",
]

#: Population name → (section IDs, x), one entry per synapse, row = synapse ID.
SynPopulations = dict[str, tuple[NDArray[np.int64], NDArray[np.float64]]]

_HEADER = "# Synapse distribution file\n# corresponding to cell: {cell}\n# Type - section - section.x{pruned}\n\n"
_CELL_PREFIX = "# corresponding to cell:"


@attrs.frozen(eq=False)
class SynFile:
    """Everything a ``.syn`` file says.

    Attributes:
        populations: population name → (section IDs, x), in order of first appearance; within a
            population in file order (row = synapse ID).
        pruned: population name → pruned flag of each synapse (all ``False`` for a 3-column file).
        has_pruned_column: whether the file is the 4-column (pruned) variant.
        cell_name: the cell named on the ``# corresponding to cell:`` header line, if any.
    """

    populations: SynPopulations
    pruned: dict[str, NDArray[np.bool_]]
    has_pruned_column: bool = False
    cell_name: str | None = None

    @property
    def n_synapses(self) -> int:
        """Number of data rows."""
        return sum(len(ids) for ids, _ in self.populations.values())


def check_syn_name(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path; a :class:`LegacyFormatError` unless it ends in ``.syn``/``.SYN`` (as ISF demands)."""
    path = Path(path)
    if not (path.name.endswith(".syn") or path.name.endswith(".SYN")):
        raise LegacyFormatError(path, None, "a synapse location file name must end in .syn or .SYN")
    return path


def parse_syn(text: str, filename: str = "<text>") -> SynFile:
    """Parse the text of a ``.syn`` file.

    Raises:
        LegacyFormatError: with the line of a malformed row (wrong column count, section ID not an
            integer >= 0, ``x`` not a number in [0, 1], pruned flag not 0/1).
    """
    sections: dict[str, list[int]] = {}
    xs: dict[str, list[float]] = {}
    pruned: dict[str, list[bool]] = {}
    n_columns: int | None = None
    cell_name: str | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped[0] == "#":
            if cell_name is None and stripped.startswith(_CELL_PREFIX):
                cell_name = stripped[len(_CELL_PREFIX):].strip()
            continue
        fields = stripped.split("\t")
        if n_columns is None:
            if len(fields) not in (3, 4):
                raise LegacyFormatError(
                    filename, lineno,
                    f"expected 3 TAB-separated columns (type, section ID, x) or 4 (… pruned), found {len(fields)}: "
                    f"{stripped!r}")
            n_columns = len(fields)
        elif len(fields) != n_columns:
            raise LegacyFormatError(
                filename, lineno,
                f"expected {n_columns} TAB-separated columns like the first data row, found {len(fields)}: {stripped!r}")
        name = fields[0].strip()
        if not name:
            raise LegacyFormatError(filename, lineno, "empty synapse type in the first column")
        sid = non_negative_int(fields[1], "section ID", filename, lineno)
        try:
            x = float(fields[2])
        except ValueError:
            raise LegacyFormatError(filename, lineno, f"x = {fields[2]!r} is not a number") from None
        if not (math.isfinite(x) and 0.0 <= x <= 1.0):
            raise LegacyFormatError(filename, lineno, f"x = {fields[2]!r} is outside [0, 1]")
        flag = False
        if n_columns == 4:
            try:
                value = int(fields[3])
            except ValueError:
                value = -1
            if value not in (0, 1):
                raise LegacyFormatError(filename, lineno, f"pruned flag {fields[3]!r} is not 0 or 1")
            flag = bool(value)
        if name not in sections:
            sections[name], xs[name], pruned[name] = [], [], []
        sections[name].append(sid)
        xs[name].append(x)
        pruned[name].append(flag)
    populations = {
        name: (np.array(sections[name], dtype=np.int64), np.array(xs[name], dtype=np.float64)) for name in sections
    }
    flags = {name: np.array(pruned[name], dtype=bool) for name in sections}
    return SynFile(populations, flags, n_columns == 4, cell_name)


def syn_row_line(path: str | os.PathLike[str], population: str, row: int) -> int | None:
    """1-based line of synapse ``row`` (its synapse ID) of ``population`` in the ``.syn`` file at
    ``path``, or ``None`` if there is no such row; used to point errors found later (a synapse on a
    section the cell does not have) at the file's line."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    seen = -1
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and stripped[0] != "#" and stripped.split("\t", 1)[0].strip() == population:
            seen += 1
            if seen == row:
                return lineno
    return None


def read_syn_file(path: str | os.PathLike[str]) -> SynFile:
    """Read a ``.syn`` file with its pruned flags and cell name (see :func:`parse_syn`)."""
    path = check_syn_name(path)
    text, filename = read_legacy_text(path, "synapse location file")
    return parse_syn(text, filename=filename)


def read_syn(path: str | os.PathLike[str]) -> SynPopulations:
    """Read a ``.syn`` file: population name → (section IDs, x) in file order (row = synapse ID).

    Accepts the pruned 4-column variant too (the flags are dropped; use :func:`read_syn_file`
    to get them).
    """
    return read_syn_file(path).populations


def _check_population_name(name: Any) -> str:
    if not isinstance(name, str) or not name or name != name.strip() or any(c.isspace() for c in name) \
            or name.startswith("#"):
        raise ArgumentValueError(f"synapse type {name!r} cannot be written to a .syn file: it must be a non-empty "
                         "name without whitespace that does not start with '#'")
    return name


def _columns(name: str, value: Any) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    try:
        raw_ids, raw_x = value
    except (TypeError, ValueError):
        raise ArgumentValueError(f"{name}: expected a pair (section IDs, x)") from None
    ids = np.asarray(raw_ids).reshape(-1)
    x = np.asarray(raw_x, dtype=np.float64).reshape(-1)
    if ids.shape != x.shape:
        raise ArgumentValueError(f"{name}: {ids.size} section IDs but {x.size} x values")
    if ids.size:
        if ids.dtype.kind == "f":
            if not np.all(np.isfinite(ids)) or not np.all(ids == np.round(ids)):
                raise ArgumentValueError(f"{name}: section IDs must be integers")
        elif ids.dtype.kind not in "iu":
            raise ArgumentValueError(f"{name}: section IDs must be integers, found dtype {ids.dtype}")
        if np.any(ids < 0):
            raise ArgumentValueError(f"{name}: section IDs must be >= 0")
        if np.any(np.isnan(x)):
            raise ArgumentValueError(f"{name}: x must not be nan")
    return ids.astype(np.int64), np.clip(x, 0.0, 1.0)


def format_syn(
    populations: Mapping[str, Any],
    cell_name: str,
    pruned: Mapping[str, Any] | None = None,
) -> str:
    """Text of a ``.syn`` file: populations in mapping order, synapses in array order.

    Args:
        populations: population name → (section IDs, x); x is clamped to [0, 1].
        cell_name: written on the ``# corresponding to cell:`` line (ISF: the hoc base name).
        pruned: population name → pruned flags; given, the 4-column variant is written
            (populations missing from it are written as not pruned).

    Raises:
        ArgumentValueError (a ValueError): a name with whitespace, non-integer or negative section IDs,
            unequal lengths, nan x.
    """
    if any(c in cell_name for c in "\r\n"):
        raise ArgumentValueError(f"cell name {cell_name!r} must be a single line")
    out = [_HEADER.format(cell=cell_name, pruned=" - pruned" if pruned is not None else "")]
    for name, value in populations.items():
        _check_population_name(name)
        ids, x = _columns(name, value)
        flags: NDArray[np.bool_] | None = None
        if pruned is not None:
            if name in pruned:
                flags = np.asarray(pruned[name], dtype=bool).reshape(-1)
                if flags.shape != ids.shape:
                    raise ArgumentValueError(f"{name}: {flags.size} pruned flags for {ids.size} synapses")
            else:
                flags = np.zeros(ids.shape, dtype=bool)
        ids_list = ids.tolist()
        x_list = x.tolist()
        if flags is None:
            out.extend(f"{name}\t{sid}\t{xv!r}\n" for sid, xv in zip(ids_list, x_list))
        else:
            out.extend(f"{name}\t{sid}\t{xv!r}\t{int(f)}\n" for sid, xv, f in zip(ids_list, x_list, flags.tolist()))
    return "".join(out)


def write_syn(
    path: str | os.PathLike[str],
    populations: Mapping[str, Any],
    cell_name: str,
    pruned: Mapping[str, Any] | None = None,
) -> None:
    """Write a ``.syn`` file atomically (see :func:`format_syn`); the name must end in ``.syn``/``.SYN``."""
    path = Path(path)
    if not (path.name.endswith(".syn") or path.name.endswith(".SYN")):
        raise ArgumentValueError(f"{path}: a synapse location file name must end in .syn or .SYN")
    atomic_write_text(path, format_syn(populations, cell_name, pruned))
