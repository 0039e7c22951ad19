"""The axon ISF generates for a cell (Hay et al. 2013): hillock, initial segment, myelin.

Straight down the −z axis from the bottom of the soma (LEGACY_FORMATS §1.6);
each section has one segment per 3D point.
"""

from __future__ import annotations

import numpy as np

from isf.model.morphology import Morphology, Section

#: (hoc name, label, length µm, number of points, diameter at start µm, diameter at end µm)
HAY2013_AXON: tuple[tuple[str, str, float, int, float, float], ...] = (
    ("axon_0", "ais", 20.0, 5, 3.0, 1.75),
    ("axon_0_0", "ais", 30.0, 7, 1.75, 1.0),
    ("axon_0_0_0", "myelin", 1000.0, 21, 1.0, 1.0),
)


def hay2013_axon_sections(morphology: Morphology) -> tuple[Section, ...]:
    """The three generated sections for ``morphology`` (not yet attached).

    The hillock starts at ``soma_centre − soma_radius·ẑ`` where the centre and
    radius are taken at the soma's middle 3D point.
    """
    soma = morphology.sections[morphology.soma_id]
    radius = 0.5 * soma.mid_diameter
    start = np.array(morphology.soma_center, dtype=float) - np.array([0.0, 0.0, radius])
    sections: list[Section] = []
    parent: int = morphology.soma_id
    parent_x = 0.5
    offset = 0.0
    for name, label, length, n_points, d0, d1 in HAY2013_AXON:
        z = offset + np.linspace(0.0, length, n_points)
        points = np.repeat(start[None, :], n_points, axis=0)
        points[:, 2] -= z
        sections.append(
            Section(
                name=name,
                label=label,
                parent=parent,
                parent_x=parent_x,
                points=points,
                diameters=np.linspace(d0, d1, n_points),
                nseg=n_points,
            )
        )
        parent = len(morphology.sections) + len(sections) - 1
        parent_x = 1.0
        offset += length
    return tuple(sections)


def with_hay2013_axon(morphology: Morphology) -> Morphology:
    """``morphology`` with the Hay 2013 axon appended (section IDs after all others)."""
    if any(s.name in {n for n, *_ in HAY2013_AXON} and s.label in {"ais", "myelin"} for s in morphology.sections):
        raise ValueError("with_hay2013_axon: the morphology already has a generated axon")
    return morphology.with_sections(hay2013_axon_sections(morphology))
