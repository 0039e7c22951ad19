"""Blobs: lossless column compression, split into chunks, read back in spans or one by one."""

from __future__ import annotations

import os
from pathlib import Path

import blosc2
import numpy as np
import pandas as pd
import pytest
import tables

from isf.model.network import Network
from isf.model.trial_result import TrialResult
from isf.store import RunStore, blob_codec, layout
from store_data import EXPERIMENT, N_TRIALS, SEED, fill, frames


def test_reading_blob_by_blob_gives_the_same_frames(tmp_path: Path, network: Network, results: list[TrialResult],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "run.h5"
    fill(path, network, results, [2, 0, 1, 5, 4, 3])
    together = frames(path)  # neighbouring blobs are read in one go
    monkeypatch.setattr(blob_codec, "READ_GAP", 0)
    monkeypatch.setattr(blob_codec, "READ_SPAN", 1)
    for key, frame in frames(path).items():
        pd.testing.assert_frame_equal(frame, together[key], check_exact=True)


# ------------------------------------------------------------------------------------------ storage


def test_compression(tmp_path: Path, network: Network, results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    fill(path, network, results, list(range(N_TRIALS)))
    raw_traces = sum(r.traces["soma"].nbytes + r.traces["dend"].nbytes for r in results)
    with tables.open_file(str(path)) as h5:
        index = h5.root.traces.read()
        stored = int(index[:, 4].sum())  # bytes of the trace blobs
        assert index.shape == (2 * N_TRIALS, 7)
        assert h5.root.blobs.filters.complevel == 0  # the blobs are compressed already
    # smooth curves: the third differences of the bit patterns compress well
    assert stored < 0.5 * raw_traces
    assert os.path.getsize(path) < raw_traces
    # a trace at rest (constant) compresses to almost nothing
    flat = tmp_path / "flat.h5"
    t = results[0].t_ms
    with RunStore.create(flat, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=4) as store:
        for i in range(4):
            store.append_trial(i, t_ms=t, traces={"soma": np.full(t.shape, -70.0)}, spike_times_ms=[])
    with tables.open_file(str(flat)) as h5:
        assert h5.root.traces.read()[:, 4].sum() < 4 * t.nbytes / 50


def test_blobs_round_trip_every_bit() -> None:
    """Differences are taken in the column's integer type (wrapping), samples as IEEE bit patterns."""
    rng = np.random.default_rng(3)
    ints = np.array([0, -1, layout.INT32.max, layout.INT32.min, 5, -7], dtype=np.int32)
    samples = np.concatenate([[np.nan, -0.0, 0.0, np.inf, -np.inf, 5e-324, -1.7976931348623157e308],
                              rng.normal(size=1000), np.cumsum(rng.normal(size=1000))])
    for column, values in ((layout.TRIAL_COLUMNS[2], ints), (layout.TRACE_COLUMN, samples),
                           (layout.TRIAL_COLUMNS[3], samples), (layout.TRIAL_COLUMNS[2], ints[:0])):
        blob = blob_codec.pack(column, values)
        out = np.empty(values.shape[0], dtype=np.int64 if column is layout.TRACE_COLUMN else column.dtype)
        blob_codec.unpack(column, memoryview(blob), out)
        got = out.view(np.float64) if column is layout.TRACE_COLUMN else out
        assert got.tobytes() == np.asarray(values, dtype=got.dtype).tobytes()
    with pytest.raises(ValueError, match="damaged"):
        blob_codec.unpack(layout.TRACE_COLUMN, memoryview(blob), np.empty(3, dtype=np.int64))


def test_large_columns_are_split_into_several_blosc2_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blob_codec, "PIECE_BYTES", 800)
    values = np.arange(1000, dtype=np.float64) * 0.5
    column = layout.TRIAL_COLUMNS[layout.PRE_TIME]
    blob = blob_codec.pack(column, values)
    out = np.empty(1000)
    blob_codec.unpack(column, memoryview(blob), out)
    assert np.array_equal(out, values)
    assert blosc2.get_cbuffer_sizes(blob)[0] == 800  # the first of ten chunks
