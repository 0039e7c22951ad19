"""The interactive tuner, driven from Python: sliders re-run and redraw, the connection dropdown
switches tuners, the train frequency and delay sliders change the train."""

from __future__ import annotations

import pytest

pytest.importorskip("neuron")
pytest.importorskip("ipywidgets")

from isf.errors import UnknownNameError
from isf.synapse_tuner import SynapseTuner, example_settings
from isf.synapse_tuner.interactive import InteractiveTuner, slider_range


def test_slider_ranges_follow_the_value() -> None:
    assert slider_range("Use", 0.3)[:2] == (0.0, 1.0)
    assert slider_range("tau_decay", 3.0)[:2] == (0.0, 9.0)
    assert slider_range("e", -75.0)[:2] == (-225.0, 0.0)
    assert slider_range("Fac", 0.0)[:2] == (0.0, 1000.0)
    low, high, step = slider_range("Dep", 100.0)
    assert step == pytest.approx((high - low) / 200)


def test_sliders_rerun_and_redraw_and_the_dropdown_switches_connections() -> None:
    settings = example_settings()
    exc, inh = list(settings.connections)
    with InteractiveTuner(settings) as ui:
        assert ui.connection == exc and set(ui.sliders) == {"Use", "Dep", "Fac", "tau_decay"}
        assert ui.sliders["tau_decay"].value == 3.0 and ui.sliders["tau_decay"].max == 9.0
        first_image, first = ui.image.value, ui.metrics
        assert first["sign"] == -1 and first["decay_tau_ms"] > 2.0 and len(first_image) > 5000
        assert "amplitude" in ui.table.value and "<table" in ui.table.value
        ui.set_value("tau_decay", 6.0)  # what dragging the slider does
        assert ui.tuner is not None and ui.tuner.parameter("tau_decay") == 6.0
        assert ui.metrics["decay_tau_ms"] > 1.5 * first["decay_tau_ms"]
        assert ui.image.value != first_image
        # the single-event amplitude of a TM synapse is weight · Use: doubling Use doubles it
        ui.set_value("Use", 0.2)
        assert ui.metrics["amplitude"] == pytest.approx(2 * first["amplitude"], rel=0.02)
        train = ui.run_train()
        assert train.settings.frequency_Hz == 20.0 and ui.metrics["ppr"] > 0  # facilitating
        ui.set_value("frequency_Hz", 50.0)  # the slider protocol is now the train
        assert ui.result is not None and ui.result.settings.frequency_Hz == 50.0  # type: ignore[union-attr]
        ui.set_value("recovery_delay_ms", 500.0)
        assert ui.protocol.recovery_delay_ms == 500.0
        ui.select(inh)
        assert ui.tuner.connection == settings.connections[inh]
        assert ui.sliders["Use"].value == 0.6 and ui.metrics["ppr"] < 0  # depressing
        ui.run_single_event()
        assert ui.metrics["sign"] == 1  # outward IPSC at −50 mV (e = −75 mV)
        assert set(ui.result.trace.recorded) == {"u", "R"}  # type: ignore[union-attr]
        with pytest.raises(UnknownNameError, match="tau_decay"):
            ui.set_value("tau_dacay", 1.0)
        with pytest.raises(UnknownNameError, match="excitatory"):
            ui.select("exc")
    # closed: a new tuner may open
    with SynapseTuner(settings.connections[exc], settings.general) as tuner:
        assert tuner.single_event().metrics.sign == -1
