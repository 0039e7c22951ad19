"""``isf`` command line. Each verb lives in its own module of :mod:`isf.cli` with a ``register(sub)``
function that adds its sub-parser and sets ``func`` (returns the exit code)."""

from __future__ import annotations

import argparse
import importlib
import sys

# One module per verb, in the order ``isf --help`` lists them.
COMMANDS: tuple[str, ...] = (
    "isf.cli.convert",
    "isf.cli.inspect",
    "isf.cli.mechanisms",
    "isf.cli.simulate",
    "isf.cli.trials",
    "isf.cli.fit",
    "isf.cli.embed",
    "isf.cli.tune_synapse",
)


def build_parser() -> argparse.ArgumentParser:
    """The full ``isf`` argument parser with every verb registered."""
    parser = argparse.ArgumentParser(prog="isf", description="isf: typed neuron models on NEURON")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``isf`` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except Exception as exc:  # one-line reason, non-zero exit
        # multi-line messages (compiler logs, cattrs error trees) are joined: one line, one reason
        print(f"isf: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
