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
