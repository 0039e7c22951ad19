"""Expected synaptic input of a network, without simulating (REDUCED_MODELS §3.9; ISF's
``rm_synapse_activations``): per population the expected releases per synapse per ms, the synapses
within a soma distance, their product by population or by EXC/INH, and Poisson draws of it — surrogate
binned input for a reduced model.

ISF's rules, kept:

* a Poisson (``spiketrain``) component adds ``1 / interval_ms`` to every bin (its start and spike count
  are ignored); a PSTH component *overwrites* bins ``offset + t0 … offset + t0 + l − 1`` (``l =
  round(t1 − t0)``, the first bin ``int(offset + t0)``) with ``p / l``, interval after interval, before
  the Poisson rates are added;
* the vector is multiplied by the release probability (``None``: every spike releases);
* every synapse counts as driven by its own presynaptic train (convergence is ignored).

Other activity types and dynamic release have no rule in ISF and are refused, naming the population.
Distances are the synapses' soma distances as isf stores them with every activation (µm).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from isf.analysis.synapse_stats import cell_type_of
from isf.errors import ArgumentValueError
from isf.model.network import Network, Population
from isf.model.spike_trains import PSTH, Poisson
from isf.reduced.groups import EI_TABLE_PRE_2025, EITable

__all__ = ["expected_activations", "expected_activations_by_ei", "expected_release_rates",
           "poisson_realizations", "synapses_within"]

#: ISF's default length of the rate vectors, ms.
TSTOP_MS = 350


def _population_rate(population: Population, tstop_ms: int) -> NDArray[np.float64]:
    rate = np.zeros(tstop_ms, dtype=np.float64)
    poisson = 0.0
    for component in population.activity.components:
        if isinstance(component, PSTH):
            for (t0, t1), p in zip(component.intervals_ms, component.probabilities):
                length = int(round(t1 - t0))
                if length > 0:
                    first = int(component.offset_ms + t0)
                    rate[max(first, 0):max(first + length, 0)] = p / length
        elif isinstance(component, Poisson):
            poisson += 1.0 / component.interval_ms
        else:
            raise ArgumentValueError(
                f"population {population.name!r}: no expected-input rule for {type(component).__name__} activity "
                "(ISF's helpers know spike trains and PSTHs)", field=f"{population.name}.activity",
                value=type(component).__name__, allowed="Poisson, PSTH")
    if population.dynamic_release:
        raise ArgumentValueError(f"population {population.name!r} has dynamic release: its release probability "
                                 "is not a constant", field=f"{population.name}.dynamic_release", value=True,
                                 allowed="a constant release probability")
    release = 1.0 if population.release_probability is None else population.release_probability
    return (rate + poisson) * release


def expected_release_rates(network: Network, tstop_ms: int = TSTOP_MS) -> dict[str, NDArray[np.float64]]:
    """Expected releases per synapse per ms of every population, one value per 1-ms bin from 0 to
    ``tstop_ms`` (ISF's ``get_cell_activations``).

    Raises:
        ArgumentValueError: an activity type other than Poisson and PSTH, or dynamic release.
    """
    if tstop_ms < 1:
        raise ArgumentValueError(f"tstop_ms must be >= 1, got {tstop_ms}", field="tstop_ms", value=tstop_ms,
                                 allowed=">= 1 (ms)")
    return {p.name: _population_rate(p, int(tstop_ms)) for p in network.populations}


def synapses_within(network: Network, distance_um: float) -> dict[str, int]:
    """Synapses of every population with soma distance ≤ ``distance_um`` (µm)
    (ISF's ``get_number_of_synapses_closer_than_x``)."""
    return {p.name: int(np.count_nonzero(p.synapses.soma_distance_um <= distance_um)) for p in network.populations}


def expected_activations(network: Network, distal_um: float,
                         tstop_ms: int = TSTOP_MS) -> dict[str, NDArray[np.float64]]:
    """Expected activations per ms of the synapses within ``distal_um`` of the soma, per population:
    rate × number of synapses (ISF's ``get_expectancy_value_of_activated_prox_synapses_by_celltype``,
    whose "cell type" is the synapse type, i.e. the population)."""
    rates = expected_release_rates(network, tstop_ms)
    counts = synapses_within(network, distal_um)
    return {name: rates[name] * counts[name] for name in rates}


def expected_activations_by_ei(network: Network, distal_um: float, tstop_ms: int = TSTOP_MS,
                               ei_table: EITable = EI_TABLE_PRE_2025
                               ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(EXC, INH) sums of :func:`expected_activations` over populations by their cell type (the name's
    prefix) in ``ei_table``."""
    exc = np.zeros(int(tstop_ms))
    inh = np.zeros(int(tstop_ms))
    for name, values in expected_activations(network, distal_um, tstop_ms).items():
        if ei_table.classify(cell_type_of(name)) == "EXC":
            exc += values
        else:
            inh += values
    return exc, inh


def poisson_realizations(expected: ArrayLike, n_sweeps: int = 1000,
                         seed: int = 0) -> NDArray[np.int64]:
    """Independent Poisson draws of an expected count per bin, ``(n_sweeps, n_bins)``, from a generator
    seeded with ``seed`` (ISF uses numpy's global generator; isf records the seed instead).

    Raises:
        ArgumentValueError: a negative expected value (negative PSTH probabilities give them), naming the bins.
    """
    lam = np.asarray(expected, dtype=np.float64)
    if lam.ndim != 1:
        raise ArgumentValueError(f"expected values must be one vector, got shape {lam.shape}", field="expected",
                                 value=lam.shape, allowed="1-D")
    bad = np.flatnonzero(~(lam >= 0))
    if bad.size:
        raise ArgumentValueError(f"expected values must be >= 0; bins {bad[:10].tolist()} are {lam[bad[:10]].tolist()}",
                                 field="expected", value=float(lam[bad[0]]), allowed=">= 0")
    if n_sweeps < 1:
        raise ArgumentValueError(f"n_sweeps must be >= 1, got {n_sweeps}", field="n_sweeps", value=n_sweeps,
                                 allowed=">= 1")
    return np.random.default_rng(seed).poisson(lam, size=(int(n_sweeps), lam.shape[0])).astype(np.int64)
