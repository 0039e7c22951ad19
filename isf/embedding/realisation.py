"""One anatomical realisation: synapse locations on the cell and the presynaptic cell of each.

The typed counterpart of a ``.syn`` + ``.con`` pair (LEGACY_FORMATS §5.1–5.2): per presynaptic
population, rows = synapse IDs in creation order, each with its section ID, relative position
``x`` (the ``relPts`` of the chosen 3D point), structure and the presynaptic cell that made it.
"""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.synapse import Connectivity

__all__ = ["PopulationSynapses", "Realisation"]


@attrs.frozen(eq=False)
class PopulationSynapses:
    """Synapses of one presynaptic population in one realisation (row = synapse ID).

    Attributes:
        area, cell_type: the population (name ``<cell_type>_<area>``).
        n_cells: number of presynaptic cells of the population (connected or not).
        section_id: section of each synapse.
        x: relative position (0–1) along the section.
        point: index of the 3D point in :class:`~isf.embedding.targets.CellTargets` point arrays.
        structure: 0 soma, 1 apical, 2 basal (:data:`~isf.embedding.pst.STRUCTURES`).
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
