"""``isf db``: list, describe and remove the items of a study database; import a tree of legacy simrun
folders into one (``isf db import-simrun TREE DB``)."""

from __future__ import annotations

import argparse
import json


def _key(text: str) -> str | tuple[str, ...]:
    """A key from the command line: parts separated by ``/`` (``runs/C2`` → ``("runs", "C2")``)."""
    parts = tuple(p for p in text.split("/") if p)
    return parts[0] if len(parts) == 1 else parts


def _name(key: str | tuple[str, ...]) -> str:
    return key if isinstance(key, str) else "/".join(key)


def ls(args: argparse.Namespace) -> int:
    """Print one line per item: key, storage format, size, creation time."""
    from isf.store import Database

    db = Database(args.db, create=False)
    keys = db.keys()
    for key in keys:
        meta = db.metadata(key) if args.long else None
        if meta is None:
            print(_name(key))
        else:
            print(f"{_name(key):<40} {meta['format']:<12} {meta.get('size_bytes', 0):>14,d} B  {meta['created_at']}")
    if args.long:
        print(f"{len(keys)} items in {db.path}")
    return 0


def info(args: argparse.Namespace) -> int:
    """Print the database's id and item count, or one item's metadata as JSON."""
    from isf.store import Database

    db = Database(args.db, create=False)
    if args.key is None:
        print(json.dumps({"path": str(db.path), "id": db.id, "format_version": db.format_version,
                          "items": len(db)}, indent=1))
    else:
        print(json.dumps(db.metadata(_key(args.key)), indent=1))
    return 0


def rm(args: argparse.Namespace) -> int:
    """Delete items (all of them must exist, else nothing is deleted)."""
    from isf.store import Database

    db = Database(args.db, create=False)
    keys = [_key(k) for k in args.keys]
    missing = [_name(k) for k in keys if k not in db]
    if missing:
        print(f"isf db rm: no items {missing} in {db.path}; nothing deleted")
        return 1
    for key in keys:
        del db[key]
        print(f"deleted {_name(key)}")
    return 0


def import_simrun(args: argparse.Namespace) -> int:
    """Import a tree of legacy simrun folders (in parallel, resumable) and print what was done."""
    from isf.backends.legacy_study import import_simrun_tree
    from isf.backends.parallel import Parallel

    parallel = Parallel(backend="loky", workers=args.workers, progress=not args.quiet)
    done = import_simrun_tree(args.tree, args.db, parser=args.pattern, search_roots=args.search, under=args.under,
                              parallel=parallel)
    imported = sum(1 for d in done if d.status == "imported")
    names = list(done[0].conditions) if done else []
    print(f"{imported} simrun folders imported, {len(done) - imported} skipped (imported before) into {args.db}; "
          f"condition labels: {', '.join(names)}")
    for d in done:
        labels = ", ".join(f"{k}={v}" for k, v in d.conditions.items())
        print(f"  {'/'.join(d.key):<60} {d.status:<9} {labels}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``db`` verb and its sub-verbs."""
    db = sub.add_parser("db", help="list, describe and remove items of a study database",
                        description="Items of an isf study database (docs/database.md). Keys are written with "
                                    "'/' between their parts: runs/C2 is the key ('runs', 'C2').")
    verbs = db.add_subparsers(dest="db_command", required=True)
    ls_ = verbs.add_parser("ls", help="list the keys")
    ls_.add_argument("db", help="database folder")
    ls_.add_argument("-l", "--long", action="store_true", help="with format, size and creation time")
    ls_.set_defaults(func=ls)
    info_ = verbs.add_parser("info", help="the database, or one item's metadata (JSON)")
    info_.add_argument("db", help="database folder")
    info_.add_argument("key", nargs="?", default=None, help="an item's key (e.g. runs/C2)")
    info_.set_defaults(func=info)
    rm_ = verbs.add_parser("rm", help="delete items")
    rm_.add_argument("db", help="database folder")
    rm_.add_argument("keys", nargs="+", help="keys of the items to delete")
    rm_.set_defaults(func=rm)
    imp = verbs.add_parser(
        "import-simrun", help="import a tree of legacy simrun folders (labels from folder names)",
        description="Every folder below TREE holding a *_vm_all_traces.csv becomes a run store under the key "
                    "runs/<its path>, labelled with conditions parsed from the path (default: "
                    "<whisker>_evoked_<state>_PW_<PW>_SuW_<SuW>_<position>; see docs/database.md). Parallel and "
                    "resumable: folders imported before are skipped. Example: isf db import-simrun "
                    "results/ study_db --search /data/barrel_cortex")
    imp.add_argument("tree", help="root folder of the simrun folders")
    imp.add_argument("db", help="database folder (created if missing)")
    imp.add_argument("--pattern", default=None,
                     help="regex searched in each folder's path relative to TREE; its named groups are the labels")
    imp.add_argument("--search", action="append", default=[],
                     help="folder where files named in the .param files are looked for (repeatable)")
    imp.add_argument("--under", default="runs", help="first key part of the runs (default: runs)")
    imp.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.set_defaults(func=import_simrun)
