"""Tutorial 07 runs with two short trials per condition: a study database, the view, the analyses on a
dask cluster and the plots."""

from __future__ import annotations

from pathlib import Path

from tutorial_run import assert_picture, run_tutorial

from isf.store import Database, StudyView


def test_study_tutorial(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_tutorial("07_study.py", ["--trials", "2", "--tstop", "60", "--workers", "1", "--out", str(out)],
                        tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "P(spike in 0-60 ms)" in proc.stdout and "activations per trial by EXC/INH and soma distance" in proc.stdout
    view = StudyView.of_database(Database(out / "study", create=False))
    assert view.runs_table().trials.tolist() == [2, 2] and view.condition_names == ("network",)
    for name in ("p_spike", "psths", "soma_mean_sd", "all_traces"):
        assert_picture(out / f"study_{name}.png", 500, 20, min_height=250)
