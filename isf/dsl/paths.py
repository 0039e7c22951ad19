"""Finding files that legacy parameter files name by absolute paths from other machines."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath

from isf.errors import MissingFileError

#: Environment variable with extra search roots (``os.pathsep``-separated).
SEARCH_PATH_ENV = "ISF_SEARCH_PATH"


def resolve_legacy_path(
    name: str,
    relative_to: str | os.PathLike[str] | None = None,
    search_roots: Sequence[str | os.PathLike[str]] = (),
    what: str = "file",
) -> Path:
    """Locate a file named in a legacy file.

    Tried in order: the path as written (relative paths against
    ``relative_to``), then in ``relative_to`` and each search root (plus the
    roots in ``$ISF_SEARCH_PATH``): the trailing parts of the written path,
    longest first, down to the bare file name.

    Raises:
        MissingFileError (a FileNotFoundError): naming the written path and every folder searched.
    """
    written = PureWindowsPath(name) if "\\" in name and "/" not in name else PurePosixPath(name)
    base = Path(relative_to) if relative_to is not None else None
    direct = Path(name)
    if not direct.is_absolute() and base is not None:
        direct = base / direct
    if direct.is_file():
        return direct
    roots: list[Path] = []
    if base is not None:
        roots.append(base)
    roots.extend(Path(r) for r in search_roots)
    roots.extend(Path(r) for r in os.environ.get(SEARCH_PATH_ENV, "").split(os.pathsep) if r)
    parts = [p for p in written.parts if p not in ("/", "\\") and not p.endswith(":\\")]
    for root in roots:
        for start in range(len(parts)):
            candidate = root.joinpath(*parts[start:])
            if candidate.is_file():
                return candidate
    searched = ", ".join(str(r) for r in roots) or "(no folders)"
    raise MissingFileError(
        f"{what} {name!r} not found as written nor by its name in: {searched}. "
        f"Pass search_roots=[...] or set {SEARCH_PATH_ENV} to the folder that holds it."
    )
