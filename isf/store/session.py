"""The files of an open run store: its main HDF5 file (always open read-only), its journal, the
writer's lock, and the index over both.

A writer (mode ``"a"``) holds an exclusive ``flock`` on ``<store>.journal/writer.lock`` (a second
writer is refused at once, a dead one's lock is released by the kernel), compacts what an earlier
writer left in the journal when it opens, appends records, compacts now and then and when it
closes. A reader (mode ``"r"``) refreshes before every read: if a compaction replaced the main file
it opens the new one, and it takes in the records written since — so a store read while a run
appends to it shows a consistent, growing set of trials. See ``docs/store_format.md`` (live reading).
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import tables

from isf.errors import MissingFileError, StoreError
from isf.store.compaction import compact, has_orphans, remove_stale_copies
from isf.store.file_lock import FileLock
from isf.store.index import StoreIndex, journal_seq
from isf.store.journal import Journal, JournalGone, Record, journal_dir
from isf.store.layout import FORMAT_VERSION
from isf.store.store_file import main_identity, open_main

__all__ = ["LOCK_NAME", "StoreFiles", "writer_active"]

LOCK_NAME = "writer.lock"
T = TypeVar("T")
#: How often a reader reads again when a compaction moved records away under it.
_RETRIES = 20


def writer_active(path: Path) -> bool:
    """Whether a process is appending to the store ``path`` now (holds its writer lock)."""
    try:
        fd = os.open(journal_dir(path) / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock taken
    return False


def _store_id(h5: tables.File) -> str:
    return str(getattr(h5.root._v_attrs, "store_id", ""))


class StoreFiles:
    """Main file, journal, lock and index of the store ``path`` open in ``mode``."""

    def __init__(self, path: Path, mode: str, *, set_aside: bool = False) -> None:
        self.path = path
        self.mode = mode
        #: (writers) move damaged journal records aside instead of refusing to open (``isf store recover``)
        self.set_aside = set_aside
        #: the records moved aside, and the trials moved from the journal into the main file at opening
        self.moved_aside: list[Path] = []
        self.restored = 0
        self.lock: FileLock | None = None
        if not path.is_file():
            raise MissingFileError(f"no run store at {path}", path)
        if mode == "a":
            self.lock = self._lock()
        try:
            self.h5 = open_main(path)
            self.identity = main_identity(path)
            self.journal = Journal(path, _store_id(self.h5))
            self.index = StoreIndex(self.h5, path, self.journal, [])
            if mode == "a":
                self._recover()
            else:
                self.refresh()
        except BaseException:
            self.close(compact_journal=False)
            raise

    def _lock(self) -> FileLock:
        folder = journal_dir(self.path)
        try:
            folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the journal folder {folder} ({exc}); the store's folder "
                             "must be writable to append") from None
        lock = FileLock(folder / LOCK_NAME, blocking=False)
        if not lock.acquire():
            raise StoreError(f"{self.path} is locked: another process is appending to it (it holds "
                             f"{folder / LOCK_NAME}); open it read-only (RunStore.open(path)) to watch the run, "
                             "or wait for it to finish")
        return lock

    def _recover(self) -> None:
        """Move what an earlier writer left (journal records, orphans of an older isf) into the main file."""
        remove_stale_copies(self.path)
        if not self.journal.store_id:  # a file of an older isf: no record can be its own
            self.journal.remove_through(1 << 62)
        records = self.journal.records(journal_seq(self.h5), int(self.h5.root.blobs.nrows)) \
            if self.journal.store_id else []
        for foreign in self.journal.foreign:
            foreign.unlink(missing_ok=True)
        if self.journal.problems and self.set_aside:
            self._move_aside(records)
        if self.journal.problems:
            where, what = self.journal.problems[0]
            raise StoreError(f"{self.path}: the journal record {where.name} is damaged ({what}); "
                             f"`isf store recover {self.path}` keeps the {len(records)} records before it and "
                             "sets the rest aside")
        self.restored = len(records)
        if records or not _store_id(self.h5) or self.index.version < FORMAT_VERSION or has_orphans(self.h5):
            self.compact(records)
        else:
            self.journal.remove_through(journal_seq(self.h5))

    def _move_aside(self, records: list[Record]) -> None:
        """Move the record files after the last usable one into ``<store>.journal-damaged/``."""
        last = records[-1].seq if records else journal_seq(self.h5)
        aside = self.path.with_name(self.path.name + ".journal-damaged")
        for seq, file in self.journal.files():
            if seq > last:
                aside.mkdir(exist_ok=True)
                file.replace(aside / file.name)
                self.moved_aside.append(aside / file.name)
        self.journal.problems = []

    def compact(self, records: list[Record] | None = None, edit: Callable[[tables.File], None] | None = None) -> None:
        """Compact the journal (``records``, or the index's) into the main file, applying ``edit`` to it."""
        records = list(self.index.records if records is None else records)
        if not self.journal.store_id:
            self.journal.store_id = uuid.uuid4().hex
        compact(self.path, self.journal, records, edit=edit)
        self.h5.close()
        self.h5 = open_main(self.path)
        self.identity = main_identity(self.path)
        self.index.reset(self.h5, [])

    def refresh(self) -> None:
        """Take in a new main file and the records written since (readers)."""
        for _ in range(_RETRIES):
            if main_identity(self.path) != self.identity:
                self.h5.close()
                self.h5 = open_main(self.path)
                self.identity = main_identity(self.path)
                self.journal.store_id = _store_id(self.h5)
                self.index.reset(self.h5, [])
            known = self.index.records
            if not self.journal.store_id:  # a file of an older isf has no journal
                return
            try:
                records = self.journal.records(journal_seq(self.h5), int(self.h5.root.blobs.nrows), known)
            except JournalGone:
                continue
            if main_identity(self.path) != self.identity:
                # the main file was replaced while the records were listed: the compaction that replaced it
                # removes the records it took in, so the list may lack trials the old main file lacks too
                continue
            if len(records) != len(known) or (records and records[-1] != known[-1]):
                if records[:len(known)] == known:
                    for record in records[len(known):]:
                        self.index.appended(record)
                else:
                    self.index.reset(self.h5, records)
            return

    def read(self, function: Callable[[], T]) -> T:
        """``function()`` on a fresh view (readers; read again if a compaction moved records away)."""
        if self.mode != "r":
            return function()
        for _ in range(_RETRIES):
            self.refresh()
            try:
                return function()
            except JournalGone:
                continue
        raise StoreError(f"{self.path}: the store changed under every read attempt; try again")

    def close(self, compact_journal: bool = True) -> None:
        """Compact the journal (writers), close the main file, release the lock."""
        try:
            h5 = getattr(self, "h5", None)
            if compact_journal and self.mode == "a" and h5 is not None and h5.isopen and self.index.records:
                self.compact()
        finally:
            h5 = getattr(self, "h5", None)
            if h5 is not None and h5.isopen:
                h5.close()
            if self.lock is not None:
                index = getattr(self, "index", None)
                if index is None or not index.records:
                    Journal(self.path, "").remove_if_empty()
                self.lock.release()
                self.lock = None
