"""The index of an open store: the small tables both the reader and the writer need — the completed
trials' rows, the name lists, the recording keys, the trace rows and the synapse rows — of the main
HDF5 file followed by the records of its journal (:mod:`isf.store.journal`), read once and kept current.

The main file's ``/blobs`` and the journal records' payloads form one byte space (:class:`Heap`): a
record's rows point into it exactly as they will once compacted. The writer tells the index what an
append added (:meth:`StoreIndex.appended`); a compaction or a reader's refresh gives it a new main
file and records (:meth:`StoreIndex.reset`). See ``docs/store_format.md`` for the nodes.
"""

from __future__ import annotations

import bisect
import json
from pathlib import Path
from typing import Any

import numpy as np
import tables
from numpy.typing import NDArray

from isf.store.blob_codec import read_blobs, unpack_parts
from isf.store.format_v2 import split_spikes
from isf.store.journal import Journal, Record
from isf.store.layout import (
    FORMAT_VERSION,
    NAME_LISTS,
    SYNAPSE_COLUMNS,
    TRACE_INDEX,
    TRIALS_DTYPE,
    format_version,
    spike_column_crc,
)
from isf.store.store_file import DamagedStoreError

__all__ = ["Heap", "StoreIndex", "journal_seq", "record_row"]


def journal_seq(h5: tables.File) -> int:
    """The last journal record the main file holds (0: none; files written before the journal)."""
    return int(getattr(h5.root._v_attrs, "journal_seq", 0))


def record_row(record: Record) -> NDArray[np.void]:
    """The ``trials`` row of a journal record (one-row array)."""
    t = record.trial
    row = np.zeros(1, dtype=TRIALS_DTYPE)
    row[0] = (int(t["trial"]), int(t["n_spikes"]), float(t["wall_s"]), str(t["finished_at"]).encode(),
              bool(t["has_input"]), int(t["n_presynaptic"]), int(t["n_activations"]), int(t["offset"]),
              [int(n) for n in t["nbytes"]])
    return row


class Heap:
    """``/blobs`` of the main file followed by the payloads of the journal records (read from their
    files when asked): ``heap[start:stop]`` is a uint8 array, :attr:`nrows` the size in bytes."""

    def __init__(self, main: tables.EArray, journal: Journal | None, records: list[Record]) -> None:
        self.main = main
        self.main_rows = int(main.nrows)
        self.journal = journal
        self.records = records
        self._bases = [r.base for r in records]
        self.nrows = self.main_rows + sum(r.size for r in records)

    def __getitem__(self, key: slice) -> NDArray[np.uint8]:
        start, stop = int(key.start), int(key.stop)
        parts: list[NDArray[np.uint8]] = []
        if start < self.main_rows:
            parts.append(self.main[start:min(stop, self.main_rows)])
        pos = max(start, self.main_rows)
        while pos < stop:
            record = self.records[bisect.bisect_right(self._bases, pos) - 1]
            end = min(stop, record.base + record.size)
            assert self.journal is not None
            parts.append(np.frombuffer(self.journal.read(record, pos - record.base, end - record.base), np.uint8))
            pos = end
        return parts[0] if len(parts) == 1 else np.concatenate(parts)


