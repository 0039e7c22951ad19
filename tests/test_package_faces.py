"""One face per package (docs/ARCHITECTURE.md): every package of isf says what it holds and re-exports its
public names with a sorted ``__all__``; importing ``isf`` stays light (no NEURON, PyTables, Blosc2 or dask).

``__all__`` is sorted the isort way (ruff's RUF022): CONSTANTS, then Classes, then functions, each in
natural order. Checks that depend on what is imported run in a fresh interpreter.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "isf"
#: packages whose face is still being written (remove a name when its package has its face)
PENDING: set[str] = set()
PACKAGES = sorted(
    name for path in ROOT.rglob("__init__.py")
    if (name := ".".join(path.parent.relative_to(ROOT.parent).parts)) != "isf" and name not in PENDING
)


def isort_key(name: str) -> tuple[int, list[int | str]]:
    """CONSTANTS first, then Classes, then the rest; digits compared as numbers."""
    group = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return group, [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_package_has_a_docstring_and_a_sorted_all(name: str) -> None:
    path = ROOT.parent.joinpath(*name.split("."), "__init__.py")
    tree = ast.parse(path.read_text())
    doc = ast.get_docstring(tree) or ""
    assert doc.strip(), f"{name} has no module docstring"
    assigned = [node for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                and any(getattr(t, "id", None) == "__all__"
                        for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))]
    assert assigned, f"{name} has no __all__"
    names = ast.literal_eval(assigned[0].value)  # type: ignore[arg-type]
    assert names == sorted(names, key=isort_key), f"{name}.__all__ is not sorted (CONSTANTS, Classes, functions)"
    assert len(set(names)) == len(names), f"{name}.__all__ names a name twice"


@pytest.mark.parametrize("name", PACKAGES)
def test_every_name_in_all_exists(name: str) -> None:
    module = importlib.import_module(name)
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not have: {missing}"


def test_import_isf_stays_light() -> None:
    heavy = ["neuron", "tables", "blosc2", "dask", "joblib", "matplotlib", "pandas"]
    code = f"import sys, isf; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"import isf imports {out.stdout.strip()}"


def test_backend_faces_import_no_neuron() -> None:
    """``isf.backends`` and ``isf.backends.neuron`` are lazy faces: importing them (or the mechanisms
    package under them) must not start NEURON."""
    code = ("import sys, isf.backends, isf.backends.neuron, isf.backends.neuron.mechanisms; "
            "print('neuron' in sys.modules, 'joblib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
