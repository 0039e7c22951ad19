"""Where a postsynaptic cell offers targets: neurite per voxel and its PST density (LEGACY_FORMATS §9.2 steps 2–3).

The cell grid is the lattice of the excitatory PST normalisation field, restricted to the voxels
around the cell's bounding box. For each structure S (soma, apical, basal) and voxel v it holds
the neurite length ``Len_S(v)`` and membrane area ``Area_S(v)`` (segments clipped at voxel
faces, :mod:`isf.embedding.clipping`), the postsynaptic-target density
``PST_c,S(v) = c_{S,LENGTH}·Len_S(v) + c_{S,AREA}·Area_S(v)`` for each presynaptic class c, and the
3D points of label S inside v (where synapses can be placed).

Only the hoc sections ISF's mapper keeps are used (soma, basal and apical dendrites; axon
sections are dropped). Section IDs are the morphology's own (the simulator's), which equal the
mapper's when no axon section precedes a dendrite in the hoc file (LEGACY_FORMATS §1.8).
"""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.embedding.clipping import clip_segments
from isf.errors import ArgumentValueError
from isf.model.density_field import ScalarField
from isf.model.morphology import Morphology
from isf.model.pst import PRESYNAPTIC_CLASSES, STRUCTURES, PSTDensities
from isf.model.soma_distance import geometric_soma_distance

__all__ = ["STRUCTURE_OF_LABEL", "CellTargets", "cell_targets"]

#: Canonical section label → structure index in :data:`~isf.model.pst.STRUCTURES`.
STRUCTURE_OF_LABEL: dict[str, int] = {"soma": 0, "apic": 1, "dend": 2}


@attrs.frozen(eq=False)
class CellTargets:
    """Per-voxel neurite and targets of one postsynaptic cell (computed once per cell).

    Only *active* voxels (holding neurite or 3D points) are kept; arrays indexed by ``v`` run over them.

    Attributes:
        origin_um, spacing_um, shape: the cell grid (a sub-lattice of the PST lattice), µm.
        voxels: grid index (i, j, k) of each active voxel, shape (n, 3).
        centres_um: centre of each active voxel, shape (n, 3), µm.
        length_um: neurite length per structure and voxel, shape (3, n), µm.
        area_um2: membrane area per structure and voxel, shape (3, n), µm².
        pst: PST density per class (EXC, INH), structure and voxel, shape (2, 3, n), targets.
        point_section, point_x, point_structure, point_soma_distance_um: the 3D points of the kept
            sections: section ID, relative position (ISF ``relPts``), structure index, geometric
            path length to the soma (µm).
        candidates_indptr, candidates: points of structure s in voxel v are
            ``candidates[indptr[s·n + v] : indptr[s·n + v + 1]]`` (in section / point order).
        legacy_compatible: whether diameters were used as radii (ISF's ``likeAmira`` quirk).
    """

    origin_um: NDArray[np.float64]
    spacing_um: NDArray[np.float64]
    shape: tuple[int, int, int]
    voxels: NDArray[np.int64]
    centres_um: NDArray[np.float64]
    length_um: NDArray[np.float64]
    area_um2: NDArray[np.float64]
    pst: NDArray[np.float64]
    point_section: NDArray[np.int64]
    point_x: NDArray[np.float64]
    point_structure: NDArray[np.int64]
    point_soma_distance_um: NDArray[np.float64]
    candidates_indptr: NDArray[np.int64]
    candidates: NDArray[np.int64]
    legacy_compatible: bool

    @property
    def n_voxels(self) -> int:
        """Number of active voxels."""
        return int(self.voxels.shape[0])

    @property
    def candidate_counts(self) -> NDArray[np.int64]:
        """Number of 3D points per structure and voxel, shape (3, n)."""
        return np.diff(self.candidates_indptr).reshape(3, self.n_voxels)


def _kept_sections(morphology: Morphology) -> list[int]:
    return [
        i for i, s in enumerate(morphology.sections) if s.label in STRUCTURE_OF_LABEL
    ]


