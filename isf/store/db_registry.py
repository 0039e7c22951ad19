"""The registry of known study databases (id → folder), kept in the user's config folder, through
which the legacy ``mdb://<id>/<key>/<file>`` paths of old parameter files resolve.

The registry is ``databases.json`` in ``$ISF_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/isf``, else
``~/.config/isf``; it is changed under a file lock and replaced atomically.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from isf.errors import StoreError, UnknownNameError
from isf.store.file_lock import FileLock, fsync_dir, write_durably

__all__ = ["config_dir", "database_path", "register_database", "registered_databases"]

_REGISTRY = "databases.json"


def config_dir() -> Path:
    """The user's isf config folder (``$ISF_CONFIG_DIR``, ``$XDG_CONFIG_HOME/isf`` or ``~/.config/isf``)."""
    given = os.environ.get("ISF_CONFIG_DIR")
    if given:
        return Path(given).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".config") / "isf"


def registered_databases() -> dict[str, Path]:
    """Known databases: id → folder.

    Raises:
        StoreError: the registry file is not the JSON object this module writes.
    """
    path = config_dir() / _REGISTRY
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise StoreError(f"{path} is not JSON ({exc}); fix or remove it") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise StoreError(f"{path} must be a JSON object of id → folder path; fix or remove it")
    return {str(k): Path(v) for k, v in data.items()}


def register_database(database_id: str, path: str | os.PathLike[str]) -> None:
    """Remember that the database ``database_id`` (an isf database's id, or the id of a legacy
    database its ``mdb://`` paths name) lives in ``path`` (kept absolute); replaces an earlier entry.

    Raises:
        StoreError: ``database_id`` is empty or holds ``/``.
    """
    if not isinstance(database_id, str) or not database_id or "/" in database_id:
        raise StoreError(f"a database id is a non-empty string without '/', got {database_id!r}")
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(folder / f"{_REGISTRY}.lock"):
        known = {k: str(v) for k, v in registered_databases().items()}
        known[database_id] = str(Path(path).expanduser().resolve())
        tmp = folder / f".{_REGISTRY}.{uuid.uuid4().hex}.tmp"
        try:
            write_durably(tmp, json.dumps(known, indent=1, sort_keys=True).encode("utf-8"))
            os.replace(tmp, folder / _REGISTRY)
        finally:
            tmp.unlink(missing_ok=True)
        fsync_dir(folder)


def database_path(database_id: str) -> Path:
    """The folder of a registered database.

    Raises:
        UnknownNameError: the id is not registered (a ``KeyError``; the message says how to register it).
    """
    known = registered_databases()
    if database_id not in known:
        raise UnknownNameError(f"no database with id {database_id!r} is registered in {config_dir() / _REGISTRY} "
                               f"(known: {', '.join(sorted(known)) or 'none'}); register it with "
                               "isf.store.register_database(id, path)")
    return known[database_id]
