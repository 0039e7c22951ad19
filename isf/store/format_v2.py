"""Run stores of format 2, read and upgraded by this isf.

Format 2 kept a trial's soma spikes as the first blob of its ``trials`` row and had no spike-source
tags; format 3 keeps the soma spikes of all trials in ``/spike_times`` and puts the source codes first
in the row. So a format-2 row reads as a format-3 row whose ``offset`` is moved past its spike blob and
whose source blob is empty (sources not known); its spikes are decoded once. Reading a format-2 file
does this in memory; opening it for appending upgrades it in the compaction's copy (the main file is
never modified in place). Journal records of a format-2 writer are read the same way. See
``docs/store_format.md`` (versions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import tables
from numpy.typing import NDArray

from isf.store.blob_codec import read_blobs, unpack, unpack_parts
from isf.store.layout import FORMAT_VERSION, V2_SPIKE_COLUMN, create_v3_nodes

__all__ = ["is_v2_trial", "split_spikes", "trial_as_v3", "upgrade"]

#: Reads blobs ``(offset, nbytes)`` → their bytes.
BlobReader = Callable[[Sequence[tuple[int, int]]], list[memoryview]]


def split_spikes(rows: NDArray[np.void], read: BlobReader) -> tuple[NDArray[np.void], NDArray[np.float64]]:
    """Format-2 ``trials`` rows as format 3 reads them, and their soma spikes (row after row)."""
    rows = rows.copy()
    spike_bytes = rows["nbytes"][:, 0].copy()
    views = read(list(zip(rows["offset"].tolist(), spike_bytes.tolist())))
    spikes = unpack_parts(V2_SPIKE_COLUMN, iter(views), rows["n_spikes"].astype(np.int64))
    rows["offset"] += spike_bytes
    rows["nbytes"][:, 0] = 0
    return rows, spikes


def is_v2_trial(trial: dict[str, Any]) -> bool:
    """Whether the ``trials`` row of a journal record was written by a format-2 writer."""
    return "spike_times" not in trial


def trial_as_v3(trial: dict[str, Any], read_bytes: Callable[[int, int], bytes]) -> dict[str, Any]:
    """The ``trials`` row of a format-2 journal record as format 3 writes it (``read_bytes(start, stop)``:
    bytes of /blobs by virtual offset)."""
    offset, nbytes = int(trial["offset"]), int(trial["nbytes"][0])
    values = np.empty(int(trial["n_spikes"]), dtype=np.float64)
    unpack(V2_SPIKE_COLUMN, memoryview(read_bytes(offset, offset + nbytes)), values)
    return {**trial, "offset": offset + nbytes, "nbytes": [0, *(int(n) for n in trial["nbytes"][1:])],
            "spike_times": values.tolist()}


def upgrade(h5: tables.File, path: Path) -> None:
    """Turn the open format-2 file ``h5`` (a compaction's copy of ``path``) into format 3."""
    table = h5.root.trials
    rows = table.read()
    new, spikes = split_spikes(rows, lambda ranges: read_blobs(h5.root.blobs, ranges, path))
    if rows.shape[0]:
        table.modify_rows(0, rows.shape[0], rows=new)
    create_v3_nodes(h5)
    h5.root.spike_times.append(spikes)
    attrs = h5.root._v_attrs
    attrs.upgraded_from_format = int(attrs.format_version)
    attrs.format_version = FORMAT_VERSION
