"""The apical trunk: locating a point at a soma distance, and detailed labels (LEGACY_FORMATS §8.2).

ISF calls an apical section *trunk-connected* if its far end lies more than
1000 µm (``D_soma0``) from the soma, or if one of its apical children is
trunk-connected. A site at distance ``d`` lies on the trunk-connected section
whose far end is the nearest one beyond ``d``.
"""

from __future__ import annotations

import functools

import numpy as np

from isf.model.soma_distance import SomaDistances, segment_centres

#: Far-end distance (µm, ``D_soma0``) beyond which an apical section reaches the tuft.
TUFT_REACH_UM = 1000.0


def _reaching(distances: SomaDistances, min_children: int) -> tuple[int, ...]:
    """Apical sections that end beyond :data:`TUFT_REACH_UM` or have ``min_children`` apical
    children that qualify by the same rule (section order)."""
    morph = distances.morphology

    @functools.cache
    def qualifies(sid: int) -> bool:
        if morph.sections[sid].label != "apic":
            return False
        if distances.soma0(sid, 1.0) > TUFT_REACH_UM:
            return True
        return sum(qualifies(child) for child in morph.children[sid]) >= min_children

    return tuple(sid for sid in range(len(morph.sections)) if qualifies(sid))


def trunk_connected(distances: SomaDistances) -> tuple[int, ...]:
    """Section IDs of the trunk-connected apical sections, in section order."""
    return _reaching(distances, 1)


def trunk_site(distances: SomaDistances, distance_um: float) -> tuple[int, float]:
    """Section ID and exact ``x`` of the apical trunk point at ``distance_um`` (``D_soma0``, µm).

    Raises:
        ValueError: no trunk-connected section reaches beyond ``distance_um``, or ``distance_um``
            lies before the start of the apical trunk (within the soma).
    """
    by_end: dict[float, int] = {}
    for sid in trunk_connected(distances):
        # ISF keys candidates by end distance; a later equal key overwrites an earlier one.
        by_end[distances.soma0(sid, 1.0)] = sid
    beyond = [end for end in by_end if end > distance_um]
    if not beyond:
        reach = max(by_end, default=0.0)
        raise ValueError(
            f"no apical trunk section reaches beyond {distance_um} µm from the soma (farthest: {reach:.1f} µm)"
        )
    sid = by_end[min(beyond)]
    length = float(distances.morphology.lengths[sid])
    start = float(distances.starts[sid])
    if distance_um < start:
        raise ValueError(
            f"{distance_um} µm from soma(0) lies before the apical trunk, which starts at {start:.1f} µm "
            f"(section {sid})"
        )
    x = (distance_um - start) / length
    return sid, x


def nearest_segment_x(x: float, nseg: int) -> float:
    """Centre of the segment whose centre is closest to ``x`` (first wins on ties)."""
    centres = segment_centres(nseg)
    return float(centres[int(np.argmin(np.abs(centres - x)))])


def main_bifurcation(distances: SomaDistances) -> int:
    """ISF ``get_main_bifurcation_section``: the first apical section (section order) that ends beyond
    1000 µm or has at least two children qualifying by the same rule."""
    candidates = _reaching(distances, 2)
    if not candidates:
        raise ValueError("the morphology has no apical section reaching the tuft (no main bifurcation)")
    return candidates[0]


def detailed_labels(distances: SomaDistances) -> tuple[str, ...]:
    """ISF detailed labels per section: ``trunk`` (main bifurcation up to the soma), ``tuft`` (below it),
    ``oblique`` (other apical), ``basal`` (dendrites); other sections keep their label."""
    morph = distances.morphology
    labels = ["basal" if s.label == "dend" else s.label for s in morph.sections]
    for sid, section in enumerate(morph.sections):
        if section.label == "apic":
            labels[sid] = "oblique"
    bifurcation = main_bifurcation(distances)
    for sid in morph.subtree(bifurcation):
        if morph.sections[sid].label == "apic":
            labels[sid] = "tuft"
    node: int | None = bifurcation
    while node is not None and morph.sections[node].label == "apic":
        labels[node] = "trunk"
        node = morph.sections[node].parent
    return tuple(labels)
