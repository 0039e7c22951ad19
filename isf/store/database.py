"""``Database``: the folder of a whole study, with a dict-like API.

::

    db = Database("my_study")
    db["morphology_params"] = {"dt": 0.025}              # JSON
    db["spikes", "B1"] = frame                             # pandas → HDF5
    db["cell"] = cell                                      # isf model value → JSON envelope
    run_trials(..., store=db.run_store_path(("runs", "B1")))
    db.folder("morphologies")                              # a plain folder for your own files
    db.sub("fits")["best"] = [1.0, 2.0]                    # a nested database

Items are kept by type (:mod:`isf.store.db_codecs`), written atomically and under file locks
(:mod:`isf.store.db_items`), each with its metadata (:mod:`isf.store.db_metadata`). Paths inside the
database are relative: the folder can be moved or copied; ``db://<key parts>/<file>`` URLs name its
items wherever it lives, and legacy ``mdb://<id>/…`` URLs resolve through the registry
(:mod:`isf.store.db_registry`). See ``docs/database.md``.
"""

from __future__ import annotations

import datetime
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from isf.errors import MissingFileError, StoreError, UnknownNameError
from isf.store import db_items
from isf.store.db_codecs import DATA_NAMES, MUTABLE_FORMATS, choose_format, read_item, type_name, write_item
from isf.store.db_keys import FORMAT_FILE, Key, format_key, key_parts
from isf.store.db_metadata import caller_file, describe, size_bytes
from isf.store.db_registry import database_path, register_database
from isf.store.file_lock import fsync_dir, write_durably

__all__ = ["DATABASE_FORMAT", "DATABASE_FORMAT_VERSION", "Database", "resolve_url"]

#: ``format`` of a database's format file.
DATABASE_FORMAT = "isf-database"
#: Version of the database layout this isf writes and reads (newer ones are refused).
DATABASE_FORMAT_VERSION = 1
_METADATA = "metadata.json"
_READ_RETRIES = 5


