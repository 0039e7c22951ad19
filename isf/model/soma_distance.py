"""The three "distance to soma" definitions ISF uses (LEGACY_FORMATS §3.6), in µm.

* ``D_soma0`` (:meth:`SomaDistances.soma0`): NEURON path distance from soma(0),
  both ends snapped to nodes (segment centres or section ends). Used for
  recording sites, stimulus sites and the ``linear`` distributions.
* ``D_root`` (:meth:`SomaDistances.root`): NEURON path distance from the 0-end
  of the first section of a label that hangs on the soma — the soma centre,
  soma length excluded. Used by most spatial distributions.
* geometric (:func:`geometric_soma_distance`): ``x·L`` plus the lengths of the
  ancestors up to (not including) the soma, no snapping. Used for synapses.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.morphology import Morphology, canonical_label


def node_x(x: float, nseg: int) -> float:
    """The node NEURON snaps position ``x`` to: 0, 1, or the centre of the segment containing x."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    j = min(int(x * nseg), nseg - 1)
    return (j + 0.5) / nseg


def segment_centres(nseg: int) -> NDArray[np.float64]:
    """Relative positions ``(j + 0.5)/nseg`` of the segment centres."""
    return (np.arange(nseg) + 0.5) / nseg


def geometric_soma_distance(morphology: Morphology, section_id: int, x: float) -> float:
    """Path length from the soma to ``x`` on a section, soma length excluded, no snapping (µm).

    0 on the soma itself.
    """
    sections = morphology.sections
    if sections[section_id].parent is None:
        return 0.0
    total = x * morphology.lengths[section_id]
    child = section_id
    parent = sections[child].parent
    while parent is not None and sections[parent].parent is not None:
        total += morphology.lengths[parent] * sections[child].parent_x
        child = parent
        parent = sections[child].parent
    return float(total)


@attrs.frozen
class SomaDistances:
    """NEURON-style path distances on a discretised morphology.

    Attributes:
        morphology: the cell's morphology.
        nseg: number of segments of every section (section-ID order).
    """

    morphology: Morphology
    nseg: tuple[int, ...] = attrs.field(converter=tuple[int, ...])

    @nseg.validator
    def _check_nseg(self, attribute: attrs.Attribute[tuple[int, ...]], value: tuple[int, ...]) -> None:
        if len(value) != len(self.morphology.sections):
            raise ValueError(
                f"SomaDistances.nseg has {len(value)} entries for {len(self.morphology.sections)} sections"
            )

    @functools.cached_property
    def starts(self) -> NDArray[np.float64]:
        """``D_soma0`` of the 0-end of every section, µm."""
        morph = self.morphology
        out = np.zeros(len(morph.sections))
        for sid in morph.topological_order:
            section = morph.sections[sid]
            if section.parent is None:
                continue
            p = section.parent
            out[sid] = out[p] + node_x(section.parent_x, self.nseg[p]) * morph.lengths[p]
        out.setflags(write=False)
        return out

    def soma0(self, section_id: int, x: float) -> float:
        """``D_soma0``: NEURON distance from soma(0) to the node of ``x`` on a section, µm."""
        return float(self.starts[section_id] + node_x(x, self.nseg[section_id]) * self.morphology.lengths[section_id])

    @functools.cached_property
    def _label_roots(self) -> dict[str, int]:
        morph = self.morphology
        roots = {"soma": morph.soma_id}
        for sid in morph.children[morph.soma_id]:
            roots.setdefault(morph.sections[sid].label, sid)
        return roots

    def label_root(self, label: str) -> int:
        """The origin section of ``D_root`` for a label.

        The soma for ``soma``; otherwise the first section (in section order)
        with that label whose parent is the soma.
        """
        wanted = canonical_label(label)
        if wanted in self._label_roots:
            return self._label_roots[wanted]
        raise ValueError(
            f"no section labelled {wanted!r} hangs on the soma: distances for {wanted!r} have no origin "
            "(ISF measures them from the first such section)"
        )

    def root(self, label: str, section_id: int, x: float) -> float:
        """``D_root``: distance from the 0-end of the label's root section, µm."""
        root = self.label_root(label)
        if self.morphology.sections[root].parent is None:
            return self.soma0(section_id, x)
        return self.soma0(section_id, x) - float(self.starts[root])

    def max_root_distance(self, label: str) -> float:
        """ISF ``max_distance(label)``: ``soma.L`` for the soma, else the largest ``D_root``
        at the far end of a terminal section below the soma children with that label (µm)."""
        morph = self.morphology
        wanted = canonical_label(label)
        if wanted == "soma":
            return float(morph.lengths[morph.soma_id])
        best = -math.inf
        for child in morph.children[morph.soma_id]:
            if morph.sections[child].label != wanted:
                continue
            for sid in morph.subtree(child):
                if not morph.children[sid]:
                    best = max(best, self.root(wanted, sid, 1.0))
        if best == -math.inf:
            raise ValueError(f"no subtree labelled {wanted!r} hangs on the soma")
        return best

    def z_offset(self, section_id: int, x: float) -> float:
        """z of the point at ``x`` (linear interpolation over the 3D points) minus the soma centre's z, µm."""
        section = self.morphology.sections[section_id]
        z = float(np.interp(x, section.relative_points, section.points[:, 2]))
        return z - float(self.morphology.soma_center[2])

    def segment_table(self, section_ids: Sequence[int]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Section ID and centre ``x`` of every segment of the given sections."""
        sids = [np.full(self.nseg[s], s, dtype=np.int64) for s in section_ids]
        xs = [segment_centres(self.nseg[s]) for s in section_ids]
        if not sids:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(sids), np.concatenate(xs)
