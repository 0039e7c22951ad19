"""A whole tree of legacy simrun folders into one study database, with condition labels from folder names.

The legacy database initialiser (LEGACY_FORMATS §7.4) reads every folder under a root that holds a
``*_vm_all_traces.csv`` (recursively; paths containing ``_running`` are unfinished and skipped). So
does :func:`import_simrun_tree`: each such *simrun folder* becomes one run-store item of the
database, under the key ``(under, *its path relative to the tree)``, imported by
:func:`~isf.backends.legacy_import.import_legacy_simrun` and labelled with conditions parsed from
its path.

**The labelling rule.** The path of a simrun folder relative to the tree (parts joined by ``/``) is
searched with a regular expression whose named groups are the labels. The default,
:data:`DEFAULT_CONDITION_PATTERN`, reads the legacy names of evoked-activity runs
``<whisker>_evoked_<state>_PW_<PW>_SuW_<SuW>_<position>`` in one path part:
``C2_evoked_UpState_INH_PW_1.0_SuW_0.5_C2center/20150815-1530_20240`` →
``{"whisker": "C2", "state": "UpState_INH", "PW": "1.0", "SuW": "0.5", "position": "C2center"}``
(PW, SuW: the weights of the principal and surround whiskers' input). If *no* folder of the tree
matches the default, each run is labelled ``{"condition": <relative path of the folder's parent>}``;
if some match and others do not, the import stops before anything is written and names a folder that
does not. Your own rule: ``parser=`` a regex (string or compiled; its named groups are the labels)
or a function of the relative path returning the labels (an optional group that did not match gives
the label ``""``).

Imports run in parallel (one :class:`~isf.backends.parallel.Parallel` fan-out, one task per folder),
with a progress bar. They are resumable: a folder whose item already holds its run store (an import
is atomic: the store appears complete or not at all) with the same labels is skipped. A folder that
cannot be read does not stop the others; at the end a :class:`~isf.errors.LegacyFormatError` names
every folder that failed and why (run again to retry those only).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from isf.backends.legacy_import import import_legacy_simrun
from isf.backends.parallel import Parallel, map_unordered
from isf.dsl.legacy_simrun import SOMA_TRACES_SUFFIX
from isf.errors import IsfError, LegacyFormatError, MissingFileError
from isf.store import Database, RunStore
from isf.store.study_view import read_conditions

__all__ = ["DEFAULT_CONDITION_PATTERN", "ImportedFolder", "find_simrun_folders", "import_simrun_tree",
           "parse_conditions"]

#: The default labelling rule (see the module documentation), searched in a folder's relative path.
DEFAULT_CONDITION_PATTERN = (r"(?:^|/)(?P<whisker>[^/_]+)_evoked_(?P<state>[^/]+?)_PW_(?P<PW>[^/_]+)"
                             r"_SuW_(?P<SuW>[^/_]+)_(?P<position>[^/]+)")
#: What ``parser`` may be.
Parser = str | re.Pattern[str] | Callable[[str], Mapping[str, Any]]
Status = Literal["imported", "skipped"]


@attrs.frozen
class ImportedFolder:
    """One simrun folder of the tree: the folder, its database key, its labels, and whether it was
    imported now or skipped (imported before)."""

    folder: Path
    key: tuple[str, ...]
    conditions: dict[str, str]
    status: Status


def find_simrun_folders(tree: str | os.PathLike[str]) -> list[Path]:
    """The simrun folders under ``tree`` (holding a ``*_vm_all_traces.csv``; none whose path relative to
    ``tree`` contains ``_running``), sorted by path.

    Raises:
        MissingFileError: ``tree`` is not a folder.
    """
    root = Path(tree)
    if not root.is_dir():
        raise MissingFileError(f"no folder {root} (expected a tree of legacy simrun folders)", root)
    found = {p.parent for p in root.rglob("*" + SOMA_TRACES_SUFFIX) if p.is_file()}
    return sorted(f for f in found if "_running" not in f.relative_to(root).as_posix())


def parse_conditions(relative: str, parser: Parser) -> dict[str, str] | None:
    """The labels of the simrun folder at ``relative`` (a ``/``-separated path below the tree), or
    ``None`` if a pattern does not match (a function's labels are returned as given, as text)."""
    if callable(parser) and not isinstance(parser, re.Pattern):
        return {str(k): str(v) for k, v in dict(parser(relative)).items()}
    found = re.search(parser, relative)
    if found is None:
        return None
    return {k: "" if v is None else v for k, v in found.groupdict().items()}  # an optional group unmatched: ""


def _labels(tree: Path, folders: Sequence[Path], parser: Parser | None) -> list[dict[str, str]]:
    relative = [f.relative_to(tree).as_posix() for f in folders]
    pattern = parser if parser is not None else DEFAULT_CONDITION_PATTERN
    labels = [parse_conditions(r, pattern) for r in relative]
    if parser is None and all(found is None for found in labels):
        return [{"condition": Path(r).parent.as_posix()} for r in relative]
    names = None
    for folder, r, found in zip(folders, relative, labels):
        shown = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
        if found is None:
            raise LegacyFormatError(folder, None, f"cannot read condition labels from its path {r!r} with the "
                                    f"pattern {shown!r}; give parser= (a regex with named groups, or a function)")
        if not found:
            raise LegacyFormatError(folder, None, f"the parser found no labels in {r!r} (a pattern needs named "
                                    "groups, a function must return a non-empty mapping)")
        if names is None:
            names = set(found)
        elif set(found) != names:
            raise LegacyFormatError(folder, None, f"labels {sorted(found)} differ from the other folders' "
                                    f"{sorted(names)}: every run of a study needs the same condition names")
    return [dict(found) for found in labels if found is not None]


def _stored_labels(path: Path) -> dict[str, str] | None:
    """The labels of the run store at ``path`` (``None``: no store there yet)."""
    if not path.is_file():
        return None
    with RunStore.open(path) as store:
        return read_conditions(store) or {}


def _import_one(shared: tuple[str, tuple[str, ...]], item: tuple[str, tuple[str, ...], dict[str, str]]
                ) -> tuple[Status | None, str]:
    """Import one folder into its item (a worker task): ``(status, "")`` or ``(None, why it failed)``."""
    db_path, roots = shared
    folder, key, labels = item
    db = None
    try:
        db = Database(db_path, create=False, durable=False)
        path = db.run_store_path(key)
        stored = _stored_labels(path)
        if stored is not None:
            if stored == labels:
                return "skipped", ""
            return None, (f"its item {'/'.join(key)!r} holds a run labelled {stored}, not {labels}; delete it "
                          "(isf db rm) to import again")
        for stale in path.parent.glob(f".{path.name}.*.importing"):  # left by an import killed earlier
            stale.unlink(missing_ok=True)
        import_legacy_simrun(folder, path, roots, conditions=labels)
        return "imported", ""
    except (IsfError, OSError, ValueError) as exc:
        if db is not None and key in db and not db.item_path(key).exists():
            del db[key]  # the empty item made for the store: nothing was imported
        return None, f"{type(exc).__name__}: {exc}"


def import_simrun_tree(tree: str | os.PathLike[str], db: Database | str | os.PathLike[str], *,
                       parser: Parser | None = None, search_roots: Sequence[str | os.PathLike[str]] = (),
                       under: str = "runs", parallel: Parallel = Parallel()) -> list[ImportedFolder]:
    """Import every simrun folder under ``tree`` into the database ``db`` (created if missing), labelled
    by ``parser`` (default: :data:`DEFAULT_CONDITION_PATTERN`, see the module documentation).

    Args:
        search_roots: folders where files named in the cell parameter files are looked up.
        under: first key part of the runs (a folder ``a/b`` goes to ``(under, "a", "b")``).
        parallel: the fan-out (one folder per task) and whether to show a progress bar.

    Returns:
        One entry per folder, in path order (imported now, or skipped as imported before).

    Raises:
        MissingFileError: ``tree`` is not a folder.
        LegacyFormatError: no simrun folders; a folder whose labels cannot be parsed (nothing imported);
            or, after the others were imported, the folders that failed (each named, with the reason).
    """
    root = Path(tree)
    folders = find_simrun_folders(root)
    if not folders:
        raise LegacyFormatError(root, None, f"no simrun folders (with a '*{SOMA_TRACES_SUFFIX}' file) below it")
    labels = _labels(root, folders, parser)
    database = db if isinstance(db, Database) else Database(db)
    keys = [(under, *f.relative_to(root).parts) for f in folders]
    status: dict[int, Status] = {}
    todo = []
    for i, (key, found) in enumerate(zip(keys, labels)):  # finished imports are skipped without a task
        if key in database and database.metadata(key)["format"] == "run-store" and \
                _stored_labels(database.item_path(key)) == found:
            status[i] = "skipped"
        else:
            todo.append(i)
    failures: list[tuple[Path, str]] = []
    shared = (str(database.path), tuple(os.fspath(r) for r in search_roots))
    items = [(str(folders[i]), keys[i], labels[i]) for i in todo]
    with parallel.progress_bar(len(folders), "simrun folders", "folder", initial=len(status)) as bar:
        for position, (done, why) in map_unordered(_import_one, shared, items, attrs.evolve(parallel,
                                                                                              batch_size=1)):
            i = todo[position]
            if done is None:
                failures.append((folders[i], why))
            else:
                status[i] = done
            bar.update(1)
    if failures:
        failures.sort()
        listed = "; ".join(f"{folder}: {why}" for folder, why in failures)
        raise LegacyFormatError(failures[0][0], None, f"{len(failures)} of {len(folders)} simrun folders could not be "
                                f"imported (the others were; run again to retry these): {listed}")
    return [ImportedFolder(folders[i], keys[i], labels[i], status[i]) for i in range(len(folders))]
