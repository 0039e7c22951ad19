"""Cell modifiers: changes ISF applies after biophysics and discretisation (``cell_modify_functions``).

Modifiers act on geometry only: they rescale 3D-point diameters, while
``nseg`` stays as computed from the unscaled morphology (as in ISF).
"""

from __future__ import annotations

from typing import ClassVar, Union

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.soma_distance import SomaDistances
from isf.model.trunk import TUFT_REACH_UM, detailed_labels
from isf.model.validation import one_of, positive, positive_int, to_float


@attrs.frozen
class ScaleApical:
    """Multiply every 3D-point diameter of the apical dendrite (or only its trunk) by ``scale``
    (legacy ``scale_apical``).

    Attributes:
        scale: diameter factor (unitless, > 0).
        compartment: ``"apic"`` for all apical sections, ``"trunk"`` for the trunk only
            (legacy ``ApicalDendrite`` / ``Trunk``).
    """

    legacy_name: ClassVar[str] = "scale_apical"
    scale: float = attrs.field(converter=to_float, validator=positive)
    compartment: str = attrs.field(default="apic", validator=one_of(("apic", "trunk")))

    def diameters(self, distances: SomaDistances) -> dict[int, NDArray[np.float64]]:
        """New diameters of the affected sections, by section ID."""
        morph = distances.morphology
        if self.compartment == "trunk":
            labels = detailed_labels(distances)
            ids = [i for i, lab in enumerate(labels) if lab == "trunk"]
        else:
            ids = list(morph.ids_with_label("apic"))
        return {i: morph.sections[i].diameters * self.scale for i in ids}


@attrs.frozen
class ScaleApicalMorph86:
    """Thicken the proximal apical dendrite of morphology 86 (legacy ``scale_apical_morph_86``):
    in section order, skip apical sections ending beyond 1000 µm (``D_soma0``) and scale the
    diameters of the first ``n_sections`` others by ``scale``."""

    legacy_name: ClassVar[str] = "scale_apical_morph_86"
    scale: float = attrs.field(default=2.5, converter=to_float, validator=positive)
    n_sections: int = attrs.field(default=33, validator=positive_int)

    def diameters(self, distances: SomaDistances) -> dict[int, NDArray[np.float64]]:
        """New diameters of the affected sections, by section ID."""
        morph = distances.morphology
        chosen = [i for i in morph.ids_with_label("apic") if distances.soma0(i, 1.0) <= TUFT_REACH_UM]
        return {i: morph.sections[i].diameters * self.scale for i in chosen[: self.n_sections]}


Modifier = Union[ScaleApical, ScaleApicalMorph86]
#: Every modifier class by its legacy ``cell_modify_functions`` name.
MODIFIERS: dict[str, type] = {cls.legacy_name: cls for cls in (ScaleApical, ScaleApicalMorph86)}
