"""Tutorial 06 (visualisation) runs from shipped files only and writes real, non-blank images and
animations."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
from PIL import Image
from tutorial_run import run_tutorial

REPO = Path(__file__).resolve().parents[2]

IMAGES = {
    # name: (minimum width px, minimum distinct colours)
    "morphology_labels.png": (800, 50),
    "morphology_ih_density.png": (400, 50),
    "morphology_synapses.png": (400, 20),
    "morphology_voltage.png": (400, 50),
    "many_traces.png": (800, 50),
    "bap_frame.png": (600, 20),
}


def test_visualisation_tutorial(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_tutorial("06_visualisation.py", ["--out", str(out), "--step-ms", "1.0"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "1142 segments" in proc.stdout and "soma spike at" in proc.stdout
    for name, (min_width, min_colours) in IMAGES.items():
        path = out / name
        assert path.stat().st_size > 5000, name
        image = mpimg.imread(path)
        assert image.shape[1] >= min_width, name
        pixels = image.reshape(-1, image.shape[-1])[:, :3]
        assert np.unique(pixels, axis=0).shape[0] > min_colours, name
        assert np.mean(np.all(pixels < 0.9, axis=1)) > 0.005, (
            name
        )  # ink beyond the white background
    for name, frames in (("bap_voltage_vs_distance.gif", 9), ("bap_morphology.gif", 3)):
        with Image.open(out / name) as gif:
            assert gif.n_frames >= frames, name
            first = np.asarray(gif.convert("RGB"))
            gif.seek(gif.n_frames // 2)
            middle = np.asarray(gif.convert("RGB"))
        assert not np.array_equal(first, middle), name  # it moves
