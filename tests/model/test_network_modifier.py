"""Network modifiers (LEGACY_FORMATS §4.7): silencing after wiring, parameter modifiers before the run,
and dynamic-release seeds."""

from __future__ import annotations

import numpy as np
import pytest

from isf.errors import ModelValueError
from isf.model.activity import PSTH, Activity, NormalSpike, Poisson, source_code
from isf.model.network import Network, Population
from isf.model.network_modifier import (
    ChangeEvokedInhibitionScaling,
    ChangeGlutamateWeights,
    ChangeOngoingInterval,
    InactivateActivity,
    InactivateEvokedActivity,
    MultiStimulusTrial,
    SetStimulusOnset,
    SilenceBySomaDistance,
    SilenceBySomaDistanceAndSource,
)
from isf.model.receptor import Receptor, gaba, glutamate
from isf.model.synapse import Connectivity, Synapses
from isf.model.trial_input import realize_input, trial_rng

N = 100
MIXED = Activity([PSTH([(0.0, 10.0)], [0.8], 100.0), Poisson(50.0)])


def _pop(name: str, activity: Activity = MIXED, receptors: tuple[Receptor, ...] = (gaba(1.0),),
         **kwargs: object) -> Population:
    return Population(name, N, activity, receptors,
                      Synapses(np.zeros(N, np.int64), np.full(N, 0.5), np.linspace(0.0, 990.0, N),
                               np.zeros(N, np.int64), ("Soma",) * N),
                      Connectivity(np.arange(N), np.arange(N)), **kwargs)  # type: ignore[arg-type]


def test_silencing_by_soma_distance_removes_only_the_range() -> None:
    base = Network([_pop("L1_C2"), _pop("L2_C2")])
    silenced = Network(base.populations, [SilenceBySomaDistance({"L1_C2": (100.0, 500.0)})])
    a, b = (realize_input(n, 200.0, trial_rng(1, 0)) for n in (base, silenced))
    dist = base.populations[0].synapses.soma_distance_um
    kept = b.populations[0].synapse_ids
    assert not np.any((dist[kept] >= 100.0) & (dist[kept] < 500.0))
    outside = a.populations[0].synapse_ids[(dist[a.populations[0].synapse_ids] < 100) |
                                           (dist[a.populations[0].synapse_ids] >= 500)]
    assert np.array_equal(kept, outside)
    # other populations and every other draw are unchanged
    assert np.array_equal(a.populations[1].release_flat_ms, b.populations[1].release_flat_ms)
    assert np.array_equal(a.populations[0].presynaptic_times_ms, b.populations[0].presynaptic_times_ms)


def test_silencing_by_source_keeps_listed_sources_inside_the_range() -> None:
    network = Network([_pop("L1_C2")], [SilenceBySomaDistanceAndSource({"L1_C2": (0.0, 2000.0)}, ["pointcell_PSTH"])])
    realised = realize_input(network, 300.0, trial_rng(2, 0)).populations[0]
    times = realised.release_flat_ms
    assert times.size > 0 and np.all((times >= 100.0) & (times < 110.0))
    spikes = realised.presynaptic_times_ms
    assert np.any(realised.presynaptic_sources[(spikes < 100)] == source_code("poissontrain"))
    with pytest.raises(ModelValueError, match="spike-source tags"):
        SilenceBySomaDistanceAndSource({"L1_C2": (0.0, 1.0)}, ["burst"])


def test_parameter_modifiers() -> None:
    pops = [_pop("L1_C2"), _pop("L5tt_C2", receptors=(glutamate(1.0, 1.0),)),
            _pop("L5tt_D2", Activity(Poisson(100.0)), (glutamate(1.0, 1.0),))]
    net = Network(pops, [ChangeOngoingInterval(2.0, ["L5tt"]), SetStimulusOnset(300.0),
                         ChangeGlutamateWeights({"L5": (2.0, 3.0)}, ["L5tt"]), ChangeEvokedInhibitionScaling(0.5, ["L1"])])
    prepared = net.prepared()
    l1, l5c2, l5d2 = prepared.populations
    assert l1.activity.components == (PSTH([(0.0, 10.0)], [0.4], 300.0), Poisson(50.0))
    assert l5c2.activity.components[1] == Poisson(100.0) and l5c2.activity.components[0].offset_ms == 300.0
    assert l5d2.activity == Activity(Poisson(200.0))  # only the pointcell form is moved; interval doubled
    assert l5c2.receptors[0].weights_nS == (2.0, 3.0) and l1.receptors == (gaba(1.0),)
    assert prepared.modifiers == ()
    assert Network(pops).prepared() == Network(pops)
    with pytest.raises(ModelValueError, match="exactly one key"):
        Network(pops, [ChangeGlutamateWeights({"L5": 1.0, "L5t": 2.0}, ["L5tt"])]).prepared()
    with pytest.raises(ModelValueError, match="in cell type .L1"):  # ISF counts L1 as excitatory
        Network(pops, [ChangeGlutamateWeights({"L5": 1.0})]).prepared()


def test_inactivation_and_multi_stimulus() -> None:
    pops = [_pop("L1_C2"), _pop("L1_D2"), _pop("L2_C2", Activity(NormalSpike(1.0, 5.0, 1.0)))]
    evoked = Network(pops, [InactivateEvokedActivity(["L1"], ["C2"])]).prepared()
    assert evoked.populations[0].activity.components[0].probabilities == (0.0,)
    assert evoked.populations[1] == pops[1]
    everything = Network(pops, [InactivateActivity(["L1", "L2"], ["S1"])]).prepared()
    assert [p.activity.components for p in everything.populations] == [(), (), ()]
    assert all(t.size == 0 for t in realize_input(everything, 300.0, trial_rng(3, 0)).populations[0]
               .presynaptic_spikes_ms)
    multi = Network(pops, [MultiStimulusTrial(50.0, 3, (1.0, 0.5, 0.0), ["L1"])]).prepared()
    psth = multi.populations[0].activity.components[0]
    assert psth.intervals_ms == ((0.0, 10.0), (50.0, 60.0), (100.0, 110.0))
    assert psth.probabilities == (0.8, 0.4, 0.0)


def test_dynamic_release_seeds() -> None:
    receptor = Receptor("ProbAMPANMDA2", 1.0, {"Use": 0.5})
    pop = _pop("L5tt_C2", Activity(Poisson(20.0)), (receptor,), dynamic_release=True)
    a = realize_input(Network([pop]), 300.0, trial_rng(4, 1)).populations[0]
    b = realize_input(Network([pop]), 300.0, trial_rng(4, 1)).populations[0]
    assert a.release_seeds.shape == a.synapse_ids.shape and np.array_equal(a.release_seeds, b.release_seeds)
    assert np.unique(a.release_seeds).size == a.release_seeds.size and a.release_seeds.min() > 0
    assert a.release_flat_ms.size == a.presynaptic_times_ms.size  # every spike reaches the receptor
    c = realize_input(Network([pop]), 300.0, trial_rng(4, 2)).populations[0]
    assert not np.array_equal(a.release_seeds[:5], c.release_seeds[:5])
    with pytest.raises(ModelValueError, match="stochastic release"):
        _pop("L5tt_C2", receptors=(glutamate(1.0, 1.0),), dynamic_release=True)
    with pytest.raises(ModelValueError, match="release_probability"):
        _pop("L5tt_C2", receptors=(receptor,), dynamic_release=True, release_probability=0.5)
