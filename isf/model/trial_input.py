"""One trial's stochastic input, drawn in numpy before the simulation (LEGACY_FORMATS §4.3–4.5).

For every population: spike times of each presynaptic cell from its activity,
then for every connected synapse an independent Bernoulli release trial per
presynaptic spike, and (for lognormal receptors) per-synapse weights. All
draws come from one :class:`numpy.random.Generator`, derived from
``(run seed, trial index)`` by :func:`trial_rng`, so a trial's input does not
depend on which worker runs it or on other trials.
"""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.network import Network, Population


def trial_rng(run_seed: int, trial_index: int) -> np.random.Generator:
    """The generator of one trial: ``SeedSequence([run_seed, trial_index])`` (PCG64)."""
    if run_seed < 0 or trial_index < 0:
        raise ValueError(f"seeds must be >= 0 (run_seed={run_seed}, trial_index={trial_index})")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([run_seed, trial_index])))


@attrs.frozen(eq=False)
class PopulationInput:
    """Realised input of one population in one trial.

    Attributes:
        name: population name.
        presynaptic_spikes_ms: spike times of every presynaptic cell (index = cell ID), ms.
        synapse_ids: IDs of the synapses with at least one release, ascending.
        release_times_ms: sorted release times of each of those synapses, ms.
        weights_nS: per receptor (population order), an array (n active synapses, n weights), nS.
    """

    name: str
    presynaptic_spikes_ms: tuple[NDArray[np.float64], ...]
    synapse_ids: NDArray[np.int64]
    release_times_ms: tuple[NDArray[np.float64], ...]
    weights_nS: tuple[NDArray[np.float64], ...]

    @property
    def n_active(self) -> int:
        """Number of synapses with at least one release."""
        return int(self.synapse_ids.shape[0])


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


def realize_population(population: Population, tstop_ms: float, rng: np.random.Generator) -> PopulationInput:
    """Draw one trial of a population's input."""
    spikes = population.activity.sample(population.cell_count, tstop_ms, rng)
    conn = population.connectivity
    counts = np.array([spikes[c].shape[0] for c in conn.cell_id], dtype=np.int64)
    flat = np.concatenate([spikes[c] for c in conn.cell_id]) if len(conn) else np.zeros(0)
    if population.release_probability is None:
        keep = np.ones(flat.shape[0], dtype=bool)
    else:
        keep = rng.random(flat.shape[0]) < population.release_probability
    row_of_spike = np.repeat(np.arange(len(conn)), counts)
    released_rows = row_of_spike[keep]
    released_times = flat[keep]
    per_synapse: dict[int, list[NDArray[np.float64]]] = {}
    bounds = np.searchsorted(released_rows, np.arange(len(conn) + 1))
    for row in np.flatnonzero(np.diff(bounds)):
        per_synapse.setdefault(int(conn.synapse_id[row]), []).append(released_times[bounds[row]:bounds[row + 1]])
    ids = np.array(sorted(per_synapse), dtype=np.int64)
    times = tuple(np.sort(np.concatenate(per_synapse[int(i)])) for i in ids)
    weights = tuple(
        _lognormal_weights(r.weights_nS, ids.shape[0], rng) if r.weight_distribution == "lognormal"
        else np.tile(np.asarray(r.weights_nS, dtype=float), (ids.shape[0], 1))
        for r in population.receptors
    )
    return PopulationInput(population.name, tuple(spikes), ids, times, weights)


def realize_input(network: Network, tstop_ms: float, rng: np.random.Generator) -> TrialInput:
    """Draw one trial of input for every population, in network order."""
    return TrialInput(tuple(realize_population(p, tstop_ms, rng) for p in network.populations))
