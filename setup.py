"""Build hook: pack the top-level ``mechanisms/*.mod`` into the wheel as ``isf/_mechanisms/``.

Everything else about the package is declared in ``pyproject.toml``.  The
``.mod`` sources stay in ``mechanisms/`` at the top of the checkout (where
NEURON users look for them); a wheel needs them inside the package, so that an
installed isf can compile them on first use
(``isf.backends.neuron.mechanisms.sources.PACKAGED_MECHANISMS_DIR``).  The
files are copied byte for byte: the content hash keying the compile cache is
the same for a checkout and a wheel.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MECHANISMS = Path(__file__).resolve().parent / "mechanisms"


class BuildPyWithMechanisms(build_py):
    """``build_py`` that also copies ``mechanisms/*.mod`` to ``<build_lib>/isf/_mechanisms/``."""

    def run(self) -> None:
        if self.editable_mode:
            # an editable install runs from the checkout, which finds mechanisms/ itself
            super().run()
            return
        files = sorted(MECHANISMS.glob("*.mod"))
        if not files:
            raise SystemExit(f"no .mod files in {MECHANISMS}: cannot build an isf wheel without them")
        # start empty: `pip install .` builds in the checkout's build/lib, where a module moved or
        # removed since an earlier build (or a removed .mod file) would otherwise end up installed
        shutil.rmtree(self.build_lib, ignore_errors=True)
        super().run()
        target = Path(self.build_lib) / "isf" / "_mechanisms"
        target.mkdir(parents=True, exist_ok=True)
        for path in files:
            self.copy_file(str(path), str(target / path.name), preserve_mode=False)


setup(cmdclass={"build_py": BuildPyWithMechanisms})
