"""The layout of a run-store file: format name and version, its nodes and the columns kept in blobs.

Everything about where things lie in the HDF5 file is named here; ``docs/store_format.md`` describes
the layout in words (why blobs, what is compressed how, what makes an append atomic).
"""

from __future__ import annotations

import zlib
from pathlib import Path

import blosc2
import numpy as np
import tables

from isf.errors import StoreError
from isf.store.blob_codec import Column

__all__ = [
    "ACTIVATION_COLUMNS", "ACT_ROW", "ACT_SYNAPSE", "ACT_TIME", "COUNT_OF", "FORMAT", "FORMAT_VERSION",
    "FRAME_KEYS", "INT16", "INT32", "KEY", "LABEL_SIZE", "NAME_LISTS", "NBYTES", "N_SAMPLES", "OFFSET",
    "OLDEST_READABLE", "POPULATION_SIZE", "PRESYNAPTIC_COLUMNS", "PRE_CELL",
    "PRE_POPULATION", "PRE_SOURCE", "PRE_TIME", "SIZED", "SOMA_KEY", "SOURCE_SIZE", "SYNAPSE_COLUMNS",
    "SYNAPSE_DTYPES", "SYNAPSE_FIELDS", "SYNAPSE_INDEX", "SYNAPSE_RECORD", "TRACE_COLUMN", "TRACE_INDEX", "TRIAL",
    "TRIALS_DTYPE", "TRIAL_COLUMNS", "T_NBYTES", "T_OFFSET", "TrialsRow", "V2_SPIKE_COLUMN", "V3_NODES",
    "check_format", "create_nodes", "create_v3_nodes", "format_version", "spike_column_crc",
]

FORMAT = "isf-run-store"
FORMAT_VERSION = 3
#: The oldest format this isf reads (format 2 through :mod:`isf.store.format_v2`).
OLDEST_READABLE = 2
#: Default recording key of the soma voltage (``Recording()`` → ``Soma().label``).
SOMA_KEY = "soma"
#: Byte sizes of the names (UTF-8); longer names are refused before anything is written.
POPULATION_SIZE = 32
LABEL_SIZE = 24
_FINISHED_SIZE = 40
#: Chunk of /blobs, bytes.
_HEAP_CHUNK = 1 << 14
INT32 = np.iinfo(np.int32)
INT16 = np.iinfo(np.int16)
_SHUFFLE = blosc2.Filter.SHUFFLE
_BITSHUFFLE = blosc2.Filter.BITSHUFFLE
_NOFILTER = blosc2.Filter.NOFILTER

