"""The API reference builds (pdoc) with a page per module, and every public name has a docstring."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

import isf

REPO = Path(__file__).resolve().parents[1]
MAIN_PAGES = [
    "isf.html",
    "isf/model/cell.html",
    "isf/model/morphology.html",
    "isf/dsl/cell_param.html",
    "isf/dsl/hoc.html",
    "isf/backends/neuron/simulate.html",
    "isf/backends/runner.html",
    "isf/store/run_store.html",
    "isf/plot/morphology.html",
    "isf/plot/animation.html",
    "isf/plot/traces.html",
    "isf/cli/main.html",
    "isf/model/summary.html",
]


def all_modules() -> list[ModuleType]:
    names = [
        m.name
        for m in pkgutil.walk_packages(isf.__path__, "isf.")
        if not m.name.endswith("__main__")
    ]
    return [isf, *(importlib.import_module(n) for n in sorted(names))]


def public_objects(module: ModuleType) -> list[tuple[str, object]]:
    """Functions and classes a module offers: its ``__all__``, or the public names defined in it."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    out = []
    for name in names:
        obj = getattr(module, name, None)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and getattr(
            obj, "__module__", None
        ) == module.__name__:
            out.append((name, obj))
    return out


def undocumented() -> list[str]:
    missing = []
    for module in all_modules():
        if not (module.__doc__ or "").strip():
            missing.append(f"{module.__name__} (module)")
        for name, obj in public_objects(module):
            if not (obj.__doc__ or "").strip():
                missing.append(f"{module.__name__}.{name}")
            if not inspect.isclass(obj):
                continue
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if isinstance(member, property):
                    func = member.fget
                elif isinstance(member, functools.cached_property):
                    func = member.func
                elif isinstance(member, (staticmethod, classmethod)):
                    func = member.__func__
                elif inspect.isfunction(member):
                    func = member
                else:
                    continue
                if not (func.__doc__ or "").strip():
                    missing.append(f"{module.__name__}.{name}.{attr}")
    return missing


def test_every_public_name_has_a_docstring() -> None:
    assert undocumented() == []


def test_api_reference_builds(tmp_path: Path) -> None:
    pytest.importorskip("pdoc")
    spec = importlib.util.spec_from_file_location(
        "build_api", REPO / "docs" / "build_api.py"
    )
    assert spec is not None and spec.loader is not None
    build_api = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_api)
    names = build_api.build(tmp_path)
    assert "isf.plot.animation" in names and "isf.model.cell" in names
    for page in MAIN_PAGES:
        assert (tmp_path / page).stat().st_size > 1000, page
    cell = (tmp_path / "isf/model/cell.html").read_text()
    assert (
        "A biophysically detailed neuron model" in cell and "mechanism_values" in cell
    )
    animation = (tmp_path / "isf/plot/animation.html").read_text()
    assert "animate_voltage_vs_distance" in animation
    assert (tmp_path / "index.html").exists() and (tmp_path / "search.js").exists()
