"""Shared by the tutorial tests: run a tutorial script from shipped files only, and check its pictures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np

REPO = Path(__file__).resolve().parents[2]


def run_tutorial(script: str, args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``tutorials/<script>`` with ``args`` in ``cwd``; the shared data is hidden so that the
    tutorial must find everything in :mod:`isf.data`."""
    env = {**os.environ, "ISF_SHARED_DATA": str(cwd / "no-shared-data")}
    return subprocess.run([sys.executable, str(REPO / "tutorials" / script), *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd, env=env, check=False)


def assert_picture(path: Path, min_width: int, min_colours: int, min_height: int = 300) -> None:
    """``path`` is an image at least this large, and not a blank canvas (many distinct colours)."""
    image = mpimg.imread(path)
    assert image.shape[0] > min_height and image.shape[1] > min_width, (path, image.shape)
    assert np.unique(image.reshape(-1, image.shape[-1]), axis=0).shape[0] > min_colours, path
