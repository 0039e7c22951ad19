"""Where each key of a ``.param`` file is written: dotted key path → line, so that an error about
``network.L5tt_C2.celltype.pointcell.distribution`` can name the line of the file.

The text is walked with the ``.param`` lexer (:data:`~isf.dsl.param_format.lexer.TOKEN`); it is
assumed to parse (call after :func:`~isf.dsl.param_format.read_param` succeeded).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import TypeVar

from isf.dsl.param_format.errors import position
from isf.dsl.param_format.lexer import FLOAT, INT, PUNCT, STR, TOKEN
from isf.errors import LegacyFormatError

__all__ = ["key_lines", "line_of", "with_line"]

E = TypeVar("E", bound=LegacyFormatError)


def key_lines(text: str) -> dict[str, int]:
    """1-based line of every dict key, by dotted path (``network.L5tt_C2.cellNr``); list items are
    not numbered (a key inside a list belongs to the path of the list)."""
    out: dict[str, int] = {}
    # frames: (is_dict, path of the container, path of the pending key or None)
    frames: list[list[object]] = []
    expect_key = False
    pending_key: str | None = None
    for m in TOKEN.finditer(text, 1 if text.startswith("\ufeff") else 0):
        kind = m.lastindex or 0
        token = m.group(kind)
        if kind == PUNCT:
            if token in "{[(":
                parent = str(frames[-1][2] or frames[-1][1]) if frames else ""
                frames.append([token == "{", parent, None])
                expect_key = token == "{"
            elif token in "}])":
                if frames:
                    frames.pop()
                expect_key = False
            elif token == "," and frames and frames[-1][0]:
                frames[-1][2] = None
                expect_key = True
            elif token == ":":
                expect_key = False
            continue
        if expect_key and frames and kind in (STR, INT, FLOAT):
            try:
                name = str(ast.literal_eval(token))
            except (ValueError, SyntaxError):
                name = token
            prefix = str(frames[-1][1])
            pending_key = f"{prefix}.{name}" if prefix else name
            frames[-1][2] = pending_key
            out.setdefault(pending_key, position(text, m.start(kind))[0])
            expect_key = False
    return out


def line_of(lines: dict[str, int], path: str) -> int | None:
    """The line of ``path`` or of its nearest written ancestor (``[i]`` indexes are dropped)."""
    clean = path.split("[", 1)[0]
    while clean:
        if clean in lines:
            return lines[clean]
        if "." not in clean:
            return None
        clean = clean.rsplit(".", 1)[0]
    return None


def with_line(exc: E, path: str | os.PathLike[str]) -> E:
    """``exc`` with its line set from the key path it carries (``exc.path``), when it has none."""
    key = getattr(exc, "path", None)
    if exc.line is not None or not isinstance(key, str):
        return exc
    try:
        text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return exc
    lines = key_lines(text)
    line = line_of(lines, key) or line_of(lines, f"network.{key}")
    if line is None:
        return exc
    new = type(exc)(exc.filename, line, exc.reason)
    for name in ("path", "field", "value", "allowed"):
        if hasattr(exc, name):
            setattr(new, name, getattr(exc, name))
    return new
