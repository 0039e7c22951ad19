"""The ``.mod`` sources of a mechanism set: where they are, what they declare, their content hash.

Nothing here compiles, and NEURON is imported only by :func:`content_hash`
(for its version string): listing the mechanism names needs neither NEURON
nor a compiler.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import platform
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from isf.errors import MechanismError

__all__ = [
    "MECHANISMS_DIR",
    "PACKAGED_MECHANISMS_DIR",
    "available_mechanisms",
    "content_hash",
    "declared_names",
    "default_mechanisms_dir",
    "mod_files",
    "neuron_version",
    "resolve_source_dir",
]


#: Where a wheel carries the ``.mod`` files: ``isf/_mechanisms`` inside the
#: installed package (``setup.py``'s ``build_py`` copies the checkout's
#: top-level ``mechanisms/`` there at build time; it never exists in a checkout).
PACKAGED_MECHANISMS_DIR: Path = Path(str(importlib.resources.files("isf"))).resolve() / "_mechanisms"


def default_mechanisms_dir(package_dir: Path) -> Path:
    """The ``.mod`` folder for the isf package at ``package_dir`` (the folder of ``isf/__init__.py``).

    ``$ISF_MECHANISMS_DIR`` if set; else ``<repo>/mechanisms`` when the
    package sits in a source checkout (plain or editable install: ``pyproject.toml``
    and ``mechanisms/`` beside it), so that an edited ``.mod`` file is what
    gets compiled; else the copy packed into the wheel, ``<package_dir>/_mechanisms``
    (same bytes, hence the same content hash and cache entry).
    """
    env = os.environ.get("ISF_MECHANISMS_DIR")
    if env:
        return Path(env).expanduser().resolve()
    repo = package_dir.parent
    # an installed package's parent (site-packages) has neither pyproject.toml nor mechanisms/
    if (repo / "pyproject.toml").is_file() and (repo / "mechanisms").is_dir():
        return repo / "mechanisms"
    return package_dir / "_mechanisms"


#: Folder holding the project's ``.mod`` files: ``<repo>/mechanisms`` when
#: isf runs from a checkout (editable install included), else the copy packed
#: into the wheel (:data:`PACKAGED_MECHANISMS_DIR`), or the value of the
#: environment variable ``ISF_MECHANISMS_DIR`` (read at import time; an
#: ``ISF_MECHANISMS_DIR`` set later is still honoured by the functions of this
#: package when they are called without ``source_dir``).
MECHANISMS_DIR: Path = default_mechanisms_dir(PACKAGED_MECHANISMS_DIR.parent)


def resolve_source_dir(folder: Path | str | None) -> Path:
    """The mechanism folder to use: ``folder``, else ``$ISF_MECHANISMS_DIR``, else :data:`MECHANISMS_DIR`."""
    if folder is not None:
        return Path(folder).expanduser().resolve()
    env = os.environ.get("ISF_MECHANISMS_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return MECHANISMS_DIR


def mod_files(folder: Path) -> list[Path]:
    """The ``.mod`` files of ``folder``, sorted by path.

    Raises:
        MechanismError: ``folder`` is not a directory or holds no ``.mod`` file.
    """
    if not folder.is_dir():
        raise MechanismError(
            f"mechanism folder {folder} does not exist or is not a directory "
            "(set ISF_MECHANISMS_DIR or pass source_dir)"
        )
    files = sorted(p for p in folder.glob("*.mod") if p.is_file())
    if not files:
        raise MechanismError(f"no .mod files in {folder}")
    return files


# --------------------------------------------------------------------------- hashing


def neuron_version() -> str:
    """NEURON version and build string (imports NEURON, does not compile)."""
    import neuron
    from neuron import h

    return f"{neuron.__version__}|{h.nrnversion()}"


def content_hash(mod_files: Sequence[Path]) -> str:
    """Hash identifying a compiled mechanism set.

    SHA-256 over the sorted file names and their bytes, the NEURON version
    string and the platform (``sys.platform``, machine), so that editing a
    ``.mod`` file or upgrading NEURON gives a new cache entry.  The result is
    the first 16 hex digits.  The folder the files are in is not hashed: a
    checkout's ``mechanisms/`` and the copy packed into a wheel share one
    entry.  Neither is the Python version: ``libnrnmech`` links NEURON's
    ``libnrniv`` only (no ``libpython``), and the CPython 3.11 to 3.14 wheels
    of one NEURON version compile the same library.
    """
    # The byte layout below names existing cache entries: changing it recompiles everywhere.
    digest = hashlib.sha256()
    digest.update(b"isf-mechanisms-v1\0")
    for path in sorted((Path(p) for p in mod_files), key=lambda p: p.name):
        data = path.read_bytes()
        name = path.name.encode()
        digest.update(len(name).to_bytes(8, "little") + name)
        digest.update(len(data).to_bytes(8, "little") + data)
    digest.update(neuron_version().encode())
    digest.update(f"|{sys.platform}|{platform.machine()}".encode())
    return digest.hexdigest()[:16]


# --------------------------------------------------------------------------- declared names

_COMMENT_BLOCK = re.compile(r"^[ \t]*COMMENT\b.*?^[ \t]*ENDCOMMENT\b", re.S | re.M)
_VERBATIM_BLOCK = re.compile(r"^[ \t]*VERBATIM\b.*?^[ \t]*ENDVERBATIM\b", re.S | re.M)
_LINE_COMMENT = re.compile(r"[:?].*$", re.M)
_NEURON_BLOCK = re.compile(r"\bNEURON\s*\{(.*?)\}", re.S)
_NAME_DECL = re.compile(r"\b(?:SUFFIX|POINT_PROCESS|ARTIFICIAL_CELL)\s+([A-Za-z_]\w*)")


def declared_names(path: Path) -> tuple[str, ...]:
    """Mechanism names (``SUFFIX``, ``POINT_PROCESS``, ``ARTIFICIAL_CELL``) the ``.mod`` file declares."""
    text = path.read_text(errors="replace")
    text = _COMMENT_BLOCK.sub("", text)
    text = _VERBATIM_BLOCK.sub("", text)
    text = _LINE_COMMENT.sub("", text)
    names: list[str] = []
    for block in _NEURON_BLOCK.findall(text):
        names.extend(n for n in _NAME_DECL.findall(block) if n != "nothing")
    return tuple(names)


def available_mechanisms(source_dir: Path | None = None) -> tuple[str, ...]:
    """Mechanism names (``SUFFIX``, ``POINT_PROCESS``, ``ARTIFICIAL_CELL``)
    declared by the ``.mod`` files of ``source_dir`` (default
    :data:`MECHANISMS_DIR`), in file-name order.  Parses only; needs neither
    NEURON nor a compiler."""
    names: list[str] = []
    for path in mod_files(resolve_source_dir(source_dir)):
        names.extend(declared_names(path))
    return tuple(names)
