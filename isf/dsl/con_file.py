"""Reader and writer of legacy ``.con`` connectivity files (LEGACY_FORMATS §5.2).

Layout::

    # Anatomical connectivity realization file; only valid with synapse realization:
    # <basename of the matching .syn>
    # Type - cell ID - synapse ID
    <empty line>
    <type>\\t<cell ID>\\t<synapse ID>
    ...

Each row says that presynaptic cell ``cell ID`` (0-based among the connected cells of
population ``type``) owns synapse ``synapse ID`` (row rank of that type in the ``.syn``).
As in ISF, only the second non-empty line of the header is interpreted: its last
space-separated token is the anatomical ID (the ``.syn`` base name). ISF does not check it
against the ``.syn`` actually used, and neither does this reader.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from isf.dsl.atomic import atomic_write_text
from isf.dsl.text_fields import non_negative_int, read_legacy_text, tab_fields
from isf.errors import ArgumentValueError, LegacyFormatError
from isf.model.synapse import Connectivity

__all__ = ["check_con_name", "format_con", "parse_con", "read_con", "write_con"]

_HEADER = (
    "# Anatomical connectivity realization file; only valid with synapse realization:\n"
    "# {syn}\n"
    "# Type - cell ID - synapse ID\n\n"
)


def check_con_name(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path; a :class:`LegacyFormatError` unless it ends in ``.con``/``.CON`` (as ISF demands)."""
    path = Path(path)
    if not (path.name.endswith(".con") or path.name.endswith(".CON")):
        raise LegacyFormatError(path, None, "a connectivity file name must end in .con or .CON")
    return path


def parse_con(text: str, filename: str = "<text>") -> tuple[str | None, dict[str, Connectivity]]:
    """Parse the text of a ``.con`` file.

    Returns:
        ``(anatomical_id, connectivity)``: the ``.syn`` base name from the header (``None`` when the
        second non-empty line is not a comment) and population name → :class:`Connectivity`
        (rows in file order; populations in order of first appearance).

    Raises:
        LegacyFormatError: with the line of a row without exactly 3 TAB-separated columns or with
            IDs that are not integers >= 0.
    """
    cells: dict[str, list[int]] = {}
    synapses: dict[str, list[int]] = {}
    anatomical_id: str | None = None
    count = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        count += 1
        if stripped[0] == "#":
            if count == 2:
                anatomical_id = stripped.split(" ")[-1]
            continue
        fields = tab_fields(stripped, 3, "type, cell ID, synapse ID", filename, lineno)
        name = fields[0].strip()
        if not name:
            raise LegacyFormatError(filename, lineno, "empty synapse type in the first column")
        ids = [non_negative_int(fields[1], "cell ID", filename, lineno),
               non_negative_int(fields[2], "synapse ID", filename, lineno)]
        if name not in cells:
            cells[name], synapses[name] = [], []
        cells[name].append(ids[0])
        synapses[name].append(ids[1])
    return anatomical_id, {
        name: Connectivity(np.array(cells[name], dtype=np.int64), np.array(synapses[name], dtype=np.int64))
        for name in cells
    }


def read_con(path: str | os.PathLike[str]) -> tuple[str | None, dict[str, Connectivity]]:
    """Read a ``.con`` file: ``(anatomical_id, {population: Connectivity})`` (see :func:`parse_con`)."""
    path = check_con_name(path)
    text, filename = read_legacy_text(path, "connectivity file")
    return parse_con(text, filename=filename)


def format_con(connectivity: Mapping[str, Connectivity], syn_basename: str) -> str:
    """Text of a ``.con`` file: populations in mapping order, rows in their order.

    Args:
        connectivity: population name → rows.
        syn_basename: base name of the matching ``.syn`` file (header line 2).

    Raises:
        ArgumentValueError (a ValueError): a population name or ``syn_basename`` with whitespace (they
            would not read back).
    """
    if not syn_basename or any(c.isspace() for c in syn_basename):
        raise ArgumentValueError(f"syn_basename {syn_basename!r} must be a non-empty name without whitespace "
                         "(ISF reads the last space-separated token of header line 2)")
    out = [_HEADER.format(syn=syn_basename)]
    for name, rows in connectivity.items():
        if not isinstance(name, str) or not name or any(c.isspace() for c in name) or name.startswith("#"):
            raise ArgumentValueError(f"synapse type {name!r} cannot be written to a .con file: it must be a non-empty "
                             "name without whitespace that does not start with '#'")
        if not isinstance(rows, Connectivity):
            raise ArgumentValueError(f"{name}: expected a Connectivity, found {type(rows).__name__}")
        out.extend(f"{name}\t{c}\t{s}\n" for c, s in zip(rows.cell_id.tolist(), rows.synapse_id.tolist()))
    return "".join(out)


def write_con(path: str | os.PathLike[str], connectivity: Mapping[str, Connectivity], syn_basename: str) -> None:
    """Write a ``.con`` file atomically (see :func:`format_con`); the name must end in ``.con``/``.CON``."""
    path = Path(path)
    if not (path.name.endswith(".con") or path.name.endswith(".CON")):
        raise ArgumentValueError(f"{path}: a connectivity file name must end in .con or .CON")
    atomic_write_text(path, format_con(connectivity, syn_basename))