class Database:
    """A study database: a folder of items under string or tuple keys.

    Args:
        path: the database folder; created (with its parents) if missing or empty, unless ``create``
            is false.
        create: create the database if there is none.
        durable: flush every write to disk before it becomes visible, so that it survives a crash of
            the machine (power loss); ``False`` is faster on slow disks and still safe against a crash
            or kill of the writing process (a machine crash may then lose recent writes, never mix them
            … on file systems that keep renames in order, as ext4 and XFS do by default).

    Raises:
        MissingFileError: no folder at ``path`` and ``create`` is false (a ``FileNotFoundError``).
        StoreError: ``path`` is a file, or a non-empty folder that is not a database (or one without
            its format file and ``create`` false), or a database of a newer format.
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True, durable: bool = True) -> None:
        self.path = Path(path).expanduser().absolute()
        self.durable = durable
        info = self._open_or_create(create)
        self.id: str = info["id"]
        self.format_version: int = info["format_version"]
        db_items.recover(self.path)

    def _open_or_create(self, create: bool) -> dict[str, Any]:
        marker = self.path / FORMAT_FILE
        if marker.is_file():
            info = _read_format(marker)
            try:
                db_items.make_layout(self.path)  # a copy without the empty internal folders (e.g. from git)
            except OSError:
                pass  # read-only media: it can still be read
            return info
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"{self.path} is a file, not a database folder")
        if not create:
            if not self.path.exists():
                raise MissingFileError(f"no database at {self.path}", self.path)
            raise StoreError(f"{self.path} is not an isf database (it has no {FORMAT_FILE})")
        # the format file may appear meanwhile: another process creating the same database
        if self.path.is_dir() and any(not n.startswith(".") and n != FORMAT_FILE for n in os.listdir(self.path)):
            raise StoreError(f"{self.path} is a folder with files but not an isf database (no {FORMAT_FILE}); "
                             "choose an empty or new folder")
        self.path.mkdir(parents=True, exist_ok=True)
        db_items.make_layout(self.path)
        info = {"format": DATABASE_FORMAT, "format_version": DATABASE_FORMAT_VERSION, "id": uuid.uuid4().hex,
                "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
        tmp = self.path / f".{FORMAT_FILE}.{uuid.uuid4().hex}.tmp"
        try:
            write_durably(tmp, json.dumps(info, indent=1).encode("utf-8"))
            try:
                os.link(tmp, marker)  # never replaces the format file another process made meanwhile
            except FileExistsError:
                return _read_format(marker)
            except OSError:  # a file system without hard links
                if marker.exists():
                    return _read_format(marker)
                os.replace(tmp, marker)
        finally:
            tmp.unlink(missing_ok=True)
        fsync_dir(self.path)
        return info

    def __repr__(self) -> str:
        return f"Database({str(self.path)!r})"

    def __fspath__(self) -> str:
        return str(self.path)

    # ------------------------------------------------------------------ the dict-like face

    def keys(self) -> list[Key]:
        """Keys with an item, sorted (a one-part key as a string, longer ones as tuples)."""
        return [format_key(parts) for parts in db_items.iter_keys(self.path)]

    def __iter__(self) -> Iterator[Key]:
        return iter(self.keys())

    def __len__(self) -> int:
        return sum(1 for _ in db_items.iter_keys(self.path))

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` has an item (``False`` for values that are not valid keys)."""
        try:
            parts = key_parts(key)
        except StoreError:
            return False
        return db_items.version_of(db_items.key_dir(self.path, parts)) is not None

    def __getitem__(self, key: Key) -> Any:
        return self.get(key)

    def __setitem__(self, key: Key, value: Any) -> None:
        self.set(key, value)

    def __delitem__(self, key: Key) -> None:
        parts = key_parts(key)
        if not db_items.remove(self.path, parts):
            raise self._missing(parts)

    # ------------------------------------------------------------------ writing

    def set(self, key: Key, value: Any, *, allow_pickle: bool = False) -> None:
        """Store ``value`` under ``key``, replacing what was there atomically.

        Args:
            allow_pickle: pickle values no other format fits (recorded as ``format: "pickle"`` in the
                metadata; reading them back needs ``allow_pickle=True`` too).

        Raises:
            StoreError: a bad key, or a value that needs pickle without ``allow_pickle`` (the message lists
                the supported types), or one its format cannot hold.
        """
        parts = key_parts(key)
        storage_format = choose_format(value, allow_pickle)
        caller = caller_file()

        def build(version: Path) -> None:
            used, data, extra = write_item(storage_format, value, version, allow_pickle)
            meta = describe(parts, used, type_name(value), data, caller, extra)
            (version / _METADATA).write_text(json.dumps(meta, indent=1), encoding="utf-8")

        db_items.commit(self.path, parts, build, durable=self.durable)

    def _managed(self, parts: tuple[str, ...], storage_format: str) -> Path:
        """The data path of a folder / database / run-store item, created if the key has none."""
        folder = db_items.key_dir(self.path, parts)
        with db_items.key_lock(self.path, parts, shared=True):
            version = db_items.version_of(folder)
        if version is None:  # else made only to be dropped if another process creates it meanwhile
            version = self._create_managed(parts, storage_format)
        found = _read_metadata(version)["format"]
        if found != storage_format:
            raise StoreError(f"{format_key(parts)!r} holds an item of format {found!r}, not a {storage_format}; "
                             "delete it first to use the key for a " + storage_format)
        return version / DATA_NAMES[storage_format]

    def _create_managed(self, parts: tuple[str, ...], storage_format: str) -> Path:
        caller = caller_file()
        python_type = {"folder": "pathlib.Path", "database": "isf.store.database.Database",
                       "run-store": "isf.store.run_store.RunStore"}[storage_format]

        def build(version: Path) -> None:
            data = version / DATA_NAMES[storage_format]
            if storage_format == "folder":
                data.mkdir()
            elif storage_format == "database":
                Database(data)
            meta = describe(parts, storage_format, python_type, data, caller)
            (version / _METADATA).write_text(json.dumps(meta, indent=1), encoding="utf-8")

        return db_items.commit(self.path, parts, build, only_if_absent=True, durable=self.durable)

    def sub(self, key: Key) -> Database:
        """The nested database under ``key``, created if the key has no item.

        Raises:
            StoreError: ``key`` holds another kind of item.
        """
        return Database(self._managed(key_parts(key), "database"), create=False, durable=self.durable)

    def folder(self, key: Key) -> Path:
        """A plain folder under ``key`` for your own files (morphologies, figures), created if the key has
        no item. Write into it freely; it is removed with the item.

        Raises:
            StoreError: ``key`` holds another kind of item.
        """
        return self._managed(key_parts(key), "folder")

    def run_store_path(self, key: Key) -> Path:
        """Where a run's store file should be written (give it to ``run_trials``); ``db[key]`` then opens
        it read-only. The item is created if the key has none; an interrupted run resumes there.

        Raises:
            StoreError: ``key`` holds another kind of item.
        """
        return self._managed(key_parts(key), "run-store")

    # ------------------------------------------------------------------ reading

    def get(self, key: Key, *, allow_pickle: bool = False) -> Any:
        """The value under ``key``: a model value, DataFrame/Series, read-only memory-mapped array,
        :class:`~isf.store.run_store.RunStore` (opened read-only; close it), JSON data, :class:`Database` (nested) or
        :class:`~pathlib.Path` (folder).

        Raises:
            UnknownNameError: no item under ``key`` (a ``KeyError``; the message lists some keys).
            StoreError: a bad key, or a pickled item without ``allow_pickle``.
        """
        parts = key_parts(key)
        folder = db_items.key_dir(self.path, parts)
        for attempt in range(_READ_RETRIES):
            with db_items.key_lock(self.path, parts, shared=True):
                version = db_items.version_of(folder)
                if version is None:
                    raise self._missing(parts)
                try:
                    storage_format = _read_metadata(version)["format"]
                    data = version / DATA_NAMES.get(storage_format, "data")
                    if storage_format == "database":
                        return Database(data, create=False, durable=self.durable)
                    if storage_format == "folder":
                        return data
                    return read_item(storage_format, data, allow_pickle)
                except FileNotFoundError:
                    # a database on a file system without working locks: replaced while read; read again
                    if attempt == _READ_RETRIES - 1:
                        raise
        raise AssertionError("unreachable")  # pragma: no cover

    def metadata(self, key: Key) -> dict[str, Any]:
        """The item's metadata: ``format``, ``python_type``, ``created_at`` (UTC), ``size_bytes``,
        ``isf_version``, ``neuron_version``, ``python_version``, ``git_commit`` and ``git_dirty`` of
        the writer's code (``None`` outside git), and format details. The size of folders, nested
        databases and run stores is measured now.

        Raises:
            UnknownNameError: no item under ``key``.
        """
        version, meta = self._version_metadata(key_parts(key))
        if meta["format"] in MUTABLE_FORMATS:
            data = version / DATA_NAMES[meta["format"]]
            meta["size_bytes"] = size_bytes(data) if data.exists() else 0
        return meta

    def item_path(self, key: Key) -> Path:
        """The data file or folder of the item (e.g. for ``pandas.read_hdf(path, "data", start=…,
        stop=…)`` reading a large frame in chunks). Valid until the item is replaced or deleted.

        Raises:
            UnknownNameError: no item under ``key``.
        """
        version, meta = self._version_metadata(key_parts(key))
        return version / DATA_NAMES[meta["format"]]

    def _version_metadata(self, parts: tuple[str, ...]) -> tuple[Path, dict[str, Any]]:
        """The current version folder of a key and its metadata, read under the key's lock (a writer
        replacing the item meanwhile removes the old version folder)."""
        with db_items.key_lock(self.path, parts, shared=True):
            version = db_items.version_of(db_items.key_dir(self.path, parts))
            meta = None if version is None else _read_metadata(version)
        if version is None or meta is None:
            raise self._missing(parts)
        return version, meta

    def _missing(self, parts: tuple[str, ...]) -> UnknownNameError:
        known = self.keys()
        shown = ", ".join(repr(k) for k in known[:10]) + (" …" if len(known) > 10 else "")
        return UnknownNameError(f"no item {format_key(parts)!r} in the database {self.path} "
                                f"({len(known)} keys: {shown or 'none'})")

    # ------------------------------------------------------------------ relocatable paths

    def url(self, key: Key, *file: str) -> str:
        """The ``db://`` URL of an item (or of a file inside a folder item): keep it in parameter files;
        :meth:`resolve` turns it into a path wherever the database has moved."""
        parts = key_parts(key)
        return "db://" + "/".join((*parts, *file))

    def resolve(self, url: str | os.PathLike[str]) -> Path:
        """The path a URL names: ``db://<key parts>/<file inside the item>`` in this database (the
        longest leading parts that are a key name the item; a nested database resolves the rest),
        ``mdb://<id>/<key>/<file>`` through the registry of databases, anything else as a plain path.

        Raises:
            UnknownNameError: no key in the URL has an item, or the ``mdb://`` id is not registered.
            StoreError: the URL holds ``..`` or names a file inside an item that is a file.
        """
        text = os.fspath(url)
        if text.startswith("mdb://"):
            return resolve_url(text)
        if not text.startswith("db://"):
            return Path(text)
        parts = [p for p in text[len("db://"):].split("/") if p]
        if not parts or any(p in (".", "..") for p in parts):
            raise StoreError(f"{text!r} is not a database URL: expected db://<key parts>/<file> without '..'")
        for n in range(len(parts), 0, -1):
            try:
                head = key_parts(tuple(parts[:n]))
            except StoreError:
                continue
            version = db_items.version_of(db_items.key_dir(self.path, head))
            if version is None:
                continue
            storage_format = _read_metadata(version)["format"]
            data = version / DATA_NAMES[storage_format]
            rest = parts[n:]
            if not rest:
                return data
            if storage_format == "database":
                return Database(data, create=False).resolve("db://" + "/".join(rest))
            if not data.is_dir() and storage_format != "folder":
                raise StoreError(f"{text!r}: the item {format_key(head)!r} is a file ({storage_format}), "
                                 "it holds no files")
            return data.joinpath(*rest)
        raise UnknownNameError(f"{text!r}: no leading part of the URL is a key of the database {self.path}")

    def register(self, database_id: str | None = None) -> None:
        """Record this database in the user's registry under its own id, or under ``database_id`` (the id
        of a legacy database whose ``mdb://`` paths should now resolve here)."""
        register_database(database_id or self.id, self.path)


