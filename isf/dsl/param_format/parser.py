"""Parse the text of a ``.param`` file into plain Python values, without executing it.

:func:`parse_param` is a small state machine over the tokens of
:mod:`isf.dsl.param_format.lexer`: it keeps the open containers on a stack
and reports any text outside the grammar as a
:class:`~isf.dsl.param_format.errors.ParamSyntaxError` that says what was
found and what was expected (and which bracket is still open, or which line
probably misses a comma).
"""

from __future__ import annotations

import os
import re
from typing import Any

from isf.dsl.param_format.errors import ParamSyntaxError, position, syntax_error
from isf.dsl.param_format.lexer import (
    END,
    FLOAT,
    INT,
    LITERAL_NAMES,
    MAX_DEPTH,
    NAME,
    OPEN_STR,
    OPEN_STR3,
    PUNCT,
    STR,
    STR3,
    TOKEN,
    describe,
    int_value,
    short_string,
    string_value,
)

__all__ = ["parse_param", "read_param"]

_CLOSER = {"{": "}", "[": "]", "(": ")"}

# Parser states: what the next token may be.
_VALUE = 0  # a value (top level, after ':')
_VALUE_OR_CLOSE = 1  # a value or the closing bracket (after '[', '(' or ',')
_AFTER_VALUE = 2  # ',' or the closing bracket
_KEY_OR_CLOSE = 3  # a dict key or '}' (after '{' or ',')
_COLON = 4  # ':' after a dict key
_DONE = 5  # end of input after the top-level value


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

    for m in TOKEN.finditer(text, start):
        kind = m.lastindex or 0  # never 0: every alternative of TOKEN is one group
        if state == _AFTER_VALUE:
            if kind != PUNCT:
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
            if kind == FLOAT:
                value = float(m.group(2))
            elif kind == STR:
                value = short_string(m, text, filename)
            elif kind == PUNCT:
                c = m.group(1)
                if c in _CLOSER:
                    if len(stack) >= MAX_DEPTH:
                        raise syntax_error(text, filename, m.start(kind), f"nesting deeper than {MAX_DEPTH} levels")
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
            elif kind == INT:
                value = int_value(m.group(3), m.start(kind), text, filename)
            elif kind == NAME and m.group(8) in LITERAL_NAMES:
                value = LITERAL_NAMES[m.group(8)]
            elif kind == STR3:
                value = string_value(m.group(4), True, m.start(kind), text, filename)
            else:
                raise _unexpected(text, filename, m, kind, state, closer, stack, open_offset)
        elif state == _KEY_OR_CLOSE:
            if kind == PUNCT and m.group(1) == "}":
                value = container
                container, closer, is_dict, key, had_comma, open_offset = stack.pop()
            else:
                if kind == STR:
                    key = short_string(m, text, filename)
                elif kind == STR3:
                    key = string_value(m.group(4), True, m.start(kind), text, filename)
                elif kind == FLOAT:
                    key = float(m.group(2))
                elif kind == INT:
                    key = int_value(m.group(3), m.start(kind), text, filename)
                elif kind == NAME and m.group(8) in LITERAL_NAMES:
                    key = LITERAL_NAMES[m.group(8)]
                else:
                    raise _unexpected(text, filename, m, kind, state, closer, stack, open_offset)
                state = _COLON
                continue
        elif state == _COLON:
            if kind == PUNCT and m.group(1) == ":":
                state = _VALUE
                continue
            raise _unexpected(text, filename, m, kind, state, closer, stack, open_offset)
        else:  # _DONE
            if kind == END:
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
    # The catch-all token alternatives guarantee an END match before this.
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
    if kind == OPEN_STR:
        reason = "unterminated string literal (no closing quote on the same line)"
        return syntax_error(text, filename, offset, reason)
    if kind == OPEN_STR3:
        return syntax_error(text, filename, offset, "unterminated triple-quoted string literal")
    if kind == END:
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
    reason = f"{expected}, found {describe(m, kind)}"

    found = m.group(kind)
    if kind == NAME and state in (_VALUE, _VALUE_OR_CLOSE, _KEY_OR_CLOSE):
        reason += " (only None, True and False are allowed; .param files are not executed)"
    if stack and (kind == END or (kind == PUNCT and found in "}])" and found != closer)):
        opener = {"}": "{", "]": "[", ")": "("}[closer] if closer else "?"
        line, column = position(text, open_offset)
        verb = "was never closed" if kind == END else "is still open"
        reason += f" ('{opener}' opened at line {line}, column {column} {verb})"
    elif state == _AFTER_VALUE and kind != END and re.search(r"[\r\n]", text[m.start() : offset]):
        line, _ = position(text, m.start())
        reason += f" (missing ',' at the end of line {line}?)"
    return syntax_error(text, filename, offset, reason)


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
