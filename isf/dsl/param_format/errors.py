"""The error of the ``.param`` reader, and where in the text it points.

:class:`ParamSyntaxError` names the file, line and column of a problem with the
text of a ``.param`` file, what was found there and what was expected.
"""

from __future__ import annotations

from isf.errors import LegacyFormatError

__all__ = ["ParamSyntaxError", "position", "syntax_error"]


class ParamSyntaxError(LegacyFormatError):
    """The text of a ``.param`` file is not a valid parameter literal.

    A :class:`~isf.errors.LegacyFormatError`, hence a :class:`ValueError`.

    Attributes:
        reason: what went wrong, e.g. ``expected ',' or '}' after value, found ']'``.
        filename: the file the text came from, or ``None`` for a bare string.
        line: 1-based line of the error (``\\n``, ``\\r\\n`` and ``\\r`` end lines).
        column: 1-based column (in characters) of the error within that line.
    """

    def __init__(self, reason: str, filename: str | None, line: int, column: int) -> None:
        super().__init__(filename, line, reason)
        self.line: int = line
        self.column = column
        # Unpickling (joblib, multiprocessing) re-creates the error as cls(*args).
        self.args = (reason, filename, line, column)

    def __str__(self) -> str:
        where = self.filename if self.filename is not None else "<string>"
        return f"{where}:{self.line}:{self.column}: {self.reason}"


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of ``offset``; ``\\r\\n``, ``\\r`` and ``\\n`` end lines."""
    before = text[:offset]
    line = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
    line_start = max(before.rfind("\n"), before.rfind("\r")) + 1
    return line, offset - line_start + 1


def syntax_error(text: str, filename: str | None, offset: int, reason: str) -> ParamSyntaxError:
    """The error for ``reason`` at character ``offset`` of ``text``."""
    line, column = position(text, offset)
    return ParamSyntaxError(reason, filename, line, column)
