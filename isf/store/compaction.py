"""Compaction: the journal's records moved into the main file, copy-on-write.

The main file is never modified in place. A compaction copies it to a temporary file next to it,
removes there what an interrupted append of an older isf left (:func:`trim_orphans`), upgrades a
file of format 2 (:mod:`isf.store.format_v2`), appends the
journal records in order (their bytes and rows unchanged: their offsets were chosen for this), sets
``journal_seq`` to the last record's seq, flushes and fsyncs the copy and renames it over the main
file; only then are the records removed. A crash at any instant leaves either the old main file and
the whole journal, or the new main file and records it already holds (skipped by their seq, removed
at the next open). See ``docs/store_format.md`` (journal, guarantees).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import tables

from isf.errors import StoreError
from isf.store.faults import fault_point
from isf.store.file_lock import fsync_dir
from isf.store.format_v2 import upgrade
from isf.store.index import record_row
from isf.store.journal import Journal, Record, write_failed
from isf.store.layout import (
    FORMAT_VERSION,
    NAME_LISTS,
    NBYTES,
    OFFSET,
    T_NBYTES,
    T_OFFSET,
    TRACE_INDEX,
    TRIAL,
    format_version,
    spike_column_crc,
)
from isf.store.store_file import hdf5_reason

__all__ = ["append_record", "compact", "has_orphans", "remove_stale_copies", "trim_orphans"]

_COPY = ".compact-"


def _used_end(h5: tables.File, completed: np.ndarray) -> tuple[int, int, int]:
    """(bytes of /blobs in use, trace rows to keep, synapse blocks to keep)."""
    traces = h5.root.traces
    end = int(traces.nrows)
    index = traces.read()
    while end > 0 and not np.isin(index[end - 1, TRIAL], completed):
        end -= 1
    index = index[:end]
    heap = int(h5.root.blobs.nrows)
    used = 0
    rows = h5.root.trials.read()
    if rows.shape[0]:
        used = int((rows["offset"] + rows["nbytes"].sum(axis=1)).max())
    if index.shape[0]:
        used = max(used, int((index[:, OFFSET] + index[:, NBYTES]).max()),
                   int((index[:, T_OFFSET] + index[:, T_NBYTES]).max()))
    blocks = h5.root.synapses.read()
    ends = blocks[:, 1] + blocks[:, 2:].sum(axis=1) if blocks.shape[0] else np.zeros(0, np.int64)
    whole = int(np.argmin(ends <= heap)) if not np.all(ends <= heap) else int(ends.shape[0])
    if whole:
        used = max(used, int(ends[:whole].max()))
    return used, end, whole


def has_orphans(h5: tables.File) -> bool:
    """Whether an interrupted append of an older isf (which wrote into the main file) left rows or
    bytes without a ``trials`` row."""
    completed = h5.root.trials.col("trial")
    used, traces, blocks = _used_end(h5, completed)
    return (used != int(h5.root.blobs.nrows) or traces != int(h5.root.traces.nrows)
            or blocks != int(h5.root.synapses.nrows))


def trim_orphans(h5: tables.File, path: Path) -> None:
    """Remove what an interrupted append of an older isf left (trace rows of trials without a
    ``trials`` row at the end of /traces, a block of synapses whose bytes never arrived, bytes of
    /blobs after the last one in use) from ``h5`` (a copy being compacted).

    Raises:
        StoreError: /blobs lacks bytes of completed trials (damaged file).
    """
    used, traces, blocks = _used_end(h5, h5.root.trials.col("trial"))
    heap = h5.root.blobs
    if used > heap.nrows:
        raise StoreError(f"{path}: /blobs lacks data of completed trials (the file is damaged); "
                         f"`isf store recover {path}` keeps the trials that are whole")
    if traces < h5.root.traces.nrows:
        h5.root.traces.truncate(traces)
    if blocks < h5.root.synapses.nrows:
        h5.root.synapses.truncate(blocks)
    if heap.nrows > used:
        heap.truncate(used)


def append_record(h5: tables.File, record: Record, payload: bytes) -> None:
    """Append a journal record (its rows and bytes) to the open main file ``h5`` (a compaction copy)."""
    for kind in NAME_LISTS:
        new = record.names.get(kind, [])
        if new:
            h5.get_node("/" + kind).append(np.array([n.encode("utf-8") for n in new], dtype=f"S{NAME_LISTS[kind]}"))
    h5.root.blobs.append(np.frombuffer(payload, dtype=np.uint8))
    if record.synapses is not None:
        h5.root.synapses.append(np.asarray([record.synapses], dtype=np.int64))
    if record.traces:
        h5.root.traces.append(np.asarray(record.traces, dtype=np.int64).reshape(-1, len(TRACE_INDEX)))
    keys_json = json.dumps(record.keys)
    if keys_json != h5.root.traces._v_attrs.keys_json:
        h5.root.traces._v_attrs.keys_json = keys_json
    spikes = record.trial["spike_times"]
    if spikes:
        h5.root.spike_times.append(np.asarray(spikes, dtype=np.float64))
    h5.root.trials.append(record_row(record))


def _verify(copy: Path, path: Path, records: list[Record]) -> None:
    """Read the compacted copy back before it replaces the main file: HDF5 may report a failed write
    (a full disk) only as a warning when the file is closed, leaving a copy it cannot read.

    Raises:
        OSError: the copy does not hold what was written (ENOSPC if the disk is nearly full).
    """
    try:
        with tables.open_file(str(copy), "r") as h5:
            rows = h5.root.trials.read()
            h5.root.traces.read()
            h5.root.synapses.read()
            for kind in NAME_LISTS:
                h5.get_node("/" + kind).read()
            ok = not records or (int(getattr(h5.root._v_attrs, "journal_seq", 0)) == records[-1].seq
                                 and int(rows["trial"][-1]) == int(records[-1].trial["trial"])
                                 and int(h5.root.blobs.nrows) == records[-1].base + records[-1].size)
            if ok and records and records[-1].size:  # the last bytes written are there
                last = records[-1]
                tail = h5.root.blobs[last.base + last.size - min(last.size, 4096):last.base + last.size]
                ok = tail.shape[0] == min(last.size, 4096)
    except (tables.HDF5ExtError, OSError, ValueError, IndexError) as exc:
        raise OSError(_full_errno(path), f"the compacted copy cannot be read back ({hdf5_reason(exc)})") from None
    if not ok:
        raise OSError(_full_errno(path), "the compacted copy does not hold every record")


def _full_errno(path: Path) -> int:
    try:
        return errno.ENOSPC if shutil.disk_usage(path.parent).free < (1 << 20) else errno.EIO
    except OSError:
        return errno.EIO


def remove_stale_copies(path: Path) -> None:
    """Remove the temporary copies that compactions of dead writers left next to ``path``."""
    for stale in path.parent.glob(f".{path.name}{_COPY}*"):
        stale.unlink(missing_ok=True)


def compact(path: Path, journal: Journal, records: list[Record], *,
            edit: Callable[[tables.File], None] | None = None) -> None:
    """Write ``records`` (consecutive, the first continuing the main file) into a copy of the main
    file ``path``, apply ``edit`` to the copy, and replace the main file by it; then remove the
    records. The main file must not be open for writing (it never is: writers append to the journal).

    Raises:
        StoreError: the copy cannot be written (disk full …: the main file and the journal are left
            as they were, every trial stays readable), or the records do not continue the main file.
    """
    copy = path.with_name(f".{path.name}{_COPY}{uuid.uuid4().hex[:12]}")
    last = records[-1].seq if records else None
    try:
        fault_point("compact.copy")
        shutil.copyfile(path, copy)
        with tables.open_file(str(copy), "a") as h5:
            if not records:  # records are only ever written after a compaction that trimmed
                trim_orphans(h5, path)
            if format_version(h5) < FORMAT_VERSION:
                upgrade(h5, path)
            for record in records:
                fault_point("compact.append")
                if int(h5.root.blobs.nrows) != record.base:
                    raise StoreError(f"{record.path} starts at byte {record.base} of /blobs, {path} has "
                                     f"{int(h5.root.blobs.nrows)} (the journal does not belong to this file)")
                append_record(h5, record, journal.read(record))
            attrs = h5.root._v_attrs
            attrs.store_id = journal.store_id
            if last is not None:
                attrs.journal_seq = last
            # the spike column's checksum covers every trial it holds (a few bytes per trial: cheap to redo)
            h5.root.spike_times._v_attrs.crc32 = spike_column_crc(h5.root.spike_times.read())
            if edit is not None:
                edit(h5)
            fault_point("compact.flush")
            h5.flush()
        with open(copy, "rb+") as handle:
            os.fsync(handle.fileno())
        _verify(copy, path, records)
        fault_point("compact.replace")
        os.replace(copy, path)
        fsync_dir(path.parent)
    except (OSError, tables.HDF5ExtError) as exc:
        copy.unlink(missing_ok=True)
        what = f"the {len(records)} journal records" if records else "the store"
        raise StoreError(write_failed(path, f"a compacted copy with {what} (they stay in the journal)", exc)) \
            from exc
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    fault_point("compact.cleanup")
    if last is not None:
        journal.remove_through(last)
