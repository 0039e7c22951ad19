"""Synapse lookup: the synapse rows of a store (population, synapse ID, soma distance, section, point,
label) and the row of every synapse an append names, adding the ones not stored yet.

An activation names its synapse by row, so a run keeps each synapse's location once; see
``docs/store_format.md`` (``/synapses``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from isf.errors import StoreError
from isf.store.layout import INT32, SYNAPSE_DTYPES, SYNAPSE_FIELDS, SYNAPSE_RECORD

__all__ = ["SynapseRows"]


class SynapseRows:
    """The synapse rows stored so far and the rows a pending append adds."""

    def __init__(self, columns: Mapping[str, NDArray[Any]]) -> None:
        self.columns = columns
        self.n = int(columns["population"].shape[0])
        self._index: dict[bytes, int] | None = None
        self.new: list[dict[str, NDArray[Any]]] = []
        self.n_new = 0

    @staticmethod
    def records(columns: Mapping[str, NDArray[Any]]) -> NDArray[np.void]:
        """Every synapse as the bytes of one :data:`~isf.store.layout.SYNAPSE_RECORD` (soma distances
        as bit patterns: equal means bitwise equal)."""
        rec = np.empty(columns["population"].shape[0], dtype=SYNAPSE_RECORD)
        for field in SYNAPSE_FIELDS:
            value = columns[field]
            rec[field] = (np.ascontiguousarray(value, dtype=np.float64).view(np.int64) if field == "soma_distance_um"
                          else value)
        return rec.view(np.dtype((np.void, SYNAPSE_RECORD.itemsize)))

    def rows_of(self, columns: Mapping[str, NDArray[Any]]) -> NDArray[np.int32]:
        """Row of every given synapse (bitwise equal in every column), adding new ones to the pending rows.

        Raises:
            StoreError: more synapses than an int32 row number can count.
        """
        rec = self.records(columns)
        if not rec.shape[0]:
            return np.zeros(0, dtype=np.int32)
        unique, first, inverse = np.unique(rec, return_index=True, return_inverse=True)
        if self._index is None:
            self._index = {r: i for i, r in enumerate(self.records(self.columns).tolist())}
        index = self._index
        unique_bytes = unique.tolist()
        rows = np.array([index.get(r, -1) for r in unique_bytes], dtype=np.int64)
        missing = np.flatnonzero(rows < 0)
        if missing.shape[0]:
            take = missing[np.argsort(first[missing], kind="stable")]  # new synapses in order of appearance
            start = self.n + self.n_new
            if start + take.shape[0] - 1 > INT32.max:
                raise StoreError(f"more than {INT32.max + 1} synapses")
            rows[take] = start + np.arange(take.shape[0])
            self.new.append({f: np.asarray(columns[f])[first[take]] for f in SYNAPSE_FIELDS})
            for j, i in enumerate(take.tolist(), start=start):
                index[unique_bytes[i]] = j
            self.n_new += take.shape[0]
        return rows[inverse.reshape(-1)].astype(np.int32)

    def pending(self) -> dict[str, NDArray[Any]] | None:
        """The columns of the rows added since this lookup was made (``None``: none)."""
        if not self.new:
            return None
        return {f: np.concatenate([part[f] for part in self.new]).astype(SYNAPSE_DTYPES[f]) for f in SYNAPSE_FIELDS}
