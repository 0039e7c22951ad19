"""The folders of a study database and the transactions that change them (atomic, crash-safe, locked).

Layout (all paths relative, so the folder can be moved or copied)::

    <db>/isf_database.json           format, format version, unique id
    <db>/.isf/lock                   database lock: shared while committing, exclusive while cleaning up
    <db>/.isf/locks/<hash>.lock      one lock per key: shared while reading, exclusive while committing
    <db>/.isf/tmp/<tx>.lock, <tx>/   a write in progress: its lock (held by the writer) and work folder
    <db>/<part>/…/<part>/.item       the key's pointer: names its current version folder
    <db>/<part>/…/<part>/.v-<tx>/    a version: metadata.json and the data (data.json, data.h5, data/ …)

A write builds the new version in its work folder, then, holding the key's lock, renames it into the
key's folder and replaces the pointer (``os.replace``: atomic); the old version is removed afterwards.
A crash at any point leaves the pointer naming the old version or the new one, never a mix; what a
crashed write left (its work folder, a version no pointer names) is removed when the database is next
opened: the writer's lock file is then free, as the kernel releases ``flock`` locks of a dead process.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from isf.errors import StoreError
from isf.store.db_keys import key_parts
from isf.store.file_lock import FileLock, fsync_dir, write_durably

__all__ = [
    "POINTER", "VERSION_PREFIX", "commit", "iter_keys", "key_dir", "key_lock", "make_layout", "recover", "remove",
    "version_of",
]

#: Name of a key's pointer file.
POINTER = ".item"
#: Prefix of version folder names.
VERSION_PREFIX = ".v-"
_INTERNAL = ".isf"


def make_layout(root: Path) -> None:
    """Create the database's internal folders (idempotent)."""
    for sub in ("locks", "tmp"):
        (root / _INTERNAL / sub).mkdir(parents=True, exist_ok=True)


def key_dir(root: Path, parts: tuple[str, ...]) -> Path:
    """Folder of a key."""
    return root.joinpath(*parts)


def key_lock(root: Path, parts: tuple[str, ...], *, shared: bool = False, blocking: bool = True) -> FileLock:
    """The lock of one key (a file named by a hash of the key: keys of any depth, one flat folder)."""
    digest = hashlib.sha256(json.dumps(list(parts)).encode("utf-8")).hexdigest()[:40]
    return FileLock(root / _INTERNAL / "locks" / f"{digest}.lock", shared=shared, blocking=blocking)


def _database_lock(root: Path, *, shared: bool, blocking: bool = True) -> FileLock:
    return FileLock(root / _INTERNAL / "lock", shared=shared, blocking=blocking)


def version_of(folder: Path) -> Path | None:
    """The current version folder of a key folder (``None``: no item there)."""
    try:
        text = (folder / POINTER).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        name = json.loads(text)["version"]
    except (ValueError, KeyError, TypeError):
        raise StoreError(f"{folder / POINTER} is damaged: expected {{\"version\": \".v-…\"}}") from None
    if not isinstance(name, str) or not name.startswith(VERSION_PREFIX) or "/" in name or "\\" in name:
        raise StoreError(f"{folder / POINTER} names {name!r}, not a version folder")
    return folder / name