def resolve_url(url: str | os.PathLike[str]) -> Path:
    """The path a legacy ``mdb://<id>/<key>/<file>`` URL names, through the registry (a registered isf
    database resolves ``<key>/<file>`` as :meth:`Database.resolve`; any other registered folder is
    joined with it); any other text is returned as a path.

    Raises:
        UnknownNameError: the id is not registered (a ``KeyError``).
        StoreError: the URL has no id, or holds ``..``.
    """
    text = os.fspath(url)
    if not text.startswith("mdb://"):
        return Path(text)
    database_id, _, rest = text[len("mdb://"):].partition("/")
    parts = [p for p in rest.split("/") if p]
    if not database_id or any(p in (".", "..") for p in parts):
        raise StoreError(f"{text!r} is not a legacy database URL: expected mdb://<id>/<key>/<file> without '..'")
    folder = database_path(database_id)
    if (folder / FORMAT_FILE).is_file():
        db = Database(folder, create=False)
        return db.resolve("db://" + "/".join(parts)) if parts else db.path
    return folder.joinpath(*parts)


def _read_format(marker: Path) -> dict[str, Any]:
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{marker} is not a readable database format file ({exc})") from None
    if not isinstance(info, dict) or info.get("format") != DATABASE_FORMAT:
        raise StoreError(f"{marker} does not describe an isf database (format {DATABASE_FORMAT!r} expected)")
    version = info.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise StoreError(f"{marker}: invalid format_version {version!r}")
    if version > DATABASE_FORMAT_VERSION:
        raise StoreError(f"the database {marker.parent} was written by a newer isf (format version {version}; this "
                         f"isf reads up to {DATABASE_FORMAT_VERSION}): upgrade isf to open it")
    if not isinstance(info.get("id"), str):
        raise StoreError(f"{marker} has no database id")
    return info


def _read_metadata(version: Path) -> dict[str, Any]:
    try:
        meta = json.loads((version / _METADATA).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise StoreError(f"{version / _METADATA} is damaged ({exc})") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("format"), str):
        raise StoreError(f"{version / _METADATA} has no storage format")
    return meta
