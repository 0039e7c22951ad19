"""Safe reader and writer for ISF's legacy ``.param`` files.

A ``.param`` file holds one Python literal, normally a nested dict, that ISF
used to read with ``eval`` (see LEGACY_FORMATS.md §2). This module parses the
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
"""

from __future__ import annotations

import math
import numbers
import os
import re
import sys
import unicodedata
from collections.abc import Mapping
from typing import Any

from isf.dsl.atomic import atomic_write_text
from isf.dsl.errors import LegacyFormatError

__all__ = [
    "MAX_DEPTH",
    "ParamSyntaxError",
    "format_param",
    "parse_param",
    "read_param",
    "write_param",
]

#: Maximum number of simultaneously open brackets, in reading and writing.
MAX_DEPTH = 200


class ParamSyntaxError(LegacyFormatError):
    """The text of a ``.param`` file is not a valid parameter literal.

    A :class:`~isf.dsl.errors.LegacyFormatError`, hence a :class:`ValueError`.

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


# --------------------------------------------------------------------------
# Reading

# Whitespace, comments and line continuations before each token.
_SKIP = r"[ \t\f\r\n]*(?:(?:\#[^\r\n]*|\\(?:\r\n|\r|\n))[ \t\f\r\n]*)*"
_DIGITS = r"[0-9](?:_?[0-9])*"  # not \d: Python source allows ASCII digits only

# One alternative per token kind, each exactly one capturing group, so that
# ``match.lastindex`` tells the kind. The final catch-all makes every match
# succeed, so ``finditer`` walks the text without gaps.
_TOKEN = re.compile(
    _SKIP
    + r"""(?:
      ([{}\[\](),:])
    | ([-+]?(?:(?:DIGITS\.(?:DIGITS)?|\.DIGITS)(?:[eE][-+]?DIGITS)?|DIGITS[eE][-+]?DIGITS))
    | ([-+]?(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|DIGITS))
    | ([uUrR]?(?:\"\"\"[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*\"\"\"
               |'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''))
    | ([uUrR]?(?:\"\"\"|'''))
    | ([uUrR]?(?:"[^"\\\r\n]*(?:\\(?:\r\n|[\s\S])[^"\\\r\n]*)*"
               |'[^'\\\r\n]*(?:\\(?:\r\n|[\s\S])[^'\\\r\n]*)*'))
    | ([uUrR]?["'])
    | ([^\W\d]\w*)
    | (\Z)
    | ([\s\S])
    )""".replace("DIGITS", _DIGITS),
    re.VERBOSE,
)
(
    _PUNCT,
    _FLOAT,
    _INT,
    _STR3,
    _OPEN_STR3,
    _STR,
    _OPEN_STR,
    _NAME,
    _END,
    _BAD,
) = range(1, 11)

_NAMES: dict[str, Any] = {"None": None, "True": True, "False": False}
_CLOSER = {"{": "}", "[": "]", "(": ")"}

# Raw line ends in (triple-quoted) strings become "\n", as Python reads them.
_ESCAPE = re.compile(
    r"""\r\n?|\\(?:(\r\n|\r|\n)|([\\'"abfnrtv])|([0-7]{1,3})|x([0-9a-fA-F]{2})"""
    r"""|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|N\{([^{}\r\n]*)\}|([xuUN])|([\s\S]))"""
)
_SIMPLE_ESCAPES = {
    "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b",
    "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
}  # fmt: skip


class _EscapeError(Exception):
    def __init__(self, offset: int, reason: str) -> None:
        self.offset = offset
        self.reason = reason


def _unescape_one(m: re.Match[str]) -> str:
    kind = m.lastindex
    if kind is None:
        return "\n"
    if kind == 1:  # backslash-newline continues the string
        return ""
    if kind == 2:
        return _SIMPLE_ESCAPES[m.group(2)]
    if kind == 3:
        return chr(int(m.group(3), 8))
    if kind == 4 or kind == 5:
        return chr(int(m.group(kind), 16))
    if kind == 6:
        code = int(m.group(6), 16)
        if code > 0x10FFFF:
            raise _EscapeError(m.start(), f"illegal Unicode character escape {m.group()!r}")
        return chr(code)
    if kind == 7:
        try:
            return unicodedata.lookup(m.group(7))
        except KeyError:
            name = _visible(_shorten(m.group(7)))
            raise _EscapeError(m.start(), f"unknown Unicode character name {name!r}") from None
    if kind == 8:
        raise _EscapeError(m.start(), f"truncated or malformed \\{m.group(8)} escape")
    return m.group()  # unknown escapes such as "\d" stay verbatim, as in Python


def _string_value(token: str, triple: bool, offset: int, text: str, filename: str | None) -> str:
    """Value of the string literal ``token`` found at ``offset`` of ``text``."""
    raw = False
    start = 0
    if token[0] not in "\"'":
        raw = token[0] in "rR"
        start = 1
    quote = 3 if triple else 1
    body = token[start + quote : -quote]
    if raw:
        if "\r" in body:  # Python normalises source line ends before reading literals
            body = body.replace("\r\n", "\n").replace("\r", "\n")
        return body
    if "\\" not in body and "\r" not in body:
        return body
    try:
        return _ESCAPE.sub(_unescape_one, body)
    except _EscapeError as e:
        raise _error(text, filename, offset + start + quote + e.offset, e.reason) from None


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of ``offset``; ``\\r\\n``, ``\\r`` and ``\\n`` end lines."""
    before = text[:offset]
    line = before.count("\n") + before.count("\r") - before.count("\r\n") + 1
    line_start = max(before.rfind("\n"), before.rfind("\r")) + 1
    return line, offset - line_start + 1


def _error(text: str, filename: str | None, offset: int, reason: str) -> ParamSyntaxError:
    line, column = _position(text, offset)
    return ParamSyntaxError(reason, filename, line, column)


def _shorten(s: str, limit: int = 40) -> str:
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _visible(s: str) -> str:
    """``s`` with non-printable characters escaped, for use in messages."""
    return s if s.isprintable() else "".join(c if c.isprintable() else _escape_char(c) for c in s)


def _describe(m: re.Match[str], kind: int) -> str:
    """How the token ``m`` is named in error messages."""
    if kind == _END:
        return "end of input"
    token = m.group(kind)
    if kind == _PUNCT:
        return f"'{token}'"
    if kind == _FLOAT or kind == _INT:
        return f"number {_shorten(token)}"
    if kind == _STR or kind == _STR3:
        return f"string {_visible(_shorten(token))}"
    if kind == _NAME:
        return f"name {_shorten(token)!r}"
    return f"character {token!r}"


def _int_value(token: str, offset: int, text: str, filename: str | None) -> int:
    try:
        return int(token, 0)
    except ValueError:
        pass
    limit = sys.get_int_max_str_digits()
    digits = sum(c.isdigit() for c in token)
    if limit and digits > limit:
        reason = f"integer literal with {digits} digits is longer than the limit of {limit} digits"
    else:
        reason = (
            f"invalid integer literal {_shorten(token)} "
            "(leading zeros are not allowed in decimal integers)"
        )
    raise _error(text, filename, offset, reason)


# Parser states: what the next token may be.
_VALUE = 0  # a value (top level, after ':')
_VALUE_OR_CLOSE = 1  # a value or the closing bracket (after '[', '(' or ',')
_AFTER_VALUE = 2  # ',' or the closing bracket
_KEY_OR_CLOSE = 3  # a dict key or '}' (after '{' or ',')
_COLON = 4  # ':' after a dict key
_DONE = 5  # end of input after the top-level value


def _short_string(m: re.Match[str], text: str, filename: str | None) -> str:
    """Value of a single-line string token; the common escape-free case without the full decoder."""
    token = m.group(6)
    if (token[0] == '"' or token[0] == "'") and "\\" not in token:
        return token[1:-1]
    return _string_value(token, False, m.start(_STR), text, filename)


def parse_param(text: str, filename: str | None = None) -> Any:
    """Parse the text of a ``.param`` file into plain Python values.

    Args:
        text: the file content.
        filename: used in error messages only.

    Returns:
        The literal's value built from dict (insertion-ordered), list, tuple,
        str, int, float, bool and None.

    Raises:
        ParamSyntaxError: for any text that is not a valid parameter literal;
            no other exception is raised for bad text.
    """
    # Each open container's enclosing state is saved on ``stack``; the
    # innermost one lives in locals because they are touched for every token.
    stack: list[tuple[Any, str | None, bool, Any, bool, int]] = []
    container: Any = None  # dict or list being filled; None at top level
    closer: str | None = None
    is_dict = False
    key: Any = None  # pending dict key
    had_comma = False  # whether a '(' group has a comma, i.e. is a tuple
    open_offset = 0
    state = _VALUE
    result: Any = None
    start = 1 if text.startswith("\ufeff") else 0

    for m in _TOKEN.finditer(text, start):
        kind = m.lastindex
        if state == _AFTER_VALUE:
            if kind != _PUNCT:
                raise _unexpected(text, filename, m, kind, state, closer, stack, open_offset)
            c = m.group(1)
            if c == ",":
                if is_dict:
                    state = _KEY_OR_CLOSE
                else:
                    state = _VALUE_OR_CLOSE
                    had_comma = True
                continue
            if c != closer:
                raise _unexpected(text, filename, m, kind, state, closer, stack, open_offset)
            value = _closed(container, closer, had_comma)
            container, closer, is_dict, key, had_comma, open_offset = stack.pop()
        elif state == _VALUE_OR_CLOSE or state == _VALUE:
            if kind == _FLOAT:
                value = float(m.group(2))
            elif kind == _STR:
                value = _short_string(m, text, filename)
            elif kind == _PUNCT:
                c = m.group(1)
                if c in _CLOSER:
                    if len(stack) >= MAX_DEPTH:
                        raise _error(text, filename, m.start(kind), f"nesting deeper than {MAX_DEPTH} levels")
                    stack.append((container, closer, is_dict, key, had_comma, open_offset))
                    open_offset = m.start(kind)
                    closer = _CLOSER[c]
                    had_comma = False
                    if c == "{":
                        container = {}
                        is_dict = True
                        state = _KEY_OR_CLOSE
                    else:
                        container = []
                        is_dict = False
                        state = _VALUE_OR_CLOSE
                    continue
                if c != closer or state != _VALUE_OR_CLOSE:
                    raise _unexpected(text, filename, m, kind, state, closer, stack, open_offset)
                value = _closed(container, closer, had_comma)
                container, closer, is_dict, key, had_comma, open_offset = stack.pop()
            elif kind == _INT:
                value = _int_value(m.group(3), m.start(kind), text, filename)
            elif kind == _NAME and m.group(8) in _NAMES:
                value = _NAMES[m.group(8)]
            elif kind == _STR3:
                value = _string_value(m.group(4), True, m.start(kind), text, filename)
            else:
                raise _unexpected(text, filename, m, kind, state, closer, stack, open_offset)
        elif state == _KEY_OR_CLOSE:
            if kind == _PUNCT and m.group(1) == "}":
                value = container
                container, closer, is_dict, key, had_comma, open_offset = stack.pop()
            else:
                if kind == _STR:
                    key = _short_string(m, text, filename)
                elif kind == _STR3:
                    key = _string_value(m.group(4), True, m.start(kind), text, filename)
                elif kind == _FLOAT:
                    key = float(m.group(2))
                elif kind == _INT:
                    key = _int_value(m.group(3), m.start(kind), text, filename)
                elif kind == _NAME and m.group(8) in _NAMES:
                    key = _NAMES[m.group(8)]
                else:
                    raise _unexpected(text, filename, m, kind, state, closer, stack, open_offset)
                state = _COLON
                continue
        elif state == _COLON:
            if kind == _PUNCT and m.group(1) == ":":
                state = _VALUE
                continue
            raise _unexpected(text, filename, m, kind, state, closer, stack, open_offset)
        else:  # _DONE
            if kind == _END:
                return result
            raise _unexpected(text, filename, m, kind, state, closer, stack, open_offset)

        # A complete value: store it in the enclosing container.
        if is_dict:
            container[key] = value
            state = _AFTER_VALUE
        elif container is not None:
            container.append(value)
            state = _AFTER_VALUE
        else:
            result = value
            state = _DONE
    # The catch-all token alternatives guarantee an _END match before this.
    raise AssertionError("unreachable: tokenizer stopped before the end of input")


def _closed(container: Any, closer: str | None, had_comma: bool) -> Any:
    """The value of a container whose closing bracket was just read."""
    if closer == ")":
        if had_comma or not container:
            return tuple(container)
        return container[0]  # "(x)" is a parenthesised value, not a tuple
    return container


def _unexpected(
    text: str,
    filename: str | None,
    m: re.Match[str],
    kind: int,
    state: int,
    closer: str | None,
    stack: list[Any],
    open_offset: int,
) -> ParamSyntaxError:
    """The error for token ``m`` not being allowed in ``state``."""
    offset = m.start(kind)
    if kind == _OPEN_STR:
        reason = "unterminated string literal (no closing quote on the same line)"
        return _error(text, filename, offset, reason)
    if kind == _OPEN_STR3:
        return _error(text, filename, offset, "unterminated triple-quoted string literal")
    if kind == _END:
        # Point just after the last token rather than at trailing blank lines.
        offset = m.start()
    if state == _AFTER_VALUE:
        expected = f"expected ',' or '{closer}' after value"
    elif state == _VALUE:
        expected = "expected a value"
    elif state == _VALUE_OR_CLOSE:
        expected = f"expected a value or '{closer}'"
    elif state == _KEY_OR_CLOSE:
        expected = "expected a dict key (a string) or '}'"
    elif state == _COLON:
        expected = "expected ':' after dict key"
    else:
        expected = "expected end of input after the top-level value"
    reason = f"{expected}, found {_describe(m, kind)}"

    found = m.group(kind)
    if kind == _NAME and state in (_VALUE, _VALUE_OR_CLOSE, _KEY_OR_CLOSE):
        reason += " (only None, True and False are allowed; .param files are not executed)"
    if stack and (kind == _END or (kind == _PUNCT and found in "}])" and found != closer)):
        opener = {"}": "{", "]": "[", ")": "("}[closer] if closer else "?"
        line, column = _position(text, open_offset)
        verb = "was never closed" if kind == _END else "is still open"
        reason += f" ('{opener}' opened at line {line}, column {column} {verb})"
    elif state == _AFTER_VALUE and kind != _END and re.search(r"[\r\n]", text[m.start() : offset]):
        line, _ = _position(text, m.start())
        reason += f" (missing ',' at the end of line {line}?)"
    return _error(text, filename, offset, reason)


def read_param(path: str | os.PathLike[str]) -> Any:
    """Read and parse a ``.param`` file.

    The file is decoded as UTF-8 (a byte-order mark is ignored), falling back
    to latin-1 for old files that are not valid UTF-8.

    Raises:
        FileNotFoundError: ``path`` does not exist (the message names it).
        ParamSyntaxError: the content is invalid; ``filename`` is ``path``.
    """
    name = os.fsdecode(path)
    with open(path, "rb") as f:
        data = f.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return parse_param(text, filename=name)


# --------------------------------------------------------------------------
# Writing

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
            nesting deeper than :data:`MAX_DEPTH` or a reference cycle); the
            message names its key path, e.g. ``neuron.Soma.properties.Ra``.
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


def _escape_char(c: str) -> str:
    """The escape sequence for a character that cannot appear as itself."""
    if c == "\n":
        return "\\n"
    if c == "\t":
        return "\\t"
    if c == "\r":
        return "\\r"
    code = ord(c)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


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
            chars.append(_escape_char(c))
    return '"' + "".join(chars) + '"'


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
