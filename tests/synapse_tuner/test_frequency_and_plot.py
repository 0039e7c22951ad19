"""Frequency response, plots and the metrics table."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg
import numpy as np
import pytest

pytest.importorskip("neuron")

from isf.synapse_tuner import (
    ConnectionSettings,
    FitTarget,
    GeneralSettings,
    SynapseTuner,
    TrainSettings,
    fit_parameters,
    frequency_response,
    tm_release,
)
from isf.synapse_tuner.plot import (
    metrics_table,
    plot_event,
    plot_fit,
    plot_frequency_response,
    plot_train,
    save_figure,
)

GENERAL = GeneralSettings(tstart_ms=20.0, tdur_ms=20.0, cvode=True, cvode_atol=1e-6)


def test_frequency_response_follows_tm_and_plots(tmp_path: Path) -> None:
    params = {"Use": 0.5, "Dep": 300.0, "Fac": 0.0, "NMDA_ratio": 0.0}
    freqs = [2.0, 10.0, 50.0]
    with SynapseTuner(ConnectionSettings("tm_ampa_nmda", parameters=params), GENERAL) as tuner:
        response = frequency_response(tuner, freqs, TrainSettings(), measure="conductance", progress=False)
        event = tuner.single_event()
        train = tuner.train(TrainSettings(20.0))
        fit = fit_parameters(
            tuner,
            [FitTarget("ppr", -0.2, 20.0)],
            {"Use": (0.1, 0.9)},
            max_evaluations=10,
            n_starts=1,
            progress=False,
        )
    assert response.frequencies_Hz == tuple(freqs)
    assert response.amplitudes.shape == (3, 12)
    for f, amps in zip(freqs, response.amplitudes):
        p = tm_release(TrainSettings(f).spike_times(20.0), 0.5, 300.0, 0.0)
        assert np.allclose(amps, p, rtol=0.01)
    # a depressing synapse depresses more at higher frequency
    assert np.all(np.diff(response.metric("induction")) < 0)
    frame = response.to_frame()
    assert list(frame.index) == freqs and {
        "ppr",
        "induction",
        "recovery",
        "normaliser",
    } <= set(frame.columns)
    with pytest.raises(ValueError, match="unknown metric"):
        response.metric("latency")
    with pytest.raises(ValueError, match="frequencies_Hz"):
        frequency_response(None, [], progress=False)  # type: ignore[arg-type]

    table = metrics_table(event, train)
    assert {"amplitude", "rise_time_ms", "ppr", "amplitude_12"} <= set(table["metric"])
    assert table.set_index("metric").loc["rise_time_ms", "unit"] == "ms"
    for name, fig in [
        ("event", plot_event(event)),
        ("train", plot_train(train)),
        ("freq", plot_frequency_response(response, label="AMPA")),
        ("fit", plot_fit(fit)),
    ]:
        path = save_figure(fig, tmp_path / f"{name}.png")
        image = mpimg.imread(path)
        assert np.unique(image.reshape(-1, image.shape[-1]), axis=0).shape[0] > 20, name
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "event.png",
        "fit.png",
        "freq.png",
        "train.png",
    ]
