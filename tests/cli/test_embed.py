"""``isf embed`` on shipped data: writes the legacy file set; bad input gives a one-line error."""

from __future__ import annotations

import json

import pytest

from isf.cli.main import main
from isf.data import cell86
from isf.dsl.con_file import read_con
from isf.dsl.syn_file import read_syn


def test_embed_writes_the_file_set(tmp_path, capsys) -> None:
    code = main(
        [
            "embed",
            "--hoc",
            str(cell86("86_C2_center.hoc")),
            "--cell-type",
            "L5tt",
            "--samples",
            "3",
            "--seed",
            "7",
            "--out",
            str(tmp_path),
            "--workers",
            "1",
            "--quiet",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    folder = tmp_path / "86_C2_center_synapses_seed7"
    assert f"wrote {folder}" in out
    provenance = json.loads((folder / "embedding.json").read_text())
    syn = read_syn(folder / provenance["files"]["syn"])
    _, con = read_con(folder / provenance["files"]["con"])
    total = sum(len(ids) for ids, _ in syn.values())
    assert "synapses" in out and str(total) in out
    assert set(syn) == set(con) and total > 1000
    assert (folder / "NumberOfConnectedCells.csv").is_file()
    assert provenance["n_samples"] == 3 and provenance["seed"] == 7


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--hoc", "missing.hoc", "--cell-type", "L5tt"],
            "morphology file not found: missing.hoc",
        ),
        (
            ["--cell-type", "L9xx"],
            "postsynaptic cell type 'L9xx' is not in the connections spreadsheet",
        ),
        (
            ["--cell-type", "L5tt", "--model", "nowhere"],
            "dense-connectome folder not found: nowhere",
        ),
        (["--cell-type", "L5tt", "--samples", "0"], "--samples must be >= 1"),
    ],
)
def test_bad_input(tmp_path, capsys, args, message) -> None:
    base = [
        "embed",
        "--hoc",
        str(cell86("86_C2_center.hoc")),
        "--seed",
        "1",
        "--out",
        str(tmp_path / "o"),
        "--workers",
        "1",
        "--quiet",
    ]
    code = main(base + args)
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("isf: error: ") and message in err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