#: The blobs of a trial, in this order (compression chosen on trials of the C2 network, by size,
#: then by the time to compress and decompress). The spike-source codes come first: format 2 had the
#: soma spikes there, so a format-2 row reads as format 3 with its offset moved past that blob and an
#: empty (unknown) source blob. Soma spikes are kept in /spike_times, all trials in one column.
TRIAL_COLUMNS = (
    Column("presynaptic_spikes", "source", np.int16, 5, _SHUFFLE, empty_fill=-1),
    Column("presynaptic_spikes", "population", np.int16, 5, _SHUFFLE),
    Column("presynaptic_spikes", "cell_id", np.int32, 5, _BITSHUFFLE, 1),
    Column("presynaptic_spikes", "time_ms", np.float64, 5, _SHUFFLE),
    Column("synapse_activations", "synapse", np.int32, 7, _SHUFFLE, 1),
    Column("synapse_activations", "presynaptic_row", np.int32, 7, _SHUFFLE, 1),
    Column("synapse_activations", "time_ms", np.float64, 5, _SHUFFLE),
)
#: The blobs of a block of synapse rows (soma distances without shuffle: synapses at one point
#: repeat their distance).
SYNAPSE_COLUMNS = (
    Column("synapses", "population", np.int16, 5, _SHUFFLE),
    Column("synapses", "synapse_id", np.int32, 5, _SHUFFLE, 1),
    Column("synapses", "soma_distance_um", np.float64, 5, _NOFILTER),
    Column("synapses", "section_id", np.int32, 5, _SHUFFLE),
    Column("synapses", "section_pt_id", np.int32, 5, _SHUFFLE),
    Column("synapses", "label", np.int16, 5, _BITSHUFFLE),
)
#: Positions in :data:`TRIAL_COLUMNS`.
PRE_SOURCE, PRE_POPULATION, PRE_CELL, PRE_TIME, ACT_SYNAPSE, ACT_ROW, ACT_TIME = range(len(TRIAL_COLUMNS))
#: The soma spikes of a trial in format 2: the first blob of its row.
V2_SPIKE_COLUMN = Column("spikes", "time_ms", np.float64, 5, _SHUFFLE)
#: Trace samples: IEEE bit patterns (int64), third differences.
TRACE_COLUMN = Column("traces", "samples", np.int64, 7, _SHUFFLE, 3, float_bits=True)
_TRACE_ENCODING = "blosc2 zstd 7 shuffle of the third difference of the float64 bit patterns (int64)"
SYNAPSE_FIELDS = tuple(c.name for c in SYNAPSE_COLUMNS)
SYNAPSE_DTYPES = {c.name: c.dtype for c in SYNAPSE_COLUMNS}
#: Columns of /traces ...
TRACE_INDEX = ("trial", "key", "n_samples", "offset", "nbytes", "t_offset", "t_nbytes")
TRIAL, KEY, N_SAMPLES, OFFSET, NBYTES, T_OFFSET, T_NBYTES = range(len(TRACE_INDEX))
#: ... and of /synapses.
SYNAPSE_INDEX = ("n_rows", "offset", *(f"nbytes_{name}" for name in SYNAPSE_FIELDS))
#: Row counts of the trial columns' groups, by trials-table column.
COUNT_OF = {"spikes": "n_spikes", "presynaptic_spikes": "n_presynaptic", "synapse_activations": "n_activations"}
#: Byte size of a spike-source tag (UTF-8).
SOURCE_SIZE = 32
#: Name lists (node → byte size of a name).
NAME_LISTS = {"populations": POPULATION_SIZE, "labels": LABEL_SIZE, "sources": SOURCE_SIZE}
#: One synapse row as bytes (for recognising a synapse already stored; soma distances as bit patterns).
SYNAPSE_RECORD = np.dtype([("population", "<i2"), ("synapse_id", "<i4"), ("soma_distance_um", "<i8"),
                           ("section_id", "<i4"), ("section_pt_id", "<i4"), ("label", "<i2")])
#: Long-form columns of ``store["synapse_activations"]`` and ``store["presynaptic_spikes"]``.
ACTIVATION_COLUMNS = ("population", "synapse_id", "soma_distance_um", "section_id", "section_pt_id", "label",
                      "time_ms")
PRESYNAPTIC_COLUMNS = ("population", "cell_id", "time_ms")
#: Keys of ``store[key]``.
FRAME_KEYS = ("spike_times", "spikes", "synapse_activations", "presynaptic_spikes", "trials", "voltage_traces")
#: Nodes that grow by appends (and are truncated back when an append fails).
SIZED = ("trials", "blobs", "synapses", "traces", "populations", "labels", "spike_times", "sources")
#: Nodes new in format 3 (absent from format-2 files).
V3_NODES = ("spike_times", "sources")


class TrialsRow(tables.IsDescription):
    """A row of /trials: one completed trial, its row counts and where its blobs lie in /blobs."""

    trial = tables.Int64Col(pos=0)
    n_spikes = tables.Int64Col(pos=1)
    wall_s = tables.Float64Col(pos=2)
    finished_at = tables.StringCol(_FINISHED_SIZE, pos=3)
    has_input = tables.BoolCol(pos=4)
    n_presynaptic = tables.Int64Col(pos=5)
    n_activations = tables.Int64Col(pos=6)
    offset = tables.Int64Col(pos=7)
    nbytes = tables.Int64Col(shape=(len(TRIAL_COLUMNS),), pos=8)


