"""Safe reader and writer for ISF's legacy ``.param`` files.

A ``.param`` file holds one Python literal, normally a nested dict, that ISF
used to read with ``eval`` (see LEGACY_FORMATS.md §2). This package parses the
literal subset of Python by hand instead: nothing is ever executed, and every
problem with the text is reported as a :class:`ParamSyntaxError` that names the
file, line and column, what was found and what was expected there.

Accepted grammar (the Python literal subset):

* dicts ``{key: value, ...}``; keys are strings, numbers, ``None``, ``True``
  or ``False``; a repeated key keeps the last value, as ``eval`` does;
* lists ``[...]`` and tuples ``(a, b)``, ``(a,)``, ``()``; a parenthesised
  single value without a comma, ``(a)``, is just ``a``, as in Python;
* strings in single, double or triple quotes, optionally prefixed with ``u``
  or ``r``, with Python's backslash escapes;
* ints (decimal, ``0x``, ``0o``, ``0b``, with ``_`` separators and an optional
  sign) and floats (``1.``, ``.5``, ``1e-5``, optional sign);
* ``None``, ``True``, ``False``;
* trailing commas, ``#`` comments, blank lines, tabs, ``\\r\\n``/``\\r`` line
  ends and backslash line continuations.

Deliberately not accepted: expressions of any kind (``eval(...)``, ``1+2``,
``-(1)``), bytes and f-strings, sets, ``inf``/``nan`` names, and adjacent
string literals (``"a" "b"``). No repository file uses implicit string
concatenation, and rejecting it keeps the most common hand-editing mistake --
a missing comma between two string items -- a precise error instead of a
silently merged string. Nesting is limited to :data:`MAX_DEPTH` brackets.

:func:`format_param` writes the legacy (Sumatra pretty-print) style: dicts
expanded with two-space indentation and a ``"key": value,`` line per item,
lists, tuples and dicts inside them inline, floats via ``repr``. Infinite
floats are written as ``1e999``/``-1e999`` (valid literals that evaluate to
infinity); ``nan`` has no literal and is refused with :class:`TypeError`, like
every other value outside the grammar (sets, arbitrary objects, containers as
dict keys, nesting deeper than :data:`MAX_DEPTH`, reference cycles).

Modules: :mod:`~isf.dsl.param_format.lexer` (tokens and token values),
:mod:`~isf.dsl.param_format.parser` (text → values),
:mod:`~isf.dsl.param_format.writer` (values → text),
:mod:`~isf.dsl.param_format.errors` (:class:`ParamSyntaxError`) and
:mod:`~isf.dsl.param_format.context` (:class:`ParamContext`, the checks the
cell and network readers apply to the parsed dict).
"""

from __future__ import annotations

from isf.dsl.param_format.context import ParamContext, is_finite_number
from isf.dsl.param_format.errors import ParamSyntaxError
from isf.dsl.param_format.lexer import MAX_DEPTH
from isf.dsl.param_format.parser import parse_param, read_param
from isf.dsl.param_format.writer import format_param, write_param

__all__ = [
    "MAX_DEPTH",
    "ParamContext",
    "ParamSyntaxError",
    "format_param",
    "is_finite_number",
    "parse_param",
    "read_param",
    "write_param",
]