def iter_keys(root: Path) -> Iterator[tuple[str, ...]]:
    """Keys with an item, depth first, sorted by part."""

    def walk(folder: Path, parts: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        try:
            entries = sorted(e.name for e in os.scandir(folder) if not e.name.startswith(".") and e.is_dir())
        except (FileNotFoundError, NotADirectoryError):
            return
        for name in entries:
            child = folder / name
            if (child / POINTER).is_file():
                yield (*parts, name)
            yield from walk(child, (*parts, name))

    yield from walk(root, ())


def _fsync_tree(folder: Path) -> None:
    """Flush every file and folder under ``folder`` to disk."""
    for here, dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(here, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(here)


def _tidy(folder: Path) -> None:
    """Remove from a key folder what no pointer names (call holding the key's lock exclusively)."""
    current = version_of(folder)
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.name.startswith(VERSION_PREFIX) and (current is None or entry.name != current.name):
            shutil.rmtree(entry.path, ignore_errors=True)
        elif entry.name.startswith(POINTER + ".") and entry.name.endswith(".tmp"):
            os.unlink(entry.path)


class _Transaction:
    """A write in progress: its lock (held until the end) and work folder with the journal that names
    its key, so that whoever finds it abandoned knows which key folder to tidy."""

    def __init__(self, root: Path, parts: tuple[str, ...]) -> None:
        self.root = root
        self.parts = parts
        self.id = uuid.uuid4().hex
        tmp = root / _INTERNAL / "tmp"
        self.lock = FileLock(tmp / f"{self.id}.lock")
        # created and locked while holding the database lock: a cleaner never sees it unlocked
        with _database_lock(root, shared=True):
            self.lock.acquire()
        self.work = tmp / self.id
        self.work.mkdir()
        # not synced: it only guides the clean-up after a crash of the process, not of the machine
        (self.work / "journal.json").write_text(json.dumps({"key": list(parts)}), encoding="utf-8")
        self.version = self.work / f"{VERSION_PREFIX}{self.id}"

    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        self.lock.path.unlink(missing_ok=True)
        self.lock.release()


def commit(root: Path, parts: tuple[str, ...], build: Callable[[Path], None], *,
           only_if_absent: bool = False, durable: bool = True) -> Path:
    """Write a new version of a key and make it current; its version folder.

    Args:
        build: fills the (existing, empty) version folder; runs without any lock held.
        only_if_absent: keep the existing item if the key has one (its version folder is returned).
        durable: flush the new version and the pointer to disk before and after the switch, so that
            it also survives a crash of the machine (a crash of the process never needs it).
    """
    sync_dir = fsync_dir if durable else _no_sync
    tx = _Transaction(root, parts)
    try:
        tx.version.mkdir()
        build(tx.version)
        if durable:
            _fsync_tree(tx.version)
        folder = key_dir(root, parts)
        with _database_lock(root, shared=True), key_lock(root, parts):
            current = version_of(folder)
            if only_if_absent and current is not None:
                return current
            created = not folder.is_dir()
            folder.mkdir(parents=True, exist_ok=True)
            if created:
                sync_dir(folder.parent)
            target = folder / tx.version.name
            os.rename(tx.version, target)
            pointer_tmp = folder / f"{POINTER}.{tx.id}.tmp"
            pointer = json.dumps({"version": target.name}).encode("utf-8")
            if durable:
                write_durably(pointer_tmp, pointer)
            else:
                pointer_tmp.write_bytes(pointer)
            os.replace(pointer_tmp, folder / POINTER)  # the commit point
            sync_dir(folder)  # the version's and the pointer's names, in one go
            if current is not None and current.exists():
                os.rename(current, tx.work / "old")  # removed below, without the lock
            _tidy(folder)
        return target
    finally:
        tx.close()


def _no_sync(path: Path) -> None:
    """``fsync_dir`` of writes that need not survive a crash of the machine."""


def remove(root: Path, parts: tuple[str, ...]) -> bool:
    """Delete a key's item (``False``: it had none); empty key folders above it are removed too."""
    tx = _Transaction(root, parts)
    folder = key_dir(root, parts)
    try:
        with _database_lock(root, shared=True), key_lock(root, parts):
            current = version_of(folder)
            if current is None:
                return False
            os.unlink(folder / POINTER)  # the commit point
            fsync_dir(folder)
            os.rename(current, tx.work / "old")
            _tidy(folder)
    finally:
        tx.close()
    with _database_lock(root, shared=False):  # no writer is between mkdir and rename now
        for level in range(len(parts), 0, -1):
            try:
                key_dir(root, parts[:level]).rmdir()
            except OSError:  # not empty: another key lives there
                break
    return True


def recover(root: Path) -> int:
    """Remove what crashed writes left; the number of abandoned writes cleaned up. Skipped (0) if
    another process is busy with the database's structure, and leaves alone keys being read."""
    tmp = root / _INTERNAL / "tmp"
    cleaned = 0
    database = _database_lock(root, shared=False, blocking=False)
    try:
        if not database.acquire():
            return 0
    except OSError:  # read-only database (a copy on read-only media): nothing can be cleaned
        return 0
    try:
        names = sorted(os.listdir(tmp))
        locks = {name[:-5] for name in names if name.endswith(".lock")}
        for name in names:
            path = tmp / name
            if name.endswith(".lock"):
                cleaned += _recover_one(root, path)
            elif name not in locks:  # a work folder whose lock is gone: the writer finished or died
                shutil.rmtree(path, ignore_errors=True)
    finally:
        database.release()
    return cleaned


def _recover_one(root: Path, lock_path: Path) -> int:
    lock = FileLock(lock_path, blocking=False)
    if not lock.acquire():
        return 0  # a live writer
    try:
        work = lock_path.with_suffix("")
        journal: Any = None
        try:
            journal = json.loads((work / "journal.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        parts = None
        if isinstance(journal, dict) and isinstance(journal.get("key"), list):
            try:
                parts = key_parts(tuple(journal["key"]))
            except StoreError:  # not a key this database could have written: leave the folders alone
                parts = None
        if parts:
            with key_lock(root, parts, blocking=False) as held:
                if not held.held:
                    return 0  # being read: next time
                _tidy(key_dir(root, parts))
        shutil.rmtree(work, ignore_errors=True)
        lock_path.unlink(missing_ok=True)
        return 1
    finally:
        lock.release()
