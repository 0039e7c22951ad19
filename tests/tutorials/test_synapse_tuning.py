"""Tutorial 05 (synapse tuning on cell 86) runs from shipped files in its small size and writes its
figures and tables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]


def test_synapse_tuning_tutorial(tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {**os.environ, "ISF_SHARED_DATA": str(tmp_path / "no-shared-data")}
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "tutorials" / "05_synapse_tuning.py"),
            "--small",
            "--out",
            str(out),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
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
