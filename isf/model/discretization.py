"""Spatial discretisation: how many segments (``nseg``) each section gets.

ISF uses a d-lambda rule with its own rounding (LEGACY_FORMATS §1.5): the
length constant at frequency ``f`` from the diameter at the section's middle
3D point, ``nseg = 2·floor((L/(0.1·λ_f) + 0.5)/2) + 1`` (always odd), an
optional cap on the segment length, and a fixed ``nseg`` for sections that
carry one (the generated axon).
"""

from __future__ import annotations

import math

import attrs

from isf.model.validation import optional_positive, positive, to_float, to_optional_float

#: NEURON's default axial resistivity (Ω·cm) and specific capacitance (µF/cm²).
NEURON_DEFAULT_RA = 35.4
NEURON_DEFAULT_CM = 1.0


@attrs.frozen
class Discretization:
    """Parameters of ISF's nseg rule.

    Attributes:
        frequency_hz: frequency of the AC length constant, Hz (ISF ``f``, default 100).
        max_segment_length_um: if set, sections whose segments would be longer
            get ``ceil(L / max)`` segments (may be even), µm.
        d_lambda: fraction of the length constant per segment (ISF uses 0.1).
        all_points: one segment per 3D point (ISF ``allPoints=True``).
    """

    frequency_hz: float = attrs.field(default=100.0, converter=to_float, validator=positive)
    max_segment_length_um: float | None = attrs.field(
        default=None, converter=to_optional_float, validator=optional_positive
    )
    d_lambda: float = attrs.field(default=0.1, converter=to_float, validator=positive)
    all_points: bool = False


def length_constant_um(diameter_um: float, ra_ohm_cm: float, cm_uF_per_cm2: float, frequency_hz: float) -> float:
    """AC length constant λ_f in µm: ``1e5·sqrt(d / (4π·f·Ra·cm))``."""
    return 1e5 * math.sqrt(diameter_um / (4.0 * math.pi * frequency_hz * ra_ohm_cm * cm_uF_per_cm2))


def isf_nseg(
    length_um: float,
    mid_diameter_um: float,
    ra_ohm_cm: float,
    cm_uF_per_cm2: float,
    rule: Discretization = Discretization(),
    n_points: int | None = None,
) -> int:
    """Number of segments of one section under ISF's rule.

    Args:
        length_um: section length ``L``, µm.
        mid_diameter_um: diameter at the middle 3D point, µm.
        ra_ohm_cm: axial resistivity, Ω·cm.
        cm_uF_per_cm2: specific capacitance, µF/cm².
        rule: the discretisation parameters.
        n_points: number of 3D points (needed when ``rule.all_points``).
    """
    if rule.all_points:
        if n_points is None:
            raise ValueError("isf_nseg: n_points is required when rule.all_points is set")
        return max(1, n_points)
    if mid_diameter_um <= 0:
        nseg = 1
    else:
        lam = length_constant_um(mid_diameter_um, ra_ohm_cm, cm_uF_per_cm2, rule.frequency_hz)
        nseg = 2 * int((length_um / (rule.d_lambda * lam) + 0.5) / 2.0) + 1
    if rule.max_segment_length_um is not None and length_um / nseg > rule.max_segment_length_um:
        nseg = math.ceil(length_um / rule.max_segment_length_um)
    return nseg
