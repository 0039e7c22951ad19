"""The ways results are kept: one HDF5 file per run (:class:`RunStore`), trial-atomic, with its provenance,
and the study database (:class:`Database`), a folder of items of every kind.

The file layout is described in ``docs/store_format.md``. Modules, by concept: :mod:`~isf.store.layout`
(format, nodes, column specs), :mod:`~isf.store.blob_codec` (compressed column blobs),
:mod:`~isf.store.names` and :mod:`~isf.store.synapse_rows` (name and synapse lookups),
:mod:`~isf.store.index` (the small tables reader and writer share), :mod:`~isf.store.provenance`
(versions, experiment JSON, input files), :mod:`~isf.store.trial_columns` (validating a trial),
:mod:`~isf.store.writer`, :mod:`~isf.store.reader` and the facade :mod:`~isf.store.run_store`.
The database (``docs/database.md``): :mod:`~isf.store.db_keys`, :mod:`~isf.store.db_codecs` (formats by
type), :mod:`~isf.store.db_metadata`, :mod:`~isf.store.db_items` (layout, atomic commits),
:mod:`~isf.store.file_lock`, :mod:`~isf.store.db_registry` (``mdb://`` ids) and the facade
:mod:`~isf.store.database`.
"""

from __future__ import annotations

from isf.store.database import Database
from isf.store.db_registry import register_database, registered_databases
from isf.store.layout import FORMAT, FORMAT_VERSION, FRAME_KEYS, SOMA_KEY
from isf.store.provenance import experiment_json
from isf.store.run_store import RunStore

__all__ = [
    "Database", "FORMAT", "FORMAT_VERSION", "FRAME_KEYS", "RunStore", "SOMA_KEY", "experiment_json",
    "register_database", "registered_databases",
]
