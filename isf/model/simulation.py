"""Run settings of a simulation."""

from __future__ import annotations

import attrs

from isf.model.validation import finite, non_negative, optional_positive, positive, to_float, to_optional_float


@attrs.frozen
class Simulation:
    """How long and how to integrate.

    The run follows ISF: ``finitialize(v_init)``, then ``fadvance`` while
    ``t < tstop`` with ``tstop`` rounded to 6 significant digits (``%g``), so
    the last sample may lie one step beyond ``tstop_ms``.

    Attributes:
        tstop_ms: run length, ms.
        dt_ms: fixed time step (and CVode's initial step), ms.
        v_init_mV: initial membrane potential, mV.
        celsius_degC: temperature, °C (L5PT channels fix their Q10 at 34 °C; only Nernst
            potentials follow it).
        cvode: variable time step (CVode) instead of fixed ``dt``.
        cvode_atol: CVode absolute tolerance (``None`` = NEURON default 1e-3).
        t_start_ms: kept for legacy files (ISF ignores it; so does isf).
    """

    tstop_ms: float = attrs.field(converter=to_float, validator=positive)
    dt_ms: float = attrs.field(default=0.025, converter=to_float, validator=positive)
    v_init_mV: float = attrs.field(default=-75.0, converter=to_float, validator=finite)
    celsius_degC: float = attrs.field(default=34.0, converter=to_float, validator=finite)
    cvode: bool = False
    cvode_atol: float | None = attrs.field(default=None, converter=to_optional_float, validator=optional_positive)
    t_start_ms: float = attrs.field(default=0.0, converter=to_float, validator=non_negative)
