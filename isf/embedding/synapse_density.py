"""Synapse density of every reconstructed axon on the cell (LEGACY_FORMATS §9.2 step 4).

For an axon of class c with bouton field B, on structure S in voxel v with centre x:
``ρ_S(v) = B(x) · PST_c,S(v) / N_c(x)`` where both fields are defined at x and ``N_c(x) > 0``
(N_c: the class's PST normalisation field), else 0. ρ is the expected number of synapses the
axon makes on S in v. Voxels of S without a 3D point of label S can take no synapse (ISF only
visits voxels holding points), so ρ is 0 there too.

Per (area, cell type) the non-zero ρ of all axons are kept as one sparse table: row r holds
the entries (key = s·n_voxels + v, ρ) of one axon, ``field_row`` maps each axon to its row
(−1 for an axon with no synapse on this cell).
"""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.embedding.connectome import DenseConnectome
from isf.embedding.targets import CellTargets
from isf.model.pst import PRESYNAPTIC_CLASSES

__all__ = ["AxonDensities", "axon_densities"]


@attrs.frozen(eq=False)
class AxonDensities:
    """Synapse densities of the axons of one presynaptic (area, cell type) on one cell.

    Attributes:
        area, cell_type: the presynaptic population (name ``<cell_type>_<area>``).
        n_cells: number of presynaptic cells of the population.
        n_fields: number of reconstructed axons (bouton fields) the cells draw from.
        field_row: row of each axon in the sparse table, −1 if it has no synapse on the cell.
        indptr: row r's entries are ``[indptr[r], indptr[r+1])``.
        key: ``structure · n_voxels + voxel`` of each entry (ascending within a row).
        rho: expected synapses of each entry.
    """

    area: str
    cell_type: str
    n_cells: int
    n_fields: int
    field_row: NDArray[np.int64]
    indptr: NDArray[np.int64]
    key: NDArray[np.int64]
    rho: NDArray[np.float64]

    @property
    def name(self) -> str:
        """Population name ``<cell_type>_<area>``."""
        return f"{self.cell_type}_{self.area}"

    def expected_synapses(self) -> float:
        """Expected number of synapses of the population (cells draw axons uniformly)."""
        if self.n_fields == 0 or self.rho.size == 0:
            return 0.0
        per_row = np.add.reduceat(
            self.rho, self.indptr[:-1]
        )  # every row has >= 1 entry
        used = self.field_row[self.field_row >= 0]
        return self.n_cells * float(per_row[used].sum()) / self.n_fields


def axon_densities(
    targets: CellTargets, connectome: DenseConnectome
) -> tuple[AxonDensities, ...]:
    """Sparse synapse densities of every (area, cell type) of ``connectome`` on the cell, in write order
    (areas in spreadsheet order, cell types in row order); populations without axons are included with
    ``n_fields = 0``."""
    has_points = (targets.candidate_counts > 0).reshape(-1)
    norm: dict[str, NDArray[np.float64]] = {  # presynaptic class → PST normalisation per voxel
        k: connectome.normalisation[k].sample(targets.centres_um)
        for k in PRESYNAPTIC_CLASSES
    }
    out = []
    for area, per_type in connectome.cell_counts.items():
        for cell_type, n_cells in per_type.items():
            fields = connectome.boutons.get((area, cell_type), ())
            rows_key: list[NDArray[np.int64]] = []  # flat voxel-point keys with density > 0, per field
            rows_rho: list[NDArray[np.float64]] = []  # their densities
            field_row = np.full(len(fields), -1, dtype=np.int64)
            if fields:
                klass = connectome.presynaptic_classes[cell_type]
                c = PRESYNAPTIC_CLASSES.index(klass)
                nc = norm[klass]
                for f, field in enumerate(fields):
                    boutons = field.sample(targets.centres_um)
                    ok = np.isfinite(boutons) & np.isfinite(nc) & (nc > 0)
                    if not ok.any():
                        continue
                    scale = np.where(
                        ok, np.nan_to_num(boutons) / np.where(ok, nc, 1.0), 0.0
                    )
                    rho = (targets.pst[c] * scale[None, :]).reshape(-1)
                    rho[~has_points] = 0.0
                    nz = np.flatnonzero(rho > 0)
                    if nz.size == 0:
                        continue
                    field_row[f] = len(rows_key)
                    rows_key.append(nz)
                    rows_rho.append(rho[nz])
            lengths = [k.size for k in rows_key]
            indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
            np.cumsum(lengths, out=indptr[1:])
            out.append(
                AxonDensities(
                    area=area,
                    cell_type=cell_type,
                    n_cells=int(n_cells),
                    n_fields=len(fields),
                    field_row=field_row,
                    indptr=indptr,
                    key=np.concatenate(rows_key).astype(np.int64)
                    if rows_key
                    else np.zeros(0, np.int64),
                    rho=np.concatenate(rows_rho) if rows_rho else np.zeros(0),
                )
            )
    return tuple(out)