class StoreIndex:
    """Cached small tables of the store at ``path``: its main file ``h5`` and journal ``records``."""

    def __init__(self, h5: tables.File, path: Path, journal: Journal | None = None,
                 records: list[Record] | None = None) -> None:
        self.path = path
        self.journal = journal
        self.reset(h5, records or [])

    def reset(self, h5: tables.File, records: list[Record]) -> None:
        """Take a (new) main file and journal records; drop every cached table."""
        self.h5 = h5
        #: the main file's format version (format 2 is read as format 3: :mod:`isf.store.format_v2`)
        self.version = format_version(h5)
        self.records = list(records)
        self._main_rows: NDArray[np.void] | None = None
        self._main_spikes: NDArray[np.float64] | None = None
        self._main_traces: NDArray[np.int64] | None = None
        self._main_synapses: NDArray[np.int64] | None = None
        self._heap: Heap | None = None
        self.forget()

    def forget(self) -> None:
        """Drop the tables built from the main file and the records (they are rebuilt when asked)."""
        self._trial_rows: NDArray[np.void] | None = None
        self._spike_starts: NDArray[np.int64] | None = None
        self._spikes: NDArray[np.float64] | None = None
        self._completed: set[int] | None = None
        self._names: dict[str, list[str]] | None = None
        self._synapses: dict[str, NDArray[Any]] | None = None
        self._heap = None

    @property
    def last_seq(self) -> int:
        """The seq of the last journal record (of the main file's last one if there is none)."""
        return self.records[-1].seq if self.records else journal_seq(self.h5)

    @property
    def heap(self) -> Heap:
        """The blobs: main file, then journal records."""
        if self._heap is None:
            self._heap = Heap(self.h5.root.blobs, self.journal, self.records)
        return self._heap

    def _main(self) -> tuple[NDArray[np.void], NDArray[np.float64]]:
        """The main file's ``trials`` rows (as format 3 reads them) and its soma spikes, in file order.

        Raises:
            DamagedStoreError: /spike_times does not hold the spikes the rows count.
        """
        if self._main_rows is None or self._main_spikes is None:
            raw = self.h5.root.trials.read()
            if self.version < FORMAT_VERSION:
                rows, spikes = split_spikes(raw, lambda ranges: read_blobs(self.h5.root.blobs, ranges, self.path))
            else:
                rows, spikes = raw, self.h5.root.spike_times.read()
                crc = getattr(self.h5.root.spike_times._v_attrs, "crc32", None)
                if crc is not None and int(crc) != spike_column_crc(spikes):
                    raise DamagedStoreError(f"{self.path} is damaged: its soma spike column /spike_times fails "
                                            f"its checksum; `isf store recover {self.path}` keeps the trials that "
                                            "are whole")
                if spikes.shape[0] != int(raw["n_spikes"].sum()):
                    raise DamagedStoreError(f"{self.path} is damaged: /spike_times holds {spikes.shape[0]} spikes, "
                                            f"its trials count {int(raw['n_spikes'].sum())}; `isf store recover "
                                            f"{self.path}` keeps the trials that are whole")
            self._main_rows, self._main_spikes = rows, spikes
        return self._main_rows, self._main_spikes

    def rows(self) -> NDArray[np.void]:
        """The ``trials`` rows, sorted by trial."""
        if self._trial_rows is None:
            main_rows, main_spikes = self._main()
            rows = np.concatenate([main_rows, *(record_row(r) for r in self.records)])
            self._spikes = np.concatenate([main_spikes, *(np.asarray(r.trial["spike_times"], dtype=np.float64)
                                                          for r in self.records)])
            counts = rows["n_spikes"].astype(np.int64)
            order = np.argsort(rows["trial"], kind="stable")
            self._trial_rows = rows[order]
            self._spike_starts = (np.cumsum(counts) - counts)[order]
        return self._trial_rows

    def spike_times(self, rows: NDArray[np.void]) -> NDArray[np.float64]:
        """The soma spikes (ms) of the trials of ``rows`` (some of :meth:`rows`, sorted by trial), trial
        after trial: one gather from the spike column, no blob read."""
        every = self.rows()
        assert self._spike_starts is not None and self._spikes is not None
        counts = rows["n_spikes"].astype(np.int64)
        starts = self._spike_starts[np.searchsorted(every["trial"], rows["trial"])]
        at = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()), dtype=np.int64)
        return self._spikes[at]

    def completed_trials(self) -> set[int]:
        """Indices of the trials stored completely (those with a ``trials`` row); a copy."""
        if self._completed is None:
            self._completed = set(self.rows()["trial"].tolist())
        return set(self._completed)

    def is_completed(self, trial: int) -> bool:
        """Whether ``trial`` is stored completely (without copying the set)."""
        if self._completed is None:
            self._completed = set(self.rows()["trial"].tolist())
        return trial in self._completed

    def name_list(self, kind: str) -> list[str]:
        """The stored names of ``kind`` (``"populations"`` or ``"labels"``); a name's code is its position."""
        if self._names is None:
            self._names = {k: [b.decode("utf-8") for b in self.h5.get_node("/" + k).read().tolist()]
                           if "/" + k in self.h5 else [] for k in NAME_LISTS}
            for record in self.records:
                for k in NAME_LISTS:
                    self._names[k] += record.names.get(k, [])
        return self._names[kind]

    def keys(self) -> list[str]:
        """Recording keys with stored traces; a trace row's ``key`` is a position in this list."""
        if self.records:
            return list(self.records[-1].keys)
        return list(json.loads(str(self.h5.root.traces._v_attrs.keys_json)))

    def trace_rows(self) -> NDArray[np.int64]:
        """All /traces rows (main file, then journal)."""
        if self._main_traces is None:
            self._main_traces = self.h5.root.traces.read()
        extra = [np.asarray(r.traces, dtype=np.int64).reshape(-1, len(TRACE_INDEX)) for r in self.records]
        return np.concatenate([self._main_traces, *extra]) if extra else self._main_traces

    def synapse_blocks(self) -> NDArray[np.int64]:
        """All /synapses rows (main file, then journal)."""
        if self._main_synapses is None:
            self._main_synapses = self.h5.root.synapses.read()
        extra = [np.asarray([r.synapses], dtype=np.int64) for r in self.records if r.synapses is not None]
        return np.concatenate([self._main_synapses, *extra]) if extra else self._main_synapses

    def synapse_table(self) -> dict[str, NDArray[Any]]:
        """All synapse rows, column by column."""
        if self._synapses is None:
            self._synapses = self._decode_blocks(self.synapse_blocks())
        return self._synapses

    def _decode_blocks(self, blocks: NDArray[np.int64]) -> dict[str, NDArray[Any]]:
        starts = blocks[:, 1:2] + np.cumsum(blocks[:, 2:], axis=1) - blocks[:, 2:]
        ranges = [(int(starts[b, i]), int(blocks[b, 2 + i])) for i in range(len(SYNAPSE_COLUMNS))
                  for b in range(blocks.shape[0])]
        views = iter(read_blobs(self.heap, ranges, self.path))
        return {column.name: unpack_parts(column, views, blocks[:, 0]) for column in SYNAPSE_COLUMNS}

    def sizes(self) -> dict[str, int]:
        """Row counts of what appends grow (main file and journal together)."""
        return {"trials": int(self.rows().shape[0]), "blobs": self.heap.nrows,
                "synapses": int(self.synapse_blocks().shape[0]), "traces": int(self.trace_rows().shape[0]),
                "spike_times": int(self.rows()["n_spikes"].sum()),
                **{kind: len(self.name_list(kind)) for kind in NAME_LISTS}}

    def appended(self, record: Record) -> None:
        """Take in a record the writer has just written."""
        names = self._names
        self.records.append(record)
        self._trial_rows = None  # rebuilt when asked: appending to it would copy every row at every append
        self._spike_starts = self._spikes = None
        if self._completed is not None:
            self._completed.add(int(record.trial["trial"]))
        if names is not None:
            for kind in NAME_LISTS:
                names[kind] = names[kind] + record.names.get(kind, [])
        self._heap = None
        if record.synapses is not None and self._synapses is not None:
            # decode the new block only: rebuilding the table would read every record at every append
            new = self._decode_blocks(np.asarray([record.synapses], dtype=np.int64))
            self._synapses = {name: np.concatenate([self._synapses[name], new[name]]) for name in new}

