"""Stochastic Tsodyks–Markram release (``ProbAMPANMDA2``/``ProbUDFsyn2``, LEGACY_FORMATS §6.4) in NEURON:
release rate and recovery against the analytic TM expectation, seeds, and a whole seeded trial."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from neuron import h

from isf.backends.neuron.mechanisms import load_mechanisms

N_SYNAPSES = 1000


@pytest.fixture(scope="module")
def loaded() -> Path:
    h.load_file("stdrun.hoc")
    return load_mechanisms()


@pytest.fixture(autouse=True)
def fixed_step(loaded: Path) -> Iterator[None]:
    old_dt = h.dt
    h.cvode_active(0)
    yield
    h.dt = old_dt


def analytic(times: list[float], use: float, dep: float, fac: float, u0: float = 0.0) -> list[float]:
    """Pr of every event of a deterministic TM synapse (the equations of §6.4, written out again)."""
    u, pv, last, out = u0, 1.0, 0.0, []
    for t in times:
        delta = t - last
        if fac > 0:
            u = u * math.exp(-delta / fac)
            u = u + use * (1 - u)
        else:
            u = use
        pv = 1 - (1 - pv) * math.exp(-delta / dep)
        out.append(u * pv)
        pv -= u * pv
        last = t
    return out


def _run(mechanism: str, times: list[float], seeds: list[int], params: dict[str, float],
         pause_ms: float | None = None) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Released counts per synapse (at ``pause_ms`` and at the end) and the last Pr of each."""
    soma = h.Section(name="tm_soma")
    soma.L = soma.diam = 20.0
    soma.insert("pas")
    vec = h.Vector(times)
    source = h.VecStim()
    source.play(vec)
    synapses, netcons = [], []
    for seed in seeds:
        pp = getattr(h, mechanism)(soma(0.5))
        for name, value in params.items():
            setattr(pp, name, value)
        pp.seed = seed
        nc = h.NetCon(source, pp)
        nc.weight[0] = 1.0
        synapses.append(pp)
        netcons.append(nc)
    h.dt = 0.025
    h.finitialize(-70.0)
    first = np.zeros(len(seeds))
    if pause_ms is not None:
        h.continuerun(pause_ms)
        first = np.array([pp.n_released for pp in synapses])
    h.continuerun(times[-1] + 5.0)
    total = np.array([pp.n_released for pp in synapses])
    prs = [pp.Pr for pp in synapses]
    assert all(pp.n_events == len(times) for pp in synapses)
    return first, total, prs


@pytest.mark.parametrize("mechanism", ["ProbAMPANMDA2", "ProbUDFsyn2"])
@pytest.mark.parametrize(("use", "dep", "fac"), [(0.5, 200.0, 0.0), (0.2, 100.0, 50.0)])
def test_mean_release_follows_tm_equations(loaded: Path, mechanism: str, use: float, dep: float,
                                           fac: float) -> None:
    times = [10.0 + 20.0 * k for k in range(10)]  # 50 Hz train
    _, total, prs = _run(mechanism, times, list(range(1, N_SYNAPSES + 1)), {"Use": use, "Dep": dep, "Fac": fac})
    pr = analytic(times, use, dep, fac)
    # Pr is deterministic (depletion at every event): equal to the analytic value
    assert max(abs(p - pr[-1]) for p in prs) < 1e-9
    # release iff Exp(1) < Pr: P = 1 − e^{−Pr} per event; counts are sums of independent Bernoullis
    p_release = 1.0 - np.exp(-np.array(pr))
    expected = p_release.sum()
    sd = math.sqrt(float((p_release * (1 - p_release)).sum()) / N_SYNAPSES)
    assert abs(total.mean() - expected) < 4.5 * sd, (total.mean(), expected, sd)


def test_recovery_after_a_pause(loaded: Path) -> None:
    use, dep = 0.6, 300.0
    train = [10.0 + 10.0 * k for k in range(8)]  # 100 Hz depletes the resources
    probe = train[-1] + 400.0
    times = [*train, probe]
    first, total, prs = _run("ProbAMPANMDA2", times, list(range(7, 7 + N_SYNAPSES)),
                             {"Use": use, "Dep": dep, "Fac": 0.0}, pause_ms=probe - 1.0)
    pr = analytic(times, use, dep, 0.0)
    assert pr[-1] > 2 * pr[len(train) - 1]  # recovered
    assert max(abs(p - pr[-1]) for p in prs) < 1e-9
    p = 1.0 - math.exp(-pr[-1])
    released_at_probe = (total - first).mean()
    assert abs(released_at_probe - p) < 4.5 * math.sqrt(p * (1 - p) / N_SYNAPSES)


def test_same_seed_same_releases(loaded: Path) -> None:
    times = [5.0 + 7.0 * k for k in range(30)]
    params = {"Use": 0.3, "Dep": 80.0, "Fac": 20.0}
    seeds = [11, 12, 13, 11]
    _, a, _ = _run("ProbAMPANMDA2", times, seeds, params)
    _, b, _ = _run("ProbAMPANMDA2", times, seeds, params)
    assert np.array_equal(a, b)
    assert a[0] == a[3]
    _, many, _ = _run("ProbAMPANMDA2", times, list(range(100, 140)), params)
    assert np.unique(many).size > 3  # different seeds, different releases


@pytest.mark.shared
def test_dynamic_release_trial_is_seeded(loaded: Path, cell86) -> None:  # type: ignore[no-untyped-def]
    """A network with ``releaseProb: "dynamic"``: the same (run seed, trial) gives the same trace."""
    from isf.backends.neuron.trials import TrialSimulator
    from isf.model.activity import Activity, Poisson
    from isf.model.experiment import Experiment
    from isf.model.network import Network, Population
    from isf.model.receptor import Receptor
    from isf.model.simulation import Simulation
    from isf.model.synapse import Connectivity, Synapses

    n = 200
    apical = [i for i, s in enumerate(cell86.morphology.sections) if s.label == "apic"][:n]
    sids = np.resize(np.array(apical), n)
    population = Population(
        "L5tt_C2", n, Activity(Poisson(20.0)),
        (Receptor("ProbAMPANMDA2", 2.0, {"Use": 0.6, "Dep": 300.0, "Fac": 0.0, "gmax": 0.001}),),
        Synapses.on(cell86.morphology, sids, np.full(n, 0.5)), Connectivity(np.arange(n), np.arange(n)),
        dynamic_release=True)
    experiment = Experiment(cell86, Simulation(tstop_ms=60.0, dt_ms=0.025), network=Network([population]))
    with TrialSimulator(experiment) as sim:
        first, again, other = sim.run(5, 0), sim.run(5, 0), sim.run(5, 1)
    assert first.input.populations[0].release_seeds.size == first.input.populations[0].n_active > 0
    assert np.array_equal(first.traces["soma"], again.traces["soma"])
    assert not np.array_equal(first.traces["soma"], other.traces["soma"])
    assert np.ptp(first.traces["soma"]) > 0.5  # the releases depolarise the cell
