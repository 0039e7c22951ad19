"""Opening the main file of a run store with errors that say what is wrong: missing, not HDF5
(foreign), truncated, damaged, locked by another program, not a run store, of another format version
— and, for a truncated or damaged file, how many trials ``isf store recover`` can restore.

The main file is always opened read-only: isf writes it only by replacing it whole
(:mod:`isf.store.compaction`), so readers and the writer never hold HDF5 write locks on it. See
``docs/store_format.md`` (errors, recovery).
"""

from __future__ import annotations

import os
from pathlib import Path

import tables

from isf.errors import MissingFileError, StoreError
from isf.store import layout
from isf.store.journal import Journal, JournalGone, journal_dir

__all__ = ["DamagedStoreError", "expected_size", "hdf5_reason", "journal_trials", "main_identity", "open_main"]

_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class DamagedStoreError(StoreError):
    """The main file of a store is truncated or damaged (``isf store recover`` salvages its readable trials)."""


def hdf5_reason(exc: BaseException) -> str:
    """The innermost reason of an HDF5 error back trace, on one line."""
    lines = [line.strip() for line in str(exc).splitlines()]
    inner = [line for line, raw in zip(lines, str(exc).splitlines()) if raw.startswith("    ") and line]
    return inner[-1] if inner else " ".join(lines)[:200]


def expected_size(path: Path) -> int | None:
    """The end-of-file address the HDF5 superblock of ``path`` records (the size the file had when
    written), or ``None`` if the superblock cannot be read."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(256)
    except OSError:
        return None
    if head[:8] != _SIGNATURE or len(head) < 16:
        return None
    version = head[8]
    if version in (0, 1):
        size_of_offsets = head[13]
        at = 24 + (4 if version == 1 else 0) + 2 * size_of_offsets
    elif version in (2, 3):
        size_of_offsets = head[9]
        at = 12 + 2 * size_of_offsets
    else:
        return None
    if size_of_offsets not in (4, 8) or len(head) < at + size_of_offsets:
        return None
    return int.from_bytes(head[at:at + size_of_offsets], "little")


def journal_trials(path: Path) -> int:
    """How many whole trial records the journal of ``path`` holds (whatever store they name)."""
    journal = Journal(path, "")
    count = 0
    for _, file in journal.files():
        try:
            journal.read_header(file)
        except (StoreError, JournalGone, KeyError, TypeError, ValueError, OSError):
            continue
        count += 1
    return count


def _recoverable(path: Path) -> str:
    from isf.store.salvage import readable_trials  # reads every trial: only when the file is damaged

    n = readable_trials(path)
    if n is None:
        journal = journal_trials(path)
        return ("HDF5 cannot read it even padded to its size, so its trials cannot be recovered"
                + (f" (nor the {journal} trials of its journal, which need it)" if journal else "")
                + ": restore it from a copy, or run the trials again into a new store")
    return f"{n} trials can be recovered with `isf store recover {path}` (the damaged file is kept as {path.name}.damaged)"


def open_main(path: Path) -> tables.File:
    """The main file of the store ``path``, open read-only and checked to be a run store of this format.

    Raises:
        MissingFileError: no such file.
        StoreError: not an HDF5 file, truncated, damaged, locked by another program, not an isf run store,
            or of another format version — naming the file, what is wrong and what to do.
    """
    if not path.is_file():
        raise MissingFileError(f"no run store at {path}", path)
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head != _SIGNATURE:
        raise StoreError(f"{path} is not an HDF5 file (so not an isf run store): it starts with {head[:8]!r}; "
                         "run stores are written by isf trials / RunStore.create")
    expected = expected_size(path)
    if expected is not None and size < expected:
        raise DamagedStoreError(f"{path} is truncated: {size} bytes of the {expected} it was written with; "
                                + _recoverable(path))
    try:
        h5 = tables.open_file(str(path), "r")
    except (tables.HDF5ExtError, OSError, ValueError) as exc:
        reason = hdf5_reason(exc)
        if "lock" in reason.lower():
            raise StoreError(f"{path} is locked by another program writing it with HDF5 ({reason}); wait for it "
                             "to finish, or set HDF5_USE_FILE_LOCKING=FALSE if you know nobody writes it") from None
        raise DamagedStoreError(f"{path} is damaged: HDF5 cannot open it ({reason}); " + _recoverable(path)) from None
    try:
        version = layout.check_format(h5, path)
        for node in layout.SIZED:
            if "/" + node not in h5 and (version == layout.FORMAT_VERSION or node not in layout.V3_NODES):
                raise DamagedStoreError(f"{path} is damaged: it has no /{node}; " + _recoverable(path))
    except BaseException:
        h5.close()
        raise
    return h5


def main_identity(path: Path) -> tuple[int, int]:
    """(device, inode) of the main file: a compaction replaces it by another file."""
    st = os.stat(path)
    return st.st_dev, st.st_ino
