"""One HDF5 file per run (PyTables): spikes, synapse activations, presynaptic spikes, traces, provenance.

Layout (``format = "isf-run-store"``, ``format_version = 2``)::

    /                   attributes: format, format_version, isf_version, neuron_version, python_version,
                        numpy_version, pandas_version, tables_version, hdf5_version, blosc2_version,
                        run_seed, n_trials, soma_key, created_at (ISO 8601, UTC)
    /provenance/experiment_json   uint8 array: the experiment JSON, xz (attribute ``codec``); with
                        attribute ``synapse_token`` the network's synapse columns are left out of the
                        text and rebuilt from /synapses (see below)
    /provenance/extra_json        uint8 array: the ``extra`` dict given to :meth:`RunStore.create`, xz
    /provenance/files/f<i>        uint8 array: a provenance file (attribute ``name``), xz
    /populations        string array (UTF-8, ≤ 32 bytes): population names; a population's code is its position
    /labels             string array (UTF-8, ≤ 24 bytes): dendrite labels; code = position
    /blobs              uint8 array: the data, as Blosc2-compressed blocks ("blobs", see below)
    /trials             table, one row per *completed* trial, written last: trial, n_spikes, wall_s,
                        finished_at, has_input, n_presynaptic, n_activations, offset, nbytes[7] — the
                        trial's seven column blobs lie one after the other from ``offset`` in /blobs
    /synapses           int64 array (blocks × 8): n_rows, offset, nbytes[6] — blocks of synapse rows
    /traces             int64 array (traces × 7): trial, key, n_samples, offset, nbytes, t_offset, t_nbytes
                        (attribute ``keys_json``: the recording keys; ``key`` is a position in it)

The numbers are kept column by column in blobs: a blob is one column of one trial (or of one block of
synapses, or one trace) compressed with Blosc2 (``blosc2.compress2`` chunks; self-describing, read
with ``blosc2.decompress2``; columns over 256 MiB are several chunks one after the other). Columns of
a trial, in this order (compression chosen on trials of the C2 network, by size, then by the time to
compress and decompress):

    spikes.time_ms                       float64   zstd 5, shuffle
    presynaptic_spikes.population        int16     zstd 5, shuffle (code)
    presynaptic_spikes.cell_id           int32     zstd 5, bitshuffle, stored as differences
    presynaptic_spikes.time_ms           float64   zstd 5, shuffle
    synapse_activations.synapse          int32     zstd 7, shuffle, differences (row of /synapses)
    synapse_activations.presynaptic_row  int32     zstd 7, shuffle, differences
    synapse_activations.time_ms          float64   zstd 5, shuffle

and of a block of synapses: population int16, synapse_id int32 (differences), soma_distance_um
float64 (zstd 5 without shuffle: synapses at one point repeat their distance), section_id int32,
section_pt_id int32, label int16 (code). "Differences" are taken in the column's integer type
(wrapping) from 0 within the blob; a cumulative sum gives the values back.

Synapse activations are stored compactly. Population, synapse ID, soma distance, section, point and
label of a synapse are one row of the synapses (written from the ``network`` at the first append, or
when a trial brings a synapse not seen yet; the experiment's network goes there when the store is
created); an activation names its row. A release's time is almost always the time of a presynaptic
spike of the same trial: ``presynaptic_row`` is then the position of a spike with bitwise the same
time among the trial's presynaptic spikes and ``time_ms`` is 0, otherwise (e.g. a legacy import
without presynaptic file) ``presynaptic_row`` is −1 and ``time_ms`` holds the time. Readers join both
back.

Traces: the samples of one trial's recording are one blob (zstd 7, shuffle) of the third difference
of their IEEE-754 bit patterns (int64, wrapping): lossless, and small integers for smooth voltages.
A time vector equal to one already stored is not stored again (``t_offset``/``t_nbytes`` point to
the same blob), so fixed-step runs keep one time vector; variable-step trials of different lengths
need no padding.

The experiment JSON is kept exactly (``store.experiment_json`` returns the text given to
:meth:`RunStore.create`). Its biggest part, the network's synapse columns, would repeat /synapses:
if the text is what ``json.dumps`` makes of its data (compact or default separators, keys sorted or
not), the labels, section_id, section_pt_id and soma_distance_um of each population are replaced by a
placeholder ``"<synapse_token>:<column>:<first row>:<rows>"`` and rebuilt from the synapse rows when
read (checked to give back the text before anything is written).

Why blobs rather than HDF5-compressed datasets: a trial's rows are compressed once, when it is
appended; HDF5 chunk compression recompresses the partially filled last chunk at every append and
leaves the space of its earlier versions unused in the file (~10 % of a short run), and its filter
pipeline costs ~0.2 ms per chunk when reading, several times Blosc2's own decompression time.
/blobs itself is uncompressed (its last chunk is rewritten in place).

Atomicity: :meth:`RunStore.append` writes a trial's blobs (and new synapses and names) first, its
``trials`` row last, then flushes once. Readers only use blobs that a ``trials`` row (or a trace of a
completed trial, or a block of synapses) points to, so a trial interrupted by a crash is invisible;
``RunStore.open(path, "a")`` (and resuming through :meth:`RunStore.create`) truncates what such a
trial left (traces rows and bytes at the end of /blobs). A failed ``append`` — an exception — rolls
back everything it wrote. Synapse rows and names left by a crash stay: they describe synapses of the
run. HDF5 is not journaled: a crash *inside* a flush can still damage the file; the store supports
one writer at a time (the process that collects the workers' results).

Reading: ``store["spike_times"]`` (wide, NaN-padded, like the legacy database), ``store["spikes"]``,
``store["synapse_activations"]``, ``store["presynaptic_spikes"]`` (long form), ``store["trials"]``,
``store["voltage_traces"]`` (soma) and :meth:`RunStore.traces` for any recording. Every frame is
indexed by trial and sorted by it, whatever order the trials were appended in; population and label
columns are categorical with sorted categories (the names occurring in the frame).

Files of format 1 (isf before this layout) are refused with a message; run or import them again.
"""

from __future__ import annotations

import datetime
import json
import lzma
import math
import os
import re
import secrets
import sys
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

import blosc2
import numpy as np
import pandas as pd
import tables
from numpy.typing import ArrayLike, NDArray

from isf._version import __version__
from isf.model.network import Network
from isf.model.trial_result import TrialResult

FORMAT = "isf-run-store"
FORMAT_VERSION = 2
#: Default recording key of the soma voltage (``Recording()`` → ``Soma().label``).
SOMA_KEY = "soma"
#: Byte sizes of the names (UTF-8); longer names are refused before anything is written.
POPULATION_SIZE = 32
LABEL_SIZE = 24
_FINISHED_SIZE = 40
_HEAP_CHUNK = 1 << 14
_READ_GAP = 1 << 16
_READ_SPAN = 1 << 25
_PIECE_BYTES = 1 << 28
_T_CACHE = 4
_INT32 = np.iinfo(np.int32)
_INT16 = np.iinfo(np.int16)
_SHUFFLE = blosc2.Filter.SHUFFLE
_BITSHUFFLE = blosc2.Filter.BITSHUFFLE
_NOFILTER = blosc2.Filter.NOFILTER


class _Column(NamedTuple):
    """How one column is kept in its blobs."""

    group: str
    name: str
    dtype: type[np.generic]
    level: int
    filter: blosc2.Filter
    #: order of the differences taken before compressing (0: none)
    delta: int = 0


