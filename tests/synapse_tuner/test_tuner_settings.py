"""Validation of the typed set-up values."""

from __future__ import annotations

import numpy as np
import pytest

from isf.errors import ModelValueError
from isf.model.site import SectionSite
from isf.synapse_tuner.settings import (
    ConnectionSettings,
    GeneralSettings,
    TrainSettings,
)


def test_defaults_and_spike_times() -> None:
    train = TrainSettings()
    assert (
        train.frequency_Hz,
        train.n_pulses,
        train.recovery_delay_ms,
        train.n_recovery,
    ) == (50.0, 8, 250.0, 4)
    times = train.spike_times(100.0)
    assert np.allclose(times[:8], 100.0 + 20.0 * np.arange(8))
    assert times[8] == pytest.approx(times[7] + 250.0)
    assert np.allclose(np.diff(times[8:]), 20.0)
    assert GeneralSettings().rise_interval == (0.1, 0.9)


@pytest.mark.parametrize(
    ("make", "field", "allowed"),
    [
        (lambda: ConnectionSettings("AMPA syn"), "mechanism", "tm_ampa_nmda"),
        (
            lambda: ConnectionSettings("tm_gabaa", parameters={"Dep": 1, "tau1": 2}),
            "parameters",
            "tau_d_GABAA",
        ),
        (
            lambda: ConnectionSettings("glutamate_syn", weights_nS=1.0),
            "weights_nS",
            "2 NetCon weight",
        ),
        (
            lambda: ConnectionSettings("gaba_syn", stochastic=True),
            "stochastic",
            "False for gaba_syn",
        ),
        (lambda: ConnectionSettings("tm_gabaa", seed=-1), "seed", "integer"),
        (lambda: ConnectionSettings("tm_gabaa", site=(1, 0.5)), "site", "SectionSite"),
        (
            lambda: ConnectionSettings("tm_gabaa", parameters={"Use": float("nan")}),
            "parameters",
            "finite",
        ),
        (
            lambda: GeneralSettings(rise_interval=(0.9, 0.1)),
            "rise_interval",
            "0 < low < high < 1",
        ),
        (lambda: GeneralSettings(dt_ms=0), "dt_ms", "> 0"),
        (lambda: GeneralSettings(vclamp="yes"), "vclamp", "True or False"),
        (lambda: TrainSettings(n_pulses=1), "n_pulses", ">= 2"),
        (
            lambda: TrainSettings(n_pulses=3, n_recovery=4),
            "n_recovery",
            "[0, n_pulses = 3]",
        ),
        (lambda: TrainSettings(frequency_Hz=-5), "frequency_Hz", "> 0"),
    ],
)
def test_errors_name_class_field_value_and_what_is_allowed(make, field: str, allowed: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelValueError) as info:
        make()
    assert info.value.field == field
    assert allowed in str(info.value)
    assert type(info.value).__name__ == "ModelValueError" and info.value.owner in str(info.value)


def test_with_parameters_returns_a_validated_copy() -> None:
    c = ConnectionSettings("tm_ampa_nmda", parameters={"Use": 0.2}, site=SectionSite(0, 0.5))
    d = c.with_parameters(Dep=50)
    assert d.parameters == {"Use": 0.2, "Dep": 50.0} and c.parameters == {"Use": 0.2}
    with pytest.raises(ModelValueError, match="parameters"):
        c.with_parameters(decaygaba=1.0)
