"""Live reading: a store (and a database item of a run store) opened read-only while another process
appends to it shows a consistent, growing set of trials; bad files give errors that say what is wrong."""

from __future__ import annotations

import multiprocessing
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tables

from isf.errors import MissingFileError, StoreError
from isf.model.network import Network
from isf.model.trial_result import TrialResult
from isf.store import Database, RunStore
from isf.store import writer as writer_module
from isf.store.journal import journal_dir
from isf.store.recover import recover
from store_data import EXPERIMENT, N_TRIALS, SEED, build_network, make_result


def _create(path: Path) -> RunStore:
    return RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS)


def _slow_run(path: str, go: object) -> None:  # a spawned child: the run being watched
    network = build_network()
    writer_module.COMPACT_MIN_TRIALS, writer_module.COMPACT_RATIO = 2, 0.0  # compactions under the reader
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS) as store:
        go.set()  # type: ignore[attr-defined]
        for i in range(N_TRIALS):
            store.append(make_result(network, i), network)
            time.sleep(0.3)


def _watch(path: Path, results: list[TrialResult], opened: RunStore) -> list[set[int]]:
    """Read the store while the run appends: every read is consistent, the trials only grow."""
    seen: list[set[int]] = []
    deadline = time.time() + 300
    with opened as store:
        while time.time() < deadline:
            done = store.completed_trials()
            if "soma" not in store.trace_keys():  # no trial yet
                assert not done
                continue
            traces = store["voltage_traces"]
            acts = store["synapse_activations"]
            assert set(traces.index) >= done and set(traces.index) <= set(range(N_TRIALS))
            for trial in traces.index:  # every trial read back whole
                assert np.array_equal(traces.loc[trial].to_numpy(), results[trial].traces["soma"])
            later = store.completed_trials()  # trials may complete between the reads: each read is a consistent state
            assert set(acts.index.unique()) <= later and set(traces.index) <= later
            assert not seen or done >= seen[-1]
            seen.append(done)
            if len(done) == N_TRIALS:
                break
            time.sleep(0.05)
    return seen


