"""Tutorial 05 (bmtool-style settings on the shipped template and user-style mechanism, the
interactive tuner driven from Python, a fit with its report; then cell 86) runs from shipped files
in its small size and writes its figures and tables."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
from tutorial_run import run_tutorial

REPO = Path(__file__).resolve().parents[2]


def test_synapse_tuning_tutorial(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_tutorial("05_synapse_tuning.py", ["--small", "--out", str(out)], tmp_path, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # part 1: the bmtool demo's pair on the BallAndStick template with stp_exp2syn
    assert "excitatory (facilitating): amplitude -" in proc.stdout and "→ facilitating" in proc.stdout
    assert "inhibitory (depressing): amplitude +" in proc.stdout and "→ depressing" in proc.stdout
    assert "slider tau_decay 3 → 6 ms" in proc.stdout
    assert "fit (SLSQP, seed 1" in proc.stdout and "ppr @ 20 Hz" in proc.stdout
    for figure in ("excitatory_event", "excitatory_train", "inhibitory_event", "inhibitory_train", "fit"):
        image = mpimg.imread(out / f"template_{figure}.png")
        assert image.shape[0] > 200 and np.unique(image.reshape(-1, image.shape[-1]), axis=0).shape[0] > 20
    # part 2: cell 86
    assert "excitatory connection: facilitating" in proc.stdout
    assert "inhibitory connection: depressing" in proc.stdout
    assert "excitatory PSP at the soma:" in proc.stdout
    for name in ("excitatory", "inhibitory"):
        table = pd.read_csv(out / f"{name}_metrics.csv")
        values = table.set_index("metric")["value"]
        # voltage clamp: inward EPSC, outward IPSC at −75 mV (e_GABAA = −80 mV)
        assert values["sign"] == (-1 if name == "excitatory" else 1)
        assert 0.0 < values["rise_time_ms"] < 2.0 and values["decay_tau_ms"] > values["rise_tau_ms"]
        for figure in ("event", "train", "train_fitted", "frequency_response", "fit"):
            image = mpimg.imread(out / f"{name}_{figure}.png")
            assert image.shape[0] > 200 and image.shape[1] > 300
            assert np.unique(image.reshape(-1, image.shape[-1]), axis=0).shape[0] > 20
