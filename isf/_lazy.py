"""Lazy package faces: a package's public names imported from its modules on first use.

A face that imports its modules eagerly would drag their heavy dependencies (NEURON, joblib, PyTables)
into every ``import`` of the package; :func:`lazy_face` gives the package the module-level
``__getattr__`` and ``__dir__`` (PEP 562) that import a name's module only when the name is looked up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

__all__ = ["lazy_face"]


def lazy_face(
    namespace: MutableMapping[str, Any], module_of: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``(__getattr__, __dir__)`` pair of the package whose ``globals()`` is ``namespace``.

    ``module_of`` maps each public name to the module of the package that defines it (relative,
    e.g. ``"parallel"`` for ``<package>.parallel``); the package's ``__all__`` lists the names.
    """
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value  # the next look-up is a plain attribute
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(namespace["__all__"]))

    return __getattr__, __dir__