#: The numpy type of a /trials row.
TRIALS_DTYPE: np.dtype = tables.description.dtype_from_descr(TrialsRow)


def create_nodes(h5: tables.File) -> None:
    """Create the (empty) name lists, /blobs, /trials, /synapses and /traces of a new store."""
    names = tables.Filters(complevel=5, complib="zlib", shuffle=False)
    for name, size in NAME_LISTS.items():
        if name in V3_NODES:
            continue
        h5.create_earray("/", name, tables.StringAtom(size), shape=(0,), filters=names, chunkshape=(1024,))
    # Everything written per trial is uncompressed (the blobs are compressed already): HDF5 then
    # rewrites a partly filled last chunk in place instead of allocating it anew.
    heap = h5.create_earray("/", "blobs", tables.UInt8Atom(), shape=(0,), chunkshape=(_HEAP_CHUNK,))
    heap._v_attrs.format = "Blosc2 chunks (blosc2.compress2), see docs/store_format.md of isf"
    h5.create_table("/", "trials", TrialsRow, chunkshape=(32,))
    synapses = h5.create_earray("/", "synapses", tables.Int64Atom(), shape=(0, len(SYNAPSE_INDEX)),
                                chunkshape=(16, len(SYNAPSE_INDEX)))
    synapses._v_attrs.columns = " ".join(SYNAPSE_INDEX)
    traces = h5.create_earray("/", "traces", tables.Int64Atom(), shape=(0, len(TRACE_INDEX)),
                              chunkshape=(64, len(TRACE_INDEX)))
    traces._v_attrs.columns = " ".join(TRACE_INDEX)
    traces._v_attrs.keys_json = "[]"
    traces._v_attrs.encoding = _TRACE_ENCODING
    create_v3_nodes(h5)


def create_v3_nodes(h5: tables.File) -> None:
    """Create the nodes format 3 added (empty): /spike_times and the /sources name list."""
    h5.create_earray("/", "sources", tables.StringAtom(SOURCE_SIZE), shape=(0,),
                     filters=tables.Filters(complevel=5, complib="zlib", shuffle=False), chunkshape=(64,))
    spikes = h5.create_earray("/", "spike_times", tables.Float64Atom(), shape=(0,), chunkshape=(4096,))
    spikes._v_attrs.layout = "soma spike times (ms) of the trials in the order of their /trials rows"
    spikes._v_attrs.crc32 = 0


def spike_column_crc(values: np.ndarray) -> int:
    """CRC-32 of the soma spike column (``/spike_times`` attribute ``crc32``, set by every compaction: a
    damaged column is refused, never read as zeros)."""
    return zlib.crc32(np.ascontiguousarray(values, dtype="<f8").tobytes())


def check_format(h5: tables.File, path: Path) -> int:
    """The format version of a run store this isf reads (:data:`OLDEST_READABLE` … :data:`FORMAT_VERSION`).

    Raises:
        StoreError: no ``format`` attribute, or another format version (saying what to do).
    """
    attrs = h5.root._v_attrs
    if getattr(attrs, "format", None) != FORMAT:
        raise StoreError(f"{path} is an HDF5 file but not an isf run store (no format = {FORMAT!r})")
    version = int(attrs.format_version)
    if version > FORMAT_VERSION:
        raise StoreError(f"{path} has run-store format {version}; this isf reads up to {FORMAT_VERSION}")
    if version < OLDEST_READABLE:
        raise StoreError(f"{path} has run-store format {version} (written by isf "
                         f"{getattr(attrs, 'isf_version', '?')}); this isf reads formats {OLDEST_READABLE} to "
                         f"{FORMAT_VERSION}: read it with that isf version, or run the trials (or import the "
                         "legacy folder) again into a new store")
    return version


def format_version(h5: tables.File) -> int:
    """The ``format_version`` of an open store."""
    return int(h5.root._v_attrs.format_version)

