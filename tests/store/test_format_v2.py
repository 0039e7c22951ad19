"""Stores of format 2 (written by isf at commit 957fd8a, files in tests/store/data) are read as they
are, and upgraded to format 3 when opened for appending; a dead format-2 writer's journal records are
read and compacted too. Their spike sources are not known (missing)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tables
from store_data import N_TRIALS, fill, frames

from isf.model.network import Network
from isf.model.trial_result import TrialResult
from isf.store import FORMAT_VERSION, RunStore

DATA = Path(__file__).parent / "data"


@pytest.fixture
def v2_store(tmp_path: Path) -> Path:
    shutil.copyfile(DATA / "format2.h5", tmp_path / "run.h5")
    return tmp_path / "run.h5"


@pytest.fixture
def v2_journal(tmp_path: Path) -> Path:
    """A format-2 store whose writer died with trials 2 and 3 in its journal."""
    shutil.copyfile(DATA / "format2_journal.h5", tmp_path / "run.h5")
    shutil.copytree(DATA / "format2_journal.h5.journal", tmp_path / "run.h5.journal")
    return tmp_path / "run.h5"


def _version(path: Path) -> int:
    with tables.open_file(str(path)) as h5:
        return int(h5.root._v_attrs.format_version)


def _same_as_v3(path: Path, tmp_path: Path, network: Network, results: list[TrialResult],
                trials: list[int]) -> None:
    """Every frame of the store at ``path`` equals that of a format-3 store of the same trials,
    but for the spike sources (not known in format 2)."""
    fill(tmp_path / "v3.h5", network, results, trials)
    old, new = frames(path), frames(tmp_path / "v3.h5")
    assert set(old) == set(new)
    for key in new:
        a, b = old[key], new[key]
        if key == "trials":
            a, b = a.drop(columns=["wall_s", "finished_at"]), b.drop(columns=["wall_s", "finished_at"])
        if key == "presynaptic_spikes":
            assert a["source"].isna().all() and b["source"].notna().all()
            a, b = a.drop(columns="source"), b.drop(columns="source")
        pd.testing.assert_frame_equal(a, b, check_categorical=False)


def test_a_format_2_store_reads_as_it_is(v2_store: Path, tmp_path: Path, network: Network,
                                         results: list[TrialResult]) -> None:
    before = v2_store.read_bytes()
    with RunStore.open(v2_store) as store:
        assert store.completed_trials() == {0, 1, 2, 3}
        assert store.provenance["format_version"] == 2
    _same_as_v3(v2_store, tmp_path, network, results, [0, 1, 2, 3])
    assert v2_store.read_bytes() == before  # reading never writes


def test_appending_upgrades_a_format_2_store(v2_store: Path, tmp_path: Path, network: Network,
                                             results: list[TrialResult]) -> None:
    with RunStore.open(v2_store, "a") as store:
        assert store.completed_trials() == {0, 1, 2, 3}
        store.append(results[5], network)
        store.append(results[4], network)
    assert _version(v2_store) == FORMAT_VERSION
    with RunStore.open(v2_store) as store:
        pres = store["presynaptic_spikes"]
        assert store.provenance["format_version"] == FORMAT_VERSION
    # the new trials know their sources, the old ones do not
    assert pres.loc[[4, 5], "source"].notna().all() and pres.loc[[0, 1, 2, 3], "source"].isna().all()
    fill(tmp_path / "v3.h5", network, results, list(range(N_TRIALS)))
    old, new = frames(v2_store), frames(tmp_path / "v3.h5")
    for key in ("spike_times", "spikes", "synapse_activations", "voltage_traces", "dend"):
        pd.testing.assert_frame_equal(old[key], new[key], check_categorical=False)


def test_a_dead_format_2_writers_journal_is_read_and_compacted(v2_journal: Path, tmp_path: Path, network: Network,
                                                               results: list[TrialResult]) -> None:
    with RunStore.open(v2_journal) as store:  # read-only: main file of format 2 and two format-2 records
        assert store.completed_trials() == {0, 1, 2, 3}
        spikes = store["spikes"]
    for r in results[:4]:
        assert np.array_equal(spikes.loc[spikes.index == r.trial_index, "time_ms"].to_numpy(), r.spike_times_ms)
    _same_as_v3(v2_journal, tmp_path / "a", network, results, [0, 1, 2, 3])
    with RunStore.open(v2_journal, "a") as store:  # the resume: compacts and upgrades
        assert store.completed_trials() == {0, 1, 2, 3}
    assert _version(v2_journal) == FORMAT_VERSION
    assert not (v2_journal.parent / "run.h5.journal").exists()
    _same_as_v3(v2_journal, tmp_path / "b", network, results, [0, 1, 2, 3])

