"""Shared by the notebook tests: ``scripts/notebooks.py`` (generate and execute the tutorial notebooks)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


def notebooks_tool() -> ModuleType:
    """``scripts/notebooks.py`` as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("isf_notebooks_tool", REPO / "scripts" / "notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
