"""One anatomical realisation: synapse locations on the cell and the presynaptic cell of each.

The typed counterpart of a ``.syn`` + ``.con`` pair (LEGACY_FORMATS §5.1–5.2): per presynaptic
population, rows = synapse IDs in creation order, each with its section ID, relative position
``x`` (the ``relPts`` of the chosen 3D point), structure and the presynaptic cell that made it.

:class:`CompactRealisation` is the same draw in two small integer arrays (3D point and presynaptic
cell of every synapse, populations concatenated): what worker processes send back; the rest
(section, ``x``, structure, path length, ``.con`` IDs) follows from the cell's targets
(:func:`~isf.embedding.sampling.expand_realisation`).
"""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.synapse import Connectivity

__all__ = ["CompactRealisation", "PopulationSynapses", "Realisation"]


@attrs.frozen(eq=False)
class PopulationSynapses:
    """Synapses of one presynaptic population in one realisation (row = synapse ID).

    Attributes:
        area, cell_type: the population (name ``<cell_type>_<area>``).
        n_cells: number of presynaptic cells of the population (connected or not).
        section_id: section of each synapse.
        x: relative position (0–1) along the section.
        point: index of the 3D point in :class:`~isf.embedding.targets.CellTargets` point arrays.
        structure: 0 soma, 1 apical, 2 basal (:data:`~isf.model.pst.STRUCTURES`).
        soma_distance_um: geometric path length to the soma, µm.
        presynaptic_cell: index (0 … n_cells − 1) of the presynaptic cell that made the synapse.
        cell_id: ``.con`` cell ID: rank of that cell among the population's connected cells.
    """

    area: str
    cell_type: str
    n_cells: int
    section_id: NDArray[np.int64]
    x: NDArray[np.float64]
    point: NDArray[np.int64]
    structure: NDArray[np.int64]
    soma_distance_um: NDArray[np.float64]
    presynaptic_cell: NDArray[np.int64]
    cell_id: NDArray[np.int64]

    @property
    def name(self) -> str:
        """``<cell_type>_<area>``."""
        return f"{self.cell_type}_{self.area}"

    def __len__(self) -> int:
        return int(self.section_id.shape[0])

    @property
    def n_connected(self) -> int:
        """Number of presynaptic cells with at least one synapse."""
        return int(self.cell_id.max()) + 1 if len(self) else 0

    def connectivity(self) -> Connectivity:
        """The ``.con`` rows: one per synapse, in synapse order."""
        return Connectivity(self.cell_id, np.arange(len(self), dtype=np.int64))


@attrs.frozen(eq=False)
class Realisation:
    """All synapses of one sample.

    Attributes:
        sample: index of the sample in its run.
        seed: the run seed; the sample drew from ``SeedSequence(seed, spawn_key=(cell_index, sample))``.
        cell_index: index of the postsynaptic cell in its run (0 for a single cell).
        populations: every population of the model in write order (areas, then cell types), with
            or without synapses.
    """

    sample: int
    seed: int
    cell_index: int
    populations: tuple[PopulationSynapses, ...]

    @property
    def n_synapses(self) -> int:
        """Total number of synapses."""
        return sum(len(p) for p in self.populations)

    def syn_populations(
        self,
    ) -> dict[str, tuple[NDArray[np.int64], NDArray[np.float64]]]:
        """``.syn`` content: population → (section IDs, x), populations with synapses only."""
        return {p.name: (p.section_id, p.x) for p in self.populations if len(p)}

    def connectivity(self) -> dict[str, Connectivity]:
        """``.con`` content: population → rows, populations with synapses only."""
        return {p.name: p.connectivity() for p in self.populations if len(p)}

    def connected_cells(self) -> dict[str, dict[str, int]]:
        """``NumberOfConnectedCells.csv`` content: ``{cell type: {area: connected cells}}``."""
        out: dict[str, dict[str, int]] = {}
        for p in self.populations:
            if len(p):
                out.setdefault(p.cell_type, {})[p.area] = p.n_connected
        return out

    def synapses_per_cell_type(self) -> dict[str, int]:
        """Total synapses of each presynaptic cell type (over areas)."""
        out: dict[str, int] = {}
        for p in self.populations:
            out[p.cell_type] = out.get(p.cell_type, 0) + len(p)
        return out


def _small_int(values: NDArray[np.integer]) -> NDArray[np.integer]:
    """``values`` as int32 when they fit (they always do for real cells), else int64."""
    if values.size and (values.min() < np.iinfo(np.int32).min or values.max() > np.iinfo(np.int32).max):
        return values.astype(np.int64)
    return values.astype(np.int32)


@attrs.frozen(eq=False)
class CompactRealisation:
    """One sample as the draws alone, populations concatenated (≈ 8 bytes per synapse).

    Attributes:
        sample, seed, cell_index: as :class:`Realisation`.
        indptr: synapses of population ``p`` (write order) are rows ``indptr[p]:indptr[p + 1]``.
        point: 3D point of every synapse (index into the :class:`~isf.embedding.targets.CellTargets` point arrays).
        presynaptic_cell: presynaptic cell (within its population) of every synapse.
    """

    sample: int
    seed: int
    cell_index: int
    indptr: NDArray[np.int64]
    point: NDArray[np.integer]
    presynaptic_cell: NDArray[np.integer]

    @classmethod
    def from_draws(
        cls,
        sample: int,
        seed: int,
        cell_index: int,
        draws: list[tuple[NDArray[np.int64], NDArray[np.int64]]],
    ) -> CompactRealisation:
        """From ``(point, presynaptic cell)`` arrays of every population, in write order."""
        sizes = np.array([len(point) for point, _ in draws], dtype=np.int64)
        indptr = np.concatenate([np.zeros(1, np.int64), np.cumsum(sizes)])
        def cat(i: int) -> NDArray[np.int64]:
            return np.concatenate([d[i] for d in draws]) if draws else np.zeros(0, np.int64)
        return cls(sample, seed, cell_index, indptr, _small_int(cat(0)), _small_int(cat(1)))

    @property
    def n_synapses(self) -> int:
        """Total number of synapses."""
        return int(self.indptr[-1])

    def population_counts(self) -> NDArray[np.int64]:
        """Synapses of every population, in write order."""
        return np.diff(self.indptr)
