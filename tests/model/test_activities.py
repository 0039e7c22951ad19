"""Point-cell activities of LEGACY_FORMATS §4.4: each sampler's counts, rates and intervals against the
formula, seeded (fixed seeds, so every assertion is deterministic), with stated tolerances (4–5 standard
errors unless noted), and the trial draws independent of the worker that makes them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from isf.backends.parallel import Parallel, map_unordered
from isf.model.activity import (
    PSTH,
    SPIKE_SOURCES,
    Activity,
    LogNormalSpike,
    NormalSpike,
    Poisson,
    PoissonTrainModulated,
    PSTHAbsoluteNumber,
    PSTHPoissonTrain,
    PSTHPoissonTrainV2,
    UniformSpike,
    sample_from_rates,
)
from isf.model.network import Network, Population
from isf.model.receptor import gaba
from isf.model.synapse import Connectivity, Synapses
from isf.model.trial_input import realize_input, trial_rng

N = 20000


def _within(observed: float, expected: float, se: float, k: float = 4.5) -> None:
    assert abs(observed - expected) <= k * se + 1e-12, (observed, expected, se)


def _one_spike_checks(trains: list[np.ndarray], fraction: float) -> np.ndarray:
    counts = np.array([t.size for t in trains])
    assert set(np.unique(counts)) <= {0, 1}
    _within(counts.mean(), fraction, math.sqrt(fraction * (1 - fraction) / len(trains)))
    return np.concatenate(trains)


def test_normal_spike_fraction_mean_sd_and_clip() -> None:
    times = _one_spike_checks(NormalSpike(0.3, 12.0, 2.5, offset_ms=100.0).sample(N, 300.0, trial_rng(1, 0)), 0.3)
    n = times.size
    _within(times.mean(), 112.0, 2.5 / math.sqrt(n))
    _within(times.std(), 2.5, 2.5 / math.sqrt(2 * n))
    # offset 10 (ISF's default) and a mean near 0: spikes below 0.1 ms are moved to 0.1 ms
    clipped = _one_spike_checks(NormalSpike(1.0, -10.0, 1.0).sample(N, 300.0, trial_rng(1, 1)), 1.0)
    assert clipped.min() == 0.1
    p = stats.norm.cdf(0.1, loc=0.0, scale=1.0)
    _within(np.mean(clipped == 0.1), p, math.sqrt(p * (1 - p) / N))


def test_uniform_spike_window() -> None:
    times = _one_spike_checks(UniformSpike(0.6, 20.0, 245.0).sample(N, 300.0, trial_rng(2, 0)), 0.6)
    assert times.min() >= 245.0 and times.max() < 265.0
    assert stats.kstest(times, stats.uniform(245.0, 20.0).cdf).pvalue > 1e-3


def test_lognormal_spike() -> None:
    times = _one_spike_checks(LogNormalSpike(0.8, 2.0, 0.5, 50.0).sample(N, 300.0, trial_rng(3, 0)), 0.8)
    logs = np.log(times - 50.0)
    _within(logs.mean(), 2.0, 0.5 / math.sqrt(logs.size))
    _within(logs.std(), 0.5, 0.5 / math.sqrt(2 * logs.size))


def test_psth_absolute_number_exact_counts() -> None:
    act = PSTHAbsoluteNumber([(0.0, 5.0), (5.0, 10.0), (10.0, 20.0)], [7, 0, 40], offset_ms=100.0)
    for trial in range(20):
        trains = act.sample(30, 300.0, trial_rng(4, trial))
        flat = np.concatenate(trains)
        first = [np.sum((t >= 100) & (t < 105)) for t in trains]
        assert sum(first) == 7 and max(first) == 1  # 7 distinct cells
        assert not np.any((flat >= 105) & (flat < 110))
        assert np.sum((flat >= 110) & (flat < 120)) == 40  # more than 30 cells: with replacement
        assert all(np.all(np.diff(t) >= 0) for t in trains)
    times = np.concatenate(act.sample(5000, 300.0, trial_rng(4, 99)))
    third = times[times >= 110] - 110.0
    assert stats.kstest(third, stats.uniform(0.0, 10.0).cdf).pvalue > 1e-3


def test_psth_poissontrain_counts_and_intervals() -> None:
    act = PSTHPoissonTrain([(0.0, 100.0), (100.0, 150.0), (150.0, 400.0)], [20.0, 0.0, 80.0], offset_ms=99.0)
    trains = act.sample(N // 4, 400.0, trial_rng(5, 0))
    n = len(trains)
    early = np.array([np.sum(t <= 100.0) for t in trains])
    late = np.array([np.sum(t > 150.0) for t in trains])
    _within(early.mean(), 2.0, math.sqrt(2.0 / n))   # rate · duration = 20 Hz · 0.1 s
    _within(late.mean(), 20.0, math.sqrt(20.0 / n))  # 80 Hz · 0.25 s; the offset is not added (ISF)
    _within(late.var() / late.mean(), 1.0, math.sqrt(2.0 / n))  # Poisson: Fano factor 1
    assert not any(np.any((t > 100.0) & (t <= 150.0)) for t in trains)
    # the first interval after the bin start is Exp(mean 1000/rate) (later ones are biased by the window)
    latency = np.array([t[t > 150.0][0] - 150.0 for t in trains if np.any(t > 150.0)])
    assert stats.kstest(latency, stats.expon(scale=1000.0 / 80.0).cdf).pvalue > 1e-3


def test_psth_poissontrain_v2_rate_per_bin() -> None:
    bins, rates = [0.0, 50.0, 60.0, 200.0, 300.0], [10.0, 0.0, 100.0, 5.0]
    trains = PSTHPoissonTrainV2(bins, rates, offset_ms=7.0).sample(N // 4, 300.0, trial_rng(6, 0))
    n = len(trains)
    counts = np.array([np.histogram(t, bins)[0] for t in trains])
    expected = np.diff(bins) * np.array(rates) / 1000.0
    for k in range(len(rates)):
        _within(counts[:, k].mean(), expected[k], math.sqrt(max(expected[k], 1e-12) / n))
    assert counts[:, 1].sum() == 0  # zero-rate bin: no spike
    total = counts.sum(axis=1)
    _within(total.var() / total.mean(), 1.0, math.sqrt(2.0 / n))
    # inside one bin the spikes are uniform (homogeneous Poisson there)
    flat = np.concatenate(trains)
    assert stats.kstest(flat[(flat >= 60) & (flat < 200)], stats.uniform(60.0, 140.0).cdf).pvalue > 1e-3


def test_sample_from_rates_per_cell_rates() -> None:
    rates = np.array([[0.0, 50.0], [50.0, 0.0]])
    trains = sample_from_rates(np.array([0.0, 100.0, 200.0]), np.repeat(rates, 2000, axis=0), trial_rng(6, 1))
    first, second = trains[:2000], trains[2000:]
    assert all(np.all(t >= 100.0) for t in first) and all(np.all(t < 100.0) for t in second)
    _within(np.mean([t.size for t in first]), 5.0, math.sqrt(5.0 / 2000))


@pytest.mark.parametrize("phases", ["zero", "normal", "uniform"])
def test_poissontrain_modulated_rates(phases: str) -> None:
    act = PoissonTrainModulated(3.0, 20.0, 0.8, 10.0, 5.0, phases, mean_phase=1.0, std_phase=0.2, offset_ms=100.0)
    n, tstop = 4000, 400.0
    trains = act.sample(n, tstop, trial_rng(7, 0))
    zero_rates = act.bins_and_rates(tstop, np.zeros(1))
    edges = zero_rates[0]
    counts = np.array([np.histogram(t, edges)[0] for t in trains]).mean(axis=0)
    if phases == "zero":
        expected = np.diff(edges) * zero_rates[1][0] / 1000.0
    elif phases == "normal":
        # E over φ ~ N(m, s) of sin(x + φ) = e^{−s²/2} sin(x + m)
        angle = np.linspace(0.0, 2 * np.pi * 300.0 * 10.0 / 1000.0, edges.size - 1)
        rate = 20.0 * (1 + 0.8 * math.exp(-0.2**2 / 2) * np.sin(angle + 1.0))
        rate[0] = 3.0
        expected = np.diff(edges) * rate / 1000.0
    else:  # uniform phases average the modulation out
        rate = np.full(edges.size - 1, 20.0)
        rate[0] = 3.0
        expected = np.diff(edges) * rate / 1000.0
    # a bin's count over cells: ≈ Poisson with the mean rate (phase spread adds a little variance)
    z = (counts - expected) / np.sqrt(np.maximum(expected, 1e-9) * 1.8 / n)
    assert np.max(np.abs(z)) < 5.0, (np.argmax(np.abs(z)), counts[:5], expected[:5])
    assert edges[0] == 0.0 and edges[-1] == tstop and edges[1] == 105.0


def _population(activity: Activity) -> Population:
    n = 50
    return Population("L1_C2", n, activity, (gaba(1.0),),
                      Synapses(np.zeros(n, np.int64), np.full(n, 0.5), np.linspace(0, 500, n), np.zeros(n, np.int64),
                               ("Soma",) * n),
                      Connectivity(np.arange(n), np.arange(n)), 0.5)


ALL = Activity([Poisson(20.0), NormalSpike(0.5, 5.0, 1.0), UniformSpike(0.5, 10, 50), LogNormalSpike(0.5, 1, 0.3, 60),
                PSTH([(0, 5)], [0.5], 70), PSTHAbsoluteNumber([(0, 5)], [10], 80), PSTHPoissonTrain([(90, 100)], [50]),
                PSTHPoissonTrainV2([100, 110], [50]), PoissonTrainModulated(5, 10, 0.5, 20, 5, offset_ms=150)])


def test_spike_sources_travel_with_the_spikes() -> None:
    realised = realize_input(Network([_population(ALL)]), 200.0, trial_rng(8, 0)).populations[0]
    names = realised.presynaptic_source_names
    assert names.shape == realised.presynaptic_times_ms.shape
    assert set(names) == set(SPIKE_SOURCES)
    times = realised.presynaptic_times_ms
    assert np.all(names[(times > 80) & (times < 85)] != "pointcell_normal")
    for t, tags in zip(realised.presynaptic_spikes_ms, np.split(names, np.cumsum(realised.presynaptic_counts)[:-1])):
        assert np.all(np.diff(t) >= 0) and t.size == tags.size


def _trial_digest(network: Network, trial: int) -> tuple[float, int, float]:
    realised = realize_input(network, 200.0, trial_rng(11, trial))
    p = realised.populations[0]
    return float(p.presynaptic_times_ms.sum()), int(p.presynaptic_sources.astype(np.int64).sum()), \
        float(p.release_flat_ms.sum())


def test_draws_do_not_depend_on_workers() -> None:
    network = Network([_population(ALL)])
    serial = [_trial_digest(network, t) for t in range(4)]
    assert len(set(serial)) == 4
    parallel = dict(map_unordered(_trial_digest, network, [3, 1, 0, 2], Parallel(workers=2)))
    assert [parallel[i] for i in (2, 1, 3, 0)] == serial
