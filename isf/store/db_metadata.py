"""Metadata of a study-database item: when it was written, by which versions, in which format, how
large, and from which state of the caller's code (git commit, uncommitted changes).

The metadata is a JSON file beside the item's data (``metadata.json``). NEURON's version is read from
the module if NEURON is loaded, else from the installed distribution's metadata: NEURON is never
imported just for this (importing it loads mechanisms and prints a banner).
"""

from __future__ import annotations

import datetime
import functools
import importlib.metadata
import os
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from isf._version import __version__

__all__ = ["caller_file", "describe", "git_state", "neuron_version", "size_bytes"]

#: Seconds one git command may take before its answer is given up (the fields are then null).
GIT_TIMEOUT_S = 2.0
#: Seconds a git answer is reused for the same folder (a loop writing many items asks once).
GIT_CACHE_S = 2.0
_ISF_DIR = Path(__file__).resolve().parents[1]
#: Folders of Python itself and of installed packages: their frames are not "the caller's code".
_LIBRARY_DIRS = tuple({Path(p).resolve() for key in ("stdlib", "platstdlib", "purelib", "platlib")
                       if (p := sysconfig.get_paths().get(key))})
_git_cache: dict[Path, tuple[float, dict[str, Any]]] = {}
_git_lock = threading.Lock()


def neuron_version() -> str:
    """NEURON's version if it is loaded or installed, else ``"unknown"`` (without importing it)."""
    module = sys.modules.get("neuron")
    if module is not None:
        return str(getattr(module, "__version__", "unknown"))
    return _installed_neuron_version()


@functools.lru_cache(maxsize=1)
def _installed_neuron_version() -> str:
    """NEURON's version from the installed distribution's metadata (read once: it parses files)."""
    for name in ("NEURON", "neuron", "NEURON-nightly", "neuron-nightly"):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "unknown"


def caller_file(frame: FrameType | None = None) -> Path | None:
    """The source file of the first stack frame outside isf, Python's library and installed packages
    (the user's script, test or notebook cell file); ``None`` if there is none on disk."""
    frame = frame if frame is not None else sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if not name.startswith("<"):
            path = Path(name)
            try:
                resolved = path.resolve()
            except OSError:
                resolved = path
            library = any(resolved.is_relative_to(d) for d in (_ISF_DIR, *_LIBRARY_DIRS))
            if not library and resolved.is_file():
                return resolved
        frame = frame.f_back
    return None


def _git(directory: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(directory), *args], capture_output=True, text=True,
                              timeout=GIT_TIMEOUT_S, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_state(directory: Path | None) -> dict[str, Any]:
    """``{"git_commit": sha or None, "git_dirty": bool or None}`` of the working tree holding
    ``directory`` (both ``None`` outside git, without git, or when git is too slow)."""
    none: dict[str, Any] = {"git_commit": None, "git_dirty": None}
    if directory is None or os.environ.get("ISF_DB_NO_GIT"):
        return none
    now = time.monotonic()
    with _git_lock:
        cached = _git_cache.get(directory)
        if cached is not None and now - cached[0] < GIT_CACHE_S:
            return dict(cached[1])
    head = _git(directory, "rev-parse", "HEAD")
    state = dict(none)
    if head is not None:
        status = _git(directory, "status", "--porcelain")
        state = {"git_commit": head.strip(), "git_dirty": None if status is None else bool(status.strip())}
    with _git_lock:
        _git_cache[directory] = (time.monotonic(), state)
    return dict(state)


def size_bytes(path: Path) -> int:
    """Bytes of a file, or of all files under a folder."""
    if path.is_file():
        return path.stat().st_size
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += (Path(root) / name).stat().st_size
            except OSError:  # removed meanwhile (a folder the user is writing into)
                continue
    return total


def describe(key: tuple[str, ...], storage_format: str, python_type: str, data: Path,
             caller: Path | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The metadata of a new item.

    Args:
        key: the item's key parts.
        storage_format: how the data is kept (see :mod:`isf.store.db_codecs`).
        python_type: qualified name of the stored value's type.
        data: the data file or folder (its size is recorded, bytes).
        caller: the caller's source file (the git state of its folder is recorded), or ``None`` (code
            typed interactively or in a notebook: the current folder's is recorded).
        extra: further fields of the format (e.g. the pickle protocol).
    """
    return {
        "key": list(key),
        "format": storage_format,
        "python_type": python_type,
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds"),
        "size_bytes": size_bytes(data) if data.exists() else 0,
        "isf_version": __version__,
        "neuron_version": neuron_version(),
        "python_version": sys.version.split()[0],
        **git_state(Path.cwd() if caller is None else caller.parent),
        **(extra or {}),
    }
