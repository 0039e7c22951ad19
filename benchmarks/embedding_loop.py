"""Benchmark comparator: the embedding algorithm (LEGACY_FORMATS §9.2) as a straightforward per-point
Python loop, the way ISF's input mapper is written. Not library code.

Same cell grid, voxel order, structure order and random-number streams as :mod:`isf.embedding`
(``realisation_generators``), so the Poisson synapse counts of a sample are the same as the
vectorised code's; points are then chosen with ``Generator.permutation`` per voxel (as ISF), so
synapse *positions* follow the same distribution but not the same draws.

Segments in one voxel are taken whole; the others are clipped with Liang–Barsky against every
voxel of their bounding box of voxels (ISF clips against every voxel of the grid).
"""

from __future__ import annotations

import math

import numpy as np

from isf.embedding.connectome import DenseConnectome
from isf.embedding.sampling import realisation_generators
from isf.embedding.targets import STRUCTURE_OF_LABEL
from isf.model.morphology import Morphology
from isf.model.pst import PRESYNAPTIC_CLASSES, STRUCTURES


def _liang_barsky(
    p0: list[float], p1: list[float], lo: list[float], hi: list[float]
) -> tuple[float, float] | None:
    t0, t1 = 0.0, 1.0
    for a in range(3):
        d = p1[a] - p0[a]
        for p, q in ((-d, p0[a] - lo[a]), (d, hi[a] - p0[a])):
            if p == 0.0:
                if q < 0.0:
                    return None
                continue
            r = q / p
            if p < 0.0:
                if r > t1:
                    return None
                t0 = max(t0, r)
            else:
                if r < t0:
                    return None
                t1 = min(t1, r)
    return (t0, t1) if t1 > t0 else None


def _cone(h: float, ra: float, rb: float) -> float:
    return math.pi * (ra + rb) * math.sqrt(h * h + (rb - ra) ** 2)


