"""Writing trials into an open store: each append becomes one journal record (its blobs, new names,
synapse rows, trace rows and ``trials`` row), written atomically next to the main file
(:mod:`isf.store.journal`); the records are compacted into the main file copy-on-write
(:mod:`isf.store.compaction`) every so often and when the store is closed. A failed append leaves
nothing. See ``docs/store_format.md`` (journal, guarantees).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from isf.errors import StoreError
from isf.model.network import Network
from isf.model.trial_result import TrialResult
from isf.store.blob_codec import pack, read_blobs, unpack
from isf.store.index import StoreIndex
from isf.store.journal import Journal
from isf.store.layout import (
    LABEL_SIZE,
    N_SAMPLES,
    POPULATION_SIZE,
    SOURCE_SIZE,
    SYNAPSE_COLUMNS,
    T_NBYTES,
    T_OFFSET,
    TRACE_COLUMN,
    TRACE_INDEX,
    TRIAL_COLUMNS,
)
from isf.store.names import NameCodes
from isf.store.provenance import now
from isf.store.synapse_rows import SynapseRows
from isf.store.trial_columns import (
    NetworkRows,
    PreparedTrial,
    input_of_columns,
    input_of_result,
    network_rows,
    prepare_traces,
)

__all__ = ["COMPACT_MIN_TRIALS", "COMPACT_RATIO", "Writer"]

#: Time vectors remembered (to store a time vector equal to a recent one once).
_T_CACHE = 4
#: Networks whose synapse rows are remembered (by identity).
_NETWORKS = 4
#: The journal is compacted when it holds at least this many records ...
COMPACT_MIN_TRIALS = 64
#: ... and at least this fraction of the main file's bytes: each byte is then copied a bounded
#: number of times over a run (a fixed interval would copy a long run's file over and over).
COMPACT_RATIO = 0.5


class Writer:
    """Appends trials to the journal of a store, keeping its ``index`` current."""

    def __init__(self, index: StoreIndex, journal: Journal) -> None:
        self.index = index
        self.journal = journal
        #: fsync every record (survives a machine crash; a killed process loses nothing either way)
        self.durable = os.environ.get("ISF_STORE_FSYNC", "") not in ("", "0")
        #: recently stored time vectors: (values, offset, nbytes) of their blob
        self._t_cache: list[tuple[NDArray[np.float64], int, int]] = []
        #: networks whose synapses are stored, with their synapse rows
        self._networks: list[tuple[Network, NetworkRows]] = []

    def append(self, result: TrialResult, network: Network, wall_s: float = math.nan) -> None:
        """Store one trial of a network run (see :meth:`isf.store.RunStore.append`)."""
        run_seed = int(self.index.h5.root._v_attrs.run_seed)
        if result.run_seed != run_seed:
            raise StoreError(f"trial {result.trial_index} has run_seed {result.run_seed}; this store holds run "
                             f"seed {run_seed}")
        names = [p.name for p in network.populations]
        given = [p.name for p in result.input.populations]
        if names != given:
            raise StoreError(f"trial {result.trial_index}: its input has populations {given}, the network {names}")
        prepared = PreparedTrial(self._check_trial(result.trial_index))
        prepare_traces(prepared, result.t_ms, result.traces, result.spike_times_ms, None)
        populations, labels, sources, synapses = self._lookups()
        rows = next((rows for known, rows in self._networks if known is network), None)
        if rows is None:
            rows = network_rows(network, populations, labels, synapses)
        input_of_result(prepared, result.input, names, rows, sources)
        prepared.new_names = {"populations": populations.new, "labels": labels.new, "sources": sources.new}
        prepared.new_synapses = synapses.pending()
        self._commit(prepared, wall_s)
        if not any(known is network for known, _ in self._networks):
            self._networks = [(network, rows), *self._networks][:_NETWORKS]

    def append_trial(self, trial: int, *, t_ms: ArrayLike, traces: Mapping[str, ArrayLike],
                     spike_times_ms: ArrayLike, synapse_activations: Mapping[str, ArrayLike] | None = None,
                     presynaptic_spikes: Mapping[str, ArrayLike] | None = None, wall_s: float = math.nan,
                     traces_t_ms: Mapping[str, ArrayLike] | None = None) -> None:
        """Store one trial from plain columns (see :meth:`isf.store.RunStore.append_trial`)."""
        prepared = PreparedTrial(self._check_trial(trial))
        prepare_traces(prepared, t_ms, traces, spike_times_ms, traces_t_ms)
        populations, labels, sources, synapses = self._lookups()
        input_of_columns(prepared, synapse_activations, presynaptic_spikes, populations, labels, sources, synapses)
        prepared.new_names = {"populations": populations.new, "labels": labels.new, "sources": sources.new}
        prepared.new_synapses = synapses.pending()
        self._commit(prepared, wall_s)

    def _lookups(self) -> tuple[NameCodes, NameCodes, NameCodes, SynapseRows]:
        return (NameCodes(self.index.name_list("populations"), POPULATION_SIZE, "population"),
                NameCodes(self.index.name_list("labels"), LABEL_SIZE, "label"),
                NameCodes(self.index.name_list("sources"), SOURCE_SIZE, "spike source"),
                SynapseRows(self.index.synapse_table()))

    def _check_trial(self, trial: int) -> int:
        trial = int(trial)
        n_trials = int(self.index.h5.root._v_attrs.n_trials)
        if not 0 <= trial < n_trials:
            raise StoreError(f"trial {trial} is outside 0..{n_trials - 1} (n_trials = {n_trials})")
        if self.index.is_completed(trial):
            raise StoreError(f"trial {trial} is already stored in {self.index.path}")
        return trial

    def _commit(self, prepared: PreparedTrial, wall_s: float) -> None:
        """Write a prepared trial as one journal record: its bytes continue the store's blobs (main file
        and journal) so that compacting appends them unchanged."""
        trial = prepared.trial
        base = self.index.heap.nrows
        chunks: list[bytes] = []

        def put(blob: bytes) -> tuple[int, int]:
            offset = base + sum(map(len, chunks))
            chunks.append(blob)
            return offset, len(blob)

        synapse_row = None
        if prepared.new_synapses is not None:
            blobs = [pack(c, prepared.new_synapses[c.name]) for c in SYNAPSE_COLUMNS]
            offset, _ = put(b"".join(blobs))
            synapse_row = [int(prepared.new_synapses["population"].shape[0]), offset, *map(len, blobs)]
        blobs = [pack(c, prepared.columns[(c.group, c.name)]) for c in TRIAL_COLUMNS]
        trial_offset, _ = put(b"".join(blobs))
        keys = self.index.keys()
        keys = keys + [k for k, _, _ in prepared.traces if k not in keys]
        cache = list(self._t_cache)
        index_rows = np.empty((len(prepared.traces), len(TRACE_INDEX)), dtype=np.int64)
        for i, (key, t, v) in enumerate(prepared.traces):
            t_place = next(((o, n) for cached, o, n in cache if cached.tobytes() == t.tobytes()), None)
            if t_place is None:
                t_place = put(pack(TRACE_COLUMN, t))
                cache = [(t.copy(), *t_place), *cache][:_T_CACHE]
            index_rows[i] = (trial, keys.index(key), v.shape[0], *put(pack(TRACE_COLUMN, v)), *t_place)
        rows = {
            "trial": {"trial": trial, "n_spikes": prepared.count("spikes"), "wall_s": float(wall_s),
                      "finished_at": now(), "has_input": bool(prepared.has_input),
                      "n_presynaptic": prepared.count("presynaptic_spikes"),
                      "n_activations": prepared.count("synapse_activations"), "offset": trial_offset,
                      "nbytes": [len(b) for b in blobs],
                      "spike_times": prepared.columns[("spikes", "time_ms")].tolist()},
            "names": {kind: list(new) for kind, new in prepared.new_names.items() if new},
            "synapses": synapse_row,
            "traces": index_rows.tolist(),
            "keys": keys,
        }
        record = self.journal.write(self.index.last_seq + 1, base, rows, b"".join(chunks), durable=self.durable)
        self._t_cache = cache
        self.index.appended(record)

    def should_compact(self) -> bool:
        """Whether the journal is big enough to be compacted now (:data:`COMPACT_MIN_TRIALS`,
        :data:`COMPACT_RATIO`)."""
        records = self.index.records
        if len(records) < COMPACT_MIN_TRIALS:
            return False
        return sum(r.size for r in records) >= COMPACT_RATIO * self.index.heap.main_rows

    def load_time_cache(self) -> None:
        """Remember the time vector of the last stored trace (a resumed run stores it once more otherwise)."""
        index = self.index.trace_rows()
        self._t_cache = []
        if index.shape[0]:
            offset, nbytes, n = (int(index[-1, c]) for c in (T_OFFSET, T_NBYTES, N_SAMPLES))
            (view,) = read_blobs(self.index.heap, [(offset, nbytes)], self.index.path)
            bits = np.empty(n, dtype=np.int64)
            unpack(TRACE_COLUMN, view, bits)
            self._t_cache = [(bits.view(np.float64), offset, nbytes)]
