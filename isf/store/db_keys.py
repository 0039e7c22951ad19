"""Keys of the study database: a string or a tuple of strings, each part a folder name.

A key part becomes a directory name inside the database (``("stimuli", "B1")`` →
``<db>/stimuli/B1``), so parts are restricted to names that are safe on every file system and that
cannot escape the database or collide with its own files.
"""

from __future__ import annotations

from typing import Union

from isf.errors import StoreError

__all__ = ["ALLOWED", "FORMAT_FILE", "Key", "format_key", "key_parts"]

#: A database key: one part, or a tuple of parts.
Key = Union[str, tuple[str, ...]]

#: File of the database's format and id, at its top (a key part may not take this name).
FORMAT_FILE = "isf_database.json"
#: Longest key part, in UTF-8 bytes (file systems allow 255; room is kept for the database's own suffixes).
MAX_PART_BYTES = 200
_FORBIDDEN = frozenset('/\\:*?"<>|')

#: What a key is allowed to be, in words (used in every error about a key).
ALLOWED = (f"a non-empty string or tuple of strings; each part printable, at most {MAX_PART_BYTES} UTF-8 bytes, "
           f"not starting with '.' or ending with ' ', without any of {' '.join(sorted(_FORBIDDEN))}, "
           f"and not {FORMAT_FILE!r}")


def _bad(key: object, why: str) -> StoreError:
    return StoreError(f"invalid database key {key!r}: {why}; a key is {ALLOWED}", field="key", value=key,
                      allowed=ALLOWED)


def key_parts(key: object) -> tuple[str, ...]:
    """The parts of a key (a string is a key of one part).

    Raises:
        StoreError: the key is not a string or tuple of strings, or a part is not allowed (the message
            says what is).
    """
    if isinstance(key, str):
        parts: tuple[object, ...] = (key,)
    elif isinstance(key, tuple):
        parts = key
    else:
        raise _bad(key, f"a {type(key).__name__} is neither a string nor a tuple")
    if not parts:
        raise _bad(key, "the tuple is empty")
    for part in parts:
        if not isinstance(part, str):
            raise _bad(key, f"part {part!r} is a {type(part).__name__}, not a string")
        if not part:
            raise _bad(key, "a part is empty")
        if part.startswith("."):
            raise _bad(key, f"part {part!r} starts with '.' (reserved for the database's own files)")
        if part.endswith(" "):
            raise _bad(key, f"part {part!r} ends with a space")
        if not part.isprintable():
            raise _bad(key, f"part {part!r} holds a non-printable character")
        found = sorted(set(part) & _FORBIDDEN)
        if found:
            raise _bad(key, f"part {part!r} holds {' '.join(found)}")
        if len(part.encode("utf-8")) > MAX_PART_BYTES:
            raise _bad(key, f"part {part[:20]!r}… is longer than {MAX_PART_BYTES} bytes")
        if part == FORMAT_FILE:
            raise _bad(key, f"{FORMAT_FILE!r} is the database's format file")
    return tuple(parts)  # type: ignore[arg-type]


def format_key(parts: tuple[str, ...]) -> Key:
    """The key as the caller writes it: a string for one part, else the tuple."""
    return parts[0] if len(parts) == 1 else parts
