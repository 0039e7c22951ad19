"""The architecture's rules, checked on the source (docs/ARCHITECTURE.md).

* Layers import downward only: model ← dsl/store/analysis ← backends ← fitting/embedding/synapse_tuner ←
  plot ← cli (the leaves ``isf.errors``, ``isf._version``, ``isf._lazy`` and ``isf.data`` below everything,
  ``isf/__init__`` and ``isf/__main__`` above). Packages of one layer do not import each other.
* No import circles between packages (sub-packages such as ``isf.backends.neuron`` count as packages).
* No module over 500 lines.

Every import counts, also those inside functions (lazy imports are still dependencies).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1] / "isf"

#: top-level part of isf → layer (lower imports nothing higher)
LAYERS: dict[str, int] = {
    "errors": 0, "_version": 0, "_lazy": 0, "data": 0,
    "model": 1,
    "dsl": 2, "store": 2, "analysis": 2,
    "backends": 3,
    "fitting": 4, "embedding": 4, "synapse_tuner": 4, "reduced": 4, "study": 4,
    "plot": 5,
    "cli": 6,
    "__init__": 7, "__main__": 7,
}
MAX_LINES = 500


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def _imports(name: str, path: Path) -> Iterator[tuple[str, int]]:
    """Absolute names of the isf modules ``path`` imports, with line numbers."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield module, node.lineno
            for alias in node.names:  # ``from isf.x import y`` may import the module isf.x.y
                yield f"{module}.{alias.name}", node.lineno


def _top(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "isf":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _package_of(module: str, packages: set[str]) -> str:
    """The innermost package holding ``module`` (a package is a directory with ``__init__.py``)."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in packages:
            return candidate
    return "isf"


def _known(module: str, names: set[str]) -> str | None:
    """``module`` if it is an isf module, else its longest isf-module prefix (``from m import name``)."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in names:
            return candidate
    return None


def _graph() -> tuple[list[tuple[str, str, str, int]], set[str]]:
    modules = dict(_modules())
    packages = {name for name, path in modules.items() if path.name == "__init__.py"}
    edges = []
    for name, path in modules.items():
        for imported, line in _imports(name, path):
            target = _known(imported, set(modules))
            if target is not None and target != name:
                edges.append((name, target, str(path.relative_to(ROOT.parent)), line))
    return edges, packages


def test_every_part_has_a_layer() -> None:
    tops = {_top(name) for name, _ in _modules()}
    assert tops <= set(LAYERS), f"parts of isf without a layer: {sorted(tops - set(LAYERS))}"


def test_layers_import_downward_only() -> None:
    edges, _ = _graph()
    wrong = []
    for source, target, where, line in edges:
        s, t = _top(source), _top(target)
        assert s is not None and t is not None
        if s == t or s in ("__init__", "__main__"):
            continue
        if LAYERS[t] >= LAYERS[s]:
            kind = "upward" if LAYERS[t] > LAYERS[s] else "sideways"
            wrong.append(f"{where}:{line}: {source} imports {target} ({kind}: {s} is layer {LAYERS[s]}, "
                         f"{t} is layer {LAYERS[t]})")
    assert not wrong, "\n".join(wrong)


def test_no_import_circles_between_packages() -> None:
    edges, packages = _graph()
    graph = nx.DiGraph()
    for source, target, _, _ in edges:
        a, b = _package_of(source, packages), _package_of(target, packages)
        # a package's __init__ may re-export from its own sub-packages: only cross-tree edges count
        if a != b and not b.startswith(a + ".") and not a.startswith(b + "."):
            graph.add_edge(a, b)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"import circles between packages: {cycles}"


def test_no_module_over_500_lines() -> None:
    long = {str(path.relative_to(ROOT.parent)): n for _, path in _modules()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


@pytest.mark.parametrize("source", [
    "from isf.plot.traces import x\n",
    "from ..plot import traces\n",
    "import isf.cli.main\n",
])
def test_the_walker_sees_upward_imports(source: str, tmp_path: Path) -> None:
    """The checker itself: imports written in each style are found (a check that cannot fail is no check)."""
    path = tmp_path / "m.py"
    path.write_text(source)
    found = [m for m, _ in _imports("isf.model.m", path)]
    assert any(_top(m) in ("plot", "cli") for m in found), found
