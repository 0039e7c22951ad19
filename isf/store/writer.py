"""Writing trials into an open store: a trial's blobs, new names, synapse rows and trace rows first,
its ``trials`` row last, one flush; a failed append is rolled back, and what a crash left is removed
when the store is opened for appending. See ``docs/store_format.md`` (atomicity).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

import numpy as np
import tables
from numpy.typing import ArrayLike, NDArray

from isf.errors import StoreError
from isf.model.network import Network
from isf.model.trial_result import TrialResult
from isf.store.blob_codec import pack, read_blobs, unpack
from isf.store.index import StoreIndex
from isf.store.layout import (
    LABEL_SIZE,
    N_SAMPLES,
    NAME_LISTS,
    NBYTES,
    OFFSET,
    POPULATION_SIZE,
    SYNAPSE_COLUMNS,
    T_NBYTES,
    T_OFFSET,
    TRACE_COLUMN,
    TRACE_INDEX,
    TRIAL,
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

__all__ = ["Writer"]

#: Time vectors remembered (to store a time vector equal to a recent one once).
_T_CACHE = 4
#: Networks whose synapse rows are remembered (by identity).
_NETWORKS = 4


class Writer:
    """Appends trials to the store file ``h5`` (open for appending), keeping ``index`` current."""

    def __init__(self, h5: tables.File, index: StoreIndex) -> None:
        self.h5 = h5
        self.index = index
        #: recently stored time vectors: (values, offset, nbytes) of their blob
        self._t_cache: list[tuple[NDArray[np.float64], int, int]] = []
        #: networks whose synapses are stored, with their synapse rows
        self._networks: list[tuple[Network, NetworkRows]] = []

    def append(self, result: TrialResult, network: Network, wall_s: float = math.nan) -> None:
        """Store one trial of a network run (see :meth:`isf.store.RunStore.append`)."""
        run_seed = int(self.h5.root._v_attrs.run_seed)
        if result.run_seed != run_seed:
            raise StoreError(f"trial {result.trial_index} has run_seed {result.run_seed}; this store holds run "
                             f"seed {run_seed}")
        names = [p.name for p in network.populations]
        given = [p.name for p in result.input.populations]
        if names != given:
            raise StoreError(f"trial {result.trial_index}: its input has populations {given}, the network {names}")
        prepared = PreparedTrial(self._check_trial(result.trial_index))
        prepare_traces(prepared, result.t_ms, result.traces, result.spike_times_ms, None)
        populations, labels, synapses = self._lookups()
        rows = next((rows for known, rows in self._networks if known is network), None)
        if rows is None:
            rows = network_rows(network, populations, labels, synapses)
        input_of_result(prepared, result.input, names, rows)
        prepared.new_names = {"populations": populations.new, "labels": labels.new}
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
        populations, labels, synapses = self._lookups()
        input_of_columns(prepared, synapse_activations, presynaptic_spikes, populations, labels, synapses)
        prepared.new_names = {"populations": populations.new, "labels": labels.new}
        prepared.new_synapses = synapses.pending()
        self._commit(prepared, wall_s)

    def _lookups(self) -> tuple[NameCodes, NameCodes, SynapseRows]:
        return (NameCodes(self.index.name_list("populations"), POPULATION_SIZE, "population"),
                NameCodes(self.index.name_list("labels"), LABEL_SIZE, "label"),
                SynapseRows(self.index.synapse_table()))

    def _check_trial(self, trial: int) -> int:
        trial = int(trial)
        n_trials = int(self.h5.root._v_attrs.n_trials)
        if not 0 <= trial < n_trials:
            raise StoreError(f"trial {trial} is outside 0..{n_trials - 1} (n_trials = {n_trials})")
        if trial in self.index.completed_trials():
            raise StoreError(f"trial {trial} is already stored in {self.index.path}")
        return trial

    def _commit(self, prepared: PreparedTrial, wall_s: float) -> None:
        """Write a prepared trial: names, synapses, blobs, traces rows and its ``trials`` row last; one flush."""
        trial = prepared.trial
        heap = self.h5.root.blobs
        base = int(heap.nrows)
        chunks: list[bytes] = []

        def put(blob: bytes) -> tuple[int, int]:
            offset = base + sum(map(len, chunks))
            chunks.append(blob)
            return offset, len(blob)

        synapse_row = None
        if prepared.new_synapses is not None:
            blobs = [pack(c, prepared.new_synapses[c.name]) for c in SYNAPSE_COLUMNS]
            offset, _ = put(b"".join(blobs))
            synapse_row = np.array([[prepared.new_synapses["population"].shape[0], offset, *map(len, blobs)]],
                                   dtype=np.int64)
        blobs = [pack(c, prepared.columns[(c.group, c.name)]) for c in TRIAL_COLUMNS]
        trial_offset, _ = put(b"".join(blobs))
        keys = self.index.keys()
        keys_json = json.dumps(keys + [k for k, _, _ in prepared.traces if k not in keys])
        keys = json.loads(keys_json)
        cache = list(self._t_cache)
        index_rows = np.empty((len(prepared.traces), len(TRACE_INDEX)), dtype=np.int64)
        for i, (key, t, v) in enumerate(prepared.traces):
            t_place = next(((o, n) for cached, o, n in cache if cached.tobytes() == t.tobytes()), None)
            if t_place is None:
                t_place = put(pack(TRACE_COLUMN, t))
                cache = [(t.copy(), *t_place), *cache][:_T_CACHE]
            index_rows[i] = (trial, keys.index(key), v.shape[0], *put(pack(TRACE_COLUMN, v)), *t_place)
        trial_row = np.zeros(1, dtype=self.h5.root.trials.dtype)
        trial_row[0] = (trial, prepared.count("spikes"), float(wall_s), now().encode(), prepared.has_input,
                        prepared.count("presynaptic_spikes"), prepared.count("synapse_activations"), trial_offset,
                        [len(b) for b in blobs])
        before = self.index.sizes()
        keys_before = self.h5.root.traces._v_attrs.keys_json
        try:
            for kind, new in prepared.new_names.items():
                if new:
                    self.h5.get_node("/" + kind).append(np.array([n.encode("utf-8") for n in new],
                                                                 dtype=f"S{NAME_LISTS[kind]}"))
            heap.append(np.frombuffer(b"".join(chunks), dtype=np.uint8))
            if synapse_row is not None:
                self.h5.root.synapses.append(synapse_row)
            self._append_traces(index_rows, keys_json)
            self.h5.root.trials.append(trial_row)
            self.h5.flush()
        except BaseException:
            self._rollback(before, keys_before)
            raise
        self._t_cache = cache
        self.index.appended(trial_row, prepared.new_names, prepared.new_synapses is not None)

    def _append_traces(self, index_rows: NDArray[np.int64], keys_json: str) -> None:
        traces = self.h5.root.traces
        if keys_json != traces._v_attrs.keys_json:
            traces._v_attrs.keys_json = keys_json
        traces.append(index_rows)

    def _rollback(self, before: dict[str, int], keys_json: str) -> None:
        for name, n in before.items():
            node = self.h5.get_node("/" + name)
            if node.nrows > n:
                node.truncate(n)
        self.h5.root.traces._v_attrs.keys_json = keys_json
        self.h5.flush()
        self.index.forget()

    def remove_orphans(self) -> None:
        """Remove what an interrupted append left: trace rows of trials without a ``trials`` row (at
        the end of /traces: appends are sequential and a failed one is rolled back) and the bytes of
        /blobs after the last one a trial, trace or block of synapses points to.

        Raises:
            StoreError: /blobs lacks bytes of completed trials (damaged file).
        """
        completed = np.array(sorted(self.index.completed_trials()), dtype=np.int64)
        changed = False
        traces = self.h5.root.traces
        end = traces.nrows
        while end > 0 and not np.isin(traces[end - 1, TRIAL], completed):
            end -= 1
        if end < traces.nrows:
            traces.truncate(end)
            changed = True
        heap = self.h5.root.blobs
        used = 0
        rows = self.index.rows()
        if rows.shape[0]:
            used = max(used, int((rows["offset"] + rows["nbytes"].sum(axis=1)).max()))
        index = traces.read()
        if index.shape[0]:
            used = max(used, int((index[:, OFFSET] + index[:, NBYTES]).max()),
                       int((index[:, T_OFFSET] + index[:, T_NBYTES]).max()))
        synapses = self.h5.root.synapses
        blocks = synapses.read()
        ends = blocks[:, 1] + blocks[:, 2:].sum(axis=1) if blocks.shape[0] else np.zeros(0, np.int64)
        whole = int(np.argmin(ends <= heap.nrows)) if not np.all(ends <= heap.nrows) else ends.shape[0]
        if whole < synapses.nrows:  # a block whose bytes never reached the file
            synapses.truncate(whole)
            changed = True
        if whole:
            used = max(used, int(ends[:whole].max()))
        if used > heap.nrows:
            raise StoreError(f"{self.index.path}: /blobs lacks data of completed trials (the file is damaged)")
        if heap.nrows > used:
            heap.truncate(used)
            changed = True
        if changed:
            self.h5.flush()
        if index.shape[0]:
            offset, nbytes, n = (int(index[-1, c]) for c in (T_OFFSET, T_NBYTES, N_SAMPLES))
            (view,) = read_blobs(heap, [(offset, nbytes)], self.index.path)
            bits = np.empty(n, dtype=np.int64)
            unpack(TRACE_COLUMN, view, bits)
            self._t_cache = [(bits.view(np.float64), offset, nbytes)]