def cell_targets(
    morphology: Morphology,
    pst: dict[str, PSTDensities],
    lattice: ScalarField,
    legacy_compatible: bool = True,
) -> CellTargets:
    """Neurite, membrane and PST density per voxel of ``morphology`` on the lattice of ``lattice``.

    Args:
        morphology: the postsynaptic cell, registered in the density model's reference frame (µm).
        pst: PST constants for ``"EXC"`` and ``"INH"`` of the postsynaptic cell type.
        lattice: a field whose lattice defines the voxels (ISF: the excitatory PST normalisation field).
        legacy_compatible: use the point diameters as radii (ISF's Amira-compatible area, twice the
            true radius). ``False`` uses radius = diameter / 2.
    """
    kept = _kept_sections(morphology)
    if not kept:
        raise ArgumentValueError(
            "the morphology has no soma, basal or apical section to place synapses on"
        )
    spacing = np.array(lattice.spacing_um)
    lattice_origin = lattice.lower_um
    points = np.concatenate([morphology.sections[i].points for i in kept])
    lo = np.floor((points.min(axis=0) - lattice_origin) / spacing).astype(np.int64)
    hi = np.floor((points.max(axis=0) - lattice_origin) / spacing).astype(np.int64)
    origin = lattice_origin + lo * spacing
    extent = hi - lo + 1
    shape = (int(extent[0]), int(extent[1]), int(extent[2]))

    # segments (consecutive points of a section) and 3D points, all kept sections at once
    starts, ends, r0, r1, seg_struct = [], [], [], [], []
    p_section, p_x, p_struct, p_dist = [], [], [], []
    radius_factor = 1.0 if legacy_compatible else 0.5
    for sid in kept:
        section = morphology.sections[sid]
        structure = STRUCTURE_OF_LABEL[section.label]
        radii = section.diameters * radius_factor
        starts.append(section.points[:-1])
        ends.append(section.points[1:])
        r0.append(radii[:-1])
        r1.append(radii[1:])
        seg_struct.append(np.full(section.n_points - 1, structure))
        p_section.append(np.full(section.n_points, sid))
        p_x.append(section.relative_points)
        p_struct.append(np.full(section.n_points, structure))
        if section.parent is None:
            p_dist.append(np.zeros(section.n_points))
        else:
            base = geometric_soma_distance(morphology, sid, 0.0)
            p_dist.append(base + section.relative_points * morphology.lengths[sid])
    pieces = clip_segments(
        np.concatenate(starts),
        np.concatenate(ends),
        np.concatenate(r0),
        np.concatenate(r1),
        origin,
        spacing,
        shape,
    )
    piece_struct = np.concatenate(seg_struct)[pieces.segment]
    point_struct = np.concatenate(p_struct)
    point_voxel_grid = np.clip(
        np.floor((points - origin) / spacing).astype(np.int64), 0, np.array(shape) - 1
    )

    def flat(index: NDArray[np.int64]) -> NDArray[np.int64]:
        return np.asarray(np.ravel_multi_index(index.T, shape), dtype=np.int64)

    piece_flat, point_flat = flat(pieces.voxel), flat(point_voxel_grid)
    active, inverse = np.unique(
        np.concatenate([piece_flat, point_flat]), return_inverse=True
    )
    n = active.size
    piece_v, point_v = inverse[: piece_flat.size], inverse[piece_flat.size :]
    length = np.zeros((3, n))
    area = np.zeros((3, n))
    np.add.at(length, (piece_struct, piece_v), pieces.length_um)
    np.add.at(area, (piece_struct, piece_v), pieces.area_um2)
    density = np.zeros((len(PRESYNAPTIC_CLASSES), 3, n))
    for c, klass in enumerate(PRESYNAPTIC_CLASSES):
        constants = pst[klass].per_structure()
        for s, structure_name in enumerate(STRUCTURES):
            per_length, per_area = constants[structure_name]
            density[c, s] = per_length * length[s] + per_area * area[s]
    voxels = np.stack(np.unravel_index(active, shape), axis=1).astype(np.int64)
    key = point_struct * n + point_v
    order = np.argsort(key, kind="stable")
    indptr = np.zeros(3 * n + 1, dtype=np.int64)
    np.cumsum(np.bincount(key, minlength=3 * n), out=indptr[1:])
    return CellTargets(
        origin_um=origin,
        spacing_um=spacing,
        shape=shape,
        voxels=voxels,
        centres_um=origin + (voxels + 0.5) * spacing,
        length_um=length,
        area_um2=area,
        pst=density,
        point_section=np.concatenate(p_section).astype(np.int64),
        point_x=np.concatenate(p_x),
        point_structure=point_struct.astype(np.int64),
        point_soma_distance_um=np.concatenate(p_dist),
        candidates_indptr=indptr,
        candidates=order.astype(np.int64),
        legacy_compatible=legacy_compatible,
    )
