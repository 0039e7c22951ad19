"""The ways results are kept: one HDF5 file per run (:class:`RunStore`), trial-atomic, with its provenance.

The file layout is described in ``docs/store_format.md``. Modules, by concept: :mod:`~isf.store.layout`
(format, nodes, column specs), :mod:`~isf.store.blob_codec` (compressed column blobs),
:mod:`~isf.store.names` and :mod:`~isf.store.synapse_rows` (name and synapse lookups),
:mod:`~isf.store.index` (the small tables reader and writer share), :mod:`~isf.store.provenance`
(versions, experiment JSON, input files), :mod:`~isf.store.trial_columns` (validating a trial),
:mod:`~isf.store.writer`, :mod:`~isf.store.reader` and the facade :mod:`~isf.store.run_store`.
"""

from __future__ import annotations

from isf.store.layout import FORMAT, FORMAT_VERSION, FRAME_KEYS, SOMA_KEY
from isf.store.provenance import experiment_json
from isf.store.run_store import RunStore

__all__ = ["FORMAT", "FORMAT_VERSION", "FRAME_KEYS", "RunStore", "SOMA_KEY", "experiment_json"]
