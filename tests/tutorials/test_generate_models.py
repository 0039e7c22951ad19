"""Tutorial 03 (generate models) runs from shipped files with tiny sizes, writes its figures, and resumes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np

REPO = Path(__file__).resolve().parents[2]
ARGS = ["--protocols", "bAP,BAC", "--offspring", "4", "--generations", "2", "--iterations", "3", "--workers", "2"]


def run(out: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ISF_SHARED_DATA": str(cwd / "no-shared-data")}
    return subprocess.run([sys.executable, str(REPO / "tutorials" / "03_generate_models.py"), *ARGS, "--out", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=cwd, env=env, check=False)


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
        image = mpimg.imread(out / name)
        assert image.shape[0] > 300 and image.shape[1] > 500
        assert np.unique(image.reshape(-1, image.shape[-1]), axis=0).shape[0] > 50
    # a second run resumes: nothing new is evaluated, the same summary comes out
    again = run(out, tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "optimisation: 8 evaluations in 2 generations" in again.stdout
    assert found.group(0) in again.stdout
