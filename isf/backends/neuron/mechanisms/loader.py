"""Loading a compiled mechanism set into this NEURON process, once.

NEURON cannot unload a mechanism library, and loading a second library that
defines an already known mechanism name aborts NEURON; :func:`load_mechanisms`
therefore remembers what it loaded (per process) and refuses such a load with
a :class:`~isf.errors.MechanismError` before NEURON sees it.
"""

from __future__ import annotations

import threading
from pathlib import Path

import attrs

from isf.backends.neuron.mechanisms.cache import compile_mechanisms
from isf.backends.neuron.mechanisms.sources import content_hash, declared_names, mod_files, resolve_source_dir
from isf.errors import MechanismError

__all__ = ["load_mechanisms", "neuron_mechanism_names"]


@attrs.frozen
class _LoadedSet:
    """A mechanism set loaded into this process: its hash, library, folder and mechanism names."""

    digest: str
    library: Path
    source_dir: Path
    names: frozenset[str]


# One process-wide registry: NEURON's mechanism table is process-wide too.
_LOCK = threading.RLock()
_LOADED: dict[str, _LoadedSet] = {}


def neuron_mechanism_names() -> set[str]:
    """Names of all density mechanisms and point processes NEURON knows now."""
    from neuron import h

    names: set[str] = set()
    selected = h.ref("")
    for kind in (0, 1):  # 0: density mechanisms, 1: point processes
        mt = h.MechanismType(kind)
        for i in range(int(mt.count())):
            mt.select(i)
            mt.selected(selected)
            names.add(str(selected[0]))
    return names


def load_mechanisms(source_dir: Path | None = None) -> Path:
    """Compile (if needed) and load a mechanism set into this NEURON process.

    Idempotent: a set with the same content hash is loaded once per process,
    further calls return the same library path.  Loading a *different* set
    that defines a mechanism name NEURON already knows (from an earlier set,
    NEURON's built-ins, or a library loaded by other code) raises
    :class:`MechanismError` instead of letting NEURON abort.

    Returns:
        Path of the loaded shared library.
    """
    src = resolve_source_dir(source_dir)
    files = mod_files(src)
    with _LOCK:
        digest = content_hash(files)
        loaded = _LOADED.get(digest)
        if loaded is not None:
            return loaded.library

        names = [n for p in files for n in declared_names(p)]
        for other in _LOADED.values():
            clash = sorted(other.names.intersection(names))
            if clash:
                raise MechanismError(
                    f"cannot load the mechanisms in {src} (hash {digest}): "
                    f"{', '.join(clash)} already loaded from {other.source_dir} "
                    f"(hash {other.digest}, {other.library}). NEURON cannot unload or redefine "
                    "a mechanism; start a new Python process to use the changed set."
                )
        clash = sorted(neuron_mechanism_names().intersection(names))
        if clash:
            raise MechanismError(
                f"cannot load the mechanisms in {src} (hash {digest}): {', '.join(clash)} "
                "already defined in NEURON (built in, or loaded by other code, e.g. "
                "neuron.load_mechanisms() or an x86_64/ folder in the working directory that "
                "NEURON loads at import). Rename the mechanism or use a fresh process."
            )

        lib = compile_mechanisms(src)
        from neuron import h

        if not h.nrn_load_dll(str(lib)):
            raise MechanismError(f"NEURON could not load {lib} (nrn_load_dll returned 0)")
        _LOADED[digest] = _LoadedSet(digest, lib, src, frozenset(names))
        return lib
