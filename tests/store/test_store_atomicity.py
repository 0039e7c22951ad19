"""A trial is stored whole or not at all: appends go to an atomic journal, the main file is only ever
replaced whole; crashes, failed appends and full disks lose nothing completed before them."""

from __future__ import annotations

import errno
import multiprocessing
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tables

from isf.errors import StoreError
from isf.model.network import Network
from isf.model.trial_result import TrialResult, activation_columns
from isf.store import RunStore
from isf.store import writer as writer_module
from isf.store.faults import set_fault_hook
from isf.store.journal import journal_dir
from store_data import EXPERIMENT, N_TRIALS, SEED, build_network, fill, frames, make_result


def _create(path: Path) -> RunStore:
    return RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS)


def _same_as_clean(path: Path, tmp_path: Path, network: Network, results: list[TrialResult]) -> None:
    clean = tmp_path / "clean.h5"
    if not clean.exists():
        fill(clean, network, results, list(range(N_TRIALS)))
    a, b = frames(path), frames(clean)
    for key in a:
        pd.testing.assert_frame_equal(a[key], b[key], check_exact=True, obj=key)


# ------------------------------------------------------------------------------------------ crashes and resume


def _die_at(path: str, point: str, nth: int, trials: list[int]) -> None:  # runs in a child process
    network = build_network()
    seen = {"n": 0}

    def hook(where: str) -> None:
        if where == point:
            seen["n"] += 1
            if seen["n"] == nth:
                os._exit(3)  # the process dies there, without cleaning up

    writer_module.COMPACT_MIN_TRIALS, writer_module.COMPACT_RATIO = 2, 0.0
    set_fault_hook(hook)
    store = RunStore.open(path, "a")
    for trial in trials:
        store.append(make_result(network, trial), network)
    store.close()
    os._exit(0)


@pytest.mark.parametrize(("point", "nth", "kept"), [
    ("journal.write", 1, {0, 1}),      # inside the record of trial 2: it is in flight
    ("journal.renamed", 1, {0, 1, 2}),  # just after the first record is in place
    ("compact.append", 2, {0, 1, 2, 3}),  # inside a compaction (two records in the journal)
    ("compact.flush", 1, {0, 1, 2, 3}),
    ("compact.replace", 1, {0, 1, 2, 3}),
    ("compact.cleanup", 1, {0, 1, 2, 3}),  # the main file is new, the records not removed yet
])
def test_a_crash_anywhere_keeps_every_completed_trial(tmp_path: Path, network: Network, results: list[TrialResult],
                                                      point: str, nth: int, kept: set[int]) -> None:
    path = tmp_path / "run.h5"
    with _create(path) as store:
        store.append(results[0], network)
        store.append(results[1], network)
    child = multiprocessing.get_context("spawn").Process(target=_die_at, args=(str(path), point, nth, [2, 3, 4]))
    child.start()
    child.join(120)
    assert child.exitcode == 3
    with RunStore.open(path) as store:  # a reader sees the completed trials (main file and journal)
        assert store.completed_trials() == kept
        assert store["voltage_traces"].index.tolist() == sorted(kept)
    with _create(path) as store:  # resuming moves the journal into the main file
        assert store.completed_trials() == kept
        for i in range(N_TRIALS):
            if i not in kept:
                store.append(results[i], network)
    assert not journal_dir(path).exists()
    assert not list(tmp_path.glob(".run.h5.compact-*"))
    with tables.open_file(str(path)) as h5:  # everything is in the main file now
        assert h5.root.trials.nrows == N_TRIALS
    _same_as_clean(path, tmp_path, network, results)


