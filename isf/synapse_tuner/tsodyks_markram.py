"""The closed-form Tsodyks–Markram recursion implemented by ``tm_ampa_nmda`` and ``tm_gabaa``.

For events at times ``t_1 < t_2 < …`` (ms), with ``Δ_n = t_n − t_{n−1}`` and, before the
first event, ``u_0 = u0`` (default 0), ``R'_0 = 1`` and ``t_0 = 0`` (the time of
``finitialize``)::

    u_n  = u_{n−1} · exp(−Δ_n / Fac)        (u_n = 0 when Fac = 0: no facilitation)
    u_n  = u_n + Use · (1 − u_n)            utilisation of the available resources
    R_n  = 1 − (1 − R'_{n−1}) · exp(−Δ_n / Dep)   available resources, recovering with Dep
    P_n  = u_n · R_n                        fraction released (probability, if stochastic)
    R'_n = R_n − u_n · R_n                  resources left after event n

The deterministic synapse adds ``weight · initW · P_n`` (nS) to its normalised
difference-of-exponentials conductance at event ``n``, so an isolated event's peak conductance
is exactly ``weight · initW · P_n``. This is the u/R model with facilitation of Fuhrmann et al.
(2002), the same update order as the stochastic ISF synapses of LEGACY_FORMATS §6.4.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from isf.errors import ArgumentValueError


def tm_release(
    times_ms: Sequence[float] | NDArray[np.float64],
    use: float,
    dep_ms: float,
    fac_ms: float,
    u0: float = 0.0,
    t0_ms: float = 0.0,
) -> NDArray[np.float64]:
    """Release fractions ``P_n = u_n R_n`` of events at ``times_ms`` (sorted, ms, ≥ ``t0_ms``).

    ``use`` in [0, 1]; ``dep_ms`` > 0; ``fac_ms`` ≥ 0 (0 = no facilitation).
    """
    times = np.asarray(times_ms, dtype=float)
    if times.ndim != 1 or np.any(np.diff(times) < 0) or (times.size and times[0] < t0_ms):
        raise ArgumentValueError(
            f"times_ms must be a sorted 1-D sequence >= t0_ms = {t0_ms}, got {times!r}", field="times_ms", value=times
        )
    if not 0.0 <= use <= 1.0:
        raise ArgumentValueError(
            f"use = {use!r} is invalid: allowed is a number in [0, 1]",
            field="use",
            value=use,
            allowed="a number in [0, 1]",
        )
    if not dep_ms > 0:
        raise ArgumentValueError(
            f"dep_ms = {dep_ms!r} is invalid: allowed is a number > 0",
            field="dep_ms",
            value=dep_ms,
            allowed="a number > 0",
        )
    if not fac_ms >= 0:
        raise ArgumentValueError(
            f"fac_ms = {fac_ms!r} is invalid: allowed is a number >= 0",
            field="fac_ms",
            value=fac_ms,
            allowed="a number >= 0",
        )
    out = np.empty(times.size)
    u, r_left, t_prev = float(u0), 1.0, float(t0_ms)
    for n, t in enumerate(times.tolist()):
        delta = t - t_prev
        u = u * np.exp(-delta / fac_ms) if fac_ms > 0 else 0.0
        u = u + use * (1.0 - u)
        r = 1.0 - (1.0 - r_left) * np.exp(-delta / dep_ms)
        out[n] = u * r
        r_left = r - u * r
        t_prev = t
    return out


def tm_conductance(
    t_ms: NDArray[np.float64],
    times_ms: Sequence[float] | NDArray[np.float64],
    peak_nS: float,
    use: float,
    dep_ms: float,
    fac_ms: float,
    tau_rise_ms: float,
    tau_decay_ms: float,
) -> NDArray[np.float64]:
    """Closed-form conductance (nS) at ``t_ms`` of a deterministic TM synapse with one
    dual-exponential component: ``g(t) = Σ_n peak_nS · P_n · s(t − t_n)``, where ``s`` is
    ``e^{−t/τd} − e^{−t/τr}`` scaled to peak 1 (``peak_nS`` = weight · initW)."""
    if not (tau_rise_ms > 0 and tau_decay_ms > 0 and tau_rise_ms != tau_decay_ms):
        raise ArgumentValueError(
            f"time constants {tau_rise_ms}, {tau_decay_ms} ms must be positive and different",
            value=(tau_rise_ms, tau_decay_ms),
        )
    t = np.asarray(t_ms, dtype=float)
    times = np.asarray(times_ms, dtype=float)
    tp = tau_rise_ms * tau_decay_ms / (tau_decay_ms - tau_rise_ms) * np.log(tau_decay_ms / tau_rise_ms)
    norm = np.exp(-tp / tau_decay_ms) - np.exp(-tp / tau_rise_ms)
    g = np.zeros_like(t)
    for tn, p in zip(times.tolist(), tm_release(times, use, dep_ms, fac_ms).tolist()):
        s = np.maximum(t - tn, 0.0)
        g += peak_nS * p * (np.exp(-s / tau_decay_ms) - np.exp(-s / tau_rise_ms)) / norm
    return g
