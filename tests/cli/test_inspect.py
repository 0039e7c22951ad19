"""``isf inspect``: summaries of every kind of shipped file, a typed file and a run store."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import isf
from isf.store import RunStore
from isf.data import cell86, network_c2


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            cell86("86_C2_center.param"),
            ["cell parameter file", "1142 segments", "tstop 250 ms"],
        ),
        (cell86("86_C2_center.hoc"), ["167 sections", "apic       79 sections"]),
        (cell86("apical_proximal_distal_rec_sites.landmarkAscii"), ["1 points"]),
        (network_c2("network.param"), ["278 populations, 24780 presynaptic cells"]),
        (
            network_c2("example_embedding_86_C2_center.syn"),
            ["278 populations, 24780 synapses", "L34_C2 2348"],
        ),
        (network_c2("example_embedding_86_C2_center.con"), ["24780 connections"]),
    ],
)
def test_legacy_files(isf_cli, path: Path, expected: list[str]) -> None:
    code, out, _ = isf_cli("inspect", path)
    assert code == 0
    for text in expected:
        assert text in out


def test_typed_file(isf_cli, tmp_path: Path) -> None:
    cell = isf.read_cell_param(cell86("86_C2_center.param")).cell
    isf.save(cell, tmp_path / "cell.yaml")
    code, out, _ = isf_cli("inspect", tmp_path / "cell.yaml")
    assert (
        code == 0 and out.startswith("Cell ") and "170 sections, 1142 segments" in out
    )


def test_run_store(isf_cli, tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    with RunStore.create(
        path, experiment_json=json.dumps({"what": "test"}), run_seed=7, n_trials=3
    ) as store:
        store.append_trial(
            0,
            t_ms=np.arange(5.0),
            traces={"soma": np.full(5, -70.0)},
            spike_times_ms=[2.0],
        )
    code, out, _ = isf_cli("inspect", path)
    assert code == 0
    assert "run seed 7, 1 of 3 trials done" in out and "soma" in out


def test_bad_input(isf_cli, one_line_error, tmp_path: Path) -> None:
    bad = tmp_path / "cell.json"
    bad.write_text('{"isf_format": 1, "type": "Cell", "value": {"morphology": 3}}')
    code, _, err = isf_cli("inspect", bad)
    assert code != 0
    one_line_error(err)
    code, _, err = isf_cli("inspect", tmp_path / "notes.txt")
    assert code != 0 and "file not found" in one_line_error(err)
    (tmp_path / "notes.txt").write_text("hello")
    code, _, err = isf_cli("inspect", tmp_path / "notes.txt")
    assert code != 0 and "cannot inspect '.txt'" in one_line_error(err)


def _append(store: RunStore, trial: int) -> None:
    store.append_trial(trial, t_ms=np.arange(5.0), traces={"soma": np.full(5, -70.0 + trial)},
                       spike_times_ms=[1.0] * trial, wall_s=0.25)


def test_running_store_shows_progress_and_partial_statistics(isf_cli, tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    with RunStore.create(path, experiment_json=json.dumps({"what": "test"}), run_seed=7, n_trials=4) as store:
        for trial in (0, 1, 2):
            _append(store, trial)
        store.record_failure(3, "runaway trial: wall-clock limit of 1 s exceeded", wall_s=1.0)
        code, out, _ = isf_cli("inspect", path)  # while the writer is appending
        assert code == 0
        assert "(running: a process is appending to it)" in out
        assert "run seed 7, 3 of 4 trials done, 1 failed" in out
        assert "progress: 3/3 trials (100 %)" in out and "trials/min" in out
        assert "soma spikes per trial 1 ± 0.82 (mean ± SD), wall time per trial 0.25 s" in out
        assert "failed trial 3: runaway trial: wall-clock limit of 1 s exceeded" in out


def test_interrupted_store_says_how_to_resume_and_recover(isf_cli, tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    store = RunStore.create(path, experiment_json=json.dumps({"what": "test"}), run_seed=7, n_trials=4)
    _append(store, 0)
    _append(store, 1)
    store._files.lock.release()  # the writer is killed: its trials are in the journal only
    store._files.h5.close()
    code, out, _ = isf_cli("inspect", path)
    assert code == 0 and "2 of 4 trials done" in out and "not running" in out
    code, out, _ = isf_cli("store", "recover", path)
    assert code == 0 and "2 of 4 trials stored" in out and "restored from the journal: 2 trials" in out
    code, out, _ = isf_cli("store", "recover", path)
    assert code == 0 and "nothing to restore" in out


def test_truncated_store_error_is_one_line(isf_cli, one_line_error, tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    with RunStore.create(path, experiment_json=json.dumps({"what": "test"}), run_seed=7, n_trials=4) as store:
        _append(store, 0)
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size - 100)
    code, _, err = isf_cli("inspect", path)
    line = one_line_error(err)
    assert code != 0 and "is truncated" in line and str(path) in line
    code, out, err = isf_cli("store", "recover", path)
    if "can be recovered with `isf store recover" in line:
        assert code == 0 and "was damaged" in out and "1 of 4 trials stored" in out
    else:
        assert "cannot be recovered" in line
        assert code != 0 and "cannot be recovered" in one_line_error(err)
