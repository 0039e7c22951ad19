"""A trial turned into the columns a store keeps: validated, names and synapses coded, nothing written.

Two ways in: a :class:`~isf.model.trial_result.TrialResult` with the network its input was drawn for
(:func:`input_of_result`), or plain long-form columns, e.g. of a legacy import
(:func:`input_of_columns`). Everything is checked here, before the writer touches the file. See
``docs/store_format.md`` for the columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from isf.errors import StoreError
from isf.model.network import Network
from isf.model.spike_trains import SPIKE_SOURCES
from isf.model.trial_input import TrialInput
from isf.store.layout import ACTIVATION_COLUMNS, INT32, PRESYNAPTIC_COLUMNS
from isf.store.names import NameCodes
from isf.store.synapse_rows import SynapseRows

__all__ = ["NetworkRows", "PreparedTrial", "input_of_columns", "input_of_result", "network_rows", "prepare_traces"]

#: Synapse row of every synapse of a network (population after population), the offsets of the
#: populations in that array and their population codes.
NetworkRows = tuple[NDArray[np.int32], NDArray[np.int64], NDArray[np.int16]]


class PreparedTrial:
    """One validated trial, ready to be written."""

    def __init__(self, trial: int) -> None:
        self.trial = trial
        self.columns: dict[tuple[str, str], NDArray[Any]] = {}
        self.traces: list[tuple[str, NDArray[np.float64], NDArray[np.float64]]] = []
        self.new_names: dict[str, list[str]] = {"populations": [], "labels": []}
        self.new_synapses: dict[str, NDArray[Any]] | None = None
        self.has_input = False

    def count(self, group: str) -> int:
        """Number of rows of a group of columns (``"spikes"``, ``"presynaptic_spikes"``, ``"synapse_activations"``)."""
        return int(next(v for (g, _), v in self.columns.items() if g == group).shape[0])


def _as_int(values: NDArray[Any], dtype: type[np.integer], trial: int, what: str) -> NDArray[np.integer]:
    """Integer column, refusing non-integers and values outside ``dtype``."""
    if values.shape[0] and values.dtype.kind not in "iu":
        raise StoreError(f"trial {trial}: {what} must hold integers, got {values.dtype}")
    info = np.iinfo(dtype)
    if values.shape[0] and (values.min() < info.min or values.max() > info.max):
        raise StoreError(f"trial {trial}: {what} outside {info.min}..{info.max}")
    return values.astype(dtype, copy=False)


def _spike_rows(release_ms: NDArray[np.float64], spike_ms: NDArray[np.float64]) -> NDArray[np.int32]:
    """For every release, the position of a spike with bitwise the same time in ``spike_ms`` (−1: none)."""
    out = np.full(release_ms.shape[0], -1, dtype=np.int32)
    if not release_ms.shape[0] or not spike_ms.shape[0]:
        return out
    spikes = np.ascontiguousarray(spike_ms, dtype=np.float64).view(np.int64)
    releases = np.ascontiguousarray(release_ms, dtype=np.float64).view(np.int64)
    order = np.argsort(spikes, kind="stable")
    ranked = spikes[order]
    pos = np.minimum(np.searchsorted(ranked, releases), ranked.shape[0] - 1)
    hit = ranked[pos] == releases
    out[hit] = order[pos[hit]]
    return out


def _concatenate(arrays: Sequence[NDArray[Any]], dtype: type[np.generic]) -> NDArray[Any]:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype)


def _lengths(arrays: Sequence[NDArray[Any]]) -> NDArray[np.int64]:
    return np.fromiter((a.shape[0] for a in arrays), dtype=np.int64, count=len(arrays))


def prepare_traces(prepared: PreparedTrial, t_ms: ArrayLike, traces: Mapping[str, ArrayLike],
                   spike_times_ms: ArrayLike, traces_t_ms: Mapping[str, ArrayLike] | None) -> None:
    """Check and take the traces (with their time vectors) and the soma spikes of a trial."""
    trial = prepared.trial
    t = np.ascontiguousarray(t_ms, dtype=np.float64)
    if t.ndim != 1:
        raise StoreError(f"trial {trial}: t_ms must be 1-D, got shape {t.shape}")
    own_t = {str(k): np.ascontiguousarray(v, dtype=np.float64) for k, v in (traces_t_ms or {}).items()}
    for key, values in traces.items():
        if not isinstance(key, str) or not key:
            raise StoreError(f"trial {trial}: recording keys must be non-empty strings, got {key!r}")
        v = np.ascontiguousarray(values, dtype=np.float64)
        tk = own_t.get(key, t)
        if v.ndim != 1 or tk.ndim != 1 or v.shape[0] != tk.shape[0]:
            raise StoreError(f"trial {trial}: trace {key!r} has shape {v.shape}, its time vector {tk.shape}; "
                             "they must be 1-D of equal length")
        prepared.traces.append((key, tk, v))
    unknown = sorted(set(own_t) - {k for k, _, _ in prepared.traces})
    if unknown:
        raise StoreError(f"trial {trial}: traces_t_ms names keys without a trace: {unknown}")
    prepared.columns[("spikes", "time_ms")] = np.asarray(spike_times_ms, dtype=np.float64).reshape(-1)


def network_rows(network: Network, populations: NameCodes, labels: NameCodes, synapses: SynapseRows) -> NetworkRows:
    """Synapse row of every synapse of ``network`` (population after population), the offsets of
    the populations in that array and their codes; new names and synapses become pending."""
    pops = network.populations
    codes = np.array([populations.code_of(p.name) for p in pops], dtype=np.int16)
    sizes = np.array([len(p.synapses) for p in pops], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    if int(sizes.max(initial=0)) > INT32.max + 1:
        raise StoreError("a population has more synapses than a synapse ID can count")
    flat = _concatenate
    columns = {
        "population": np.repeat(codes, sizes),
        "synapse_id": flat([np.arange(n, dtype=np.int32) for n in sizes.tolist()], np.int32),
        "soma_distance_um": flat([p.synapses.soma_distance_um for p in pops], np.float64),
        "section_id": _as_int(flat([p.synapses.section_id for p in pops], np.int64), np.int32, -1,
                              "network synapses' section_id"),
        "section_pt_id": _as_int(flat([p.synapses.section_pt_id for p in pops], np.int64), np.int32, -1,
                                 "network synapses' section_pt_id"),
        "label": labels.codes(np.array([label for p in pops for label in p.synapses.labels], dtype=object)),
    }
    return synapses.rows_of(columns), offsets, codes


def _source_codes(trial_input: TrialInput, sources: NameCodes) -> NDArray[np.int16]:
    """The stored spike-source code of every presynaptic spike (−1: not known), population after population."""
    parts = []
    for p in trial_input.populations:
        tags = p.presynaptic_sources
        if not p.sources_known:  # e.g. replayed input
            parts.append(np.full(p.presynaptic_times_ms.shape[0], -1, dtype=np.int16))
            continue
        used = np.unique(tags)
        table = np.full(int(used.max(initial=0)) + 1, -1, dtype=np.int16)
        for code in used.tolist():
            table[code] = sources.code_of(SPIKE_SOURCES[code])
        parts.append(table[tags.astype(np.intp)])
    return _concatenate(parts, np.int16)


def input_of_result(prepared: PreparedTrial, trial_input: TrialInput, names: Sequence[str],
                    rows: NetworkRows, sources: NameCodes) -> None:
    """Take the presynaptic spikes (with their spike-source tags) and synapse activations of a realised
    input drawn for the network whose populations are ``names`` and whose synapse rows are ``rows``
    (:func:`network_rows`)."""
    trial = prepared.trial
    rows_of_synapse, offsets, codes = rows
    inputs = trial_input.populations
    flat, sizes = _concatenate, _lengths
    # presynaptic spikes: population after population, cells in index order
    spike_times = [p.presynaptic_times_ms for p in inputs]
    cell_counts = [p.presynaptic_counts for p in inputs]
    spike_ms = flat(spike_times, np.float64)
    per_cell = flat(cell_counts, np.int64)
    n_cells = sizes(cell_counts)
    if int(per_cell.sum()) != spike_ms.shape[0] or np.any(per_cell < 0):
        raise StoreError(f"trial {trial}: presynaptic spike counts do not add up to the spike times")
    if int(n_cells.max(initial=0)) > INT32.max + 1:
        raise StoreError(f"trial {trial}: presynaptic cell IDs beyond {INT32.max}")
    cell = np.arange(per_cell.shape[0], dtype=np.int64) - np.repeat(np.cumsum(n_cells) - n_cells, n_cells)
    prepared.columns[("presynaptic_spikes", "source")] = _source_codes(trial_input, sources)
    prepared.columns[("presynaptic_spikes", "population")] = np.repeat(codes, sizes(spike_times))
    prepared.columns[("presynaptic_spikes", "cell_id")] = np.repeat(cell, per_cell)
    prepared.columns[("presynaptic_spikes", "time_ms")] = spike_ms
    # synapse activations: population after population, synapse IDs ascending
    active = [p.synapse_ids for p in inputs]
    n_active = sizes(active)
    ids = flat(active, np.int64)
    counts = flat([p.release_counts for p in inputs], np.int64)
    release_ms = flat([p.release_flat_ms for p in inputs], np.float64)
    n_synapses = np.diff(offsets)
    bad = (ids < 0) | (ids >= np.repeat(n_synapses, n_active))
    if bad.any():
        first_bad = int(np.flatnonzero(bad)[0])
        pop = int(np.searchsorted(np.cumsum(n_active), first_bad, side="right"))
        raise StoreError(f"trial {trial}: synapse {int(ids[first_bad])} of population {names[pop]!r} does not "
                         f"exist ({int(n_synapses[pop])} synapses)")
    per_population = np.diff(np.concatenate([[0], np.cumsum(counts)])[np.cumsum(n_active)], prepend=0)
    if np.any(counts < 0) or not np.array_equal(per_population, sizes([p.release_flat_ms for p in inputs])):
        raise StoreError(f"trial {trial}: release counts do not add up to the release times")
    synapse = rows_of_synapse[np.repeat(ids + np.repeat(offsets[:-1], n_active), counts)]
    _set_activations(prepared, synapse, release_ms, spike_ms)
    prepared.has_input = True


def _long_columns(trial: int, name: str, columns: Mapping[str, ArrayLike] | None,
                  fields: Sequence[str]) -> dict[str, NDArray[Any]]:
    if columns is None:
        return {c: np.zeros(0, dtype=object if c in ("population", "label") else np.float64) for c in fields}
    missing = [c for c in fields if c not in columns]
    if missing:
        raise StoreError(f"trial {trial}: {name} columns lack {missing} (need {list(fields)})")
    arrays = {c: np.asarray(columns[c]).reshape(-1) for c in fields}
    n = arrays["time_ms"].shape[0]
    bad = {c: a.shape[0] for c, a in arrays.items() if a.shape[0] != n}
    if bad:
        raise StoreError(f"trial {trial}: {name} columns differ in length ({n} times, {bad})")
    return arrays


def input_of_columns(prepared: PreparedTrial, activations: Mapping[str, ArrayLike] | None,
                     presynaptic: Mapping[str, ArrayLike] | None, populations: NameCodes, labels: NameCodes,
                     sources: NameCodes, synapses: SynapseRows) -> None:
    """Take long-form synapse activations and presynaptic spikes (``None``: not known; an optional
    ``source`` column of the presynaptic spikes holds their spike-source tags, missing values: not known)."""
    trial = prepared.trial
    acts = _long_columns(trial, "synapse_activations", activations, ACTIVATION_COLUMNS)
    pres = _long_columns(trial, "presynaptic_spikes", presynaptic, PRESYNAPTIC_COLUMNS)
    spike_ms = pres["time_ms"].astype(np.float64)
    tags = None if presynaptic is None or "source" not in presynaptic else np.asarray(presynaptic["source"]).reshape(-1)
    if tags is not None and tags.shape[0] != spike_ms.shape[0]:
        raise StoreError(f"trial {trial}: presynaptic_spikes columns differ in length ({spike_ms.shape[0]} times, "
                         f"{tags.shape[0]} sources)")
    prepared.columns[("presynaptic_spikes", "source")] = (
        np.full(spike_ms.shape[0], -1, np.int16) if tags is None else sources.codes(tags, missing_ok=True))
    prepared.columns[("presynaptic_spikes", "population")] = populations.codes(pres["population"])
    prepared.columns[("presynaptic_spikes", "cell_id")] = _as_int(pres["cell_id"], np.int32, trial,
                                                                  "presynaptic_spikes.cell_id")
    prepared.columns[("presynaptic_spikes", "time_ms")] = spike_ms
    synapse_columns = {
        "population": populations.codes(acts["population"]),
        "synapse_id": _as_int(acts["synapse_id"], np.int32, trial, "synapse_activations.synapse_id"),
        "soma_distance_um": acts["soma_distance_um"].astype(np.float64),
        "section_id": _as_int(acts["section_id"], np.int32, trial, "synapse_activations.section_id"),
        "section_pt_id": _as_int(acts["section_pt_id"], np.int32, trial, "synapse_activations.section_pt_id"),
        "label": labels.codes(acts["label"]),
    }
    rows = synapses.rows_of(synapse_columns)
    _set_activations(prepared, rows, acts["time_ms"].astype(np.float64), spike_ms)
    prepared.has_input = activations is not None


def _set_activations(prepared: PreparedTrial, synapse: NDArray[np.int32], release_ms: NDArray[np.float64],
                     spike_ms: NDArray[np.float64]) -> None:
    if spike_ms.shape[0] > INT32.max + 1:
        raise StoreError(f"trial {prepared.trial}: more presynaptic spikes than a row number can count")
    spike_row = _spike_rows(release_ms, spike_ms)
    prepared.columns[("synapse_activations", "synapse")] = synapse
    prepared.columns[("synapse_activations", "presynaptic_row")] = spike_row
    prepared.columns[("synapse_activations", "time_ms")] = np.where(spike_row >= 0, 0.0, release_ms)