class LoopEmbedder:
    """Per-cell set-up (grid, neurite per voxel, densities) and per-sample loops, all in Python."""

    def __init__(
        self,
        morphology: Morphology,
        cell_type: str,
        connectome: DenseConnectome,
        legacy_compatible: bool = True,
    ) -> None:
        lattice = connectome.normalisation["EXC"]
        s = list(lattice.spacing_um)
        lat0 = list(lattice.origin_um)
        kept = [
            i
            for i, sec in enumerate(morphology.sections)
            if sec.label in STRUCTURE_OF_LABEL
        ]
        lo_pt = [
            min(float(morphology.sections[i].points[:, a].min()) for i in kept)
            for a in range(3)
        ]
        hi_pt = [
            max(float(morphology.sections[i].points[:, a].max()) for i in kept)
            for a in range(3)
        ]
        lo_idx = [math.floor((lo_pt[a] - lat0[a]) / s[a]) for a in range(3)]
        hi_idx = [math.floor((hi_pt[a] - lat0[a]) / s[a]) for a in range(3)]
        self.origin = [lat0[a] + lo_idx[a] * s[a] for a in range(3)]
        self.shape = [hi_idx[a] - lo_idx[a] + 1 for a in range(3)]
        self.spacing = s

        def voxel_of(p: list[float]) -> tuple[int, int, int]:
            return tuple(
                min(
                    max(math.floor((p[a] - self.origin[a]) / s[a]), 0),
                    self.shape[a] - 1,
                )
                for a in range(3)
            )  # type: ignore[return-value]

        factor = 1.0 if legacy_compatible else 0.5
        length: dict[tuple[int, tuple[int, int, int]], float] = {}
        area: dict[tuple[int, tuple[int, int, int]], float] = {}
        points: dict[
            tuple[int, tuple[int, int, int]], list[tuple[int, float, float]]
        ] = {}
        for sid in kept:
            sec = morphology.sections[sid]
            st = STRUCTURE_OF_LABEL[sec.label]
            pts = sec.points.tolist()
            diam = sec.diameters.tolist()
            rel = sec.relative_points.tolist()
            if sec.parent is None:
                dist = [0.0] * len(pts)
            else:
                child, total = sid, 0.0
                parent = sec.parent
                while (
                    parent is not None
                    and morphology.sections[parent].parent is not None
                ):
                    total += (
                        morphology.lengths[parent] * morphology.sections[child].parent_x
                    )
                    child, parent = parent, morphology.sections[parent].parent
                dist = [total + r * morphology.lengths[sid] for r in rel]
            for j, p in enumerate(pts):
                points.setdefault((st, voxel_of(p)), []).append((sid, rel[j], dist[j]))
            for j in range(len(pts) - 1):
                p0, p1 = pts[j], pts[j + 1]
                r0, r1 = diam[j] * factor, diam[j + 1] * factor
                seg_len = math.dist(p0, p1)
                v0, v1 = voxel_of(p0), voxel_of(p1)
                if v0 == v1:
                    length[(st, v0)] = length.get((st, v0), 0.0) + seg_len
                    area[(st, v0)] = area.get((st, v0), 0.0) + _cone(seg_len, r0, r1)
                    continue
                for i in range(min(v0[0], v1[0]), max(v0[0], v1[0]) + 1):
                    for k in range(min(v0[1], v1[1]), max(v0[1], v1[1]) + 1):
                        for m in range(min(v0[2], v1[2]), max(v0[2], v1[2]) + 1):
                            lo = [
                                self.origin[0] + i * s[0],
                                self.origin[1] + k * s[1],
                                self.origin[2] + m * s[2],
                            ]
                            hi = [lo[a] + s[a] for a in range(3)]
                            clip = _liang_barsky(p0, p1, lo, hi)
                            if clip is None:
                                continue
                            ta, tb = clip
                            h = seg_len * (tb - ta)
                            ra, rb = r0 + ta * (r1 - r0), r0 + tb * (r1 - r0)
                            key = (st, (i, k, m))
                            length[key] = length.get(key, 0.0) + h
                            area[key] = area.get(key, 0.0) + _cone(h, ra, rb)
        voxels = sorted(
            {v for _, v in length} | {v for _, v in points},
            key=lambda v: (v[0] * self.shape[1] + v[1]) * self.shape[2] + v[2],
        )
        self.voxels = voxels
        self.points = points
        pst = connectome.pst(cell_type)
        self.pst: dict[tuple[str, int, tuple[int, int, int]], float] = {}
        for klass in PRESYNAPTIC_CLASSES:
            constants = pst[klass].per_structure()
            for st, name in enumerate(STRUCTURES):
                per_length, per_area = constants[name]
                for v in voxels:
                    self.pst[(klass, st, v)] = per_length * length.get(
                        (st, v), 0.0
                    ) + per_area * area.get((st, v), 0.0)
        self.populations = []
        for area_name, per_type in connectome.cell_counts.items():
            for celltype, n_cells in per_type.items():
                fields = connectome.boutons.get((area_name, celltype), ())
                klass = connectome.presynaptic_classes.get(celltype, "EXC")
                norm = connectome.normalisation[klass]
                densities = []
                for field in fields:
                    rho: dict[tuple[int, tuple[int, int, int]], float] = {}
                    for v in voxels:
                        c = np.array(
                            [[self.origin[a] + (v[a] + 0.5) * s[a] for a in range(3)]]
                        )
                        b, nv = float(field.sample(c)[0]), float(norm.sample(c)[0])
                        if math.isnan(b) or math.isnan(nv) or nv <= 0:
                            continue
                        for st in range(3):
                            if (st, v) in points:
                                value = self.pst[(klass, st, v)] * (b / nv)
                                if value > 0:
                                    rho[(st, v)] = value
                    densities.append(rho)
                self.populations.append((area_name, celltype, n_cells, densities))

    def realise(
        self, seed: int, sample: int, cell_index: int = 0
    ) -> dict[str, list[tuple[int, int, float]]]:
        """One sample: population → list of (presynaptic cell, section ID, x) in creation order."""
        rng_axon, rng_count, rng_point = realisation_generators(
            seed, sample, cell_index
        )
        out: dict[str, list[tuple[int, int, float]]] = {}
        for area_name, celltype, n_cells, densities in self.populations:
            synapses: list[tuple[int, int, float]] = []
            if densities and n_cells:
                axon = rng_axon.integers(0, len(densities), size=n_cells)
                for cell in range(n_cells):
                    rho = densities[int(axon[cell])]
                    for st in range(3):
                        for v in self.voxels:
                            lam = rho.get((st, v), 0.0)
                            if lam <= 0:
                                continue
                            k = int(rng_count.poisson(lam))
                            if k == 0:
                                continue
                            candidates = self.points[(st, v)]
                            order = list(rng_point.permutation(len(candidates)))
                            while len(order) < k:
                                order.append(int(rng_point.integers(len(candidates))))
                            for idx in order[:k]:
                                sid, x, _ = candidates[idx]
                                synapses.append((cell, sid, x))
            out[f"{celltype}_{area_name}"] = synapses
        return out
