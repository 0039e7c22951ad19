"""Shared by the notebook tests: ``scripts/notebooks.py`` (generate and execute the tutorial
notebooks), and what an executed notebook shows."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from nbformat import NotebookNode

REPO = Path(__file__).resolve().parents[2]


def notebooks_tool() -> ModuleType:
    """``scripts/notebooks.py`` as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("isf_notebooks_tool", REPO / "scripts" / "notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stream_text(nb: NotebookNode) -> str:
    """Everything the notebook's cells printed."""
    return "".join(out.text for cell in nb.cells for out in cell.get("outputs", []) if out.output_type == "stream")


def n_figures(nb: NotebookNode) -> int:
    """PNG images among the outputs (pyplot figures are displayed, Figure values are results)."""
    return sum("image/png" in out.get("data", {}) for cell in nb.cells for out in cell.get("outputs", []))
