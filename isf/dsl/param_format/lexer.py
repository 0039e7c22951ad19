"""Tokens of the ``.param`` literal grammar and the values of single tokens.

One regular expression (:data:`TOKEN`) walks the text without gaps: each match
is one token, and ``match.lastindex`` tells its kind (:data:`PUNCT`,
:data:`FLOAT`, ...). The helpers here turn a number or string token into its
value, with Python's rules (escapes, ``_`` separators, the integer digit
limit), and name tokens and characters in error messages.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import Any

from isf.dsl.param_format.errors import syntax_error

__all__ = [
    "BAD",
    "END",
    "FLOAT",
    "INT",
    "LITERAL_NAMES",
    "MAX_DEPTH",
    "NAME",
    "OPEN_STR",
    "OPEN_STR3",
    "PUNCT",
    "STR",
    "STR3",
    "TOKEN",
    "describe",
    "escape_char",
    "int_value",
    "short_string",
    "shorten",
    "string_value",
    "visible",
]

#: Maximum number of simultaneously open brackets, in reading and writing.
MAX_DEPTH = 200

# Whitespace, comments and line continuations before each token.
_SKIP = r"[ \t\f\r\n]*(?:(?:\#[^\r\n]*|\\(?:\r\n|\r|\n))[ \t\f\r\n]*)*"
_DIGITS = r"[0-9](?:_?[0-9])*"  # not \d: Python source allows ASCII digits only

#: One alternative per token kind, each exactly one capturing group, so that
#: ``match.lastindex`` tells the kind. The final catch-all makes every match
#: succeed, so ``finditer`` walks the text without gaps.
TOKEN = re.compile(
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
# Token kinds: the group numbers of TOKEN's alternatives, in order.
(
    PUNCT,
    FLOAT,
    INT,
    STR3,
    OPEN_STR3,
    STR,
    OPEN_STR,
    NAME,
    END,
    BAD,
) = range(1, 11)

#: The only names a ``.param`` file may contain, and their values.
LITERAL_NAMES: dict[str, Any] = {"None": None, "True": True, "False": False}

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
            name = visible(shorten(m.group(7)))
            raise _EscapeError(m.start(), f"unknown Unicode character name {name!r}") from None
    if kind == 8:
        raise _EscapeError(m.start(), f"truncated or malformed \\{m.group(8)} escape")
    return m.group()  # unknown escapes such as "\d" stay verbatim, as in Python


def string_value(token: str, triple: bool, offset: int, text: str, filename: str | None) -> str:
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
        raise syntax_error(text, filename, offset + start + quote + e.offset, e.reason) from None


def short_string(m: re.Match[str], text: str, filename: str | None) -> str:
    """Value of a single-line string token; the common escape-free case without the full decoder."""
    token = m.group(6)
    if (token[0] == '"' or token[0] == "'") and "\\" not in token:
        return token[1:-1]
    return string_value(token, False, m.start(STR), text, filename)


def int_value(token: str, offset: int, text: str, filename: str | None) -> int:
    """Value of the integer token ``token`` found at ``offset`` of ``text``."""
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
            f"invalid integer literal {shorten(token)} "
            "(leading zeros are not allowed in decimal integers)"
        )
    raise syntax_error(text, filename, offset, reason)


def shorten(s: str, limit: int = 40) -> str:
    """``s`` cut to ``limit`` characters (ending in ``...``), for use in messages."""
    return s if len(s) <= limit else s[: limit - 3] + "..."


def escape_char(c: str) -> str:
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


def visible(s: str) -> str:
    """``s`` with non-printable characters escaped, for use in messages."""
    return s if s.isprintable() else "".join(c if c.isprintable() else escape_char(c) for c in s)


def describe(m: re.Match[str], kind: int) -> str:
    """How the token ``m`` is named in error messages."""
    if kind == END:
        return "end of input"
    token = m.group(kind)
    if kind == PUNCT:
        return f"'{token}'"
    if kind == FLOAT or kind == INT:
        return f"number {shorten(token)}"
    if kind == STR or kind == STR3:
        return f"string {visible(shorten(token))}"
    if kind == NAME:
        return f"name {shorten(token)!r}"
    return f"character {token!r}"
