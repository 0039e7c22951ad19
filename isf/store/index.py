"""The index of an open store: the small tables both the reader and the writer need — the completed
trials' rows, the name lists, the recording keys and the synapse rows — read once and kept current.

The writer tells the index what a successful append added (:meth:`StoreIndex.appended`) or that a
failed one was rolled back (:meth:`StoreIndex.forget`); readers then see the new trial without
re-reading the file. See ``docs/store_format.md`` for the nodes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import tables
from numpy.typing import NDArray

from isf.store.blob_codec import read_blobs, unpack_parts
from isf.store.layout import NAME_LISTS, SYNAPSE_COLUMNS, sizes

__all__ = ["StoreIndex"]


class StoreIndex:
    """Cached small tables of an open store file ``h5`` at ``path``."""

    def __init__(self, h5: tables.File, path: Path) -> None:
        self.h5 = h5
        self.path = path
        self._trial_rows: NDArray[np.void] | None = None
        self._names: dict[str, list[str]] | None = None
        self._synapses: dict[str, NDArray[Any]] | None = None

    def rows(self) -> NDArray[np.void]:
        """The ``trials`` rows, sorted by trial."""
        if self._trial_rows is None:
            rows = self.h5.root.trials.read()
            self._trial_rows = rows[np.argsort(rows["trial"], kind="stable")]
        elif self._trial_rows.shape[0] > 1 and np.any(np.diff(self._trial_rows["trial"]) < 0):
            self._trial_rows = self._trial_rows[np.argsort(self._trial_rows["trial"], kind="stable")]
        return self._trial_rows

    def completed_trials(self) -> set[int]:
        """Indices of the trials stored completely (those with a ``trials`` row)."""
        return set(self.rows()["trial"].tolist())

    def name_list(self, kind: str) -> list[str]:
        """The stored names of ``kind`` (``"populations"`` or ``"labels"``); a name's code is its position."""
        if self._names is None:
            self._names = {k: [b.decode("utf-8") for b in self.h5.get_node("/" + k).read().tolist()]
                           for k in NAME_LISTS}
        return self._names[kind]

    def keys(self) -> list[str]:
        """Recording keys with stored traces; a trace row's ``key`` is a position in this list."""
        return list(json.loads(str(self.h5.root.traces._v_attrs.keys_json)))

    def synapse_table(self) -> dict[str, NDArray[Any]]:
        """All synapse rows, column by column."""
        if self._synapses is None:
            blocks = self.h5.root.synapses.read()
            starts = blocks[:, 1:2] + np.cumsum(blocks[:, 2:], axis=1) - blocks[:, 2:]
            ranges = [(int(starts[b, i]), int(blocks[b, 2 + i])) for i in range(len(SYNAPSE_COLUMNS))
                      for b in range(blocks.shape[0])]
            views = iter(read_blobs(self.h5.root.blobs, ranges, self.path))
            self._synapses = {column.name: unpack_parts(column, views, blocks[:, 0]) for column in SYNAPSE_COLUMNS}
        return self._synapses

    def sizes(self) -> dict[str, int]:
        """Row counts of the nodes that appends grow."""
        return sizes(self.h5)

    def appended(self, trial_row: NDArray[np.void], new_names: dict[str, list[str]], new_synapses: bool) -> None:
        """Take in what a successful append wrote: its ``trials`` row, new names, whether synapse rows were added."""
        if self._trial_rows is not None:
            self._trial_rows = np.concatenate([self._trial_rows, trial_row])
        if self._names is not None:
            for kind, new in new_names.items():
                self._names[kind] = self._names[kind] + list(new)
        if new_synapses:
            self._synapses = None

    def forget(self) -> None:
        """Drop every cached table (after a rolled-back append)."""
        self._trial_rows = None
        self._names = None
        self._synapses = None
