"""The ways results are kept: one HDF5 file per run (:class:`RunStore`), trial-atomic, with its provenance,
and the study database (:class:`Database`), a folder of items of every kind.

The run-file layout is described in ``docs/store_format.md``, the database in ``docs/database.md``.

Where each concept lives:

* :mod:`isf.store.run_store` — :class:`RunStore`, the facade of a run file, over
  :mod:`isf.store.writer` and :mod:`isf.store.reader`, which share :mod:`isf.store.layout` (format,
  nodes, column specs), :mod:`isf.store.blob_codec` (compressed column blobs), :mod:`isf.store.names`
  and :mod:`isf.store.synapse_rows` (name and synapse lookups), :mod:`isf.store.index` (the small
  tables) and :mod:`isf.store.trial_columns` (validating a trial).
* :mod:`isf.store.journal`, :mod:`isf.store.compaction`, :mod:`isf.store.session` — crash-proof
  appends: a journal record per trial, compacted copy-on-write into the main file; the open files of
  a store (writer lock, live refresh of readers); :mod:`isf.store.store_file` (opening with clear
  errors), :mod:`isf.store.recover` and :mod:`isf.store.salvage` (``isf store recover``),
  :mod:`isf.store.faults` (fault points for tests).
* :mod:`isf.store.provenance` — versions, experiment JSON and input files kept with a run.
* :mod:`isf.store.nwb` — a run written as, and read from, NWB.
* :mod:`isf.store.database` — :class:`Database`, the facade of the study database, over
  :mod:`isf.store.db_keys`, :mod:`isf.store.db_codecs` (formats by type), :mod:`isf.store.db_metadata`,
  :mod:`isf.store.db_items` (layout, atomic commits), :mod:`isf.store.file_lock` and
  :mod:`isf.store.db_registry` (``mdb://`` ids).
* :mod:`isf.store.study_view` — :class:`StudyView`, the runs of a study (a database's or a list of
  store files) as lazy dask frames, with their condition labels (``docs/study.md``).

The modules under the facades are not re-exported: they are imported from the module where needed.
"""

from __future__ import annotations

from isf.store.database import DATABASE_FORMAT, DATABASE_FORMAT_VERSION, Database, resolve_url
from isf.store.db_registry import register_database, registered_databases
from isf.store.layout import FORMAT, FORMAT_VERSION, FRAME_KEYS, SOMA_KEY
from isf.store.nwb import NwbRun, NwbTrial, read_nwb, validate_nwb, write_nwb
from isf.store.provenance import experiment_json
from isf.store.run_store import RunStore
from isf.store.study_view import StudyRun, StudyView

__all__ = [
    "DATABASE_FORMAT",
    "DATABASE_FORMAT_VERSION",
    "FORMAT",
    "FORMAT_VERSION",
    "FRAME_KEYS",
    "SOMA_KEY",
    "Database",
    "NwbRun",
    "NwbTrial",
    "RunStore",
    "StudyRun",
    "StudyView",
    "experiment_json",
    "read_nwb",
    "register_database",
    "registered_databases",
    "resolve_url",
    "validate_nwb",
    "write_nwb",
]
