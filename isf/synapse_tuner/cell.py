"""The built-in postsynaptic cell: one passive compartment."""

from __future__ import annotations

import numpy as np

from isf.model.cell import Cell
from isf.model.mechanism import Mechanism
from isf.model.morphology import Morphology, Section
from isf.model.region import Region


def simple_cell(
    diameter_um: float = 20.0,
    g_pas_S_per_cm2: float = 1e-4,
    e_pas_mV: float = -70.0,
    cm_uF_per_cm2: float = 1.0,
) -> Cell:
    """A single passive soma: a cylinder ``diameter_um`` long and wide (one segment), ``pas`` with
    conductance ``g_pas_S_per_cm2`` and reversal ``e_pas_mV``, capacitance ``cm_uF_per_cm2``
    (defaults: 20 µm, 1e-4 S/cm² → input resistance ≈ 796 MΩ, τ = 10 ms)."""
    soma = Section(
        name="soma",
        label="soma",
        parent=None,
        parent_x=0.0,
        points=np.array([[0.0, 0.0, 0.0], [diameter_um, 0.0, 0.0]]),
        diameters=np.array([diameter_um, diameter_um]),
        nseg=1,
    )
    region = Region(
        ra_ohm_cm=100.0,
        cm_uF_per_cm2=cm_uF_per_cm2,
        mechanisms=(Mechanism("pas", {"g": g_pas_S_per_cm2, "e": e_pas_mV}),),
    )
    return Cell(Morphology((soma,)), regions={"soma": region}, name="simple passive soma")
