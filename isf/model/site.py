"""Places on a cell where stimuli are injected and variables recorded.

A site resolves to ``(section ID, x)`` on a discretised cell. Recording snaps
to a segment centre; injection uses the exact position.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

import attrs
import numpy as np

from isf.model.soma_distance import segment_centres
from isf.model.trunk import nearest_segment_x, trunk_site
from isf.model.validation import finite, non_negative, non_negative_int, to_float, unit_interval

if TYPE_CHECKING:
    from isf.model.cell import Cell


@attrs.frozen
class Soma:
    """A position on the soma (default its centre)."""

    x: float = attrs.field(default=0.5, converter=to_float, validator=unit_interval)

    def resolve(self, cell: Cell, snap: bool) -> tuple[int, float]:
        """(section ID, x) on ``cell``; ``snap`` moves x to the nearest segment centre."""
        sid = cell.morphology.soma_id
        return sid, nearest_segment_x(self.x, cell.nseg[sid]) if snap else self.x

    @property
    def label(self) -> str:
        """Short name used for recordings."""
        return "soma" if self.x == 0.5 else f"soma_x_{self.x:.3f}"


@attrs.frozen
class SectionSite:
    """A position ``x`` (0–1) on section ``section_id``."""

    section_id: int = attrs.field(validator=non_negative_int)
    x: float = attrs.field(converter=to_float, validator=unit_interval)

    def resolve(self, cell: Cell, snap: bool) -> tuple[int, float]:
        """(section ID, x) on ``cell``; ``snap`` moves x to the nearest segment centre."""
        if self.section_id >= len(cell.morphology.sections):
            raise ValueError(
                f"SectionSite.section_id = {self.section_id} is invalid: the cell has sections "
                f"0..{len(cell.morphology.sections) - 1}"
            )
        return self.section_id, nearest_segment_x(self.x, cell.nseg[self.section_id]) if snap else self.x

    @property
    def label(self) -> str:
        """Short name used for recordings."""
        return f"sec_{self.section_id:03d}_x_{self.x:.3f}"


@attrs.frozen
class ApicalTrunk:
    """The point of the apical trunk at ``distance_um`` from soma(0) (``D_soma0``), located as ISF does."""

    distance_um: float = attrs.field(converter=to_float, validator=non_negative)

    def resolve(self, cell: Cell, snap: bool) -> tuple[int, float]:
        """(section ID, x) on ``cell``; ``snap`` moves x to the nearest segment centre."""
        sid, x = trunk_site(cell.distances, self.distance_um)
        return sid, nearest_segment_x(x, cell.nseg[sid]) if snap else x

    @property
    def label(self) -> str:
        """Short name used for recordings."""
        return f"apical_trunk_{self.distance_um:g}um"


@attrs.frozen
class Landmark:
    """The segment nearest to a 3D point (ISF recording sites from ``.landmarkAscii`` files).

    Attributes:
        x_um, y_um, z_um: coordinates in the morphology's frame, µm.
        name: label prefix (ISF: landmark file name without extension).
        index: landmark number within its file.
    """

    x_um: float = attrs.field(converter=to_float, validator=finite)
    y_um: float = attrs.field(converter=to_float, validator=finite)
    z_um: float = attrs.field(converter=to_float, validator=finite)
    name: str = "landmark"
    index: int = attrs.field(default=0, validator=non_negative_int)

    def resolve(self, cell: Cell, snap: bool = True) -> tuple[int, float]:
        """Nearest 3D point over all sections (first wins), then the segment centre nearest to its
        relative position. Always snaps."""
        target = np.array([self.x_um, self.y_um, self.z_um])
        best, best_sid, best_pt = np.inf, 0, 0
        for sid, section in enumerate(cell.morphology.sections):
            d = np.linalg.norm(section.points - target, axis=1)
            j = int(np.argmin(d))
            if d[j] < best:
                best, best_sid, best_pt = float(d[j]), sid, j
        rel = float(cell.morphology.sections[best_sid].relative_points[best_pt])
        centres = segment_centres(cell.nseg[best_sid])
        return best_sid, float(centres[int(np.argmin(np.abs(centres - rel)))])

    def legacy_label(self, cell: Cell) -> str:
        """ISF's recording label ``<name>_ID_000_sec_038_seg_032_x_0.929_somaDist_920.7``."""
        sid, x = self.resolve(cell)
        seg = int(x * cell.nseg[sid])
        dist = cell.distances.soma0(sid, x)
        return f"{self.name}_ID_{self.index:03d}_sec_{sid:03d}_seg_{seg:03d}_x_{x:.3f}_somaDist_{dist:.1f}"

    @property
    def label(self) -> str:
        """Short name used for recordings."""
        return f"{self.name}_ID_{self.index:03d}"


Site = Union[Soma, SectionSite, ApicalTrunk, Landmark]
