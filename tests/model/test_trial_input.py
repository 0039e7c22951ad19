"""Stochastic input: activity sampling, Bernoulli release, seeds (statistical checks, seeded)."""

from __future__ import annotations

import numpy as np
import pytest

from isf.model.activity import PSTH, Activity, Poisson
from isf.model.network import Population
from isf.model.receptor import Receptor, glutamate
from isf.model.synapse import Connectivity, Synapses
from isf.model.trial_input import realize_population, trial_rng


def test_poisson_rate_and_regular_train() -> None:
    rng = trial_rng(1, 0)
    trains = Poisson(50.0).sample(4000, 1000.0, rng)
    counts = np.array([t.size for t in trains])
    assert abs(counts.mean() - 20.0) < 0.3  # SE = sqrt(20/4000) ≈ 0.07
    assert abs(counts.var() / counts.mean() - 1.0) < 0.1  # Poisson: Fano factor 1
    assert all(np.all(np.diff(t) > 0) and (t.size == 0 or t[-1] <= 1000.0) for t in trains)
    regular = Poisson(100.0, noise=0.0, start_ms=50.0).sample(1, 1000.0, rng)[0]
    assert np.allclose(regular, np.arange(50.0, 1000.1, 100.0))
    exact = Poisson(10.0, n_spikes=7).sample(3, 5.0, rng)
    assert [t.size for t in exact] == [7, 7, 7]


def test_psth_probabilities_and_offset() -> None:
    psth = PSTH([(0.0, 1.0), (10.0, 20.0), (20.0, 30.0)], [0.3, 0.05, -0.1], offset_ms=245.0)
    trains = psth.sample(20000, 400.0, trial_rng(2, 0))
    flat = np.concatenate(trains)
    first = np.mean([np.any((t >= 245) & (t < 246)) for t in trains])
    second = np.mean([np.any((t >= 255) & (t < 265)) for t in trains])
    assert abs(first - 0.3) < 0.015 and abs(second - 0.05) < 0.006
    assert not np.any((flat >= 265) & (flat < 275))  # negative probability never fires


def test_combined_activity_merges_sorted() -> None:
    act = Activity([PSTH([(0, 1)], [1.0], 100.0), Poisson(20.0)])
    for t in act.sample(50, 200.0, trial_rng(3, 0)):
        assert np.all(np.diff(t) >= 0)
        assert np.any((t >= 100) & (t < 101))


def _population(release: float | None, receptor: Receptor) -> Population:
    n = 200
    return Population(
        "L5tt_C2", n, Activity(Poisson(10.0)), (receptor,),
        Synapses(np.zeros(n, np.int64), np.full(n, 0.5), np.zeros(n), np.zeros(n, np.int64), ("Soma",) * n),
        Connectivity(np.arange(n), np.arange(n)), release)


def test_release_is_bernoulli_per_synapse_and_spike() -> None:
    pop = _population(0.6, glutamate(1.5, 1.5))
    realised = realize_population(pop, 1000.0, trial_rng(4, 0))
    spikes = sum(t.size for t in realised.presynaptic_spikes_ms)
    released = sum(t.size for t in realised.release_times_ms)
    assert abs(released / spikes - 0.6) < 0.02
    for sid, times in zip(realised.synapse_ids, realised.release_times_ms):
        assert set(times) <= set(realised.presynaptic_spikes_ms[int(sid)])
    always = realize_population(_population(None, glutamate(1.0, 1.0)), 1000.0, trial_rng(4, 0))
    assert sum(t.size for t in always.release_times_ms) == sum(t.size for t in always.presynaptic_spikes_ms)


def test_lognormal_weights_mean_m_sd_m_squared() -> None:
    receptor = Receptor("gaba_syn", 0.8, weight_distribution="lognormal")
    realised = realize_population(_population(1.0, receptor), 3000.0, trial_rng(5, 0))
    w = realised.weights_nS[0][:, 0]
    assert w.size == 200
    big = realize_population(
        Population("L1_C2", 20000, Activity(Poisson(10.0)), (receptor,),
                   Synapses(np.zeros(20000, np.int64), np.full(20000, 0.5), np.zeros(20000),
                            np.zeros(20000, np.int64), ("Soma",) * 20000),
                   Connectivity(np.arange(20000), np.arange(20000)), 1.0), 1000.0, trial_rng(6, 0)).weights_nS[0][:, 0]
    assert abs(big.mean() - 0.8) < 0.02 and abs(big.std() - 0.64) < 0.03


def test_trials_are_independent_of_order_and_seeded() -> None:
    pop = _population(0.5, glutamate(1.0, 1.0))
    a = realize_population(pop, 500.0, trial_rng(9, 3))
    realize_population(pop, 500.0, trial_rng(9, 2))
    b = realize_population(pop, 500.0, trial_rng(9, 3))
    c = realize_population(pop, 500.0, trial_rng(10, 3))
    assert np.array_equal(a.synapse_ids, b.synapse_ids)
    assert not np.array_equal(np.concatenate(a.release_times_ms), np.concatenate(c.release_times_ms))
    with pytest.raises(ValueError):
        trial_rng(-1, 0)
