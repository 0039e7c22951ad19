"""Tutorial 04 (embed a neuron in a network model) runs from shipped files, writes its files and figures,
and its network trial runs."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
from tutorial_run import run_tutorial

from isf.data import cell86
from isf.dsl.hoc import read_hoc
from isf.dsl.network_param import read_network_param

REPO = Path(__file__).resolve().parents[2]


def test_embedding_tutorial(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_tutorial("04_embedding.py", ["--samples", "6", "--workers", "2", "--tstop", "20", "--out", str(out)],
                        tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = proc.stdout
    assert (
        "model: 3 columns (C2, C1, D2), 5 presynaptic cell types, 45 axon fields"
        in text
    )
    assert "synapses per presynaptic cell type over 6 realisations (seed 1):" in text
    rows = re.findall(
        r"^(L4ss|L5tt|VPM|L45Sym|SymLocal1)\s+(\d+\.\d)\s", text, flags=re.MULTILINE
    )
    assert len(rows) == 5
    total = re.search(r"representative sample (\d): ([\d,]+) synapses", text)
    assert total is not None and 2000 < int(total.group(2).replace(",", "")) < 8000
    trial = re.search(r"network trial \(20 ms.*\): (\d+) active synapses", text)
    assert trial is not None and int(trial.group(1)) > 0
    folder = out / "86_C2_center_synapses_seed1"
    network = read_network_param(
        folder / "network.param", read_hoc(cell86("86_C2_center.hoc"))
    )
    assert network.network.n_synapses == int(total.group(2).replace(",", ""))
    for name, min_colours in (
        ("synapse_locations.png", 20),
        ("synapse_counts.png", 10),
    ):
        image = mpimg.imread(out / name)
        assert (
            np.unique(image.reshape(-1, image.shape[-1]), axis=0).shape[0] > min_colours
        )
