"""The optimiser recovers known plasticity parameters from metrics simulated with them."""

from __future__ import annotations

import pytest

pytest.importorskip("neuron")

from isf.data import synapse_tuner_example
from isf.errors import ModelValueError
from isf.model.site import Soma
from isf.synapse_tuner import (
    Bound,
    ConnectionSettings,
    FitTarget,
    GeneralSettings,
    HocTemplateCell,
    SynapseTuner,
    TrainSettings,
    fit_parameters,
    relative_squared_error,
)

TRUE = {"Use": 0.25, "Dep": 120.0, "Fac": 300.0}
BOUNDS = {"Use": (0.05, 0.9), "Dep": (10.0, 1000.0), "Fac": (0.0, 1000.0)}
# a short settling time and CVode keep each cost evaluation at a few ms on the one-compartment cell
GENERAL = GeneralSettings(tstart_ms=20.0, tdur_ms=20.0, cvode=True, cvode_atol=1e-6)


def _targets(tuner: SynapseTuner) -> list[FitTarget]:
    targets = []
    for f in (10.0, 50.0):
        metrics = tuner.train(TrainSettings(f)).metrics
        targets += [FitTarget(name, getattr(metrics, name), f) for name in ("ppr", "induction", "recovery")]
    return targets


def test_fit_recovers_use_dep_fac() -> None:
    connection = ConnectionSettings("tm_ampa_nmda", parameters={"NMDA_ratio": 0.0, **TRUE})
    with SynapseTuner(connection, GENERAL) as tuner:
        targets = _targets(tuner)
        tuner.set_parameters(Use=0.5, Dep=300.0, Fac=50.0)
        result = fit_parameters(
            tuner,
            targets,
            BOUNDS,
            n_starts=2,
            seed=1,
            max_evaluations=150,
            progress=False,
        )
        assert tuner.parameter("Use") == result.parameters["Use"]  # best left on the tuner
    for name, value in TRUE.items():
        assert result.parameters[name] == pytest.approx(value, rel=0.02), name
    assert result.cost < 1e-6
    assert result.seed == 1 and len(result.starts) == 2
    assert result.starts[0].initial == pytest.approx({"Use": 0.5, "Dep": 300.0, "Fac": 50.0})
    assert result.achieved == pytest.approx([t.value for t in targets], abs=1e-3)


def test_user_cost_and_seeded_starts_are_reproducible() -> None:
    calls: list[int] = []

    def absolute(achieved, targets):  # type: ignore[no-untyped-def]
        calls.append(1)
        return sum(abs(a - t.value) for a, t in zip(achieved, targets))

    connection = ConnectionSettings("tm_gabaa", parameters={"Use": 0.6, "Dep": 400.0, "Fac": 0.0})
    target = [FitTarget("ppr", -0.3, 20.0)]
    runs = []
    with SynapseTuner(connection, GENERAL) as tuner:
        for _ in range(2):
            tuner.set_parameters(Use=0.6)
            runs.append(
                fit_parameters(
                    tuner,
                    target,
                    [Bound("Use", 0.1, 0.9)],
                    cost=absolute,
                    n_starts=2,
                    seed=5,
                    max_evaluations=30,
                    progress=False,
                )
            )
    assert calls and runs[0].parameters == runs[1].parameters
    assert runs[0].starts[1].initial == runs[1].starts[1].initial
    assert runs[0].cost == pytest.approx(abs(runs[0].achieved[0] + 0.3))
    assert runs[0].cost < 0.02


def test_bad_fit_input_is_refused() -> None:
    with SynapseTuner(ConnectionSettings("tm_gabaa"), GENERAL) as tuner:
        target = [FitTarget("ppr", 0.1, 20.0)]
        with pytest.raises(ValueError, match="not a parameter of tm_gabaa"):
            fit_parameters(tuner, target, {"tau1": (1.0, 2.0)}, progress=False)
        with pytest.raises(ValueError, match="method"):
            fit_parameters(tuner, target, {"Use": (0.1, 0.9)}, method="annealing", progress=False)
        with pytest.raises(ValueError, match="targets"):
            fit_parameters(tuner, [], {"Use": (0.1, 0.9)}, progress=False)
        with pytest.raises(ValueError, match="init_guess"):
            fit_parameters(tuner, target, {"Use": (0.1, 0.9)}, init_guess="centre", progress=False)
    with pytest.raises(ModelValueError, match="high"):
        Bound("Use", 0.5, 0.1)
    with pytest.raises(ModelValueError, match="half_width_ms"):  # names train and event metrics
        FitTarget("latancy", 1.0)
    assert FitTarget("decay", 3.0).metric == "decay_tau_ms" and FitTarget("rise", 1.0).is_event


# the synthetic target of the single-event fit: kinetics and release of the shipped user-style synapse
EVENT_TRUE = {"Use": 0.3, "tau_rise": 0.4, "tau_decay": 4.0}
EVENT_METRICS = ("amplitude", "rise_time_ms", "decay_tau_ms", "half_width_ms")


def test_fit_of_single_event_targets_recovers_the_synthetic_synapse() -> None:
    """Acceptance: single-event targets simulated with Use 0.3, tau_rise 0.4 ms, tau_decay 4 ms on
    the shipped BallAndStick template are fitted back from the middle of the bounds (recovered:
    SLSQP, seed 3: Use 0.29996, tau_rise 0.39996 ms, tau_decay 3.9991 ms in 50 evaluations)."""
    method = "SLSQP"
    connection = ConnectionSettings(
        "stp_exp2syn",
        weights_nS=0.002,
        parameters=EVENT_TRUE,
        site=Soma(),
        cell=HocTemplateCell("BallAndStick", synapse_tuner_example("templates")),
        mechanisms_dir=synapse_tuner_example("mechanisms"),
        hold_mV=-70.0,
    )
    general = GeneralSettings(tstart_ms=20.0, tdur_ms=40.0, dt_ms=0.025)  # fixed steps: smooth cost
    with SynapseTuner(connection, general) as tuner:
        metrics = tuner.single_event().metrics
        targets = [FitTarget(name, getattr(metrics, name)) for name in EVENT_METRICS]
        result = fit_parameters(
            tuner,
            targets,
            {"Use": (0.05, 0.9), "tau_rise": (0.1, 2.0), "tau_decay": (1.0, 20.0)},
            cost=relative_squared_error,
            method=method,
            init_guess="middle",
            n_starts=1,
            seed=3,
            max_evaluations=200,
            progress=False,
        )
    assert result.starts[0].initial == pytest.approx({"Use": 0.475, "tau_rise": 1.05, "tau_decay": 10.5})
    for name, value in EVENT_TRUE.items():
        assert result.parameters[name] == pytest.approx(value, rel=2e-3), name
    report = result.report()
    print(report)
    assert f"fit ({method}, seed 3" in report
    for target, achieved in zip(result.targets, result.achieved):
        line = next(ln for ln in report.splitlines() if ln.strip().startswith(target.metric))
        assert f"{target.value:.5g}" in line and f"{achieved:.5g}" in line
    assert sum(result.contributions()) == pytest.approx(result.cost, rel=1e-9)
