"""``isf`` command line: ``isf mechanisms compile|list``."""

from __future__ import annotations

import argparse
import sys


def _mechanisms(args: argparse.Namespace) -> int:
    from isf.backends.neuron import mechanisms

    if args.action == "list":
        for name in mechanisms.available_mechanisms():
            print(name)
        return 0
    lib = mechanisms.compile_mechanisms(force=args.force)
    print(f"mechanisms compiled: {lib}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``isf`` command."""
    parser = argparse.ArgumentParser(prog="isf", description="isf: typed neuron models on NEURON")
    sub = parser.add_subparsers(dest="command", required=True)
    mech = sub.add_parser("mechanisms", help="compile or list the NMODL mechanisms",
                          description="Compile the project's NMODL mechanisms into the cache "
                                      "(example: isf mechanisms compile), or list them.")
    mech.add_argument("action", choices=("compile", "list"))
    mech.add_argument("--force", action="store_true", help="recompile even if cached")
    mech.set_defaults(func=_mechanisms)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except Exception as exc:  # one-line reason, non-zero exit
        print(f"isf: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