def test_orphans_of_an_older_isf_are_invisible_and_trimmed(tmp_path: Path, network: Network,
                                                           results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    with _create(path) as store:
        store.append(results[0], network)
        store.append(results[1], network)
    with tables.open_file(str(path)) as h5:
        clean = {n: h5.get_node("/" + n).nrows for n in ("blobs", "traces", "trials")}
    # what an interrupted append of an older isf (writing the main file in place) left: bytes and trace
    # rows of trial 4, no trials row
    with tables.open_file(str(path), "a") as h5:
        h5.root.blobs.append(np.arange(1000, dtype=np.uint8))
        h5.root.traces.append(np.array([[4, 0, 8001, clean["blobs"], 1000, 0, 10]], dtype=np.int64))
    with RunStore.open(path) as store:
        assert store.completed_trials() == {0, 1}
        assert store["voltage_traces"].index.tolist() == [0, 1]
    with RunStore.open(path, "a") as store:
        store.append(results[4], network)
    with tables.open_file(str(path)) as h5:
        assert h5.root.traces.nrows == 3 * 2  # two recordings per trial, no orphan row
    with RunStore.open(path) as store:
        assert store.completed_trials() == {0, 1, 4}
        acts = store["synapse_activations"]
        assert len(acts.loc[[4]]) == activation_columns(network, results[4].input)["time_ms"].shape[0]
        assert np.array_equal(store["voltage_traces"].loc[4].to_numpy(), results[4].traces["soma"])


def test_failed_append_leaves_nothing(tmp_path: Path, network: Network, results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    with _create(path) as store:
        store.append(results[0], network)
        before = store._index.sizes()
        keys = store.trace_keys()

        def boom(point: str) -> None:
            if point == "journal.write":
                raise RuntimeError("interrupted")

        set_fault_hook(boom)
        try:
            with pytest.raises(RuntimeError, match="interrupted"):
                store.append(results[1], network)
        finally:
            set_fault_hook(None)
        assert store._index.sizes() == before and store.trace_keys() == keys
        assert store.completed_trials() == {0}
        assert [p.name for p in journal_dir(path).iterdir() if not p.name.endswith(".lock")] == ["000000000001.rec"]
        store.append(results[1], network)
        assert store.completed_trials() == {0, 1}


def _enospc_at(nth: int) -> object:
    seen = {"n": 0}

    def hook(point: str) -> None:
        if point in ("journal.write", "compact.flush"):
            seen["n"] += 1
            if seen["n"] == nth:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return hook


def test_disk_full_while_appending_says_so_and_keeps_the_trials_before(tmp_path: Path, network: Network,
                                                                        results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    store = _create(path)
    set_fault_hook(_enospc_at(4))  # type: ignore[arg-type]
    try:
        for i in range(3):
            store.append(results[i], network)
        with pytest.raises(StoreError, match="disk full while writing trial 3") as info:
            store.append(results[3], network)
        assert str(path) in str(info.value) and "keeps every trial stored before" in str(info.value)
    finally:
        set_fault_hook(None)
    with RunStore.open(path) as reader:  # readable meanwhile, with the trials before
        assert reader.completed_trials() == {0, 1, 2}
    store.close()
    with RunStore.open(path) as reader:
        assert reader.completed_trials() == {0, 1, 2}
        assert reader["voltage_traces"].shape[0] == 3


def test_disk_full_while_compacting_keeps_the_journal(tmp_path: Path, network: Network,
                                                      results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    store = _create(path)
    for i in range(3):
        store.append(results[i], network)
    set_fault_hook(_enospc_at(1))  # type: ignore[arg-type]
    try:
        with pytest.raises(StoreError, match="disk full") as info:
            store.close()
        assert "stay in the journal" in str(info.value)
    finally:
        set_fault_hook(None)
    assert not list(tmp_path.glob(".run.h5.compact-*"))
    with RunStore.open(path) as reader:
        assert reader.completed_trials() == {0, 1, 2}
    with RunStore.open(path, "a") as again:  # space is back: the journal moves in
        assert again.completed_trials() == {0, 1, 2}
    assert not journal_dir(path).exists()


def test_a_second_writer_is_refused(tmp_path: Path, network: Network, results: list[TrialResult]) -> None:
    path = tmp_path / "run.h5"
    with _create(path) as store:
        store.append(results[0], network)
        with pytest.raises(StoreError, match="locked: another process is appending"):
            RunStore.open(path, "a")
        with RunStore.open(path) as reader:  # readers are welcome
            assert reader.completed_trials() == {0}
    with RunStore.open(path, "a") as again:
        again.append(results[1], network)


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs (needs root and a system that allows mounting; skipped otherwise)."""
    folder = tmp_path / "small"
    folder.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({proc.stderr.decode(errors='replace').strip()})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_a_full_file_system_gives_a_clear_error_and_keeps_the_trials_before(small_disk: Path) -> None:
    path = small_disk / "run.h5"
    rng = np.random.default_rng(0)
    store = RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=1000)
    stored = 0
    with pytest.raises(StoreError, match="disk full while writing trial") as info:
        for trial in range(1000):  # noise does not compress: ~100 kB per trial
            store.append_trial(trial, t_ms=np.arange(12_000) * 0.025, traces={"soma": rng.normal(size=12_000)},
                               spike_times_ms=[1.0])
            stored += 1
    assert str(path) in str(info.value) and "keeps every trial stored before it" in str(info.value)
    assert 5 < stored < 1000
    with RunStore.open(path) as reader:  # readable meanwhile, with every trial before
        assert reader.completed_trials() == set(range(stored))
    with pytest.raises(StoreError, match="disk full"):
        store.close()  # no room for a compacted copy: the trials stay in the journal
    with RunStore.open(path) as reader:
        assert reader.completed_trials() == set(range(stored))
        assert reader["voltage_traces"].shape == (stored, 12_000)
    assert not list(small_disk.glob(".run.h5.compact-*"))


def test_a_store_of_an_older_isf_with_a_stale_journal_next_to_it(tmp_path: Path, network: Network,
                                                                  results: list[TrialResult]) -> None:
    old = tmp_path / "old.h5"
    with _create(old) as store:
        store.append(results[0], network)
    other = tmp_path / "other.h5"  # a journal record of another store, left at old.h5's place
    writer = _create(other)
    writer.append(results[1], network)
    (record,) = [p for p in journal_dir(other).iterdir() if p.suffix == ".rec"]
    journal_dir(old).mkdir()
    record.replace(journal_dir(old) / record.name)
    writer._files.lock.release()  # type: ignore[union-attr]
    writer._files.h5.close()
    with tables.open_file(str(old), "a") as h5:  # as written before the journal existed
        del h5.root._v_attrs.store_id
        del h5.root._v_attrs.journal_seq
    with RunStore.open(old) as reader:
        assert reader.completed_trials() == {0}
    with RunStore.open(old, "a") as store:
        assert store.completed_trials() == {0}
        store.append(results[1], network)
    assert not journal_dir(old).exists()
    with RunStore.open(old) as reader:
        assert reader.completed_trials() == {0, 1}
        assert reader._h5.root._v_attrs.store_id