_TRIAL_COLUMNS = (
    _Column("spikes", "time_ms", np.float64, 5, _SHUFFLE),
    _Column("presynaptic_spikes", "population", np.int16, 5, _SHUFFLE),
    _Column("presynaptic_spikes", "cell_id", np.int32, 5, _BITSHUFFLE, 1),
    _Column("presynaptic_spikes", "time_ms", np.float64, 5, _SHUFFLE),
    _Column("synapse_activations", "synapse", np.int32, 7, _SHUFFLE, 1),
    _Column("synapse_activations", "presynaptic_row", np.int32, 7, _SHUFFLE, 1),
    _Column("synapse_activations", "time_ms", np.float64, 5, _SHUFFLE),
)
_SYNAPSE_COLUMNS = (
    _Column("synapses", "population", np.int16, 5, _SHUFFLE),
    _Column("synapses", "synapse_id", np.int32, 5, _SHUFFLE, 1),
    _Column("synapses", "soma_distance_um", np.float64, 5, _NOFILTER),
    _Column("synapses", "section_id", np.int32, 5, _SHUFFLE),
    _Column("synapses", "section_pt_id", np.int32, 5, _SHUFFLE),
    _Column("synapses", "label", np.int16, 5, _BITSHUFFLE),
)
_SPIKE_TIME, _PRE_POPULATION, _PRE_CELL, _PRE_TIME, _ACT_SYNAPSE, _ACT_ROW, _ACT_TIME = range(len(_TRIAL_COLUMNS))
#: Trace samples: IEEE bit patterns (int64), third differences.
_TRACE_COLUMN = _Column("traces", "samples", np.int64, 7, _SHUFFLE, 3)
_TRACE_ENCODING = "blosc2 zstd 7 shuffle of the third difference of the float64 bit patterns (int64)"
_SYNAPSE_FIELDS = tuple(c.name for c in _SYNAPSE_COLUMNS)
_SYNAPSE_DTYPES = {c.name: c.dtype for c in _SYNAPSE_COLUMNS}
#: Columns of /traces and of /synapses.
_TRACE_INDEX = ("trial", "key", "n_samples", "offset", "nbytes", "t_offset", "t_nbytes")
_TRIAL, _KEY, _N_SAMPLES, _OFFSET, _NBYTES, _T_OFFSET, _T_NBYTES = range(len(_TRACE_INDEX))
_SYNAPSE_INDEX = ("n_rows", "offset", *(f"nbytes_{name}" for name in _SYNAPSE_FIELDS))
#: Row counts of the trial columns' groups, by trials-table column.
_COUNT_OF = {"spikes": "n_spikes", "presynaptic_spikes": "n_presynaptic", "synapse_activations": "n_activations"}
_NAME_LISTS = {"populations": POPULATION_SIZE, "labels": LABEL_SIZE}
#: One synapse row as bytes (for recognising a synapse already stored).
_SYNAPSE_RECORD = np.dtype([("population", "<i2"), ("synapse_id", "<i4"), ("soma_distance_um", "<i8"),
                            ("section_id", "<i4"), ("section_pt_id", "<i4"), ("label", "<i2")])
#: Network synapse columns in the experiment JSON that the synapse rows hold (JSON key → column).
_JSON_SYNAPSE_COLUMNS = (("labels", "label"), ("section_id", "section_id"), ("section_pt_id", "section_pt_id"),
                         ("soma_distance_um", "soma_distance_um"))
_ACTIVATION_COLUMNS = ("population", "synapse_id", "soma_distance_um", "section_id", "section_pt_id", "label",
                      "time_ms")
_PRESYNAPTIC_COLUMNS = ("population", "cell_id", "time_ms")
FRAME_KEYS = ("spike_times", "spikes", "synapse_activations", "presynaptic_spikes", "trials", "voltage_traces")


class _Trials(tables.IsDescription):
    trial = tables.Int64Col(pos=0)
    n_spikes = tables.Int64Col(pos=1)
    wall_s = tables.Float64Col(pos=2)
    finished_at = tables.StringCol(_FINISHED_SIZE, pos=3)
    has_input = tables.BoolCol(pos=4)
    n_presynaptic = tables.Int64Col(pos=5)
    n_activations = tables.Int64Col(pos=6)
    offset = tables.Int64Col(pos=7)
    nbytes = tables.Int64Col(shape=(len(_TRIAL_COLUMNS),), pos=8)


# ---------------------------------------------------------------------------------------------- blobs


