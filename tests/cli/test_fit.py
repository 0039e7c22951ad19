"""``isf fit`` and ``isf explore`` on the shipped morphology-89 set-up; bad input gives a one-line error."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from isf.cli.main import main


def test_fit_writes_generations_and_parents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "fit",
        "--out",
        str(tmp_path / "run"),
        "--seed",
        "1",
        "--protocols",
        "bAP",
        "--offspring",
        "3",
        "--generations",
        "2",
        "--backend",
        "sequential",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "generation 2: best worst-combined objective" in out
    parents = pd.read_csv(tmp_path / "run" / "parents.csv")
    assert len(parents) == 3 and {
        "bAP_somatic_spike",
        "bAP",
        "scale_apical.scale",
    } <= set(parents.columns)
    assert (tmp_path / "run" / "generation_0001.h5").exists()
    # the same command again resumes: nothing left to do, same parents
    assert main(args) == 0
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "run" / "parents.csv"), parents
    )


def test_explore_writes_accepted_models(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "explore",
        "--out",
        str(tmp_path / "walk"),
        "--seed",
        "2",
        "--protocols",
        "bAP",
        "--iterations",
        "2",
        "--backend",
        "sequential",
        "--max-step",
        "0.005",
    ]
    assert main(args) == 0
    assert "3 evaluations" in capsys.readouterr().out
    accepted = pd.read_csv(tmp_path / "walk" / "accepted_models.csv")
    assert accepted["iteration"].iloc[0] == 0 and len(accepted.columns) == 37


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fit", "--seed", "1", "--protocols", "bAX"], "HaySetup.protocols"),
        (["fit", "--seed", "1", "--fixed", "f.json"], "--fixed needs --morphology"),
        (["explore", "--seed", "1", "--row", "9"], "--row 9"),
        (["explore", "--seed", "1", "--cutoff", "bAP"], "--cutoff 'bAP'"),
    ],
)
def test_bad_input_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main([*argv, "--out", str(tmp_path / "o"), "--backend", "sequential"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("isf: error:") and message in err and "\n" not in err
