"""``isf store recover``: bring a store back after a crash — every trial completed before it.

A killed writer leaves its completed trials in the journal (and perhaps a temporary copy of a
compaction); :func:`recover` moves them into the main file, as opening the store for appending
does, and also sets aside journal records that are damaged (e.g. by a machine crash without
``ISF_STORE_FSYNC``), keeping every trial before the first damaged one. See ``docs/store_format.md``
(guarantees, recovery).
"""

from __future__ import annotations

import os
from pathlib import Path

import attrs

from isf.store.session import StoreFiles
from isf.store.store_file import DamagedStoreError

__all__ = ["Recovery", "recover"]


@attrs.frozen
class Recovery:
    """What :func:`recover` did to a store.

    Attributes:
        path: the store.
        trials: completed trials the store holds now.
        n_trials: trials of the run.
        restored: trials moved from the journal into the main file.
        failed: trials recorded as failed.
        set_aside: damaged journal records moved to ``<store>.journal-damaged/``.
        damaged: where a truncated or damaged main file was moved (its readable trials were salvaged
            into a new store at ``path``), or ``None``.
    """

    path: Path
    trials: int
    n_trials: int
    restored: int
    failed: int
    set_aside: tuple[Path, ...]
    damaged: Path | None = None

    def lines(self) -> list[str]:
        """A summary in words."""
        out = [f"{self.path} was damaged: the {self.restored} trials that read back whole were kept in a new "
               f"store; the damaged file is {self.damaged}"] if self.damaged is not None else []
        out += [f"{self.path}: {self.trials} of {self.n_trials} trials stored"
               + (f", {self.failed} failed" if self.failed else ""),
               f"restored from the journal: {self.restored} trials" if self.restored else
               "nothing to restore: the journal was empty"][: 1 if self.damaged is not None else 2]
        if self.set_aside:
            out.append(f"set aside {len(self.set_aside)} damaged journal records in {self.set_aside[0].parent} "
                       "(their trials are run again when the run is resumed)")
        return out


def recover(path: str | os.PathLike[str]) -> Recovery:
    """Move the trials an interrupted writer completed into the main file of the store ``path``; a
    truncated or damaged main file is replaced by a new store of its trials that read back whole (it is
    kept as ``<store>.damaged``).

    Raises:
        MissingFileError: no such store.
        StoreError: the main file is not a readable run store (the message says what is wrong), or
            another process is appending to it.
    """
    from isf.store.provenance import read_failures
    from isf.store.salvage import salvage

    path = Path(path)
    try:
        files = StoreFiles(path, "a", set_aside=True)
    except DamagedStoreError:
        count, kept = salvage(path)
        after = recover(path)
        return attrs.evolve(after, restored=count, damaged=kept)
    try:
        recovery = Recovery(files.path, len(files.index.completed_trials()), int(files.h5.root._v_attrs.n_trials),
                            files.restored, len(read_failures(files.h5)), tuple(files.moved_aside))
    finally:
        files.close()
    return recovery
