"""Compile and load the project's NMODL mechanisms.

The ``.mod`` files live in the repository's top-level ``mechanisms/`` folder;
a wheel carries a byte-identical copy as ``isf/_mechanisms/`` (packed in by
``setup.py``), used when isf is not run from a checkout (override either with
the environment variable ``ISF_MECHANISMS_DIR``).  They are
compiled with NEURON's ``nrnivmodl`` on first use into a cache directory keyed
by a content hash, never by hand and never at import time::

    <cache_root()>/mechanisms/<hash>/x86_64/libnrnmech.so

The hash covers the file names and bytes of all ``.mod`` files, the NEURON
version and the platform, so editing a mechanism or upgrading NEURON leads to
a fresh compilation while an unchanged set is compiled exactly once per
machine.  A build runs in a temporary sibling directory that is renamed into
place only when the library exists, so a crashed or concurrent compilation
never leaves a half-built cache entry behind; of two concurrent builds of the
same set, the first rename wins and the other process uses that entry.

Typical use::

    from isf.backends.neuron.mechanisms import load_mechanisms
    load_mechanisms()          # compiles if needed, then nrn_load_dll
    load_mechanisms()          # no-op, returns the same library path

NEURON cannot unload a mechanism library, and loading a second library that
defines an already known mechanism name aborts NEURON; :func:`load_mechanisms`
therefore refuses such a load with a :class:`MechanismError`.

Modules, one concept each: :mod:`~isf.backends.neuron.mechanisms.sources`
(finding the ``.mod`` files, their declared names, the content hash),
:mod:`~isf.backends.neuron.mechanisms.toolchain` (nrnivmodl, make, compilers),
:mod:`~isf.backends.neuron.mechanisms.diagnostics` (reading a failed build's
log), :mod:`~isf.backends.neuron.mechanisms.cache` (the content-hashed cache
and the build into it) and :mod:`~isf.backends.neuron.mechanisms.loader`
(loading into NEURON once per process), :mod:`~isf.backends.neuron.mechanisms.point_process`
(what NEURON knows about a compiled point process: parameters, defaults, NET_RECEIVE).  A user's
folder of ``.mod`` files goes through the same cache and errors: ``load_mechanisms(folder)``; a
broken file raises one :class:`MechanismCompilationError` naming the file and line.  Importing this package imports
neither NEURON nor a compiler.
"""

from __future__ import annotations

from isf.backends.neuron.mechanisms.cache import LOG_NAME, MANIFEST_NAME, cache_root, compile_mechanisms
from isf.backends.neuron.mechanisms.diagnostics import MechanismCompilationError
from isf.backends.neuron.mechanisms.loader import load_mechanisms, neuron_mechanism_names
from isf.backends.neuron.mechanisms.point_process import PointProcessInfo, netcon_targets, point_process_info
from isf.backends.neuron.mechanisms.sources import MECHANISMS_DIR, available_mechanisms, content_hash
from isf.backends.neuron.mechanisms.toolchain import CompilerNotFoundError
from isf.errors import MechanismError

__all__ = [
    "LOG_NAME",
    "MANIFEST_NAME",
    "MECHANISMS_DIR",
    "CompilerNotFoundError",
    "MechanismCompilationError",
    "MechanismError",
    "PointProcessInfo",
    "available_mechanisms",
    "cache_root",
    "compile_mechanisms",
    "content_hash",
    "load_mechanisms",
    "netcon_targets",
    "neuron_mechanism_names",
    "point_process_info",
]
