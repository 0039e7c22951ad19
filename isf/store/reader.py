"""Reading a store into pandas frames: every frame indexed by trial and sorted by it, whatever order
the trials were appended in; population and label columns categorical with sorted categories (the
names occurring in the frame). See ``docs/store_format.md`` (reading).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from isf.errors import StoreError, UnknownNameError
from isf.store.blob_codec import read_blobs, unpack, unpack_parts
from isf.store.index import StoreIndex
from isf.store.layout import (
    ACT_ROW,
    ACT_SYNAPSE,
    ACT_TIME,
    COUNT_OF,
    FRAME_KEYS,
    KEY,
    N_SAMPLES,
    NBYTES,
    OFFSET,
    PRE_CELL,
    PRE_POPULATION,
    PRE_SOURCE,
    PRE_TIME,
    T_NBYTES,
    T_OFFSET,
    TRACE_COLUMN,
    TRIAL,
    TRIAL_COLUMNS,
)
from isf.store.names import categorical

__all__ = ["ACTIVATION_COLUMNS", "Reader", "TraceBlobs"]

#: Columns of ``store["synapse_activations"]``, in order.
ACTIVATION_COLUMNS = ("population", "synapse_id", "soma_distance_um", "section_id", "section_pt_id", "label",
                      "time_ms")


def _trial_index(trials: NDArray[np.int64], counts: NDArray[np.int64]) -> pd.Index:
    return pd.Index(np.repeat(trials.astype(np.int64), counts), name="trial")


class TraceBlobs(NamedTuple):
    """The traces of one recording of some trials as stored (see :meth:`Reader.trace_blobs`)."""

    trials: NDArray[np.int64]
    #: the sample times they share, ms
    t_ms: NDArray[np.float64]
    views: list[memoryview]

    def decode(self) -> NDArray[np.float64]:
        """The samples, trials × samples (float64)."""
        bits = np.empty((len(self.views), self.t_ms.shape[0]), dtype=np.int64)
        for i, view in enumerate(self.views):
            unpack(TRACE_COLUMN, view, bits[i])
        return bits.view(np.float64)


class Reader:
    """Frames and traces of a store (main file and journal, as listed by ``index``)."""

    def __init__(self, index: StoreIndex) -> None:
        self.index = index

    def keys(self, soma_key: str) -> list[str]:
        """Keys of :meth:`frame` (``voltage_traces`` if the soma recording ``soma_key`` has traces)."""
        out = [k for k in FRAME_KEYS if k != "voltage_traces"]
        if soma_key in self.index.keys():
            out.append("voltage_traces")
        return out

    def rows(self, trials: Sequence[int] | None = None) -> NDArray[np.void]:
        """The ``trials`` rows of the completed trials (of those in ``trials`` only, if given), sorted by trial."""
        rows = self.index.rows()
        if trials is None:
            return rows
        return rows[np.isin(rows["trial"], np.asarray(trials, dtype=np.int64))]

    def frame(self, key: str, soma_key: str, trials: Sequence[int] | None = None,
              columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The frame ``store[key]`` (of the completed trials among ``trials`` only, if given: reads
        only their blobs; of ``columns`` only, if given: the activations then decode only the blobs
        those need).

        Raises:
            KeyError: no such frame (listing the keys and the recordings), or no such column.
        """
        if columns is not None:
            if key == "synapse_activations":
                return self._activations(self.rows(trials), list(columns))
            frame = self.frame(key, soma_key, trials)
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise UnknownNameError(f"{key!r} has no columns {missing}; it has {list(frame.columns)}")
            return frame[list(columns)]
        rows = self.rows(trials)
        if key == "spike_times":
            return self._spike_times(rows)
        if key == "spikes":
            return pd.DataFrame({"time_ms": self.index.spike_times(rows)},
                                index=_trial_index(rows["trial"], rows["n_spikes"]))
        if key == "synapse_activations":
            return self._activations(rows)
        if key == "presynaptic_spikes":
            return self._presynaptic(rows)
        if key == "trials":
            return self._trials(rows)
        if key == "voltage_traces":
            return self.traces(soma_key, trials)
        raise UnknownNameError(f"{key!r}: a run store has {', '.join(self.keys(soma_key))}; other recordings via "
                       f".traces(key) for key in {self.index.keys()}")

    def _trial_columns(self, rows: NDArray[np.void], which: Sequence[int]) -> list[NDArray[Any]]:
        """Columns ``TRIAL_COLUMNS[i]`` of the trials of ``rows``, trial after trial."""
        starts = rows["offset"][:, None] + np.cumsum(rows["nbytes"], axis=1) - rows["nbytes"]
        ranges = [(int(starts[t, i]), int(rows["nbytes"][t, i])) for i in which for t in range(rows.shape[0])]
        views = iter(read_blobs(self.index.heap, ranges, self.index.path))
        return [unpack_parts(TRIAL_COLUMNS[i], views, rows[COUNT_OF[TRIAL_COLUMNS[i].group]]) for i in which]

    def _trials(self, rows: NDArray[np.void]) -> pd.DataFrame:
        return pd.DataFrame(
            {"n_spikes": rows["n_spikes"], "wall_s": rows["wall_s"],
             "finished_at": [b.decode() for b in rows["finished_at"].tolist()], "has_input": rows["has_input"]},
            index=pd.Index(rows["trial"], name="trial"))

    def _presynaptic(self, rows: NDArray[np.void]) -> pd.DataFrame:
        population, cell, time, source = self._trial_columns(rows, [PRE_POPULATION, PRE_CELL, PRE_TIME, PRE_SOURCE])
        return pd.DataFrame({
            "population": categorical(population, self.index.name_list("populations")),
            "cell_id": cell.astype(np.int64),
            "time_ms": time,
            "source": categorical(source, self.index.name_list("sources")),
        }, index=_trial_index(rows["trial"], rows["n_presynaptic"]))

    def _activations(self, rows: NDArray[np.void], columns: Sequence[str] = ACTIVATION_COLUMNS) -> pd.DataFrame:
        missing = [c for c in columns if c not in ACTIVATION_COLUMNS]
        if missing:
            raise UnknownNameError(f"'synapse_activations' has no columns {missing}; it has {list(ACTIVATION_COLUMNS)}")
        if "time_ms" in columns:
            spike_ms, synapse, spike_row, time = self._trial_columns(rows, [PRE_TIME, ACT_SYNAPSE, ACT_ROW, ACT_TIME])
        else:  # the synapse rows alone give every other column
            (synapse,) = self._trial_columns(rows, [ACT_SYNAPSE])
            spike_row = np.zeros(0, dtype=np.int32)
        linked = spike_row >= 0
        if linked.any():
            limit = np.repeat(rows["n_presynaptic"], rows["n_activations"])
            if np.any(spike_row >= limit):
                raise StoreError(f"{self.index.path}: an activation refers to a missing presynaptic spike "
                                 "(damaged file)")
            base = np.repeat(np.cumsum(rows["n_presynaptic"]) - rows["n_presynaptic"], rows["n_activations"])
            time[linked] = spike_ms[base[linked] + spike_row[linked]]
        synapses = self.index.synapse_table()
        if synapse.shape[0] and (synapse.min() < 0 or synapse.max() >= synapses["population"].shape[0]):
            raise StoreError(f"{self.index.path}: an activation refers to a missing synapse row (damaged file)")
        make = {
            "population": lambda: categorical(synapses["population"][synapse], self.index.name_list("populations")),
            "synapse_id": lambda: synapses["synapse_id"][synapse].astype(np.int64),
            "soma_distance_um": lambda: synapses["soma_distance_um"][synapse],
            "section_id": lambda: synapses["section_id"][synapse].astype(np.int64),
            "section_pt_id": lambda: synapses["section_pt_id"][synapse].astype(np.int64),
            "label": lambda: categorical(synapses["label"][synapse], self.index.name_list("labels")),
            "time_ms": lambda: time,
        }
        return pd.DataFrame({name: make[name]() for name in columns},
                            index=_trial_index(rows["trial"], rows["n_activations"]))

    def _spike_times(self, rows: NDArray[np.void]) -> pd.DataFrame:
        times = self.index.spike_times(rows)
        counts = rows["n_spikes"].astype(np.int64)
        width = int(counts.max()) if counts.size else 0
        values = np.full((counts.shape[0], width), np.nan)
        row_of = np.repeat(np.arange(counts.shape[0]), counts)
        values[row_of, np.arange(row_of.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)] = times
        return pd.DataFrame(values, index=pd.Index(rows["trial"], name="trial"), columns=pd.RangeIndex(width))

    def _index_rows(self, key: str, trials: Sequence[int] | None = None) -> NDArray[np.int64]:
        keys = self.index.keys()
        if key not in keys:
            raise UnknownNameError(f"no traces of {key!r}; stored recording keys: {keys}")
        index = self.index.trace_rows()
        index = index[(index[:, KEY] == keys.index(key)) & np.isin(index[:, TRIAL], self.rows(trials)["trial"])]
        return index[np.argsort(index[:, TRIAL], kind="stable")]

    def trials_with_trace(self, key: str) -> NDArray[np.int64]:
        """The completed trials with a trace of recording ``key``."""
        return self._index_rows(key)[:, TRIAL]

    def _read_samples(self, ranges: Sequence[tuple[int, int]], lengths: Sequence[int]) -> list[NDArray[np.float64]]:
        out = []
        for view, n in zip(read_blobs(self.index.heap, ranges, self.index.path), lengths):
            bits = np.empty(n, dtype=np.int64)
            unpack(TRACE_COLUMN, view, bits)
            out.append(bits.view(np.float64))
        return out

    def trace_blobs(self, key: str, trials: Sequence[int] | None = None) -> TraceBlobs:
        """The stored bytes of a recording's traces (of the completed trials among ``trials`` only, if
        given), not decoded: :meth:`TraceBlobs.decode` needs no file, so readers that serialise file
        access (the study view's threads) decode outside their lock, in parallel."""
        rows = self._index_rows(key, trials)
        if not rows.shape[0]:
            return TraceBlobs(rows[:, TRIAL], np.zeros(0), [])
        n = int(rows[0, N_SAMPLES])
        t_blobs = sorted({(int(o), int(b)) for o, b in rows[:, [T_OFFSET, T_NBYTES]].tolist()})
        if np.any(rows[:, N_SAMPLES] != n):
            t_vectors = []
        else:
            t_vectors = self._read_samples(t_blobs, [n] * len(t_blobs))
        if not t_vectors or any(not np.array_equal(t, t_vectors[0]) for t in t_vectors[1:]):
            raise StoreError(f"the trials of {key!r} have different time vectors (variable time step); "
                             f"read them one by one with store.trace({key!r}, trial)")
        views = read_blobs(self.index.heap, [(int(o), int(b)) for o, b in rows[:, [OFFSET, NBYTES]].tolist()],
                           self.index.path)
        return TraceBlobs(rows[:, TRIAL], t_vectors[0], views)

    def traces(self, key: str, trials: Sequence[int] | None = None) -> pd.DataFrame:
        """Traces of a recording: index trial, columns = the time values (ms) (see
        :meth:`isf.store.RunStore.traces`); of the completed trials among ``trials`` only, if given."""
        blobs = self.trace_blobs(key, trials)
        return pd.DataFrame(blobs.decode(), index=pd.Index(blobs.trials, name="trial"),
                            columns=pd.Index(blobs.t_ms, name="t_ms"))

    def trace(self, key: str, trial: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``(t_ms, values)`` of one trial's recording ``key``."""
        rows = self._index_rows(key)
        hit = rows[rows[:, TRIAL] == int(trial)]
        if not hit.shape[0]:
            raise UnknownNameError(f"trial {trial} has no stored trace {key!r}")
        n = int(hit[0, N_SAMPLES])
        t, v = self._read_samples([(int(hit[0, T_OFFSET]), int(hit[0, T_NBYTES])),
                                   (int(hit[0, OFFSET]), int(hit[0, NBYTES]))], [n, n])
        return t, v
