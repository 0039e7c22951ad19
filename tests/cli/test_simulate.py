"""``isf simulate``: cell 86 with a soma pulse from the shipped files → CSV and PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd

from isf.data import cell86

CELL_PARAM = cell86("86_C2_center.param")


def test_pulse_writes_traces_and_plot(isf_cli, tmp_path: Path) -> None:
    csv, png = tmp_path / "bap.csv", tmp_path / "bap.png"
    code, out, _ = isf_cli(
        "simulate",
        "--cell",
        CELL_PARAM,
        "--step-nA",
        "1.9",
        "--delay-ms",
        "10",
        "--duration-ms",
        "5",
        "--tstop-ms",
        "30",
        "--trunk-um",
        "500",
        "--out",
        csv,
        "--out",
        png,
        "--quiet",
    )
    assert code == 0
    assert "1 soma spikes" in out
    frame = pd.read_csv(csv)
    assert list(frame.columns) == ["t_ms", "soma_mV", "trunk_500um_mV"]
    assert frame.t_ms.iloc[-1] >= 30 and np.allclose(
        np.diff(frame.t_ms), 0.025, atol=1e-5
    )
    # the spike reaches the trunk later and smaller (back-propagation)
    soma_peak, trunk_peak = frame.soma_mV.idxmax(), frame.trunk_500um_mV.idxmax()
    assert frame.soma_mV.max() > 20 and frame.trunk_500um_mV.max() < frame.soma_mV.max()
    assert frame.t_ms[trunk_peak] > frame.t_ms[soma_peak]
    image = mpimg.imread(png)
    assert image.shape[:2] == (350, 900)
    assert np.unique(image.reshape(-1, image.shape[-1]), axis=0).shape[0] > 20


def test_bad_input(isf_cli, one_line_error, tmp_path: Path) -> None:
    code, _, err = isf_cli(
        "simulate",
        "--cell",
        tmp_path / "missing.param",
        "--step-nA",
        "1",
        "--out",
        tmp_path / "x.csv",
        "--quiet",
    )
    assert code != 0 and "missing.param" in one_line_error(err)
    code, _, err = isf_cli(
        "simulate", "--cell", CELL_PARAM, "--step-nA", "1", "--out", tmp_path / "x.txt"
    )
    assert code != 0 and ".csv" in one_line_error(err)
    code, _, err = isf_cli(
        "simulate",
        "--cell",
        CELL_PARAM,
        "--step-nA",
        "1",
        "--delay-ms",
        "-5",
        "--out",
        tmp_path / "x.csv",
        "--quiet",
    )
    assert code != 0 and "delay_ms" in one_line_error(err)
    assert not list(tmp_path.iterdir())
