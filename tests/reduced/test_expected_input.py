"""Expected input without simulating (REDUCED_MODELS §3.9): ISF's rules by hand on a small network,
the shipped C2 network's evoked response, and the Poisson draws' mean and variance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isf.errors import ArgumentValueError
from isf.model.activity import Activity
from isf.model.network import Network, Population
from isf.model.receptor import gaba, glutamate
from isf.model.pointcell import UniformSpike
from isf.model.spike_trains import PSTH, Poisson
from isf.model.synapse import Synapses
from isf.reduced import (
    expected_activations,
    expected_activations_by_ei,
    expected_release_rates,
    poisson_realizations,
    synapses_within,
)


def _synapses(distances: list[float]) -> Synapses:
    n = len(distances)
    return Synapses(np.zeros(n, np.int64), np.full(n, 0.5), distances, np.zeros(n, np.int64), ("Dendrite",) * n)


def network() -> Network:
    exc = Population("L5tt_C2", 4, Activity((Poisson(200.0), PSTH(((0.0, 4.0), (10.0, 12.0)), (0.4, 0.2),
                                                                   offset_ms=20.0))),
                     (glutamate(1.0, 1.0),), _synapses([10.0, 100.0, 300.0]), release_probability=0.5)
    inh = Population("SymLocal1_C2", 2, Poisson(50.0), (gaba(1.0),), _synapses([5.0, 400.0]))
    return Network((exc, inh))


def test_rates_by_hand() -> None:
    rates = expected_release_rates(network(), tstop_ms=40)
    want = np.full(40, 1 / 200.0)
    want[20:24] = 0.4 / 4 + 1 / 200.0  # PSTH bins overwrite, then the spike-train rate is added
    want[30:32] = 0.2 / 2 + 1 / 200.0
    np.testing.assert_allclose(rates["L5tt_C2"], 0.5 * want, rtol=0, atol=1e-15)
    np.testing.assert_allclose(rates["SymLocal1_C2"], np.full(40, 1 / 50.0))  # no release probability: 1


def test_synapse_counts_and_products() -> None:
    net = network()
    assert synapses_within(net, 100.0) == {"L5tt_C2": 2, "SymLocal1_C2": 1}
    rates = expected_release_rates(net, 40)
    products = expected_activations(net, 100.0, 40)
    np.testing.assert_allclose(products["L5tt_C2"], 2 * rates["L5tt_C2"])
    exc, inh = expected_activations_by_ei(net, 100.0, 40)
    np.testing.assert_allclose(exc, products["L5tt_C2"])
    np.testing.assert_allclose(inh, products["SymLocal1_C2"])


def test_refused() -> None:
    net = network()
    uniform = Activity((UniformSpike(0.5, 10.0, 20.0),))
    odd = Network((net.populations[0], Population("L4ss_C2", 1, uniform, (glutamate(1.0, 1.0),),
                                                   _synapses([1.0]))))
    with pytest.raises(ArgumentValueError, match="'L4ss_C2'.*UniformSpike"):
        expected_release_rates(odd)
    with pytest.raises(ArgumentValueError, match="tstop_ms"):
        expected_release_rates(net, 0)
    with pytest.raises(ArgumentValueError, match=r"bins \[3\]"):
        poisson_realizations(np.array([0.0, 1.0, 2.0, -0.1]))


def test_the_c2_network_expects_its_evoked_response() -> None:
    """The shipped C2 network: EXC input per ms rises several-fold in the first 25 ms after the stimulus
    at 245 ms (the evoked PSTHs) over the ongoing level before it."""
    import isf
    from isf.data import cell86, network_c2

    cell = isf.read_cell_param(cell86("86_C2_center.param")).cell
    c2 = isf.read_network_param(network_c2("network.param"), cell.morphology, search_roots=[network_c2()]).network
    exc, inh = expected_activations_by_ei(c2, 2000.0, 350)
    ongoing, evoked = exc[100:240].mean(), exc[245:270].mean()
    assert 0 < ongoing and evoked > 2 * ongoing
    assert inh[245:270].mean() > inh[100:240].mean() > 0


@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(0.0, 5.0), min_size=1, max_size=20), st.integers(0, 2**31))
def test_poisson_draws_are_seeded_and_unbiased(lam: list[float], seed: int) -> None:
    draws = poisson_realizations(lam, 4000, seed)
    assert draws.shape == (4000, len(lam))
    assert np.array_equal(draws, poisson_realizations(lam, 4000, seed))
    mean = draws.mean(axis=0)
    se = np.sqrt(np.asarray(lam) / 4000) + 1e-12
    assert np.all(np.abs(mean - lam) <= 5 * se + 1e-9)
