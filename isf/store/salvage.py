"""Salvaging a main file that HDF5 cannot open as it is: truncated (copied or written only in part)
or damaged. isf never leaves its own main file so (it replaces it whole), but disks, copies and
older isf versions may.

A truncated file is padded with zeros to the size its superblock records, opened read-only, and
every trial (of the main file and of the journal) is read back on its own: the trials whose bytes
are whole are written into a new store, which replaces the file; the file as it was is kept next to
it (``<store>.damaged``). See ``docs/store_format.md`` (recovery).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import tables

from isf.errors import StoreError
from isf.store import layout, provenance
from isf.store.index import StoreIndex, journal_seq
from isf.store.journal import Journal
from isf.store.reader import Reader
from isf.store.store_file import expected_size, hdf5_reason

__all__ = ["Salvage", "readable_trials", "salvage"]

#: What reading a damaged trial may raise.
_DAMAGE = (StoreError, tables.HDF5ExtError, OSError, ValueError, KeyError, IndexError, RuntimeError)


class Salvage:
    """A padded read-only copy of the damaged main file ``path`` with its journal, trial by trial.

    Raises:
        StoreError: HDF5 cannot open the file even padded, or its provenance is unreadable.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.copy = path.with_name(f".{path.name}.salvage-{uuid.uuid4().hex[:12]}")
        shutil.copyfile(path, self.copy)
        expected = expected_size(path)
        if expected is not None and self.copy.stat().st_size < expected:
            with open(self.copy, "r+b") as handle:
                handle.truncate(expected)  # the missing tail reads as zeros: its blobs fail their checks
        try:
            self.h5 = tables.open_file(str(self.copy), "r")
        except (tables.HDF5ExtError, OSError, ValueError) as exc:
            self.copy.unlink(missing_ok=True)
            raise StoreError(f"{path} cannot be recovered: HDF5 cannot read it even padded to its size "
                             f"({hdf5_reason(exc)})") from None
        try:
            layout.check_format(self.h5, path)
            journal = Journal(path, str(getattr(self.h5.root._v_attrs, "store_id", "")))
            records = journal.records(journal_seq(self.h5), int(self.h5.root.blobs.nrows)) \
                if journal.store_id else []
            self.index = StoreIndex(self.h5, path, journal, records)
            self.reader = Reader(self.index)
            attrs = self.h5.root._v_attrs
            self.run_seed, self.n_trials = int(attrs.run_seed), int(attrs.n_trials)
            self.soma_key = str(attrs.soma_key)
            self.experiment = provenance.read_experiment(self.h5, self.index.synapse_table(),
                                                         self.index.name_list("labels"))
            self.extra = provenance.read_text(self.h5.get_node("/provenance/extra_json"))
            self.files = provenance.provenance_files(self.h5)
            self.failures = provenance.read_failures(self.h5)
        except _DAMAGE as exc:
            self.close()
            raise StoreError(f"{path} cannot be recovered: its provenance is unreadable ({exc})") from None

    def close(self) -> None:
        """Close and remove the padded copy."""
        if getattr(self, "h5", None) is not None and self.h5.isopen:
            self.h5.close()
        self.copy.unlink(missing_ok=True)

    def trials(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(trial, append_trial arguments)`` of every trial that reads back whole."""
        try:
            rows = self.index.rows()
        except _DAMAGE as exc:  # no trial can be read whole (the trials table or the soma spike column)
            raise StoreError(f"{self.path} cannot be recovered: its trials cannot be read ({exc})") from None
        for row in rows:
            trial = int(row["trial"])
            try:
                yield trial, self._columns(trial, row)
            except _DAMAGE:
                continue

    def _columns(self, trial: int, row: np.void) -> dict[str, Any]:
        read = self.reader
        traces, times = {}, {}
        for key in self.index.keys():
            if trial in set(read.trials_with_trace(key).tolist()):
                times[key], traces[key] = read.trace(key, trial)
        t_ms = next(iter(times.values()), np.zeros(0))
        acts = read.frame("synapse_activations", self.soma_key, [trial])
        pres = read.frame("presynaptic_spikes", self.soma_key, [trial])
        return {
            "t_ms": t_ms, "traces": traces, "wall_s": float(row["wall_s"]),
            "traces_t_ms": {k: t for k, t in times.items() if not np.array_equal(t, t_ms)} or None,
            "spike_times_ms": read.frame("spikes", self.soma_key, [trial])["time_ms"].to_numpy(),
            "synapse_activations": _plain(acts) if bool(row["has_input"]) else None,
            "presynaptic_spikes": _plain(pres),
        }

    def write(self, target: Path) -> int:
        """Write the readable trials into a new store ``target``; their number."""
        from isf.store.run_store import RunStore

        count = 0
        with RunStore.create(target, experiment_json=self.experiment, run_seed=self.run_seed, n_trials=self.n_trials,
                             extra=json.loads(self.extra), soma_key=self.soma_key) as store:
            for trial, columns in self.trials():
                store.append_trial(trial, **columns)
                count += 1
            for name, text in self.files.items():
                store.add_provenance_file(name, text)
            for failure in self.failures:
                if failure["trial"] not in store.completed_trials():
                    store.record_failure(failure["trial"], failure["reason"],
                                         wall_s=float(failure.get("wall_s", math.nan)))
        return count


def _plain(frame: Any) -> dict[str, Any]:
    # categoricals as objects: a missing value (a spike source not known) stays missing, not "nan"
    return {c: (frame[c].to_numpy(dtype=object) if str(frame[c].dtype) == "category" else frame[c].to_numpy())
            for c in frame.columns}


def readable_trials(path: Path) -> int | None:
    """How many trials of the store ``path`` (main file and journal) read back whole (``None``: the
    file cannot be read even padded)."""
    try:
        salvage = Salvage(path)
    except (StoreError, OSError):
        return None
    try:
        return sum(1 for _ in salvage.trials())
    finally:
        salvage.close()


def salvage(path: Path) -> tuple[int, Path]:
    """Replace the damaged store ``path`` by a new one of its readable trials; (trials kept, where the
    damaged file was moved)."""
    rescue = Salvage(path)
    target = path.with_name(f".{path.name}.salvaged-{uuid.uuid4().hex[:12]}")
    try:
        count = rescue.write(target)
    except BaseException:
        rescue.close()
        shutil.rmtree(target.with_name(target.name + ".journal"), ignore_errors=True)
        target.unlink(missing_ok=True)
        raise
    rescue.close()
    kept = path.with_name(path.name + ".damaged")
    n = 1
    while kept.exists():
        kept = path.with_name(f"{path.name}.damaged{n}")
        n += 1
    os.replace(path, kept)
    os.replace(target, path)
    old_journal = path.with_name(path.name + ".journal")
    if old_journal.is_dir():
        old_journal.replace(kept.with_name(kept.name + ".journal"))
    return count, kept
