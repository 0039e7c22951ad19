"""Tutorial 09 runs with 8 short trials per whisker (deflection at 40 ms, 10-ms bins): the study, the
binned input, a fitted LDA model kept in the database, and its figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from tutorial_run import assert_picture, run_tutorial

from isf.reduced import load_model
from isf.store import Database


@pytest.mark.slow  # 24 network trials
def test_reduced_model_tutorial(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_tutorial("09_reduced_model.py", ["--trials", "8", "--onset", "40", "--bin-ms", "10", "--window", "20",
                                                "--workers", "2", "--out", str(out)], tmp_path, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "['EXC', 'INH'] (24, 7)" in proc.stdout and "held-out AUROC" in proc.stdout
    model = load_model(Database(out / "study", create=False), ("models", "lda"))
    assert model.labels == ("EXC", "INH") and model.window == (4, 6) and len(model.trials) == 24
    for name in ("kernels", "lookup", "psth"):
        assert_picture(out / f"reduced_{name}.png", 450, 20, min_height=250)
