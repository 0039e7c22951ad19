"""Legacy text files: reading one (:func:`read_legacy_text`) and the fields of TAB-separated ones
(``.syn``, ``.con``, ``NumberOfConnectedCells.csv``), parsed with errors that name the file, the line
and what was expected."""

from __future__ import annotations

import os
from pathlib import Path

from isf.errors import LegacyFormatError, MissingFileError


def read_legacy_text(path: str | os.PathLike[str], what: str) -> tuple[str, str]:
    """``(text, file name)`` of the legacy text file at ``path`` (``what`` names it in the error).

    Undecodable bytes become U+FFFD rather than failing: the parsers report the line they stand on.

    Raises:
        MissingFileError: there is no file at ``path``.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"{what} not found: {path}")
    return path.read_text(encoding="utf-8", errors="replace"), str(path)


def tab_fields(stripped: str, n_columns: int, columns: str, filename: str | None, lineno: int) -> list[str]:
    """The TAB-separated fields of a data row, which must number ``n_columns`` (``columns`` names them)."""
    fields = stripped.split("\t")
    if len(fields) != n_columns:
        raise LegacyFormatError(
            filename, lineno,
            f"expected {n_columns} TAB-separated columns ({columns}), found {len(fields)}: {stripped!r}")
    return fields


def non_negative_int(field: str, what: str, filename: str | None, lineno: int) -> int:
    """An integer field >= 0 (IDs, counts)."""
    try:
        value = int(field)
    except ValueError:
        raise LegacyFormatError(filename, lineno, f"{what} {field!r} is not an integer") from None
    if value < 0:
        raise LegacyFormatError(filename, lineno, f"{what} {value} is negative")
    return value
