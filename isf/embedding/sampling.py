"""Drawing one realisation (LEGACY_FORMATS §9.2 steps 5–6), vectorised over cells, voxels and structures.

For every presynaptic population (areas, then cell types, in spreadsheet order):

1. each of its cells gets one of the reconstructed axons, uniformly with replacement;
2. for each cell, structure S and voxel v (in that order) with ``ρ_S(v) > 0``:
   ``k ~ Poisson(ρ_S(v))`` synapses;
3. the k synapses go to 3D points of label S in v: the first k of a random permutation of them,
   padded by uniform draws with replacement when k exceeds their number;
4. synapse IDs follow creation order; connected cells get ``.con`` IDs 0, 1, … in cell order.

Three independent generators, spawned from the sample's ``SeedSequence``, draw the axon choices,
the Poisson counts and the point choices. numpy draws a Poisson array element by element in
order and draws nothing for ρ = 0, so the counts equal those of a per-cell, per-voxel loop
calling ``poisson`` with the same generator (``benchmarks/embedding_loop.py`` checks this).

:func:`draw_synapses` makes the draws (3D point and presynaptic cell of every synapse);
:func:`sample_realisation` adds what follows from the cell (section, ``x``, structure, ``.con``
IDs); :func:`sample_compact` keeps the draws only (what workers send back) and
:func:`expand_realisation` turns those into the same :class:`Realisation`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from isf.embedding.realisation import CompactRealisation, PopulationSynapses, Realisation
from isf.embedding.synapse_density import AxonDensities
from isf.embedding.targets import CellTargets
from isf.errors import ArgumentValueError

__all__ = [
    "assign_and_count",
    "draw_synapses",
    "expand_realisation",
    "population_synapses",
    "realisation_generators",
    "sample_compact",
    "sample_realisation",
    "select_points",
]


def realisation_generators(
    seed: int, sample: int, cell_index: int = 0
) -> tuple[np.random.Generator, ...]:
    """The (axon choice, Poisson count, point choice) generators of a sample.

    They depend only on ``(seed, cell_index, sample)``, not on workers or the order samples run in.
    """
    root = np.random.SeedSequence(seed, spawn_key=(cell_index, sample))
    return tuple(np.random.default_rng(s) for s in root.spawn(3))


def assign_and_count(
    density: AxonDensities,
    rng_axon: np.random.Generator,
    rng_count: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Steps 1–2 for one population: ``(cell, key, k)`` of every (cell, structure·voxel) with k ≥ 1,
    in creation order."""
    if density.n_fields == 0 or density.n_cells == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    axon = rng_axon.integers(0, density.n_fields, size=density.n_cells)
    rows = density.field_row[axon]
    cells = np.flatnonzero(rows >= 0)
    rows = rows[cells]
    starts = density.indptr[rows]
    lengths = density.indptr[rows + 1] - starts
    total = int(lengths.sum())
    offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    entry = np.repeat(starts, lengths) + offsets
    k = rng_count.poisson(density.rho[entry])
    hit = k > 0
    return (
        np.repeat(cells, lengths)[hit],
        density.key[entry][hit],
        k[hit].astype(np.int64),
    )


