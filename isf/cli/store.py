"""``isf store recover STORE``: restore every trial an interrupted run completed (see
``docs/store_format.md``, guarantees and recovery)."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    """Recover ``args.store``; print what was done; exit code 0."""
    from isf.store.recover import recover

    recovery = recover(args.store)
    print("\n".join(recovery.lines()))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``store`` verb (``isf store recover``)."""
    store = sub.add_parser(
        "store", help="run-store maintenance: recover the trials of an interrupted run",
        description="Maintenance of run stores (the .h5 files isf trials writes).",
        epilog="examples:\n  isf store recover run.h5",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = store.add_subparsers(dest="action", required=True, metavar="ACTION")
    recover = actions.add_parser(
        "recover", help="move the trials a killed run completed into the store (and set damaged journal "
                        "records aside)",
        description="Restore every trial an interrupted (killed, crashed) run completed: they are kept in "
                    "the store's journal (STORE.journal/) until moved into the main file, which opening the "
                    "store for appending (resuming the run) also does. Damaged journal records are moved to "
                    "STORE.journal-damaged/; their trials are run again when the run is resumed.")
    recover.add_argument("store", help="the run store (.h5)")
    recover.set_defaults(func=run)
