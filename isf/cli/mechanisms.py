"""``isf mechanisms compile|list``: the project's NMODL mechanisms."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    from isf.backends.neuron import mechanisms

    if args.action == "list":
        for name in mechanisms.available_mechanisms():
            print(name)
        return 0
    lib = mechanisms.compile_mechanisms(force=args.force)
    print(f"mechanisms compiled: {lib}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``mechanisms`` verb."""
    mech = sub.add_parser("mechanisms", help="compile or list the NMODL mechanisms",
                          description="Compile the project's NMODL mechanisms into the cache "
                                      "(example: isf mechanisms compile), or list them.")
    mech.add_argument("action", choices=("compile", "list"))
    mech.add_argument("--force", action="store_true", help="recompile even if cached")
    mech.set_defaults(func=run)
