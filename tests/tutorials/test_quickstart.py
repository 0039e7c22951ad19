"""The quickstart (``make demo``) runs from shipped files and reproduces ISF's spike counts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np

REPO = Path(__file__).resolve().parents[2]


def test_quickstart_runs_and_writes_a_plot(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "tutorials" / "01_quickstart.py"), "--out", str(tmp_path), "--jobs", "1"],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "spike counts (0.619 / 0.793 / 1.507 nA steps, 1.9 nA pulse): [0, 13, 25, 1]" in proc.stdout
    png = tmp_path / "cell86_step_currents.png"
    image = mpimg.imread(png)
    assert image.shape[0] > 500 and image.shape[1] > 500
    # Not a blank canvas: traces put many distinct colours on it.
    assert np.unique(image.reshape(-1, image.shape[-1]), axis=0).shape[0] > 50
