"""``isf`` command line. Each verb lives in its own module of :mod:`isf.cli` with a ``register(sub)``
function that adds its sub-parser and sets ``func`` (returns the exit code)."""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import platform
import sys
from collections.abc import Sequence
from typing import Any

from isf._version import __version__

# One module per verb, in the order ``isf --help`` lists them.
COMMANDS: tuple[str, ...] = (
    "isf.cli.convert",
    "isf.cli.inspect",
    "isf.cli.mechanisms",
    "isf.cli.simulate",
    "isf.cli.trials",
    "isf.cli.replay",
    "isf.cli.store",
    "isf.cli.fit",
    "isf.cli.embed",
    "isf.cli.tune_synapse",
    "isf.cli.export",
    "isf.cli.db",
    "isf.cli.study",
    "isf.cli.reduce",
    "isf.cli.network",
    "isf.cli.sweep",
)


def neuron_version() -> str:
    """Version of the installed NEURON, read from its package metadata (without importing NEURON)."""
    try:
        return importlib.metadata.version("neuron")
    except importlib.metadata.PackageNotFoundError:
        pass
    try:  # a NEURON built from source has no package metadata
        import neuron
    except ImportError:
        return "not installed"
    return str(getattr(neuron, "__version__", "unknown"))


def version_text() -> str:
    """``isf X (NEURON Y, CPython Z)``: what ``isf --version`` prints."""
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"isf {__version__} (NEURON {neuron_version()}, {python})"


class _VersionAction(argparse.Action):
    """``--version``: print :func:`version_text` and exit; NEURON is looked up only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        print(version_text())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The full ``isf`` argument parser with every verb registered."""
    parser = argparse.ArgumentParser(prog="isf", description="isf: typed neuron models on NEURON")
    parser.add_argument(
        "--version", action=_VersionAction, help="print the versions of isf, NEURON and Python, and exit"
    )
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
