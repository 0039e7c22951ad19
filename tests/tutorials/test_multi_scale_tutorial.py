"""Tutorial 08 runs with one short trial per whisker: the networks of three whiskers, a sweep into a study
database, P(spike) and PSTHs per whisker, the replay of one trial and its animations."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from tutorial_run import assert_picture, run_tutorial

from isf.dsl.param_format import read_param
from isf.store import Database, StudyView


def test_multi_scale_tutorial(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_tutorial("08_multi_scale.py", ["--trials", "1", "--tstop", "60", "--workers", "1", "--frame-ms", "20",
                                              "--out", str(out)], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "C2: 278 populations, 168 with evoked activity" in proc.stdout
    assert "soma trace equal to the stored one: True" in proc.stdout
    view = StudyView.of_database(Database(out / "study", create=False))
    assert view.condition_names == ("whisker",) and view.runs_table().trials.tolist() == [1, 1, 1]
    assert sorted(view.trials.whisker.astype(str)) == ["B1", "C2", "D3"]
    for whisker in ("C2", "B1", "D3"):
        assert len(read_param(out / f"network_{whisker}.param")["network"]) == 278
    for name in ("p_spike", "psths", "traces", "morphology_frame"):
        assert_picture(out / f"multi_scale_{name}.png", 450, 20, min_height=250)
    for name in ("voltage_vs_distance", "morphology"):
        with Image.open(out / f"multi_scale_{name}.gif") as gif:
            assert gif.n_frames == 4  # 0, 20, 40, 60 ms
