"""The journal of a run store: completed trials not yet compacted into the main HDF5 file.

Every append writes one record file into ``<store>.journal/`` — under a temporary name, then renamed
into place, so a record is either whole or absent — and the main file is only ever replaced whole
by a compaction (:mod:`isf.store.compaction`). A record holds everything the append would have added
to the main file: the trial's ``trials`` row, new names, a new block of synapse rows, trace rows and
the bytes those point to. Its bytes have *virtual* offsets in ``/blobs``: they continue the main
file's ``/blobs`` record after record, so compacting appends them unchanged and readers can treat
main file and journal as one store (:class:`isf.store.index.StoreIndex`). See
``docs/store_format.md`` (journal, guarantees).

A record file: ``ISFJRNL1``, the length of a JSON header (uint32, little endian), the header, the
payload. The header names the store (``store_id``), the record's ``seq`` (1, 2, … over the store's
life; the main file's ``journal_seq`` attribute is the last one it holds), ``base`` (virtual offset of
the payload), ``size`` and ``crc`` (CRC-32) of the payload, and the rows.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import zlib
from pathlib import Path
from typing import Any, NamedTuple

from isf.errors import StoreError
from isf.store.faults import fault_point
from isf.store.file_lock import fsync_dir
from isf.store.format_v2 import is_v2_trial, trial_as_v3

__all__ = ["ForeignRecord", "JOURNAL_SUFFIX", "Journal", "JournalGone", "Record", "journal_dir", "write_failed"]

JOURNAL_SUFFIX = ".journal"
_MAGIC = b"ISFJRNL1"
_HEAD = len(_MAGIC) + 4
#: Free bytes below which a failed HDF5 write is taken for a full disk.
_FULL_BYTES = 1 << 20
_NAME = re.compile(r"^(\d{12})\.rec$")


def journal_dir(path: Path) -> Path:
    """The journal folder of the store file ``path`` (``run.h5`` → ``run.h5.journal``)."""
    return path.with_name(path.name + JOURNAL_SUFFIX)


class JournalGone(StoreError):
    """A record file disappeared while being read: a compaction moved it into the main file (readers
    refresh and read again)."""


class ForeignRecord(StoreError):
    """A record file names another store (one that was removed and replaced at the same path)."""


class Record(NamedTuple):
    """One record of the journal (its header; the payload stays in the file)."""

    seq: int
    #: virtual offset of the payload in /blobs, and its size in bytes
    base: int
    size: int
    crc: int
    #: the ``trials`` row: trial, n_spikes, wall_s, finished_at, has_input, n_presynaptic,
    #: n_activations, offset, nbytes (list), and the soma ``spike_times`` (list, ms)
    trial: dict[str, Any]
    #: names new with this trial, by list ("populations", "labels", "sources")
    names: dict[str, list[str]]
    #: a new /synapses row (n_rows, offset, nbytes…) or None
    synapses: list[int] | None
    #: /traces rows (trial, key, n_samples, offset, nbytes, t_offset, t_nbytes)
    traces: list[list[int]]
    #: the recording keys after this trial
    keys: list[str]
    #: the record file, and where its payload starts in it
    path: Path
    payload_at: int


def _encode(header: dict[str, Any]) -> bytes:
    return json.dumps(header, separators=(",", ":")).encode("utf-8")


class Journal:
    """The journal folder of the store ``store_path`` whose ``store_id`` is ``store_id``."""

    def __init__(self, store_path: Path, store_id: str) -> None:
        self.store_path = store_path
        self.dir = journal_dir(store_path)
        self.store_id = store_id
        #: damaged or foreign record files met by the last :meth:`records` (path, what is wrong)
        self.problems: list[tuple[Path, str]] = []
        #: record files of another store met by the last :meth:`records` (removed by the next writer)
        self.foreign: list[Path] = []

    def files(self) -> list[tuple[int, Path]]:
        """``(seq, path)`` of the record files, by seq (none if there is no journal)."""
        try:
            names = os.listdir(self.dir)
        except FileNotFoundError:
            return []
        found = sorted((int(m.group(1)), self.dir / n) for n in names if (m := _NAME.match(n)))
        return found

    def read_header(self, path: Path) -> Record:
        """The record of a file.

        Raises:
            JournalGone: the file is gone (compacted meanwhile).
            StoreError: the file is not a whole record (damaged).
        """
        try:
            with open(path, "rb") as handle:
                head = handle.read(_HEAD)
                if len(head) != _HEAD or head[:len(_MAGIC)] != _MAGIC:
                    raise StoreError(f"{path}: not a journal record (no {_MAGIC!r} header)")
                length = int.from_bytes(head[len(_MAGIC):], "little")
                raw = handle.read(length)
                size = os.fstat(handle.fileno()).st_size
        except FileNotFoundError:
            raise JournalGone(f"{path} was compacted into {self.store_path}") from None
        try:
            header = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StoreError(f"{path}: damaged journal record header ({exc})") from None
        record = Record(int(header["seq"]), int(header["base"]), int(header["size"]), int(header["crc"]),
                        header["trial"], header["names"], header["synapses"], header["traces"], header["keys"],
                        path, _HEAD + length)
        if self.store_id and header.get("store_id") != self.store_id:
            raise ForeignRecord(f"{path}: a record of another store ({header.get('store_id')}, this is "
                                f"{self.store_id}): left by a store removed from this place")
        if size != record.payload_at + record.size:
            raise StoreError(f"{path}: journal record of {size} bytes, its header says "
                             f"{record.payload_at + record.size} (damaged)")
        if is_v2_trial(record.trial):  # left by a writer of format 2: read as format 3
            whole = record
            trial = trial_as_v3(record.trial, lambda a, b: self.read(whole, a - whole.base, b - whole.base))
            record = record._replace(trial=trial)
        return record

    def records(self, after_seq: int, base: int, known: list[Record] | None = None) -> list[Record]:
        """The records after ``after_seq``, consecutive, the first at virtual offset ``base``; stops at
        the first gap, damaged or foreign record (listed in :attr:`problems`). ``known`` records are
        taken as they are (not read again)."""
        self.problems = []
        self.foreign = []
        have = {r.seq: r for r in known or []}
        out: list[Record] = []
        expect_seq, expect_base = after_seq + 1, base
        for seq, path in self.files():
            if seq <= after_seq:
                continue
            if seq != expect_seq:
                self.problems.append((path, f"record {seq} follows record {expect_seq - 1}: records are missing"))
                break
            record = have.get(seq)
            if record is None:
                try:
                    record = self.read_header(path)
                except JournalGone:
                    raise
                except ForeignRecord:
                    self.foreign.append(path)
                    continue
                except (StoreError, KeyError, TypeError, ValueError, OSError) as exc:
                    self.problems.append((path, str(exc)))
                    break
            if record.base != expect_base:
                self.problems.append((path, f"record {seq} starts at byte {record.base} of /blobs, expected "
                                            f"{expect_base} (damaged or of an older main file)"))
                break
            out.append(record)
            expect_seq, expect_base = seq + 1, record.base + record.size
        return out

    def read(self, record: Record, start: int = 0, stop: int | None = None) -> bytes:
        """Bytes ``start:stop`` of a record's payload (the whole payload, CRC-checked, by default).

        Raises:
            JournalGone: the record file is gone (compacted meanwhile).
            StoreError: the file is shorter than its header says, or the payload fails its CRC.
        """
        stop = record.size if stop is None else stop
        try:
            with open(record.path, "rb") as handle:
                handle.seek(record.payload_at + start)
                data = handle.read(stop - start)
        except FileNotFoundError:
            raise JournalGone(f"{record.path} was compacted into {self.store_path}") from None
        if len(data) != stop - start:
            raise StoreError(f"{record.path}: journal record is truncated (damaged)")
        if start == 0 and stop == record.size and zlib.crc32(data) != record.crc:
            raise StoreError(f"{record.path}: journal record fails its checksum (damaged)")
        return data

    def write(self, seq: int, base: int, rows: dict[str, Any], payload: bytes, *, durable: bool) -> Record:
        """Write record ``seq`` (payload at virtual offset ``base``) atomically: a temporary file, then a
        rename. ``durable``: fsync the file and the folder (survives a machine crash, not only a killed
        process).

        Raises:
            StoreError: the record cannot be written (disk full, no permission …); nothing is left behind.
        """
        header = {"store_id": self.store_id, "seq": seq, "base": base, "size": len(payload),
                  "crc": zlib.crc32(payload), **rows}
        raw = _encode(header)
        final = self.dir / f"{seq:012d}.rec"
        tmp = self.dir / f".{seq:012d}.rec.tmp-{os.getpid()}"
        try:
            self.dir.mkdir(exist_ok=True)
            with open(tmp, "wb") as handle:
                fault_point("journal.write")
                handle.write(_MAGIC + len(raw).to_bytes(4, "little") + raw)
                handle.write(payload)
                handle.flush()
                if durable:
                    os.fsync(handle.fileno())
            os.replace(tmp, final)
            if durable:
                fsync_dir(self.dir)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(write_failed(self.store_path, f"trial {rows['trial']['trial']}", exc)) from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        fault_point("journal.renamed")
        return Record(seq, base, len(payload), header["crc"], rows["trial"], rows["names"], rows["synapses"],
                      rows["traces"], rows["keys"], final, _HEAD + len(raw))

    def remove_through(self, seq: int) -> None:
        """Remove the records up to ``seq`` (they are in the main file now), temporary files of dead
        writers and records of other stores."""
        for number, path in self.files():
            if number <= seq:
                path.unlink(missing_ok=True)
        try:
            names = os.listdir(self.dir)
        except FileNotFoundError:
            return
        for name in names:
            if name.startswith(".") and ".rec.tmp-" in name:
                (self.dir / name).unlink(missing_ok=True)

    def remove_if_empty(self) -> None:
        """Remove the journal folder when no record is left in it (only the writer's lock file)."""
        try:
            names = os.listdir(self.dir)
        except FileNotFoundError:
            return
        if all(n == "writer.lock" for n in names):
            for n in names:
                (self.dir / n).unlink(missing_ok=True)
            try:
                self.dir.rmdir()
            except OSError:
                pass  # a new writer put its lock file there meanwhile


def write_failed(path: Path, what: str, exc: Exception) -> str:
    """The message of a failed write of ``what`` into the store ``path`` (a full disk said so; HDF5
    errors carry no errno: the free space tells)."""
    full = getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT)
    if not isinstance(exc, OSError):
        try:
            full = shutil.disk_usage(path.parent).free < _FULL_BYTES
        except OSError:
            pass
    if full:
        return (f"{path}: disk full while writing {what} ({getattr(exc, 'strerror', None) or exc}); the store "
                "keeps every trial stored "
                "before it: free space and run again to resume")
    return f"{path}: cannot write {what}: {exc}"
