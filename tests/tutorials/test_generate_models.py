"""Tutorial 03 (generate models) runs from shipped files with tiny sizes, writes its figures, and resumes."""

from __future__ import annotations

import re
from pathlib import Path

from tutorial_run import assert_picture, run_tutorial

ARGS = ["--protocols", "bAP,BAC", "--offspring", "4", "--generations", "2", "--iterations", "3", "--workers", "2"]


def run(out: Path, cwd: Path):
    return run_tutorial("03_generate_models.py", [*ARGS, "--out", str(out)], cwd)


def test_generate_models_tutorial(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run(out, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = proc.stdout
    assert "set-up: morphology 89, 35 parameters, protocols bAP, BAC, 11 objectives" in text
    assert re.search(r"^BAC_spikecount\s+0\.0+$", text, flags=re.MULTILINE)
    assert "optimisation: 8 evaluations in 2 generations" in text
    found = re.search(r"exploration: 3 proposals, (\d) accepted \(every accepted model is inside: worst objective "
                      r"(\d+\.\d+) σ\)", text)
    assert found is not None and float(found.group(2)) <= 3.2
    for name in ("objectives_sigma.png", "parameter_spread.png", "traces.png"):
        assert_picture(out / name, 500, 50)
    # a second run resumes: nothing new is evaluated, the same summary comes out
    again = run(out, tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "optimisation: 8 evaluations in 2 generations" in again.stdout
    assert found.group(0) in again.stdout
