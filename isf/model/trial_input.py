"""One trial's stochastic input, drawn in numpy before the simulation (LEGACY_FORMATS §4.3–4.5).

For every population: spike times of each presynaptic cell from its activity,
then for every connected synapse an independent Bernoulli release trial per
presynaptic spike, and (for lognormal receptors) per-synapse weights. All
draws come from one :class:`numpy.random.Generator`, derived from
``(run seed, trial index)`` by :func:`trial_rng`, so a trial's input does not
depend on which worker runs it or on other trials.

Every presynaptic spike keeps the tag of the generator that made it (``presynaptic_sources``);
populations with dynamic release get one seed per active synapse for their receptors' own release
generators (``release_seeds``); the network's wiring modifiers (silencing) remove releases after
all draws, and its parameter modifiers change the populations before them.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.network import Network, Population
from isf.model.network_modifier import SilenceBySomaDistance, SilenceBySomaDistanceAndSource
from isf.model.spike_trains import SPIKE_SOURCES, source_code

#: Release seeds are below 2**53 so NEURON's double RANGE variables hold them exactly.
SEED_LIMIT = 2**53


def trial_rng(run_seed: int, trial_index: int) -> np.random.Generator:
    """The generator of one trial: ``SeedSequence([run_seed, trial_index])`` (PCG64)."""
    if run_seed < 0 or trial_index < 0:
        raise ValueError(f"seeds must be >= 0 (run_seed={run_seed}, trial_index={trial_index})")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([run_seed, trial_index])))


def _split(flat: NDArray[np.float64], counts: NDArray[np.int64]) -> tuple[NDArray[np.float64], ...]:
    return tuple(np.split(flat, np.cumsum(counts)[:-1])) if counts.size else ()


@attrs.frozen(eq=False)
class PopulationInput:
    """Realised input of one population in one trial, stored flat (one array of times plus counts),
    which keeps pickling between processes cheap.

    Attributes:
        name: population name.
        presynaptic_times_ms: spike times of all presynaptic cells, cell after cell, each sorted, ms.
        presynaptic_counts: number of spikes of every presynaptic cell (index = cell ID).
        synapse_ids: IDs of the synapses with at least one release, ascending.
        release_flat_ms: release times of those synapses, synapse after synapse, each sorted, ms.
        release_counts: number of releases of each of those synapses (all ≥ 1).
        weights_nS: per receptor (population order), an array (n active synapses, n weights), nS.
        presynaptic_sources: spike-source code of every presynaptic spike (aligned with
            ``presynaptic_times_ms``; index into :data:`~isf.model.spike_trains.SPIKE_SOURCES`);
            empty when not known (e.g. replayed input).
        release_seeds: with dynamic release, the seed of each active synapse's release generator;
            empty otherwise.
    """

    name: str
    presynaptic_times_ms: NDArray[np.float64]
    presynaptic_counts: NDArray[np.int64]
    synapse_ids: NDArray[np.int64]
    release_flat_ms: NDArray[np.float64]
    release_counts: NDArray[np.int64]
    weights_nS: tuple[NDArray[np.float64], ...]
    presynaptic_sources: NDArray[np.int8] = attrs.field(factory=lambda: np.zeros(0, np.int8))
    release_seeds: NDArray[np.int64] = attrs.field(factory=lambda: np.zeros(0, np.int64))

    @property
    def sources_known(self) -> bool:
        """Whether every presynaptic spike has its spike-source tag (replayed input has none)."""
        return self.presynaptic_sources.shape[0] == self.presynaptic_times_ms.shape[0]

    @property
    def presynaptic_source_names(self) -> NDArray[np.object_]:
        """Spike-source tag of every presynaptic spike (empty when not known)."""
        return np.array(SPIKE_SOURCES, dtype=object)[self.presynaptic_sources]

    @property
    def n_active(self) -> int:
        """Number of synapses with at least one release."""
        return int(self.synapse_ids.shape[0])

    @property
    def presynaptic_spikes_ms(self) -> tuple[NDArray[np.float64], ...]:
        """Spike times of every presynaptic cell (index = cell ID), ms."""
        return _split(self.presynaptic_times_ms, self.presynaptic_counts)

    @property
    def release_times_ms(self) -> tuple[NDArray[np.float64], ...]:
        """Sorted release times of each active synapse (order of ``synapse_ids``), ms."""
        return _split(self.release_flat_ms, self.release_counts)


@attrs.frozen(eq=False)
class TrialInput:
    """Realised input of all populations in one trial."""

    populations: tuple[PopulationInput, ...]

    @property
    def n_active_synapses(self) -> int:
        """Synapses with at least one release, over all populations."""
        return sum(p.n_active for p in self.populations)


def _lognormal_weights(nominal: tuple[float, ...], n: int, rng: np.random.Generator) -> NDArray[np.float64]:
    m = np.asarray(nominal, dtype=float)
    out = np.zeros((n, m.size))
    positive = m > 0
    # ISF's choice: mean m and standard deviation m² (σ² = ln(1 + m²)).
    sigma = np.sqrt(np.log1p(m[positive] ** 2))
    mu = np.log(m[positive]) - sigma**2 / 2.0
    out[:, positive] = rng.lognormal(mu, sigma, size=(n, int(positive.sum())))
    return out


def _silence(population: Population, modifiers: tuple[Any, ...], synapse: NDArray[np.int64],
             sources: NDArray[np.int8]) -> NDArray[np.bool_]:
    """Releases (at ``synapse``, from spikes tagged ``sources``) the wiring modifiers remove."""
    out = np.zeros(synapse.shape[0], dtype=bool)
    for modifier in modifiers:
        if isinstance(modifier, (SilenceBySomaDistance, SilenceBySomaDistanceAndSource)):
            out |= modifier.silenced(population.name, population.synapses.soma_distance_um[synapse], sources)
    return out


def realize_population(population: Population, tstop_ms: float, rng: np.random.Generator,
                       modifiers: tuple[Any, ...] = ()) -> PopulationInput:
    """Draw one trial of a population's input; ``modifiers``: the network's wiring modifiers."""
    components = population.activity.components
    if len(components) == 1:  # one generator: one tag for all (saves a tag array per cell)
        spikes = components[0].sample(population.cell_count, tstop_ms, rng)
        tags: list[NDArray[np.int8]] = []
    else:
        spikes, tags = population.activity.sample_tagged(population.cell_count, tstop_ms, rng)
    spike_counts = np.fromiter((t.shape[0] for t in spikes), dtype=np.int64, count=len(spikes))
    spike_flat = np.concatenate(spikes) if spikes else np.zeros(0)
    if len(components) == 1:
        source_flat = np.full(spike_flat.shape[0], source_code(components[0].source), np.int8)
    else:
        source_flat = np.concatenate(tags) if tags else np.zeros(0, np.int8)
    starts = np.concatenate([[0], np.cumsum(spike_counts)[:-1]]) if spikes else np.zeros(0, np.int64)
    conn = population.connectivity
    # Every (connection row, presynaptic spike) pair, rows in file order, spikes in time order.
    counts = spike_counts[conn.cell_id] if len(conn) else np.zeros(0, np.int64)
    row_of_spike = np.repeat(np.arange(len(conn)), counts)
    within = np.arange(row_of_spike.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
    spike_index = starts[conn.cell_id][row_of_spike] + within if row_of_spike.size else np.zeros(0, np.int64)
    flat = spike_flat[spike_index] if row_of_spike.size else np.zeros(0)
    if population.release_probability is None:
        keep = np.ones(flat.shape[0], dtype=bool)
    else:
        keep = rng.random(flat.shape[0]) < population.release_probability
    synapse_of_release = conn.synapse_id[row_of_spike[keep]] if keep.any() else np.zeros(0, np.int64)
    times = flat[keep]
    if modifiers and synapse_of_release.size:
        silenced = _silence(population, modifiers, synapse_of_release,
                            source_flat[spike_index[keep]] if source_flat.size else np.zeros(times.shape[0], np.int8))
        synapse_of_release, times = synapse_of_release[~silenced], times[~silenced]
    # Group by synapse (a synapse owned by several rows merges their releases), times sorted within.
    order = np.lexsort((times, synapse_of_release))
    synapse_of_release, times = synapse_of_release[order], times[order]
    ids, release_counts = np.unique(synapse_of_release, return_counts=True)
    weights = tuple(
        _lognormal_weights(r.weights_nS, ids.shape[0], rng) if r.weight_distribution == "lognormal"
        else np.tile(np.asarray(r.weights_nS, dtype=float), (ids.shape[0], 1))
        for r in population.receptors
    )
    seeds: NDArray[np.int64] = (np.asarray(rng.integers(1, SEED_LIMIT, ids.shape[0], dtype=np.int64))
                                if population.dynamic_release else np.zeros(0, np.int64))
    return PopulationInput(population.name, spike_flat, spike_counts, ids.astype(np.int64), times,
                           release_counts.astype(np.int64), weights, source_flat.astype(np.int8), seeds)


def realize_input(network: Network, tstop_ms: float, rng: np.random.Generator) -> TrialInput:
    """Draw one trial of input for every population, in network order (parameter modifiers applied
    first, silencing after the draws)."""
    prepared = network.prepared()
    return TrialInput(tuple(realize_population(p, tstop_ms, rng, prepared.modifiers) for p in prepared.populations))