def test_a_reader_sees_a_growing_consistent_store_while_a_run_appends(tmp_path: Path,
                                                                       results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    child = context.Process(target=_slow_run, args=(str(path), go))
    child.start()
    assert go.wait(120)
    seen = _watch(path, results, RunStore.open(path))
    child.join(120)
    assert child.exitcode == 0
    assert seen[-1] == set(range(N_TRIALS))
    assert len({len(s) for s in seen}) >= 3  # partial states were seen
    assert not journal_dir(path).exists()


def test_a_database_item_opens_live_the_same_way(tmp_path: Path, results: list[TrialResult]) -> None:
    db = Database(tmp_path / "db")
    path = db.run_store_path(("runs", "a"))
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    child = context.Process(target=_slow_run, args=(str(path), go))
    child.start()
    assert go.wait(120)
    seen = _watch(path, results, db["runs", "a"])
    child.join(120)
    assert seen[-1] == set(range(N_TRIALS)) and len(seen) > 1


# ------------------------------------------------------------------------------------------ clear errors


@pytest.fixture()
def stored(tmp_path: Path, network: Network, results: list[TrialResult]) -> Path:
    path = tmp_path / "run.h5"
    with _create(path) as store:
        for i in range(3):
            store.append(results[i], network)
    return path


def test_truncated_store(stored: Path) -> None:
    size = stored.stat().st_size
    with open(stored, "r+b") as handle:
        handle.truncate(size // 2)
    with pytest.raises(StoreError) as info:
        RunStore.open(stored)
    message = str(info.value)
    assert str(stored) in message and "is truncated" in message and f"{size // 2} bytes of the {size}" in message
    assert f"isf store recover {stored}" in message or "cannot be recovered" in message


def test_foreign_files(tmp_path: Path) -> None:
    text = tmp_path / "notes.h5"
    text.write_text("hello")
    with pytest.raises(StoreError, match="notes.h5 is not an HDF5 file"):
        RunStore.open(text)
    other = tmp_path / "other.h5"
    with tables.open_file(str(other), "w") as h5:
        h5.create_array("/", "x", np.arange(3))
    with pytest.raises(StoreError, match="other.h5 is an HDF5 file but not an isf run store"):
        RunStore.open(other)
    with pytest.raises(MissingFileError, match="no run store"):
        RunStore.open(tmp_path / "missing.h5", "a")
    assert not journal_dir(tmp_path / "missing.h5").exists()


def test_newer_format(stored: Path) -> None:
    with tables.open_file(str(stored), "a") as h5:
        h5.root._v_attrs.format_version = 99
    with pytest.raises(StoreError, match="has run-store format 99; this isf reads up to 3"):
        RunStore.open(stored)


def test_locked_by_another_hdf5_writer(stored: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import sys, tables; h = tables.open_file(sys.argv[1], 'a'); "
                               "print('open', flush=True); sys.stdin.read()", str(stored)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        try:
            RunStore.open(stored).close()
        except StoreError as exc:
            assert "is locked by another program" in str(exc) and str(stored) in str(exc)
        else:
            pytest.skip("HDF5 file locking is off here (HDF5_USE_FILE_LOCKING or the file system)")
    finally:
        holder.communicate("", timeout=60)


def test_damaged_journal_record_is_named_and_recovered(stored: Path, network: Network,
                                                       results: list[TrialResult]) -> None:
    writer = RunStore.open(stored, "a")
    for i in (3, 4):
        writer.append(results[i], network)
    records = sorted(p for p in journal_dir(stored).iterdir() if p.suffix == ".rec")
    writer._files.lock.release()  # type: ignore[union-attr]  # as if the writer died here
    writer._files.h5.close()
    with open(records[-1], "r+b") as handle:  # the last record is damaged (a machine crash)
        handle.truncate(os.path.getsize(records[-1]) - 10)
    with RunStore.open(stored) as reader:  # readers keep what is whole
        assert reader.completed_trials() == {0, 1, 2, 3}
    with pytest.raises(StoreError, match=f"journal record {records[-1].name} is damaged") as info:
        RunStore.open(stored, "a")
    assert f"isf store recover {stored}" in str(info.value)
    recovery = recover(stored)
    assert (recovery.trials, recovery.restored, len(recovery.set_aside)) == (4, 1, 1)
    assert "set aside 1 damaged journal records" in "\n".join(recovery.lines())
    with RunStore.open(stored, "a") as store:
        assert store.completed_trials() == {0, 1, 2, 3}
        store.append(results[4], network)


@pytest.mark.parametrize("keep", [0.98, 0.6])
def test_truncated_store_is_salvaged_by_recover(stored: Path, network: Network, results: list[TrialResult],
                                                keep: float) -> None:
    whole = {k: v for k, v in _frames(stored).items()}
    size = stored.stat().st_size
    with open(stored, "r+b") as handle:
        handle.truncate(int(size * keep))
    try:
        RunStore.open(stored)
    except StoreError as exc:
        message = str(exc)
    else:
        pytest.fail("a truncated store opened")
    found = re.search(r"; (\d+) trials can be recovered with `isf store recover", message)
    if found is None:
        assert "cannot be recovered" in message
        return
    n = int(found.group(1))
    recovery = recover(stored)
    assert recovery.trials == recovery.restored == n and recovery.damaged == stored.with_name("run.h5.damaged")
    assert recovery.damaged.stat().st_size == int(size * keep)
    with RunStore.open(stored) as store:
        assert len(store.completed_trials()) == n
        trials = sorted(store.completed_trials())
        got = _frames(stored)
    for key, frame in whole.items():
        pd.testing.assert_frame_equal(got[key], frame.loc[frame.index.isin(trials)], check_exact=True, obj=key,
                                      check_categorical=False)
    with RunStore.open(stored, "a") as store:  # the run goes on
        for i in range(N_TRIALS):
            if i not in store.completed_trials():
                store.append(results[i], network)


def _frames(path: Path) -> dict[str, pd.DataFrame]:
    with RunStore.open(path) as store:
        return {k: store[k] for k in ("spikes", "synapse_activations", "presynaptic_spikes", "voltage_traces")}