def _pack(column: _Column, values: NDArray[Any]) -> bytes:
    """The blob of a column (empty for no values)."""
    if column is _TRACE_COLUMN:
        a = np.ascontiguousarray(values, dtype=np.float64).view(np.int64)
    else:
        a = np.ascontiguousarray(values, dtype=column.dtype)
    for _ in range(column.delta):
        a = np.diff(a, prepend=a.dtype.type(0))
    step = max(1, _PIECE_BYTES // a.itemsize)
    return b"".join(blosc2.compress2(a[i:i + step], typesize=a.itemsize, codec=blosc2.Codec.ZSTD, clevel=column.level,
                                     filters=[column.filter], nthreads=1) for i in range(0, a.shape[0], step))


def _unpack(column: _Column, blob: memoryview, out: NDArray[Any]) -> None:
    """Decompress a blob into ``out`` (a contiguous slice of the column's dtype; int64 for traces)."""
    target = out.view(np.uint8)
    pos = filled = 0
    while filled < target.shape[0] and pos < len(blob):
        nbytes, cbytes, _ = blosc2.get_cbuffer_sizes(blob[pos:])
        if nbytes > target.shape[0] - filled:
            break
        blosc2.decompress2(blob[pos:pos + cbytes], dst=target[filled:filled + nbytes], nthreads=1)
        pos += cbytes
        filled += nbytes
    if filled != target.shape[0] or pos != len(blob):
        raise ValueError(f"a {column.group}.{column.name} blob does not hold its {out.shape[0]} values "
                         "(damaged file)")
    for _ in range(column.delta):
        np.cumsum(out, dtype=out.dtype, out=out)


# ---------------------------------------------------------------------------------------------- helpers


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")


def _neuron_version() -> str:
    module = sys.modules.get("neuron")
    if module is None:
        try:
            import neuron as module  # noqa: PLC0415  (lazy: NEURON is heavy and optional here)
        except Exception:  # noqa: BLE001  (any failure to load NEURON means: unknown)
            return "unknown"
    return str(getattr(module, "__version__", "unknown"))


def _versions() -> dict[str, str]:
    return {
        "isf_version": __version__,
        "neuron_version": _neuron_version(),
        "python_version": sys.version.split()[0],
        "numpy_version": np.__version__,
        "pandas_version": pd.__version__,
        "tables_version": tables.__version__,
        "hdf5_version": tables.hdf5_version,
        "blosc2_version": blosc2.__version__,
    }


def _first_difference(stored: Any, requested: Any, path: str = "experiment") -> str | None:
    """Where two JSON values first differ, in words (``None`` if equal)."""
    if isinstance(stored, dict) and isinstance(requested, dict):
        for key in sorted(set(stored) | set(requested), key=str):
            if key not in stored:
                return f"{path}.{key} is new (requested {_short(requested[key])})"
            if key not in requested:
                return f"{path}.{key} is missing (stored {_short(stored[key])})"
            found = _first_difference(stored[key], requested[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(stored, list) and isinstance(requested, list):
        for i, (a, b) in enumerate(zip(stored, requested)):
            found = _first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        if len(stored) != len(requested):
            return f"{path} has {len(stored)} items stored, {len(requested)} requested"
        return None
    if stored != requested or type(stored) is not type(requested):
        return f"{path}: stored {_short(stored)}, requested {_short(requested)}"
    return None


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_name(name: Any, size: int, what: str) -> bytes:
    raw = str(name).encode("utf-8")
    if len(raw) > size or b"\0" in raw or not raw:
        raise ValueError(f"{what} {name!r} cannot be stored: names must be 1..{size} UTF-8 bytes without NUL")
    return raw


def _run_heads(values: NDArray[Any]) -> NDArray[np.intp]:
    n = values.shape[0]
    change = np.empty(n, dtype=bool)
    if n:
        change[0] = True
        change[1:] = values[1:] != values[:-1]
    return np.flatnonzero(change)


def _categorical(codes: NDArray[np.integer], names: Sequence[str]) -> pd.Categorical:
    """Categorical of the names occurring in ``codes``, categories in sorted (Python string) order."""
    codes = np.asarray(codes, dtype=np.intp)
    used = np.flatnonzero(np.bincount(codes, minlength=len(names))) if codes.size else np.zeros(0, np.intp)
    used_names = [names[i] for i in used.tolist()]
    order = sorted(range(len(used_names)), key=used_names.__getitem__)
    remap = np.zeros(max(len(names), 1), dtype=np.int32)
    remap[used[order]] = np.arange(len(order), dtype=np.int32)
    return pd.Categorical.from_codes(remap[codes], [used_names[i] for i in order])


def _as_int(values: NDArray[Any], dtype: type[np.integer], trial: int, what: str) -> NDArray[np.integer]:
    """Integer column, refusing non-integers and values outside ``dtype``."""
    if values.shape[0] and values.dtype.kind not in "iu":
        raise ValueError(f"trial {trial}: {what} must hold integers, got {values.dtype}")
    info = np.iinfo(dtype)
    if values.shape[0] and (values.min() < info.min or values.max() > info.max):
        raise ValueError(f"trial {trial}: {what} outside {info.min}..{info.max}")
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


def _trial_index(trials: NDArray[np.int64], counts: NDArray[np.int64]) -> pd.Index:
    return pd.Index(np.repeat(trials.astype(np.int64), counts), name="trial")


class _Names:
    """A name list (populations or labels) with the codes of names not stored yet."""

    def __init__(self, names: list[str], size: int, what: str) -> None:
        self.code = {name: i for i, name in enumerate(names)}
        self.new: list[str] = []
        self.size = size
        self.what = what

    def code_of(self, name: str) -> int:
        code = self.code.get(name)
        if code is None:
            _check_name(name, self.size, self.what)
            code = len(self.code)
            if code > _INT16.max:
                raise ValueError(f"more than {_INT16.max + 1} {self.what} names")
            self.code[name] = code
            self.new.append(name)
        return code

    def codes(self, values: NDArray[Any]) -> NDArray[np.int16]:
        """Codes of a column of names (vectorised over runs of equal names)."""
        values = np.asarray(values, dtype=object).reshape(-1)
        n = values.shape[0]
        if not n:
            return np.zeros(0, dtype=np.int16)
        heads = _run_heads(values)
        head_codes = np.fromiter((self.code_of(str(v)) for v in values[heads].tolist()), dtype=np.int16,
                                 count=heads.shape[0])
        return np.repeat(head_codes, np.diff(np.append(heads, n)))


class _Synapses:
    """The synapse rows stored so far and the rows a pending append adds."""

    def __init__(self, columns: Mapping[str, NDArray[Any]]) -> None:
        self.columns = columns
        self.n = int(columns["population"].shape[0])
        self._index: dict[bytes, int] | None = None
        self.new: list[dict[str, NDArray[Any]]] = []
        self.n_new = 0

    @staticmethod
    def records(columns: Mapping[str, NDArray[Any]]) -> NDArray[np.void]:
        rec = np.empty(columns["population"].shape[0], dtype=_SYNAPSE_RECORD)
        for field in _SYNAPSE_FIELDS:
            value = columns[field]
            rec[field] = (np.ascontiguousarray(value, dtype=np.float64).view(np.int64) if field == "soma_distance_um"
                          else value)
        return rec.view(np.dtype((np.void, _SYNAPSE_RECORD.itemsize)))

    def rows_of(self, columns: Mapping[str, NDArray[Any]]) -> NDArray[np.int32]:
        """Row of every given synapse (bitwise equal in every column), adding new ones to the pending rows."""
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
            if start + take.shape[0] - 1 > _INT32.max:
                raise ValueError(f"more than {_INT32.max + 1} synapses")
            rows[take] = start + np.arange(take.shape[0])
            self.new.append({f: np.asarray(columns[f])[first[take]] for f in _SYNAPSE_FIELDS})
            for j, i in enumerate(take.tolist(), start=start):
                index[unique_bytes[i]] = j
            self.n_new += take.shape[0]
        return rows[inverse.reshape(-1)].astype(np.int32)

    def pending(self) -> dict[str, NDArray[Any]] | None:
        if not self.new:
            return None
        return {f: np.concatenate([part[f] for part in self.new]).astype(_SYNAPSE_DTYPES[f]) for f in _SYNAPSE_FIELDS}


class _Prepared:
    """One validated trial, ready to be written."""

    def __init__(self, trial: int) -> None:
        self.trial = trial
        self.columns: dict[tuple[str, str], NDArray[Any]] = {}
        self.traces: list[tuple[str, NDArray[np.float64], NDArray[np.float64]]] = []
        self.new_names: dict[str, list[str]] = {"populations": [], "labels": []}
        self.new_synapses: dict[str, NDArray[Any]] | None = None
        self.has_input = False

    def count(self, group: str) -> int:
        column = next(c for c in _TRIAL_COLUMNS if c.group == group)
        return int(self.columns[(group, column.name)].shape[0])


# ---------------------------------------------------------------------------------------------- texts


def _write_text(h5: tables.File, group: tables.Group, name: str, text: str) -> tables.Leaf:
    """Keep a text as xz (LZMA2 preset 9, with a dictionary no larger than the text: the result of
    plain preset 9 without its 674 MiB of memory)."""
    raw = text.encode("utf-8")
    dict_size = int(min(1 << 26, max(1 << 16, 1 << max(len(raw) - 1, 1).bit_length())))
    data = lzma.compress(raw, format=lzma.FORMAT_XZ,
                         filters=[{"id": lzma.FILTER_LZMA2, "preset": 9, "dict_size": dict_size}])
    node = h5.create_array(group, name, obj=np.frombuffer(data, dtype=np.uint8))
    node._v_attrs.codec = "xz"
    return node


def _read_text(node: tables.Leaf) -> str:
    codec = str(node._v_attrs.codec)
    if codec != "xz":
        raise ValueError(f"{node._v_pathname}: unknown text codec {codec!r}")
    return lzma.decompress(np.asarray(node.read(), dtype=np.uint8).tobytes()).decode("utf-8")


_JSON_FORMATS = (
    {"sort_keys": True, "separators": (",", ":")},
    {"sort_keys": False, "separators": (",", ":")},
    {"sort_keys": False, "separators": (", ", ": ")},
    {"sort_keys": True, "separators": (", ", ": ")},
)


def _json_format(data: Any, text: str) -> dict[str, Any] | None:
    """The ``json.dumps`` arguments that turn ``data`` into exactly ``text`` (``None``: none tried does)."""
    compact = '":' in text[:4096] and '": ' not in text[:4096]
    candidates = [f for f in _JSON_FORMATS if (f["separators"][1] == ":") == compact]
    candidates += [f for f in _JSON_FORMATS if f not in candidates]
    for ensure_ascii in ((True,) if text.isascii() else (False, True)):
        for fmt in candidates:
            if json.dumps(data, ensure_ascii=ensure_ascii, **fmt) == text:
                return {**fmt, "ensure_ascii": ensure_ascii}
    return None


def _json_populations(data: Any) -> list[tuple[int, str, dict[str, list[Any]]]]:
    """(index, name, synapse columns) of the network populations in an experiment's JSON data whose
    synapse columns the synapse rows can hold exactly."""
    value = data.get("value") if isinstance(data, dict) and data.get("type") == "Experiment" else None
    network = value.get("network") if isinstance(value, dict) else None
    populations = network.get("populations") if isinstance(network, dict) else None
    if not isinstance(populations, list):
        return []
    out = []
    seen: set[str] = set()
    for i, pop in enumerate(populations):
        if not isinstance(pop, dict) or not isinstance(pop.get("name"), str) or pop["name"] in seen:
            continue
        synapses = pop.get("synapses")
        if not isinstance(synapses, dict):
            continue
        columns = {key: synapses.get(key) for key, _ in _JSON_SYNAPSE_COLUMNS}
        if not all(isinstance(c, list) for c in columns.values()):
            continue
        n = len(columns["labels"])
        if any(len(c) != n for c in columns.values()):
            continue
        ok = (all(type(v) is str for v in columns["labels"])
              and all(type(v) is float for v in columns["soma_distance_um"])
              and all(type(v) is int and _INT32.min <= v <= _INT32.max
                      for key in ("section_id", "section_pt_id") for v in columns[key]))
        if not ok:
            continue
        try:
            _check_name(pop["name"], POPULATION_SIZE, "population")
            for label in set(columns["labels"]):
                _check_name(label, LABEL_SIZE, "label")
        except ValueError:
            continue
        seen.add(pop["name"])
        out.append((i, pop["name"], columns))
    return out


def _fill_synapse_columns(skeleton: str, token: str, synapses: Mapping[str, NDArray[Any]], labels: Sequence[str],
                          fmt: Mapping[str, Any]) -> str:
    """The experiment JSON: ``skeleton`` with its placeholders replaced by synapse columns."""
    separators = (str(fmt["item_separator"]), str(fmt["key_separator"]))
    ensure_ascii = bool(fmt["ensure_ascii"])

    def text_of(match: re.Match[str]) -> str:
        column = _JSON_SYNAPSE_COLUMNS[int(match.group(1))][1]
        start, n = int(match.group(2)), int(match.group(3))
        values = synapses[column][start:start + n]
        if values.shape[0] != n:
            raise ValueError(f"the store has no synapse rows {start}..{start + n - 1} the experiment JSON refers to")
        items = [labels[c] for c in values.tolist()] if column == "label" else values.tolist()
        return json.dumps(items, separators=separators, ensure_ascii=ensure_ascii)

    return re.sub('"' + re.escape(token) + r':(\d+):(\d+):(\d+)"', text_of, skeleton)


# ---------------------------------------------------------------------------------------------- the store


class RunStore:
    """The HDF5 file of one run. Create with :meth:`create`, read with :meth:`open`; use as a context
    manager. See the module documentation for the layout and the guarantees."""

    def __init__(self, h5: tables.File, path: Path, mode: str) -> None:
        self._h5 = h5
        self.path = path
        self.mode = mode
        self._t_cache: list[tuple[NDArray[np.float64], int, int]] = []
        self._trial_rows: NDArray[np.void] | None = None
        self._names: dict[str, list[str]] | None = None
        self._synapses: dict[str, NDArray[Any]] | None = None
        #: networks whose synapses are stored: (network, synapse row of each of its synapses, offsets, codes)
        self._networks: list[tuple[Network, NDArray[np.int32], NDArray[np.int64], NDArray[np.int16]]] = []

    # ------------------------------------------------------------------ creating and opening

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, experiment_json: str, run_seed: int, n_trials: int,
               extra: Mapping[str, Any] | None = None, soma_key: str = SOMA_KEY) -> RunStore:
        """A new store for one run, opened for appending.

        If ``path`` already holds the store of the same run (same experiment JSON — compared as
        parsed JSON —, seed and number of trials), it is opened for resuming instead
        (:meth:`completed_trials` tells what is left to do); ``extra`` and ``soma_key`` are then not
        compared, the stored ones stay. A new file is built under a temporary name and linked into
        place, so ``path`` never holds a half-initialised store and is never overwritten.

        Args:
            experiment_json: the experiment as JSON text (``json.dumps(to_data(experiment))``).
            run_seed: the run's seed.
            n_trials: number of trials of the run (trial indices 0 … n_trials − 1).
            extra: further JSON-able provenance (host, command line …).
            soma_key: recording key of the soma voltage (``store["voltage_traces"]``).

        Raises:
            FileExistsError: ``path`` holds something else (another run, naming what differs, or not
                a store).
            ValueError: ``experiment_json`` is not JSON, ``n_trials`` is negative, or ``extra`` cannot be
                written as JSON.
            TypeError: ``run_seed`` is not an int.
        """
        path = Path(path)
        try:
            requested = json.loads(experiment_json)
        except (TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"experiment_json is not JSON text: {exc}") from None
        if isinstance(run_seed, bool) or not isinstance(run_seed, (int, np.integer)):
            raise TypeError(f"run_seed must be an int, got {run_seed!r}")
        if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 0:
            raise ValueError(f"n_trials must be an int >= 0, got {n_trials!r}")
        try:
            extra_json = json.dumps(dict(extra or {}), sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"extra must be JSON-able: {exc}") from None
        if path.exists():
            cls._check_same_run(path, experiment_json, requested, int(run_seed), int(n_trials))
            return cls.open(path, "a")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            with tables.open_file(str(tmp), "w", title=f"isf run (seed {int(run_seed)})") as h5:
                cls._initialise(h5, experiment_json, requested, int(run_seed), int(n_trials), extra_json, soma_key)
            try:
                os.link(tmp, path)  # fails if someone created path meanwhile: never overwrite
            except FileExistsError:
                cls._check_same_run(path, experiment_json, requested, int(run_seed), int(n_trials))
            except OSError:
                os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return cls.open(path, "a")

    @classmethod
    def _check_same_run(cls, path: Path, text: str, requested: Any, run_seed: int, n_trials: int) -> None:
        try:
            existing = cls.open(path, "r")
        except (OSError, ValueError, tables.HDF5ExtError) as exc:
            raise FileExistsError(f"{path} exists and is not an isf run store ({exc}); choose another path "
                                  "or remove the file") from None
        with existing:
            differences = []
            if existing.run_seed != run_seed:
                differences.append(f"run_seed: stored {existing.run_seed}, requested {run_seed}")
            if existing.n_trials != n_trials:
                differences.append(f"n_trials: stored {existing.n_trials}, requested {n_trials}")
            stored = existing.experiment_json
            found = None if stored == text else _first_difference(json.loads(stored), requested)
            if found:
                differences.append(found)
        if differences:
            raise FileExistsError(f"{path} holds a different run ({'; '.join(differences)}); choose another path, "
                                  "or remove the file to start over")

    @classmethod
    def _initialise(cls, h5: tables.File, experiment_json: str, requested: Any, run_seed: int, n_trials: int,
                    extra_json: str, soma_key: str) -> None:
        root = h5.root._v_attrs
        root.format = FORMAT
        root.format_version = FORMAT_VERSION
        for name, value in _versions().items():
            setattr(root, name, value)
        root.run_seed = run_seed
        root.n_trials = n_trials
        root.soma_key = soma_key
        root.created_at = _now()
        names = tables.Filters(complevel=5, complib="zlib", shuffle=False)
        for name, size in _NAME_LISTS.items():
            h5.create_earray("/", name, tables.StringAtom(size), shape=(0,), filters=names, chunkshape=(1024,))
        # Everything written per trial is uncompressed (the blobs are compressed already): HDF5 then
        # rewrites a partly filled last chunk in place instead of allocating it anew.
        heap = h5.create_earray("/", "blobs", tables.UInt8Atom(), shape=(0,), chunkshape=(_HEAP_CHUNK,))
        heap._v_attrs.format = "Blosc2 chunks (blosc2.compress2), see the isf.backends.store documentation"
        h5.create_table("/", "trials", _Trials, chunkshape=(32,))
        synapses = h5.create_earray("/", "synapses", tables.Int64Atom(), shape=(0, len(_SYNAPSE_INDEX)),
                                    chunkshape=(16, len(_SYNAPSE_INDEX)))
        synapses._v_attrs.columns = " ".join(_SYNAPSE_INDEX)
        traces = h5.create_earray("/", "traces", tables.Int64Atom(), shape=(0, len(_TRACE_INDEX)),
                                  chunkshape=(64, len(_TRACE_INDEX)))
        traces._v_attrs.columns = " ".join(_TRACE_INDEX)
        traces._v_attrs.keys_json = "[]"
        traces._v_attrs.encoding = _TRACE_ENCODING
        prov = h5.create_group("/", "provenance")
        skeleton, fmt, token = cls._network_to_synapses(h5, experiment_json, requested)
        node = _write_text(h5, prov, "experiment_json", skeleton)
        if token is not None:
            node._v_attrs.synapse_token = token
            node._v_attrs.json_format = json.dumps(fmt)
        _write_text(h5, prov, "extra_json", extra_json)
        h5.create_group(prov, "files")

    @staticmethod
    def _network_to_synapses(h5: tables.File, text: str, data: Any) -> tuple[str, dict[str, Any], str | None]:
        """Store the synapses of the experiment's network as synapse rows; the experiment JSON to keep
        (with placeholders for those columns if the text can be rebuilt exactly), its format and token."""
        populations = _json_populations(data)
        if not populations:
            return text, {}, None
        labels = _Names([], LABEL_SIZE, "label")
        parts: dict[str, list[NDArray[Any]]] = {f: [] for f in _SYNAPSE_FIELDS}
        starts = []
        n_rows = 0
        for code, (_, _, cols) in enumerate(populations):
            n = len(cols["labels"])
            starts.append(n_rows)
            n_rows += n
            parts["population"].append(np.full(n, code, dtype=np.int16))
            parts["synapse_id"].append(np.arange(n, dtype=np.int32))
            parts["soma_distance_um"].append(np.array(cols["soma_distance_um"], dtype=np.float64))
            parts["section_id"].append(np.array(cols["section_id"], dtype=np.int32))
            parts["section_pt_id"].append(np.array(cols["section_pt_id"], dtype=np.int32))
            parts["label"].append(labels.codes(np.array(cols["labels"], dtype=object)))
        if n_rows > _INT32.max:
            return text, {}, None
        synapses = {f: np.concatenate(p).astype(_SYNAPSE_DTYPES[f]) for f, p in parts.items()}
        h5.root.populations.append(np.array([name.encode("utf-8") for _, name, _ in populations],
                                            dtype=f"S{POPULATION_SIZE}"))
        if labels.new:
            h5.root.labels.append(np.array([n.encode("utf-8") for n in labels.new], dtype=f"S{LABEL_SIZE}"))
        blobs = [_pack(c, synapses[c.name]) for c in _SYNAPSE_COLUMNS]
        h5.root.blobs.append(np.frombuffer(b"".join(blobs), dtype=np.uint8))
        h5.root.synapses.append(np.array([[n_rows, 0, *map(len, blobs)]], dtype=np.int64))
        fmt = _json_format(data, text)
        if fmt is None:
            return text, {}, None
        token = "isf-synapses-" + secrets.token_hex(8)
        while token in text:  # pragma: no cover  (64 random bits)
            token = "isf-synapses-" + secrets.token_hex(8)
        skeleton_data = dict(data)
        value = skeleton_data["value"] = dict(data["value"])
        network = value["network"] = dict(value["network"])
        pops = network["populations"] = list(network["populations"])
        for (i, _, cols), start in zip(populations, starts):
            pop = pops[i] = dict(pops[i])
            syn = pop["synapses"] = dict(pop["synapses"])
            for k, (key, _) in enumerate(_JSON_SYNAPSE_COLUMNS):
                syn[key] = f"{token}:{k}:{start}:{len(cols['labels'])}"
        skeleton = json.dumps(skeleton_data, **fmt)
        stored_fmt = {"item_separator": fmt["separators"][0], "key_separator": fmt["separators"][1],
                      "ensure_ascii": fmt["ensure_ascii"]}
        if _fill_synapse_columns(skeleton, token, synapses, labels.new, stored_fmt) != text:
            return text, {}, None  # pragma: no cover  (defensive: keep the text as it is)
        return skeleton, stored_fmt, token

    @classmethod
    def open(cls, path: str | os.PathLike[str], mode: Literal["r", "a"] = "r") -> RunStore:
        """Open a store: ``"r"`` to read, ``"a"`` to append (what an interrupted trial left is removed).

        Raises:
            FileNotFoundError: no such file.
            ValueError: the file is not an isf run store (or of another format version).
        """
        if mode not in ("r", "a"):
            raise ValueError(f"mode must be 'r' or 'a', got {mode!r}")
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no run store at {path}")
        if not tables.is_hdf5_file(str(path)):
            raise ValueError(f"{path} is not an HDF5 file")
        h5 = tables.open_file(str(path), mode)
        try:
            attrs = h5.root._v_attrs
            if getattr(attrs, "format", None) != FORMAT:
                raise ValueError(f"{path} is an HDF5 file but not an isf run store (no format = {FORMAT!r})")
            version = int(attrs.format_version)
            if version > FORMAT_VERSION:
                raise ValueError(f"{path} has run-store format {version}; this isf reads up to {FORMAT_VERSION}")
            if version < FORMAT_VERSION:
                raise ValueError(f"{path} has run-store format {version} (written by isf "
                                 f"{getattr(attrs, 'isf_version', '?')}); this isf reads format {FORMAT_VERSION} "
                                 "only: read it with that isf version, or run the trials (or import the legacy "
                                 "folder) again into a new store")
            store = cls(h5, path, mode)
            if mode == "a":
                store._remove_orphans()
        except BaseException:
            h5.close()
            raise
        return store

    def close(self) -> None:
        """Flush and close the file."""
        if self._h5.isopen:
            if self.mode == "a":
                self._h5.flush()
            self._h5.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = f"{len(self.completed_trials())}/{self.n_trials} trials" if self._h5.isopen else "closed"
        return f"RunStore({str(self.path)!r}, mode={self.mode!r}, {state})"

    # ------------------------------------------------------------------ provenance

    @property
    def run_seed(self) -> int:
        """The run's seed (trial ``i`` draws from ``trial_rng(run_seed, i)``)."""
        return int(self._h5.root._v_attrs.run_seed)

    @property
    def n_trials(self) -> int:
        """Number of trials of the run (stored or not yet)."""
        return int(self._h5.root._v_attrs.n_trials)

    @property
    def soma_key(self) -> str:
        """Recording key of the soma voltage (the traces of ``store[\"voltage_traces\"]``)."""
        return str(self._h5.root._v_attrs.soma_key)

    @property
    def experiment_json(self) -> str:
        """The experiment JSON given to :meth:`create`."""
        node = self._h5.get_node("/provenance/experiment_json")
        text = _read_text(node)
        token = getattr(node._v_attrs, "synapse_token", None)
        if token is None:
            return text
        return _fill_synapse_columns(text, str(token), self._synapse_table(), self._name_list("labels"),
                                     json.loads(str(node._v_attrs.json_format)))

    @property
    def provenance(self) -> dict[str, Any]:
        """Versions, seed, trial count, creation time, experiment JSON, ``extra`` and provenance files."""
        attrs = self._h5.root._v_attrs
        out: dict[str, Any] = {}
        for name in attrs._v_attrnamesuser:
            value = attrs[name]
            out[name] = value.item() if isinstance(value, np.generic) else value
        out["experiment_json"] = self.experiment_json
        out["extra"] = json.loads(_read_text(self._h5.get_node("/provenance/extra_json")))
        out["files"] = self.provenance_files()
        return out

    def provenance_files(self) -> dict[str, str]:
        """Texts stored with :meth:`add_provenance_file`, by name."""
        group = self._h5.get_node("/provenance/files")
        nodes = sorted(group._f_iter_nodes(), key=lambda node: int(node._v_name[1:]))
        return {str(node._v_attrs.name): _read_text(node) for node in nodes}

    def add_provenance_file(self, name: str, text: str) -> None:
        """Keep a text (an input file of the run, e.g. a legacy ``.param`` file) in the store."""
        self._writable()
        if name in self.provenance_files():
            raise ValueError(f"a provenance file named {name!r} is already stored")
        group = self._h5.get_node("/provenance/files")
        node = _write_text(self._h5, group, f"f{group._v_nchildren}", text)
        node._v_attrs.name = name
        self._h5.flush()

    # ------------------------------------------------------------------ writing

    def _writable(self) -> None:
        if not self._h5.isopen:
            raise ValueError(f"{self.path} is closed")
        if self.mode != "a":
            raise ValueError(f"{self.path} is open read-only; use RunStore.open(path, 'a') to append")

    def completed_trials(self) -> set[int]:
        """Indices of the trials stored completely."""
        return set(self._rows()["trial"].tolist())

    def append(self, result: TrialResult, network: Network, *, wall_s: float = math.nan) -> None:
        """Store one trial of a network run (its ``trials`` row last, then flush).

        Args:
            result: the trial.
            network: the network the trial's input was drawn for (gives the synapses' locations).
            wall_s: wall-clock time the trial took, s (NaN if unknown).

        Raises:
            ValueError: wrong seed, trial index out of range or already stored, input not of ``network``,
                names too long, traces not matching ``t_ms``.
        """
        if result.run_seed != self.run_seed:
            raise ValueError(f"trial {result.trial_index} has run_seed {result.run_seed}; this store holds run "
                             f"seed {self.run_seed}")
        names = [p.name for p in network.populations]
        given = [p.name for p in result.input.populations]
        if names != given:
            raise ValueError(f"trial {result.trial_index}: its input has populations {given}, the network {names}")
        self._writable()
        prepared = _Prepared(self._check_trial(result.trial_index))
        trial = prepared.trial
        self._prepare_traces(prepared, result.t_ms, result.traces, result.spike_times_ms, None)
        populations = _Names(self._name_list("populations"), POPULATION_SIZE, "population")
        labels = _Names(self._name_list("labels"), LABEL_SIZE, "label")
        synapses = _Synapses(self._synapse_table())
        rows_of_synapse, offsets, codes = self._network_rows(network, populations, labels, synapses)
        inputs = result.input.populations
        flat, sizes = _concatenate, _lengths
        # presynaptic spikes: population after population, cells in index order
        spike_times = [p.presynaptic_times_ms for p in inputs]
        cell_counts = [p.presynaptic_counts for p in inputs]
        spike_ms = flat(spike_times, np.float64)
        per_cell = flat(cell_counts, np.int64)
        n_cells = sizes(cell_counts)
        if int(per_cell.sum()) != spike_ms.shape[0] or np.any(per_cell < 0):
            raise ValueError(f"trial {trial}: presynaptic spike counts do not add up to the spike times")
        if int(n_cells.max(initial=0)) > _INT32.max + 1:
            raise ValueError(f"trial {trial}: presynaptic cell IDs beyond {_INT32.max}")
        cell = np.arange(per_cell.shape[0], dtype=np.int64) - np.repeat(np.cumsum(n_cells) - n_cells, n_cells)
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
            raise ValueError(f"trial {trial}: synapse {int(ids[first_bad])} of population {names[pop]!r} does not "
                             f"exist ({int(n_synapses[pop])} synapses)")
        per_population = np.diff(np.concatenate([[0], np.cumsum(counts)])[np.cumsum(n_active)], prepend=0)
        if np.any(counts < 0) or not np.array_equal(per_population, sizes([p.release_flat_ms for p in inputs])):
            raise ValueError(f"trial {trial}: release counts do not add up to the release times")
        synapse = rows_of_synapse[np.repeat(ids + np.repeat(offsets[:-1], n_active), counts)]
        self._set_activations(prepared, synapse, release_ms, spike_ms)
        prepared.has_input = True
        prepared.new_names = {"populations": populations.new, "labels": labels.new}
        prepared.new_synapses = synapses.pending()
        self._commit(prepared, wall_s, network=(network, rows_of_synapse, offsets, codes))

    def _network_rows(self, network: Network, populations: _Names, labels: _Names,
                      synapses: _Synapses) -> tuple[NDArray[np.int32], NDArray[np.int64], NDArray[np.int16]]:
        """Synapse row of every synapse of ``network`` (population after population), the offsets of
        the populations in that array and their codes; new names and synapses become pending."""
        for known, rows, offsets, codes in self._networks:
            if known is network:
                return rows, offsets, codes
        pops = network.populations
        codes = np.array([populations.code_of(p.name) for p in pops], dtype=np.int16)
        sizes = np.array([len(p.synapses) for p in pops], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        if int(sizes.max(initial=0)) > _INT32.max + 1:
            raise ValueError("a population has more synapses than a synapse ID can count")
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

    def append_trial(self, trial: int, *, t_ms: ArrayLike, traces: Mapping[str, ArrayLike], spike_times_ms: ArrayLike,
                     synapse_activations: Mapping[str, ArrayLike] | None = None,
                     presynaptic_spikes: Mapping[str, ArrayLike] | None = None, wall_s: float = math.nan,
                     traces_t_ms: Mapping[str, ArrayLike] | None = None) -> None:
        """Store one trial from plain columns (e.g. a legacy import).

        Args:
            trial: trial index, 0 … n_trials − 1, not yet stored.
            t_ms: sample times of the traces.
            traces: recording key → samples (same length as ``t_ms`` unless ``traces_t_ms`` gives the key's times).
            spike_times_ms: soma spike times.
            synapse_activations: long-form columns as :func:`~isf.model.trial_result.activation_columns`;
                ``None``: the trial's input is not known (``has_input`` false).
            presynaptic_spikes: long-form columns as :func:`~isf.model.trial_result.presynaptic_columns`.
            wall_s: wall-clock time of the trial, s.
            traces_t_ms: per-key time vectors for keys whose times differ from ``t_ms``.
        """
        self._writable()
        prepared = _Prepared(self._check_trial(trial))
        self._prepare_traces(prepared, t_ms, traces, spike_times_ms, traces_t_ms)
        self._prepare_columns(prepared, synapse_activations, presynaptic_spikes)
        self._commit(prepared, wall_s)

    def _check_trial(self, trial: int) -> int:
        trial = int(trial)
        if not 0 <= trial < self.n_trials:
            raise ValueError(f"trial {trial} is outside 0..{self.n_trials - 1} (n_trials = {self.n_trials})")
        if trial in self.completed_trials():
            raise ValueError(f"trial {trial} is already stored in {self.path}")
        return trial

    @staticmethod
    def _prepare_traces(prepared: _Prepared, t_ms: ArrayLike, traces: Mapping[str, ArrayLike],
                        spike_times_ms: ArrayLike, traces_t_ms: Mapping[str, ArrayLike] | None) -> None:
        trial = prepared.trial
        t = np.ascontiguousarray(t_ms, dtype=np.float64)
        if t.ndim != 1:
            raise ValueError(f"trial {trial}: t_ms must be 1-D, got shape {t.shape}")
        own_t = {str(k): np.ascontiguousarray(v, dtype=np.float64) for k, v in (traces_t_ms or {}).items()}
        for key, values in traces.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"trial {trial}: recording keys must be non-empty strings, got {key!r}")
            v = np.ascontiguousarray(values, dtype=np.float64)
            tk = own_t.get(key, t)
            if v.ndim != 1 or tk.ndim != 1 or v.shape[0] != tk.shape[0]:
                raise ValueError(f"trial {trial}: trace {key!r} has shape {v.shape}, its time vector {tk.shape}; "
                                 "they must be 1-D of equal length")
            prepared.traces.append((key, tk, v))
        unknown = sorted(set(own_t) - {k for k, _, _ in prepared.traces})
        if unknown:
            raise ValueError(f"trial {trial}: traces_t_ms names keys without a trace: {unknown}")
        prepared.columns[("spikes", "time_ms")] = np.asarray(spike_times_ms, dtype=np.float64).reshape(-1)

    @staticmethod
    def _long_columns(trial: int, name: str, columns: Mapping[str, ArrayLike] | None,
                      fields: Sequence[str]) -> dict[str, NDArray[Any]]:
        if columns is None:
            return {c: np.zeros(0, dtype=object if c in ("population", "label") else np.float64) for c in fields}
        missing = [c for c in fields if c not in columns]
        if missing:
            raise ValueError(f"trial {trial}: {name} columns lack {missing} (need {list(fields)})")
        arrays = {c: np.asarray(columns[c]).reshape(-1) for c in fields}
        n = arrays["time_ms"].shape[0]
        bad = {c: a.shape[0] for c, a in arrays.items() if a.shape[0] != n}
        if bad:
            raise ValueError(f"trial {trial}: {name} columns differ in length ({n} times, {bad})")
        return arrays

    def _prepare_columns(self, prepared: _Prepared, activations: Mapping[str, ArrayLike] | None,
                         presynaptic: Mapping[str, ArrayLike] | None) -> None:
        trial = prepared.trial
        acts = self._long_columns(trial, "synapse_activations", activations, _ACTIVATION_COLUMNS)
        pres = self._long_columns(trial, "presynaptic_spikes", presynaptic, _PRESYNAPTIC_COLUMNS)
        populations = _Names(self._name_list("populations"), POPULATION_SIZE, "population")
        labels = _Names(self._name_list("labels"), LABEL_SIZE, "label")
        spike_ms = pres["time_ms"].astype(np.float64)
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
        synapses = _Synapses(self._synapse_table())
        rows = synapses.rows_of(synapse_columns)
        self._set_activations(prepared, rows, acts["time_ms"].astype(np.float64), spike_ms)
        prepared.has_input = activations is not None
        prepared.new_names = {"populations": populations.new, "labels": labels.new}
        prepared.new_synapses = synapses.pending()

    @staticmethod
    def _set_activations(prepared: _Prepared, synapse: NDArray[np.int32], release_ms: NDArray[np.float64],
                         spike_ms: NDArray[np.float64]) -> None:
        if spike_ms.shape[0] > _INT32.max + 1:
            raise ValueError(f"trial {prepared.trial}: more presynaptic spikes than a row number can count")
        spike_row = _spike_rows(release_ms, spike_ms)
        prepared.columns[("synapse_activations", "synapse")] = synapse
        prepared.columns[("synapse_activations", "presynaptic_row")] = spike_row
        prepared.columns[("synapse_activations", "time_ms")] = np.where(spike_row >= 0, 0.0, release_ms)

    def _commit(self, prepared: _Prepared, wall_s: float,
                network: tuple[Network, NDArray[np.int32], NDArray[np.int64], NDArray[np.int16]] | None = None,
                ) -> None:
        """Write a prepared trial: names, synapses, blobs, traces rows and its ``trials`` row last; one flush."""
        trial = prepared.trial
        heap = self._h5.root.blobs
        base = int(heap.nrows)
        chunks: list[bytes] = []

        def put(blob: bytes) -> tuple[int, int]:
            offset = base + sum(map(len, chunks))
            chunks.append(blob)
            return offset, len(blob)

        synapse_row = None
        if prepared.new_synapses is not None:
            blobs = [_pack(c, prepared.new_synapses[c.name]) for c in _SYNAPSE_COLUMNS]
            offset, _ = put(b"".join(blobs))
            synapse_row = np.array([[prepared.new_synapses["population"].shape[0], offset, *map(len, blobs)]],
                                   dtype=np.int64)
        blobs = [_pack(c, prepared.columns[(c.group, c.name)]) for c in _TRIAL_COLUMNS]
        trial_offset, _ = put(b"".join(blobs))
        keys = self._keys()
        keys_json = json.dumps(keys + [k for k, _, _ in prepared.traces if k not in keys])
        keys = json.loads(keys_json)
        cache = list(self._t_cache)
        index_rows = np.empty((len(prepared.traces), len(_TRACE_INDEX)), dtype=np.int64)
        for i, (key, t, v) in enumerate(prepared.traces):
            t_place = next(((o, n) for cached, o, n in cache if cached.tobytes() == t.tobytes()), None)
            if t_place is None:
                t_place = put(_pack(_TRACE_COLUMN, t))
                cache = [(t.copy(), *t_place), *cache][:_T_CACHE]
            index_rows[i] = (trial, keys.index(key), v.shape[0], *put(_pack(_TRACE_COLUMN, v)), *t_place)
        trial_row = np.zeros(1, dtype=self._h5.root.trials.dtype)
        trial_row[0] = (trial, prepared.count("spikes"), float(wall_s), _now().encode(), prepared.has_input,
                        prepared.count("presynaptic_spikes"), prepared.count("synapse_activations"), trial_offset,
                        [len(b) for b in blobs])
        before = self._sizes()
        keys_before = self._h5.root.traces._v_attrs.keys_json
        try:
            for kind, new in prepared.new_names.items():
                if new:
                    self._h5.get_node("/" + kind).append(np.array([n.encode("utf-8") for n in new],
                                                                  dtype=f"S{_NAME_LISTS[kind]}"))
            heap.append(np.frombuffer(b"".join(chunks), dtype=np.uint8))
            if synapse_row is not None:
                self._h5.root.synapses.append(synapse_row)
            self._append_traces(index_rows, keys_json)
            self._h5.root.trials.append(trial_row)
            self._h5.flush()
        except BaseException:
            self._rollback(before, keys_before)
            raise
        self._t_cache = cache
        self._trial_rows = None if self._trial_rows is None else np.concatenate([self._trial_rows, trial_row])
        if self._names is not None:
            for kind, new in prepared.new_names.items():
                self._names[kind] = self._names[kind] + list(new)
        if prepared.new_synapses is not None:
            self._synapses = None
        if network is not None and not any(known is network[0] for known, *_ in self._networks):
            self._networks = [network, *self._networks][:4]

    def _append_traces(self, index_rows: NDArray[np.int64], keys_json: str) -> None:
        traces = self._h5.root.traces
        if keys_json != traces._v_attrs.keys_json:
            traces._v_attrs.keys_json = keys_json
        traces.append(index_rows)

    def _keys(self) -> list[str]:
        return list(json.loads(str(self._h5.root.traces._v_attrs.keys_json)))

    _SIZED = ("trials", "blobs", "synapses", "traces", "populations", "labels")

    def _sizes(self) -> dict[str, int]:
        return {name: int(self._h5.get_node("/" + name).nrows) for name in self._SIZED}

    def _rollback(self, before: dict[str, int], keys_json: str) -> None:
        for name, n in before.items():
            node = self._h5.get_node("/" + name)
            if node.nrows > n:
                node.truncate(n)
        self._h5.root.traces._v_attrs.keys_json = keys_json
        self._h5.flush()
        self._trial_rows = None
        self._names = None
        self._synapses = None

    def _remove_orphans(self) -> None:
        """Remove what an interrupted append left: trace rows of trials without a ``trials`` row (at
        the end of /traces: appends are sequential and a failed one is rolled back) and the bytes of
        /blobs after the last one a trial, trace or block of synapses points to."""
        completed = np.array(sorted(self.completed_trials()), dtype=np.int64)
        changed = False
        traces = self._h5.root.traces
        end = traces.nrows
        while end > 0 and not np.isin(traces[end - 1, _TRIAL], completed):
            end -= 1
        if end < traces.nrows:
            traces.truncate(end)
            changed = True
        heap = self._h5.root.blobs
        used = 0
        rows = self._rows()
        if rows.shape[0]:
            used = max(used, int((rows["offset"] + rows["nbytes"].sum(axis=1)).max()))
        index = traces.read()
        if index.shape[0]:
            used = max(used, int((index[:, _OFFSET] + index[:, _NBYTES]).max()),
                       int((index[:, _T_OFFSET] + index[:, _T_NBYTES]).max()))
        synapses = self._h5.root.synapses
        blocks = synapses.read()
        ends = blocks[:, 1] + blocks[:, 2:].sum(axis=1) if blocks.shape[0] else np.zeros(0, np.int64)
        whole = int(np.argmin(ends <= heap.nrows)) if not np.all(ends <= heap.nrows) else ends.shape[0]
        if whole < synapses.nrows:  # a block whose bytes never reached the file
            synapses.truncate(whole)
            changed = True
        if whole:
            used = max(used, int(ends[:whole].max()))
        if used > heap.nrows:
            raise ValueError(f"{self.path}: /blobs lacks data of completed trials (the file is damaged)")
        if heap.nrows > used:
            heap.truncate(used)
            changed = True
        if changed:
            self._h5.flush()
        if index.shape[0]:
            offset, nbytes, n = (int(index[-1, c]) for c in (_T_OFFSET, _T_NBYTES, _N_SAMPLES))
            self._t_cache = [(self._read_samples([(offset, nbytes)], [n])[0], offset, nbytes)]

    # ------------------------------------------------------------------ reading

    def keys(self) -> list[str]:
        """Keys accepted by ``store[key]``."""
        out = [k for k in FRAME_KEYS if k != "voltage_traces"]
        if self.soma_key in self._keys():
            out.append("voltage_traces")
        return out

    def trace_keys(self) -> list[str]:
        """Recording keys with stored traces (for :meth:`traces`)."""
        return self._keys()

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def __getitem__(self, key: str) -> pd.DataFrame:
        if key == "spike_times":
            return self._spike_times()
        if key == "spikes":
            rows = self._rows()
            (times,) = self._trial_columns([_SPIKE_TIME])
            return pd.DataFrame({"time_ms": times}, index=_trial_index(rows["trial"], rows["n_spikes"]))
        if key == "synapse_activations":
            return self._activations()
        if key == "presynaptic_spikes":
            return self._presynaptic()
        if key == "trials":
            return self._trials()
        if key == "voltage_traces":
            return self.traces(self.soma_key)
        raise KeyError(f"{key!r}: a run store has {', '.join(self.keys())}; other recordings via "
                       f".traces(key) for key in {self.trace_keys()}")

    def _rows(self) -> NDArray[np.void]:
        """The ``trials`` rows, sorted by trial."""
        if self._trial_rows is None:
            rows = self._h5.root.trials.read()
            self._trial_rows = rows[np.argsort(rows["trial"], kind="stable")]
        elif self._trial_rows.shape[0] > 1 and np.any(np.diff(self._trial_rows["trial"]) < 0):
            self._trial_rows = self._trial_rows[np.argsort(self._trial_rows["trial"], kind="stable")]
        return self._trial_rows

    def _name_list(self, kind: str) -> list[str]:
        if self._names is None:
            self._names = {k: [b.decode("utf-8") for b in self._h5.get_node("/" + k).read().tolist()]
                           for k in _NAME_LISTS}
        return self._names[kind]

    def _read_blobs(self, ranges: Sequence[tuple[int, int]]) -> list[memoryview]:
        """The bytes of blobs ``(offset, nbytes)`` of /blobs, reading neighbouring ones in one go (up to
        32 MiB, gaps up to 64 KiB)."""
        out: list[memoryview] = [memoryview(b"")] * len(ranges)
        heap = self._h5.root.blobs
        size = int(heap.nrows)
        order = sorted((r for r in range(len(ranges)) if ranges[r][1] > 0), key=lambda r: ranges[r][0])
        spans: list[tuple[int, int, list[int]]] = []
        for r in order:
            offset, nbytes = ranges[r]
            if spans and offset <= spans[-1][1] + _READ_GAP and offset + nbytes - spans[-1][0] <= _READ_SPAN:
                spans[-1] = (spans[-1][0], max(spans[-1][1], offset + nbytes), [*spans[-1][2], r])
            else:
                spans.append((offset, offset + nbytes, [r]))
        for start, end, members in spans:
            if start < 0 or end > size:
                raise ValueError(f"{self.path}: a blob lies outside /blobs (damaged file)")
            data = memoryview(heap[start:end])
            for r in members:
                out[r] = data[ranges[r][0] - start: ranges[r][0] - start + ranges[r][1]]
        return out

    def _trial_columns(self, which: Sequence[int]) -> list[NDArray[Any]]:
        """Columns ``_TRIAL_COLUMNS[i]`` of the completed trials, trial after trial."""
        rows = self._rows()
        starts = rows["offset"][:, None] + np.cumsum(rows["nbytes"], axis=1) - rows["nbytes"]
        ranges = [(int(starts[t, i]), int(rows["nbytes"][t, i])) for i in which for t in range(rows.shape[0])]
        views = iter(self._read_blobs(ranges))
        out = []
        for i in which:
            column = _TRIAL_COLUMNS[i]
            counts = rows[_COUNT_OF[column.group]]
            values = np.empty(int(counts.sum()), dtype=column.dtype)
            pos = 0
            for n in counts.tolist():
                _unpack(column, next(views), values[pos:pos + n])
                pos += n
            out.append(values)
        return out

    def _synapse_table(self) -> dict[str, NDArray[Any]]:
        """All synapse rows (cached)."""
        if self._synapses is None:
            blocks = self._h5.root.synapses.read()
            starts = blocks[:, 1:2] + np.cumsum(blocks[:, 2:], axis=1) - blocks[:, 2:]
            ranges = [(int(starts[b, i]), int(blocks[b, 2 + i])) for i in range(len(_SYNAPSE_COLUMNS))
                      for b in range(blocks.shape[0])]
            views = iter(self._read_blobs(ranges))
            columns = {}
            for column in _SYNAPSE_COLUMNS:
                values = np.empty(int(blocks[:, 0].sum()), dtype=column.dtype)
                pos = 0
                for n in blocks[:, 0].tolist():
                    _unpack(column, next(views), values[pos:pos + n])
                    pos += n
                columns[column.name] = values
            self._synapses = columns
        return self._synapses

    def _trials(self) -> pd.DataFrame:
        rows = self._rows()
        return pd.DataFrame(
            {"n_spikes": rows["n_spikes"], "wall_s": rows["wall_s"],
             "finished_at": [b.decode() for b in rows["finished_at"].tolist()], "has_input": rows["has_input"]},
            index=pd.Index(rows["trial"], name="trial"))

    def _presynaptic(self) -> pd.DataFrame:
        rows = self._rows()
        population, cell, time = self._trial_columns([_PRE_POPULATION, _PRE_CELL, _PRE_TIME])
        return pd.DataFrame({
            "population": _categorical(population, self._name_list("populations")),
            "cell_id": cell.astype(np.int64),
            "time_ms": time,
        }, index=_trial_index(rows["trial"], rows["n_presynaptic"]))

    def _activations(self) -> pd.DataFrame:
        rows = self._rows()
        spike_ms, synapse, spike_row, time = self._trial_columns([_PRE_TIME, _ACT_SYNAPSE, _ACT_ROW, _ACT_TIME])
        linked = spike_row >= 0
        if linked.any():
            limit = np.repeat(rows["n_presynaptic"], rows["n_activations"])
            if np.any(spike_row >= limit):
                raise ValueError(f"{self.path}: an activation refers to a missing presynaptic spike (damaged file)")
            base = np.repeat(np.cumsum(rows["n_presynaptic"]) - rows["n_presynaptic"], rows["n_activations"])
            time[linked] = spike_ms[base[linked] + spike_row[linked]]
        synapses = self._synapse_table()
        if synapse.shape[0] and (synapse.min() < 0 or synapse.max() >= synapses["population"].shape[0]):
            raise ValueError(f"{self.path}: an activation refers to a missing synapse row (damaged file)")
        return pd.DataFrame({
            "population": _categorical(synapses["population"][synapse], self._name_list("populations")),
            "synapse_id": synapses["synapse_id"][synapse].astype(np.int64),
            "soma_distance_um": synapses["soma_distance_um"][synapse],
            "section_id": synapses["section_id"][synapse].astype(np.int64),
            "section_pt_id": synapses["section_pt_id"][synapse].astype(np.int64),
            "label": _categorical(synapses["label"][synapse], self._name_list("labels")),
            "time_ms": time,
        }, index=_trial_index(rows["trial"], rows["n_activations"]))

    def _spike_times(self) -> pd.DataFrame:
        rows = self._rows()
        (times,) = self._trial_columns([_SPIKE_TIME])
        counts = rows["n_spikes"].astype(np.int64)
        width = int(counts.max()) if counts.size else 0
        values = np.full((counts.shape[0], width), np.nan)
        row_of = np.repeat(np.arange(counts.shape[0]), counts)
        values[row_of, np.arange(row_of.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)] = times
        return pd.DataFrame(values, index=pd.Index(rows["trial"], name="trial"), columns=pd.RangeIndex(width))

    def _index_rows(self, key: str) -> NDArray[np.int64]:
        keys = self._keys()
        if key not in keys:
            raise KeyError(f"no traces of {key!r}; stored recording keys: {keys}")
        index = self._h5.root.traces.read()
        index = index[(index[:, _KEY] == keys.index(key)) & np.isin(index[:, _TRIAL], self._rows()["trial"])]
        return index[np.argsort(index[:, _TRIAL], kind="stable")]

    def _read_samples(self, ranges: Sequence[tuple[int, int]], lengths: Sequence[int]) -> list[NDArray[np.float64]]:
        out = []
        for view, n in zip(self._read_blobs(ranges), lengths):
            bits = np.empty(n, dtype=np.int64)
            _unpack(_TRACE_COLUMN, view, bits)
            out.append(bits.view(np.float64))
        return out

    def traces(self, key: str) -> pd.DataFrame:
        """Traces of a recording: index trial, columns = the time values (ms), like the legacy
        ``voltage_traces``.

        Raises:
            KeyError: no such recording.
            ValueError: the trials do not share one time vector (variable step); use :meth:`trace`.
        """
        rows = self._index_rows(key)
        trials = pd.Index(rows[:, _TRIAL], name="trial")
        if not rows.shape[0]:
            return pd.DataFrame(index=trials, columns=pd.Index([], dtype=np.float64, name="t_ms"), dtype=np.float64)
        n = int(rows[0, _N_SAMPLES])
        t_blobs = sorted({(int(o), int(b)) for o, b in rows[:, [_T_OFFSET, _T_NBYTES]].tolist()})
        if np.any(rows[:, _N_SAMPLES] != n):
            t_vectors = []
        else:
            t_vectors = self._read_samples(t_blobs, [n] * len(t_blobs))
        if not t_vectors or any(not np.array_equal(t, t_vectors[0]) for t in t_vectors[1:]):
            raise ValueError(f"the trials of {key!r} have different time vectors (variable time step); "
                             f"read them one by one with store.trace({key!r}, trial)")
        bits = np.empty((rows.shape[0], n), dtype=np.int64)
        for i, view in enumerate(self._read_blobs([(int(o), int(b)) for o, b in rows[:, [_OFFSET, _NBYTES]].tolist()])):
            _unpack(_TRACE_COLUMN, view, bits[i])
        return pd.DataFrame(bits.view(np.float64), index=trials, columns=pd.Index(t_vectors[0], name="t_ms"))

    def trace(self, key: str, trial: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``(t_ms, values)`` of one trial's recording ``key``."""
        rows = self._index_rows(key)
        hit = rows[rows[:, _TRIAL] == int(trial)]
        if not hit.shape[0]:
            raise KeyError(f"trial {trial} has no stored trace {key!r}")
        n = int(hit[0, _N_SAMPLES])
        t, v = self._read_samples([(int(hit[0, _T_OFFSET]), int(hit[0, _T_NBYTES])),
                                   (int(hit[0, _OFFSET]), int(hit[0, _NBYTES]))], [n, n])
        return t, v