def select_points(
    targets: CellTargets,
    key: NDArray[np.int64],
    k: NDArray[np.int64],
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Step 3 for a list of events (structure·voxel ``key``, count ``k``): ``(event, point)`` of every
    synapse, ordered by event then selection order."""
    indptr, candidates = targets.candidates_indptr, targets.candidates
    m = indptr[key + 1] - indptr[key]
    if np.any(m == 0):
        raise AssertionError(
            "a synapse was drawn in a voxel without points; densities must be 0 there"
        )
    events = np.arange(key.size)
    single = k == 1
    # one synapse: a uniform point (the first element of a random permutation)
    ev_parts = [events[single]]
    pos_parts = [np.zeros(int(single.sum()), np.int64)]
    pt_parts = [candidates[indptr[key[single]] + rng.integers(0, m[single])]]
    multi = np.flatnonzero(~single)
    if multi.size:
        mm, kk = m[multi], k[multi]
        total = int(mm.sum())
        owner = np.repeat(np.arange(multi.size), mm)
        local = np.arange(total) - np.repeat(np.cumsum(mm) - mm, mm)
        order = np.lexsort(
            (rng.random(total), owner)
        )  # a random permutation of each event's points
        rank = np.empty(total, np.int64)
        rank[order] = local
        take = rank < np.repeat(kk, mm)
        ev_parts.append(multi[owner[take]])
        pos_parts.append(rank[take])
        pt_parts.append(candidates[indptr[key[multi[owner[take]]]] + local[take]])
        extra = np.maximum(kk - mm, 0)
        if extra.any():
            owner_x = np.repeat(np.arange(multi.size), extra)
            ev_parts.append(multi[owner_x])
            pos_parts.append(
                mm[owner_x]
                + np.arange(int(extra.sum()))
                - np.repeat(np.cumsum(extra) - extra, extra)
            )
            pt_parts.append(
                candidates[indptr[key[multi[owner_x]]] + rng.integers(0, mm[owner_x])]
            )
    ev, pos, pt = (np.concatenate(p) for p in (ev_parts, pos_parts, pt_parts))
    order = np.lexsort((pos, ev))
    return ev[order], pt[order]


def draw_synapses(
    targets: CellTargets,
    densities: tuple[AxonDensities, ...],
    seed: int,
    sample: int,
    cell_index: int = 0,
) -> list[tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """The draws of sample ``sample``: ``(3D point, presynaptic cell)`` of every synapse, per population."""
    rng_axon, rng_count, rng_point = realisation_generators(seed, sample, cell_index)
    out = []
    for density in densities:
        cell, key, k = assign_and_count(density, rng_axon, rng_count)
        event, point = select_points(targets, key, k, rng_point)
        out.append((point, cell[event].astype(np.int64)))
    return out


def population_synapses(
    targets: CellTargets,
    density: AxonDensities,
    point: NDArray[np.integer],
    presynaptic: NDArray[np.integer],
) -> PopulationSynapses:
    """The synapses of one population from its draws (section, ``x``, structure, path length, ``.con`` IDs)."""
    point_ids = np.asarray(point, dtype=np.int64)
    presynaptic_ids = np.asarray(presynaptic, dtype=np.int64)
    _, cell_id = np.unique(presynaptic_ids, return_inverse=True)
    return PopulationSynapses(
        area=density.area,
        cell_type=density.cell_type,
        n_cells=density.n_cells,
        section_id=targets.point_section[point_ids],
        x=targets.point_x[point_ids],
        point=point_ids,
        structure=targets.point_structure[point_ids],
        soma_distance_um=targets.point_soma_distance_um[point_ids],
        presynaptic_cell=presynaptic_ids,
        cell_id=cell_id.astype(np.int64).reshape(-1),
    )


def sample_realisation(
    targets: CellTargets,
    densities: tuple[AxonDensities, ...],
    seed: int,
    sample: int,
    cell_index: int = 0,
) -> Realisation:
    """Draw sample ``sample`` of the run with ``seed`` (see module docstring)."""
    draws = draw_synapses(targets, densities, seed, sample, cell_index)
    populations = tuple(
        population_synapses(targets, density, point, presynaptic)
        for density, (point, presynaptic) in zip(densities, draws)
    )
    return Realisation(sample=sample, seed=seed, cell_index=cell_index, populations=populations)


def sample_compact(
    targets: CellTargets,
    densities: tuple[AxonDensities, ...],
    seed: int,
    sample: int,
    cell_index: int = 0,
) -> CompactRealisation:
    """The same sample as :func:`sample_realisation`, as draws only (what workers send back)."""
    draws = draw_synapses(targets, densities, seed, sample, cell_index)
    return CompactRealisation.from_draws(sample, seed, cell_index, draws)


def expand_realisation(
    targets: CellTargets,
    densities: tuple[AxonDensities, ...],
    compact: CompactRealisation,
) -> Realisation:
    """The :class:`Realisation` of a :class:`CompactRealisation` (equal to :func:`sample_realisation`'s)."""
    if len(compact.indptr) != len(densities) + 1:
        raise ArgumentValueError(
            f"the compact realisation has {len(compact.indptr) - 1} populations, the set-up {len(densities)}"
        )
    ip = compact.indptr
    populations = tuple(
        population_synapses(
            targets,
            density,
            compact.point[ip[p] : ip[p + 1]],
            compact.presynaptic_cell[ip[p] : ip[p + 1]],
        )
        for p, density in enumerate(densities)
    )
    return Realisation(
        sample=compact.sample,
        seed=compact.seed,
        cell_index=compact.cell_index,
        populations=populations,
    )
