"""Build the HTML API reference of isf with pdoc: ``python docs/build_api.py [OUT]`` (default
``build/api``). Documents the ``isf`` package and every module below it."""

from __future__ import annotations

import pkgutil
import sys
import warnings
from pathlib import Path

import pdoc

import isf


def modules() -> list[str]:
    """``isf`` and every module below it (a package with ``__all__`` hides its submodules from
    pdoc's recursion, so all are named)."""
    below = (
        m.name
        for m in pkgutil.walk_packages(isf.__path__, "isf.")
        if not m.name.endswith("__main__")
    )
    return ["isf", *sorted(below)]


def build(out: Path) -> list[str]:
    """Write the reference into ``out``; return the documented top-level module names."""
    names = modules()
    pdoc.render.configure(docformat="google", footer_text=f"isf {isf.__version__}")
    with warnings.catch_warnings():
        # pdoc cannot evaluate some string annotations (attrs.Attribute[Any]); it prints them as written
        warnings.simplefilter("ignore", UserWarning)
        pdoc.pdoc(*names, output_directory=out)
    return names


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("build/api")
    build(target)
    print(f"API reference: {target / 'index.html'}")
