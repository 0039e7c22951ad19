"""Fault points: named places in the writing code where a test (or the fault benchmark) can make
the process fail — raise ``OSError(ENOSPC)``, or die without cleaning up — to check that a store
survives a crash or a full disk at that instant. Without a hook installed they cost one lookup.

Points: ``journal.write`` (a trial's record is being written under its temporary name),
``journal.renamed`` (the record is in place), ``compact.copy`` (before the main file is copied),
``compact.append`` (before each journal record is appended to the copy), ``compact.flush`` (before
the copy is flushed), ``compact.replace`` (before the copy replaces the main file) and
``compact.cleanup`` (after, before the compacted records are removed). See ``docs/store_format.md``.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["FAULT_POINTS", "fault_point", "set_fault_hook"]

FAULT_POINTS = ("journal.write", "journal.renamed", "compact.copy", "compact.append", "compact.flush",
                "compact.replace", "compact.cleanup")

_HOOK: list[Callable[[str], None]] = []


def set_fault_hook(hook: Callable[[str], None] | None) -> None:
    """Call ``hook(point)`` at every fault point of this process from now on (``None``: none)."""
    _HOOK.clear()
    if hook is not None:
        _HOOK.append(hook)


def fault_point(point: str) -> None:
    """Mark the fault point ``point`` (one of :data:`FAULT_POINTS`): the installed hook may raise or exit."""
    if _HOOK:
        _HOOK[0](point)
