"""Write plain Python values as ``.param`` text, in the legacy (Sumatra pretty-print) style.

Dicts are expanded with two-space indentation and a ``"key": value,`` line per
item; lists, tuples and dicts inside them are written inline; floats via
``repr``. Infinite floats are written as ``1e999``/``-1e999`` (valid literals
that evaluate to infinity); ``nan`` has no literal and is refused with
:class:`TypeError`, like every other value outside the grammar.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping
from typing import Any

from isf.dsl.atomic import atomic_write_text
from isf.dsl.param_format.lexer import MAX_DEPTH, escape_char

__all__ = ["format_param", "write_param"]

_INDENT = "  "


class _Unwritable(Exception):
    """A value outside the grammar; ``path`` is collected innermost first."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.path: list[str] = []


def format_param(value: Any) -> str:
    """Write ``value`` in the legacy ``.param`` style.

    Dicts (any :class:`~collections.abc.Mapping`) are expanded one
    ``"key": value,`` line per item with two-space indentation; values inside
    lists and tuples are written inline. ``parse_param(format_param(v)) == v``
    holds for every value of the grammar, keeping tuples, lists, ints and
    floats apart. Subclasses of the plain types and numpy scalars are written
    as their plain counterparts.

    Raises:
        TypeError: ``value`` contains something a ``.param`` file cannot hold
            (a set, an arbitrary object, ``nan``, a container as dict key,
            nesting deeper than :data:`~isf.dsl.param_format.MAX_DEPTH` or a
            reference cycle); the message names its key path, e.g.
            ``neuron.Soma.properties.Ra``.
    """
    out: list[str] = []
    try:
        if isinstance(value, Mapping) and value:
            _write_block(value, "", 1, out)
        else:
            out.append(_inline(value, 1))
    except _Unwritable as e:
        path = "".join(reversed(e.path)).removeprefix(".") or "<top level>"
        raise TypeError(f"cannot write {path} to a .param file: {e.reason}") from None
    out.append("\n")
    return "".join(out)


def write_param(value: Any, path: str | os.PathLike[str]) -> None:
    """Write ``value`` to ``path`` as a ``.param`` file, atomically.

    The text is written to a temporary file in the same folder and then moved
    over ``path`` with :func:`os.replace` (:func:`isf.dsl.atomic.atomic_write_text`),
    so readers see either the old or the new file, and a failure never leaves
    a partial file behind.

    Raises:
        TypeError: see :func:`format_param`; nothing is written then.
    """
    atomic_write_text(path, format_param(value))


def _path_part(key: Any) -> str:
    return f".{key}" if isinstance(key, str) else f"[{key!r}]"


def _write_block(mapping: Mapping[Any, Any], indent: str, depth: int, out: list[str]) -> None:
    """Append the expanded form of a non-empty mapping, from '{' to '}'."""
    if depth > MAX_DEPTH:
        raise _Unwritable(f"nested deeper than {MAX_DEPTH} levels (a reference cycle?)")
    inner = indent + _INDENT
    out.append("{\n")
    for key, item in mapping.items():
        try:
            out.append(f"{inner}{_key(key)}: ")
            if isinstance(item, Mapping) and item:
                _write_block(item, inner, depth + 1, out)
                out.append(",\n")
            else:
                out.append(f"{_inline(item, depth + 1)},\n")
        except _Unwritable as e:
            e.path.append(_path_part(key))
            raise
    out.append(f"{indent}}}")


def _inline(value: Any, depth: int) -> str:
    """The single-line literal for ``value``."""
    kind = type(value)
    if kind is str:
        return _quote(value)
    if kind is float:
        return _float(value)
    if kind is int:
        return int.__repr__(value)
    if value is None or value is True or value is False:
        return repr(value)
    if isinstance(value, str):
        return _quote(str.__str__(value))
    if isinstance(value, numbers.Integral):
        return int.__repr__(int(value))
    if isinstance(value, numbers.Real):
        return _float(float(value))
    if isinstance(value, (Mapping, list, tuple)):
        if depth > MAX_DEPTH:
            raise _Unwritable(f"nested deeper than {MAX_DEPTH} levels (a reference cycle?)")
        if isinstance(value, Mapping):
            parts = []
            for key, item in value.items():
                try:
                    parts.append(f"{_key(key)}: {_inline(item, depth + 1)}")
                except _Unwritable as e:
                    e.path.append(_path_part(key))
                    raise
            return "{" + ", ".join(parts) + "}"
        parts = []
        for index, item in enumerate(value):
            try:
                parts.append(_inline(item, depth + 1))
            except _Unwritable as e:
                e.path.append(f"[{index}]")
                raise
        if isinstance(value, list):
            return "[" + ", ".join(parts) + "]"
        if len(parts) == 1:
            return f"({parts[0]},)"
        return "(" + ", ".join(parts) + ")"
    raise _Unwritable(
        f"a value of type {kind.__qualname__} is not allowed "
        "(allowed: dict, list, tuple, str, int, float, bool, None)"
    )


def _key(key: Any) -> str:
    if isinstance(key, (str, numbers.Real)) or key is None:
        return _inline(key, 0)
    raise _Unwritable(
        f"a dict key of type {type(key).__qualname__} is not allowed (allowed: str, int, float, bool, None)"
    )


def _float(value: float) -> str:
    if math.isfinite(value):
        return float.__repr__(value)
    if math.isnan(value):
        raise _Unwritable("nan has no literal in a .param file")
    return "1e999" if value > 0 else "-1e999"


def _quote(s: str) -> str:
    """``s`` as a double-quoted literal; printable characters are kept as they are."""
    if s.isprintable() and '"' not in s and "\\" not in s:
        return f'"{s}"'
    chars = []
    for c in s:
        if c == '"' or c == "\\":
            chars.append("\\" + c)
        elif c.isprintable():
            chars.append(c)
        else:
            chars.append(escape_char(c))
    return '"' + "".join(chars) + '"'
