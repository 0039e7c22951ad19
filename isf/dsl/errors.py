"""The error raised by every legacy-file reader."""

from __future__ import annotations

import os


class LegacyFormatError(ValueError):
    """A legacy file could not be read.

    Attributes:
        filename: the file.
        line: 1-based line number, or ``None`` when the problem is not tied to a line.
        reason: what is wrong and what would be allowed.
    """

    def __init__(self, filename: str | os.PathLike[str] | None, line: int | None, reason: str) -> None:
        self.filename = None if filename is None else os.fspath(filename)
        self.line = line
        self.reason = reason
        where = self.filename or "<text>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {reason}")
