"""Finding files that legacy parameter files name by absolute paths from other machines.

A legacy ``.param`` names its morphology, ``.syn``, ``.con`` and recording-site files by absolute
paths on the machine that wrote it (``/gpfs/…/86_C2_center.hoc``). :func:`resolve_legacy_path`
finds them here; the rule is:

1. the path as written (a relative path is taken against the folder of the file that names it);
2. in that folder and in each search root, in order, the trailing parts of the written path,
   longest first, down to the bare file name (``root/…/anatomical_constraints/86_C2_center.hoc``,
   …, ``root/86_C2_center.hoc``);
3. every file with that name anywhere below a search root (searched recursively; hidden folders,
   whose names start with ``.``, are skipped and symbolic links to folders are not followed). The
   candidate whose trailing path components match the written path's best wins; if several match
   equally well, it is an error that lists them (pass a more specific search root).

So ``--search shared/data/isf`` finds ``shared/data/isf/morphologies/86_C2_center.hoc`` for a
written ``/gpfs/…/86_C2_center.hoc``. The folder of the naming file is searched as in step 2 only,
not recursively (it may be a large working folder).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

from isf.errors import MissingFileError

__all__ = ["SEARCH_PATH_ENV", "resolve_legacy_path"]

#: Environment variable with extra search roots (``os.pathsep``-separated).
SEARCH_PATH_ENV = "ISF_SEARCH_PATH"


def _written_parts(name: str) -> list[str]:
    written: PurePath = PureWindowsPath(name) if "\\" in name and "/" not in name else PurePosixPath(name)
    return [p for p in written.parts if p not in ("/", "\\") and not p.endswith(":\\") and p not in (".", "..")]


def _files_named(root: Path, file_name: str) -> list[Path]:
    """Every regular file called ``file_name`` below ``root``, in sorted (deterministic) order."""
    found: list[Path] = []
    for folder, subfolders, files in os.walk(root, onerror=None, followlinks=False):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        if file_name in files and os.path.isfile(os.path.join(folder, file_name)):
            found.append(Path(folder, file_name))
    return found


def _matching_tail(candidate: Path, root: Path, parts: list[str]) -> int:
    """How many trailing path components (below ``root``) ``candidate`` shares with the written path."""
    tail = candidate.relative_to(root).parts
    n = 0
    while n < min(len(tail), len(parts)) and tail[-1 - n] == parts[-1 - n]:
        n += 1
    return n


def _search_recursively(parts: list[str], roots: list[Path], name: str, what: str) -> Path | None:
    if not parts:
        return None
    scored: dict[Path, tuple[int, Path]] = {}
    for root in roots:
        if not root.is_dir():
            continue
        for candidate in _files_named(root, parts[-1]):
            key = candidate.resolve()
            score = _matching_tail(candidate, root, parts)
            if key not in scored or score > scored[key][0]:
                scored[key] = (score, candidate)
    if not scored:
        return None
    best = max(score for score, _ in scored.values())
    winners = [path for score, path in scored.values() if score == best]
    if len(winners) == 1:
        return winners[0]
    listed = ", ".join(str(p) for p in winners[:10]) + (" …" if len(winners) > 10 else "")
    raise MissingFileError(
        f"{what} {name!r} is ambiguous: {len(winners)} files of that name below the search roots match its "
        f"path equally well ({best} trailing components): {listed}. Pass a search root that holds only one "
        "of them.",
        filename=name,
    )


def resolve_legacy_path(
    name: str,
    relative_to: str | os.PathLike[str] | None = None,
    search_roots: Sequence[str | os.PathLike[str]] = (),
    what: str = "file",
) -> Path:
    """Locate a file named in a legacy file (the rule is in this module's docstring).

    Args:
        name: the path as written in the legacy file.
        relative_to: folder of the file that names it (relative paths are taken against it).
        search_roots: folders searched, in order, then recursively; ``$ISF_SEARCH_PATH`` adds more.
        what: what the file is, for messages (``"morphology"``).

    Raises:
        MissingFileError (a FileNotFoundError): naming the written path and every folder searched,
            or, when several files below the search roots fit equally well, listing them.
    """
    base = Path(relative_to) if relative_to is not None else None
    direct = Path(name)
    if not direct.is_absolute() and base is not None:
        direct = base / direct
    if direct.is_file():
        return direct
    search = [Path(r) for r in search_roots]
    search.extend(Path(r) for r in os.environ.get(SEARCH_PATH_ENV, "").split(os.pathsep) if r)
    roots = ([base] if base is not None else []) + search
    parts = _written_parts(name)
    for root in roots:
        for start in range(len(parts)):
            candidate = root.joinpath(*parts[start:])
            if candidate.is_file():
                return candidate
    found = _search_recursively(parts, search, name, what)
    if found is not None:
        return found
    searched = ", ".join(str(r) for r in roots) or "(no folders)"
    raise MissingFileError(
        f"{what} {name!r} not found as written nor by its name in: {searched} (search roots searched "
        f"recursively). Pass search_roots=[...] (--search) or set {SEARCH_PATH_ENV} to a folder that holds it.",
        filename=name,
    )
