"""The tuner on NEURON: Tsodyks–Markram peaks against the closed form, kinetics, legacy synapses,
stochastic release. Runs on the built-in one-compartment cell (fast)."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("neuron")

from isf.synapse_tuner import (
    ConnectionSettings,
    GeneralSettings,
    SynapseTuner,
    TrainSettings,
    pulse_amplitudes,
    tm_release,
)
from isf.synapse_tuner.tsodyks_markram import tm_conductance

FREQUENCIES = (5.0, 10.0, 20.0, 40.0, 100.0)


@pytest.mark.parametrize(
    ("mechanism", "params", "taus"),
    [
        # facilitating AMPA (default AMPA kinetics 0.2 / 1.7 ms)
        (
            "tm_ampa_nmda",
            {"Use": 0.15, "Dep": 60.0, "Fac": 400.0, "NMDA_ratio": 0.0},
            (0.2, 1.7),
        ),
        # depressing GABA_A
        (
            "tm_gabaa",
            {"Use": 0.6, "Dep": 700.0, "Fac": 10.0, "tau_d_GABAA": 6.0},
            (0.2, 6.0),
        ),
    ],
)
def test_train_peak_conductances_match_the_closed_form_recursion(
    mechanism: str, params: dict[str, float], taus: tuple[float, float]
) -> None:
    connection = ConnectionSettings(mechanism, weights_nS=2.0, parameters={**params, "initW": 1.5})
    use, dep, fac = params["Use"], params["Dep"], params["Fac"]
    with SynapseTuner(connection, GeneralSettings(tdur_ms=20.0)) as tuner:
        for f in FREQUENCIES:
            result = tuner.train(TrainSettings(f), measure="conductance")
            simulated = np.asarray(result.metrics.amplitudes)
            # peaks of the closed-form conductance (events superposed), read the same way
            t = result.trace.t_ms
            g = tm_conductance(t, result.spike_times_ms, 3.0, use, dep, fac, *taus)
            closed, *_ = pulse_amplitudes(t, g, result.spike_times_ms, interval_ms=1000.0 / f)
            assert np.abs(simulated / closed - 1.0).max() < 0.01, f
            if 1000.0 / f >= 10 * taus[1]:  # isolated events: each peak is weight · initW · u_n · R_n
                p = tm_release(result.spike_times_ms, use, dep, fac)
                assert np.abs(simulated / (3.0 * p) - 1.0).max() < 0.01, f
            # the metrics see the plasticity: facilitating PPR > 0, depressing PPR < 0
            assert (result.metrics.ppr > 0) == (mechanism == "tm_ampa_nmda")


def test_single_event_kinetics_recover_the_synapse_time_constants() -> None:
    connection = ConnectionSettings(
        "tm_gabaa",
        weights_nS=1.0,
        parameters={"tau_r_GABAA": 0.5, "tau_d_GABAA": 12.0, "Use": 1.0},
    )
    general = GeneralSettings(hold_mV=-40.0, v_init_mV=-40.0, tdur_ms=150.0, dt_ms=0.01)
    with SynapseTuner(connection, general) as tuner:
        event = tuner.single_event()
    m = event.metrics
    # clamped at −40 mV, GABA_A (e = −80 mV) gives an outward current of 1 nS · 40 mV = 0.04 nA
    assert m.sign == 1
    assert m.amplitude == pytest.approx(0.04, rel=2e-3)
    assert m.rise_tau_ms == pytest.approx(0.5, rel=0.02)
    assert m.decay_tau_ms == pytest.approx(12.0, rel=0.02)
    assert m.charge == pytest.approx(0.04 * (12.0 - 0.5) / _peak(0.5, 12.0), rel=0.01)


def _peak(tau_r: float, tau_d: float) -> float:
    tp = tau_r * tau_d / (tau_d - tau_r) * math.log(tau_d / tau_r)
    return math.exp(-tp / tau_d) - math.exp(-tp / tau_r)


def test_current_clamp_psp_of_an_excitatory_synapse() -> None:
    connection = ConnectionSettings("tm_ampa_nmda", weights_nS=0.5, parameters={"Use": 1.0})
    general = GeneralSettings(vclamp=False, v_init_mV=-70.0, tdur_ms=200.0)
    with SynapseTuner(connection, general) as tuner:
        event = tuner.single_event()
    m = event.metrics
    assert event.trace.response_unit == "mV"
    assert m.sign == 1 and 0.05 < m.amplitude < 20.0
    assert m.baseline == pytest.approx(-70.0, abs=1e-6)  # the built-in cell rests at e_pas
    # membrane filtering: the PSP decays more slowly than the AMPA conductance (τ_m = 10 ms)
    assert m.decay_tau_ms > 5.0


def test_legacy_glutamate_and_gaba_synapses_depress_as_specified() -> None:
    gap = 1000.0 / 20.0
    with SynapseTuner(
        ConnectionSettings(
            "glutamate_syn",
            weights_nS=(1.0, 0.0),
            parameters={"decayampa": 0.5, "taudampa": 100.0},
        )
    ) as tuner:
        train = tuner.train(TrainSettings(20.0), measure="conductance")
        a = np.asarray(train.metrics.amplitudes)
        assert a[0] == pytest.approx(1.0, rel=1e-3)
        # d recovers towards 1 with taud after each event was multiplied by decay
        assert a[1] / a[0] == pytest.approx(1 - (1 - 0.5) * math.exp(-gap / 100.0), rel=2e-3)
        event = tuner.single_event()
        assert event.metrics.sign == -1  # inward EPSC at −70 mV
    with SynapseTuner(
        ConnectionSettings("gaba_syn", weights_nS=1.0, parameters={"decaytime": 5.0, "e": -80.0})
    ) as tuner:
        train = tuner.train(TrainSettings(20.0), measure="conductance")
        a = np.asarray(train.metrics.amplitudes)
        assert a[1] / a[0] == pytest.approx(1 - (1 - 0.8) * math.exp(-gap / 200.0), rel=2e-3)
        assert train.metrics.ppr < 0


def test_stochastic_release_is_seeded_and_unbiased() -> None:
    params = {"Use": 0.4, "Dep": 200.0, "Fac": 0.0, "NMDA_ratio": 0.0}
    protocol = TrainSettings(20.0, n_pulses=8, n_recovery=4)
    general = GeneralSettings(tdur_ms=10.0, dt_ms=0.05, tstart_ms=10.0)

    def released(seed: int) -> np.ndarray:
        with SynapseTuner(
            ConnectionSettings("tm_ampa_nmda", parameters=params, stochastic=True, seed=seed),
            general,
        ) as tuner:
            amps = np.asarray(tuner.train(protocol, measure="conductance").metrics.amplitudes)
        return amps

    first = released(7)
    assert np.array_equal(first, released(7))  # reproducible
    connection = ConnectionSettings("tm_ampa_nmda", parameters=params, stochastic=True, seed=7)
    with SynapseTuner(connection, general) as tuner:
        again = tuner.train(protocol, measure="conductance").metrics.amplitudes
        tuner.set_seed(8)
        assert tuner.connection.seed == 8
        other = tuner.train(protocol, measure="conductance").metrics.amplitudes
    assert np.array_equal(first, again) and np.array_equal(other, released(8))
    # a release adds the full weight (1 nS), a failure nothing
    assert np.all((np.abs(first - 1.0) < 0.01) | (first < 1e-9))
    runs = np.array([released(seed) > 0.5 for seed in range(60)])
    assert len({r.tobytes() for r in runs}) > 30  # seeds differ
    p = tm_release(protocol.spike_times(10.0), 0.4, 200.0, 0.0)
    # mean-field depletion: release frequency per pulse = u·R of the deterministic synapse
    observed, expected = runs.mean(), p.mean()
    assert abs(observed - expected) < 4 * math.sqrt(expected * (1 - expected) / runs.size)


def test_only_one_open_tuner_and_closed_tuners_refuse_runs() -> None:
    tuner = SynapseTuner(ConnectionSettings("tm_gabaa"))
    try:
        with pytest.raises(RuntimeError, match="another SynapseTuner"):
            SynapseTuner(ConnectionSettings("tm_gabaa"))
    finally:
        tuner.close()
    tuner.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        tuner.single_event()


def test_set_parameters_is_validated_and_changes_the_run() -> None:
    with SynapseTuner(ConnectionSettings("tm_gabaa", parameters={"Use": 0.5})) as tuner:
        before = tuner.single_event(measure="conductance").metrics.amplitude
        tuner.set_parameters(Use=0.25)
        assert tuner.parameter("Use") == 0.25
        assert tuner.parameter("Dep") == pytest.approx(500.0)  # mod file default
        assert tuner.single_event(measure="conductance").metrics.amplitude == pytest.approx(before / 2, rel=1e-6)
        with pytest.raises(ValueError, match="parameters"):
            tuner.set_parameters(tau1=3.0)
