"""Tests of the synapse mechanisms ``glutamate_syn``, ``gaba_syn`` and the ``VecStim`` spike source.

The mechanisms (``mechanisms/glutamate_syn.mod``, ``gaba_syn.mod``, ``VecStim.mod``) are checked
against the equations of LEGACY_FORMATS.md §6.1, §6.2 and §6.5, re-implemented here with numpy:

* a single event gives a difference-of-exponentials conductance peaking at the weight;
* the NMDA conductance is Mg-blocked as (A - B)/(1 + n·exp(-gama·v)), currents are 1e-3·g·(v - e);
* depression (d ← d·decay, relaxing to 1) and facilitation (f ← f + facil, relaxing to 1) scale
  each event by d·f at its arrival;
* VecStim emits one event per played time, with NEURON's event timing under the fixed step and CVode.

The full mechanism set is compiled once (default isf cache) and loaded into this process.
"""

from __future__ import annotations

import gc
import math
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

neuron = pytest.importorskip("neuron")
from neuron import h  # noqa: E402

from isf.backends.neuron.mechanisms import load_mechanisms  # noqa: E402

h.load_file("stdrun.hoc")

DT = 0.025

GLUTAMATE_DEFAULTS = {
    "tau1": 50.0,
    "tau2": 2.0,
    "tau3": 2.0,
    "tau4": 0.1,
    "e": 0.0,
    "decayampa": 0.5,
    "decaynmda": 0.5,
    "taudampa": 200.0,
    "taudnmda": 200.0,
    "facilampa": 0.0,
    "facilnmda": 0.0,
    "taufampa": 200.0,
    "taufnmda": 200.0,
}
GABA_DEFAULTS = {
    "e": -60.0,
    "risetime": 1.0,
    "decaytime": 20.0,
    "decaygaba": 0.8,
    "taudgaba": 200.0,
    "facilgaba": 0.0,
    "taufgaba": 200.0,
}


# --------------------------------------------------------------------------- spec formulas


def peak_time(tdecay: float, trise: float) -> float:
    return tdecay * trise / (tdecay - trise) * math.log(tdecay / trise)


def peak_factor(tdecay: float, trise: float) -> float:
    """k = 1/(exp(-t_p/tdecay) - exp(-t_p/trise)): scales a difference of exponentials to peak 1."""
    tp = peak_time(tdecay, trise)
    return 1.0 / (math.exp(-tp / tdecay) - math.exp(-tp / trise))


def unit_dexp(s: np.ndarray, tdecay: float, trise: float) -> np.ndarray:
    """Difference of exponentials starting at s = 0 and peaking at 1 (0 for s < 0)."""
    s = np.asarray(s, dtype=float)
    k = peak_factor(tdecay, trise)
    pos = np.maximum(s, 0.0)
    return np.where(s >= 0, k * (np.exp(-pos / tdecay) - np.exp(-pos / trise)), 0.0)


def mg_block(v: np.ndarray, n: float = 0.25, gama: float = 0.08) -> np.ndarray:
    return 1.0 / (1.0 + n * np.exp(-gama * np.asarray(v)))


def plastic_amplitudes(
    times: Sequence[float], decay: float, taud: float, facil: float, tauf: float
) -> tuple[list[float], float, float]:
    """Scale factor d·f of each event, and d, f just after the last event.

    Between events d and f relax to 1: x(t) = 1 - (1 - x0)·exp(-Δt/τ) (exact solution of the ODE).
    """
    d = f = 1.0
    last = None
    scale = []
    for t in times:
        if last is not None:
            d = 1.0 - (1.0 - d) * math.exp(-(t - last) / taud)
            f = 1.0 - (1.0 - f) * math.exp(-(t - last) / tauf)
        scale.append(d * f)
        d *= decay
        f += facil
        last = t
    return scale, d, f


def relax(x0: float, s: np.ndarray, tau: float) -> np.ndarray:
    return 1.0 - (1.0 - x0) * np.exp(-np.asarray(s) / tau)


# --------------------------------------------------------------------------- fixtures / helpers


@pytest.fixture(scope="module", autouse=True)
def loaded() -> Path:
    """Path of the compiled library (full mechanism set, default isf cache)."""
    return load_mechanisms()


@pytest.fixture(autouse=True)
def restore_integrator() -> Iterator[None]:
    old_dt = h.dt
    yield
    h.cvode_active(0)
    h.dt = old_dt


def _compartment(name: str, *, clamp_at: float | None = None) -> tuple[object, object, object]:
    """A passive single compartment, optionally voltage clamped (SEClamp)."""
    sec = h.Section(name=name)
    sec.L = sec.diam = 10.0
    sec.nseg = 1
    sec.insert("pas")
    sec.g_pas, sec.e_pas = 1e-4, -70.0
    clamp = None
    if clamp_at is not None:
        clamp = h.SEClamp(sec(0.5))
        clamp.rs = 1e-3
        clamp.dur1, clamp.amp1 = 1e9, clamp_at
    return sec, sec(0.5), clamp


def _source(times: Sequence[float]) -> tuple[object, object]:
    vs = h.VecStim()
    vec = h.Vector(list(times))
    vs.play(vec)
    return vs, vec


def _connect(source: object, target: object, weights: Sequence[float], delay: float = 0.0) -> object:
    nc = h.NetCon(source, target)
    for k, w in enumerate(weights):
        nc.weight[k] = w
    nc.delay = delay  # NEURON's default would be 1 ms
    return nc


def _run(tstop: float, v_init: float, *, cvode: bool) -> None:
    h.cvode_active(1 if cvode else 0)
    if cvode:
        h.CVode().atol(1e-10)
        h.CVode().rtol(1e-9)
    h.dt = DT
    h.finitialize(v_init)
    h.continuerun(tstop)


def _record(refs: dict[str, object], times: np.ndarray | None = None) -> dict[str, object]:
    """Vectors recording each pointer (at `times` if given, else at every step) plus t."""
    if times is None:
        out = {name: h.Vector().record(ref) for name, ref in refs.items()}
        out["t"] = h.Vector().record(h._ref_t)
    else:
        tvec = h.Vector(times)
        out = {name: h.Vector().record(ref, tvec) for name, ref in refs.items()}
        out["t"] = tvec
    return out


def _arrays(rec: dict[str, object]) -> dict[str, np.ndarray]:
    return {name: np.array(vec) for name, vec in rec.items()}


def _names(mechanism: str, vartype: int) -> list[str]:
    ms = h.MechanismStandard(mechanism, vartype)
    ref = h.ref("")
    names = []
    for i in range(int(ms.count())):
        ms.name(ref, i)
        names.append(str(ref[0]))
    return names


def _fixed_step_onset(t: np.ndarray, te: float) -> float:
    """Step boundary at which NEURON's fixed step applies an event of time te:
    the first t_k with te <= t_k + dt/2, i.e. the nearest boundary."""
    return float(t[np.nonzero(te <= t + DT / 2)[0][0]])


# --------------------------------------------------------------------------- interface


def test_spec_formulas_peak_at_one() -> None:
    """Sanity check of the test's own normalisation: the peak of unit_dexp is 1 at peak_time."""
    for tdecay, trise in ((2.0, 0.1), (50.0, 2.0), (20.0, 1.0), (0.5, 3.0)):
        s = np.linspace(0, 10 * max(tdecay, trise), 400001)
        u = unit_dexp(s, tdecay, trise)
        assert u.max() == pytest.approx(1.0, abs=1e-8)
        assert s[np.argmax(u)] == pytest.approx(peak_time(tdecay, trise), abs=1e-3)


def test_glutamate_interface_and_defaults() -> None:
    assert _names("glutamate_syn", 1) == list(GLUTAMATE_DEFAULTS)
    assert _names("glutamate_syn", 2) == ["iampa", "inmda", "g_ampa", "g_nmda", "factor_ampa", "factor_nmda"]
    assert _names("glutamate_syn", 3) == ["A", "B", "C", "D", "dampa", "dnmda", "fampa", "fnmda"]
    assert _names("glutamate_syn", -1) == ["n_glutamate_syn", "gama_glutamate_syn"]
    assert (h.n_glutamate_syn, h.gama_glutamate_syn) == (0.25, 0.08)
    sec, seg, _ = _compartment("glu_defaults")
    syn = h.glutamate_syn(seg)
    assert {name: getattr(syn, name) for name in GLUTAMATE_DEFAULTS} == GLUTAMATE_DEFAULTS
    h.finitialize(-70.0)
    assert (syn.A, syn.B, syn.C, syn.D) == (0.0, 0.0, 0.0, 0.0)
    assert (syn.dampa, syn.dnmda, syn.fampa, syn.fnmda) == (1.0, 1.0, 1.0, 1.0)
    assert syn.factor_nmda == pytest.approx(peak_factor(50.0, 2.0))
    assert syn.factor_ampa == pytest.approx(peak_factor(2.0, 0.1))
    assert (syn.iampa, syn.inmda, syn.g_ampa, syn.g_nmda) == (0.0, 0.0, 0.0, 0.0)


def test_gaba_interface_and_defaults() -> None:
    assert _names("gaba_syn", 1) == list(GABA_DEFAULTS)
    assert _names("gaba_syn", 2) == ["i", "g", "factor"]
    assert _names("gaba_syn", 3) == ["R", "D", "dgaba", "fgaba"]
    assert _names("gaba_syn", -1) == []
    sec, seg, _ = _compartment("gaba_defaults")
    syn = h.gaba_syn(seg)
    assert {name: getattr(syn, name) for name in GABA_DEFAULTS} == GABA_DEFAULTS
    h.finitialize(-70.0)
    assert (syn.R, syn.D, syn.dgaba, syn.fgaba, syn.g, syn.i) == (0.0, 0.0, 1.0, 1.0, 0.0, 0.0)
    assert syn.factor == pytest.approx(peak_factor(20.0, 1.0))


def test_vecstim_interface() -> None:
    assert _names("VecStim", 1) == []
    assert _names("VecStim", 2) == ["index", "etime"]
    assert h.VecStim().has_loc() == 0  # an artificial cell, in no section


def test_nmda_weight_survives_finitialize() -> None:
    """NEURON zeroes NetCon weights after the first unless NET_RECEIVE has an INITIAL block."""
    sec, seg, _ = _compartment("glu_weights")
    syn = h.glutamate_syn(seg)
    vs, _ = _source([1.0])
    nc = _connect(vs, syn, [0.7, 1.3])
    assert nc.wcnt() == 2
    h.finitialize(-70.0)
    assert (nc.weight[0], nc.weight[1]) == (0.7, 1.3)


@pytest.mark.parametrize("mechanism", ["glutamate_syn", "gaba_syn"])
@pytest.mark.parametrize(
    "taus", [(5.0, 5.0), (0.0, 1.0), (3.0, -1.0)], ids=["equal", "zero", "negative"]
)
def test_invalid_time_constants_raise(mechanism: str, taus: tuple[float, float]) -> None:
    sec, seg, _ = _compartment(f"bad_{mechanism}")
    syn = getattr(h, mechanism)(seg)
    names = ("tau3", "tau4") if mechanism == "glutamate_syn" else ("decaytime", "risetime")
    setattr(syn, names[0], taus[0])
    setattr(syn, names[1], taus[1])
    with pytest.raises(RuntimeError, match="must be positive and different"):
        h.finitialize(-70.0)
    setattr(syn, names[0], 7.0)
    setattr(syn, names[1], 0.7)
    h.finitialize(-70.0)  # usable again once fixed
    factor = syn.factor_ampa if mechanism == "glutamate_syn" else syn.factor
    assert factor == pytest.approx(peak_factor(7.0, 0.7))


# --------------------------------------------------------------------------- glutamate_syn: AMPA


def test_ampa_single_event_fixed_step() -> None:
    sec, seg, _ = _compartment("ampa_fixed")
    syn = h.glutamate_syn(seg)
    t_event, w = 1.0, 0.8  # on a step boundary
    vs, _ = _source([t_event])
    nc = _connect(vs, syn, [w, 0.0])
    rec = _record({n: getattr(syn, f"_ref_{n}") for n in ("C", "D", "A", "B", "g_ampa", "iampa", "inmda")})
    rec["v"] = h.Vector().record(seg._ref_v)
    _run(15.0, -70.0, cvode=False)
    r = _arrays(rec)
    t = r["t"]
    # states are integrated exactly (cnexp) from the step at which the event arrives
    s = t - t_event
    decay, rise = syn.factor_ampa * w * np.exp(-s / 2.0), syn.factor_ampa * w * np.exp(-s / 0.1)
    after = s > DT / 2
    assert np.allclose(r["C"][after], decay[after], rtol=1e-10, atol=0)
    assert np.allclose(r["D"][after], rise[after], rtol=1e-10, atol=1e-15)
    assert np.all(r["C"][~after] == 0.0) and np.all(r["D"][~after] == 0.0)
    assert np.allclose(r["C"] - r["D"], w * unit_dexp(s, 2.0, 0.1), rtol=1e-9, atol=1e-12)
    # the conductance, sampled every 0.025 ms, peaks at the weight
    assert r["g_ampa"].max() == pytest.approx(w, rel=5e-3)
    assert r["g_ampa"].max() <= w * (1 + 1e-12)
    # NEURON computes g (and i) from the states at the start of each step
    assert np.allclose(r["g_ampa"][1:], (r["C"] - r["D"])[:-1], rtol=1e-12, atol=1e-15)
    assert np.allclose(r["iampa"][1:], 1e-3 * r["g_ampa"][1:] * (r["v"][:-1] - 0.0), rtol=1e-12, atol=1e-18)
    # no NMDA component, the synapse depolarises the compartment
    assert np.all(r["A"] == 0.0) and np.all(r["B"] == 0.0) and np.all(r["inmda"] == 0.0)
    assert r["iampa"].min() < 0 and r["v"].max() > -70.0 + 0.1
    # depression state after the event: 0.5, relaxing towards 1
    assert syn.dampa == pytest.approx(1 - 0.5 * math.exp(-(15.0 - t_event) / 200.0), rel=1e-9)
    assert syn.dnmda == pytest.approx(1 - 0.5 * math.exp(-(15.0 - t_event) / 200.0), rel=1e-9)
    del nc


@pytest.mark.parametrize(("tau3", "tau4", "w"), [(2.0, 0.1, 0.8), (5.0, 0.5, 2.5), (0.3, 1.5, 1.0)])
def test_ampa_single_event_cvode(tau3: float, tau4: float, w: float) -> None:
    sec, seg, _ = _compartment("ampa_cvode")
    syn = h.glutamate_syn(seg)
    syn.tau3, syn.tau4, syn.e = tau3, tau4, 5.0
    t_event = 1.3
    tpk = peak_time(tau3, tau4)
    times = np.sort(np.r_[np.linspace(0, 12 * max(tau3, tau4), 301), t_event + tpk])
    vs, _ = _source([t_event])
    nc = _connect(vs, syn, [w, 0.0])
    refs = {n: getattr(syn, f"_ref_{n}") for n in ("g_ampa", "iampa", "g_nmda")}
    rec = _record(refs | {"v": seg._ref_v}, times)
    _run(times[-1], -70.0, cvode=True)
    r = _arrays(rec)
    expected = w * unit_dexp(times - t_event, tau3, tau4)
    assert np.allclose(r["g_ampa"], expected, rtol=1e-6, atol=1e-9 * w)
    assert r["g_ampa"][times == t_event + tpk][0] == pytest.approx(w, rel=1e-6)
    assert r["g_ampa"].max() == pytest.approx(w, rel=1e-6)
    assert np.allclose(r["iampa"], 1e-3 * r["g_ampa"] * (r["v"] - 5.0), rtol=1e-9, atol=1e-15)
    assert np.all(r["g_nmda"] == 0.0)
    del nc


# --------------------------------------------------------------------------- glutamate_syn: NMDA


@pytest.mark.parametrize("v_clamp", [-70.0, -40.0, 0.0, 30.0])
def test_nmda_single_event_mg_block(v_clamp: float) -> None:
    sec, seg, clamp = _compartment("nmda_clamp", clamp_at=v_clamp)
    syn = h.glutamate_syn(seg)
    syn.e = 10.0
    t_event, w = 2.0, 1.5
    tpk = peak_time(50.0, 2.0)
    times = np.sort(np.r_[np.linspace(0, 200, 401), t_event + tpk])
    vs, _ = _source([t_event])
    nc = _connect(vs, syn, [0.0, w])
    refs = {n: getattr(syn, f"_ref_{n}") for n in ("A", "B", "g_nmda", "inmda", "g_ampa", "iampa")}
    rec = _record(refs | {"v": seg._ref_v}, times)
    _run(200.0, v_clamp, cvode=True)
    r = _arrays(rec)
    v = r["v"]
    assert np.all(np.abs(v - v_clamp) < 0.1)  # clamped
    unblocked = w * unit_dexp(times - t_event, 50.0, 2.0)
    assert np.allclose(r["A"] - r["B"], unblocked, rtol=1e-6, atol=1e-9)
    assert (r["A"] - r["B"]).max() == pytest.approx(w, rel=1e-6)
    # Mg block with the recorded membrane potential: 1/(1 + 0.25 exp(-0.08 v))
    assert np.allclose(r["g_nmda"], (r["A"] - r["B"]) * mg_block(v), rtol=1e-12, atol=1e-15)
    assert r["g_nmda"].max() == pytest.approx(w * mg_block(v_clamp), rel=1e-2)
    assert np.allclose(r["inmda"], 1e-3 * r["g_nmda"] * (v - 10.0), rtol=1e-12, atol=1e-18)
    assert np.all(r["g_ampa"] == 0.0) and np.all(r["iampa"] == 0.0)
    del nc, clamp


def test_nmda_block_uses_globals() -> None:
    sec, seg, clamp = _compartment("nmda_globals", clamp_at=-50.0)
    syn = h.glutamate_syn(seg)
    vs, _ = _source([1.0])
    nc = _connect(vs, syn, [0.0, 1.0])
    times = np.linspace(0, 40, 81)
    rec = _record({"A": syn._ref_A, "B": syn._ref_B, "g": syn._ref_g_nmda, "v": seg._ref_v}, times)
    try:
        h.n_glutamate_syn, h.gama_glutamate_syn = 0.1, 0.05
        _run(40.0, -50.0, cvode=True)
    finally:
        h.n_glutamate_syn, h.gama_glutamate_syn = 0.25, 0.08
    r = _arrays(rec)
    assert r["g"].max() == pytest.approx(mg_block(-50.0, 0.1, 0.05), rel=1e-2)  # 0.45 instead of 0.17
    assert np.allclose(r["g"], (r["A"] - r["B"]) * mg_block(r["v"], 0.1, 0.05), rtol=1e-12, atol=1e-15)
    assert not np.allclose(r["g"], (r["A"] - r["B"]) * mg_block(r["v"]), rtol=1e-3)
    del nc, clamp


# --------------------------------------------------------------------------- glutamate_syn: plasticity


def _glutamate_train(
    event_times: Sequence[float], params: dict[str, float], w_ampa: float, w_nmda: float, tstop: float
) -> tuple[object, dict[str, np.ndarray]]:
    sec, seg, clamp = _compartment("glu_train", clamp_at=-60.0)
    syn = h.glutamate_syn(seg)
    for name, value in params.items():
        setattr(syn, name, value)
    vs, _ = _source(event_times)
    nc = _connect(vs, syn, [w_ampa, w_nmda])
    extra = [t + peak_time(syn.tau3, syn.tau4) for t in event_times]
    times = np.unique(np.r_[np.linspace(0, tstop, 801), event_times, extra])
    names = ("C", "D", "A", "B", "dampa", "dnmda", "fampa", "fnmda", "g_ampa")
    rec = _record({n: getattr(syn, f"_ref_{n}") for n in names}, times)
    _run(tstop, -60.0, cvode=True)
    out = _arrays(rec)
    del nc, clamp, vs
    return syn, out


def _expected_conductance(
    t: np.ndarray,
    event_times: Sequence[float],
    scales: Sequence[float],
    w: float,
    tdecay: float,
    trise: float,
) -> np.ndarray:
    return sum(w * sc * unit_dexp(t - te, tdecay, trise) for te, sc in zip(event_times, scales, strict=True))


def test_default_depression_two_events_5ms_apart() -> None:
    """Mod defaults: decay 0.5 per event, recovery with tau 200 ms (AMPA and NMDA)."""
    events = [2.0, 7.0]
    syn, r = _glutamate_train(events, {}, 1.0, 0.6, 60.0)
    t = r["t"]
    d2 = 1 - 0.5 * math.exp(-5.0 / 200.0)  # d recovers as 1 - (1 - d0) exp(-Δt/τd)
    assert plastic_amplitudes(events, 0.5, 200.0, 0.0, 200.0)[0] == pytest.approx([1.0, d2])
    g_ampa = _expected_conductance(t, events, [1.0, d2], 1.0, 2.0, 0.1)
    g_nmda = _expected_conductance(t, events, [1.0, d2], 0.6, 50.0, 2.0)
    assert np.allclose(r["C"] - r["D"], g_ampa, rtol=1e-6, atol=1e-9)
    assert np.allclose(r["g_ampa"], g_ampa, rtol=1e-6, atol=1e-9)
    assert np.allclose(r["A"] - r["B"], g_nmda, rtol=1e-6, atol=1e-9)
    # depression variables: 1 -> 0.5 at the first event, recovering, times 0.5 again at the second
    for name in ("dampa", "dnmda"):
        x = r[name]
        assert np.all(x[t < events[0]] == 1.0)
        between = (t > events[0]) & (t < events[1])
        assert np.allclose(x[between], relax(0.5, t[between] - events[0], 200.0), rtol=1e-7)
        late = t > events[1]
        assert np.allclose(x[late], relax(0.5 * d2, t[late] - events[1], 200.0), rtol=1e-7)
    assert np.all(r["fampa"] == 1.0) and np.all(r["fnmda"] == 1.0)
    # the second AMPA conductance peak (first one has decayed to 8 %) is about half of the first
    second = r["g_ampa"][t == events[1] + peak_time(2.0, 0.1)][0]
    residual = unit_dexp(np.array([5.0 + peak_time(2.0, 0.1)]), 2.0, 0.1)[0]
    assert second == pytest.approx(d2 + residual, rel=1e-6)
    assert 0.5 < second < 0.6


def test_depression_recovery_widely_spaced_peaks() -> None:
    events = [1.0, 61.0]
    syn, r = _glutamate_train(events, {"decayampa": 0.5, "taudampa": 80.0, "decaynmda": 1.0}, 2.0, 0.0, 80.0)
    t = r["t"]
    tpk = peak_time(2.0, 0.1)
    first = r["g_ampa"][t == events[0] + tpk][0]
    second = r["g_ampa"][t == events[1] + tpk][0]
    assert first == pytest.approx(2.0, rel=1e-6)
    assert second / first == pytest.approx(1 - 0.5 * math.exp(-60.0 / 80.0), rel=1e-6)
    assert np.all(r["dnmda"] == 1.0)


@pytest.mark.parametrize(
    "params",
    [
        dict(decayampa=1.0, decaynmda=1.0, facilampa=0.4, facilnmda=0.2, taufampa=100.0, taufnmda=30.0),
        dict(decayampa=0.7, decaynmda=0.9, taudampa=50.0, taudnmda=300.0, facilampa=0.3, facilnmda=0.5),
    ],
    ids=["facilitation", "depression+facilitation"],
)
def test_facilitation_and_depression_trains(params: dict[str, float]) -> None:
    events = [1.0, 4.0, 4.0, 12.5, 30.0]  # includes two simultaneous events
    syn, r = _glutamate_train(events, params, 0.9, 1.1, 90.0)
    t = r["t"]
    full = GLUTAMATE_DEFAULTS | params
    sc_a, d_a, f_a = plastic_amplitudes(
        events, full["decayampa"], full["taudampa"], full["facilampa"], full["taufampa"]
    )
    sc_n, d_n, f_n = plastic_amplitudes(
        events, full["decaynmda"], full["taudnmda"], full["facilnmda"], full["taufnmda"]
    )
    assert max(sc_a) > 1.0  # facilitation is effective
    g_ampa = _expected_conductance(t, events, sc_a, 0.9, 2.0, 0.1)
    g_nmda = _expected_conductance(t, events, sc_n, 1.1, 50.0, 2.0)
    assert np.allclose(r["C"] - r["D"], g_ampa, rtol=1e-6, atol=1e-9)
    assert np.allclose(r["A"] - r["B"], g_nmda, rtol=1e-6, atol=1e-9)
    late = t > events[-1]
    s = t[late] - events[-1]
    assert np.allclose(r["dampa"][late], relax(d_a, s, full["taudampa"]), rtol=1e-7)
    assert np.allclose(r["fampa"][late], relax(f_a, s, full["taufampa"]), rtol=1e-7)
    assert np.allclose(r["dnmda"][late], relax(d_n, s, full["taudnmda"]), rtol=1e-7)
    assert np.allclose(r["fnmda"][late], relax(f_n, s, full["taufnmda"]), rtol=1e-7)


# --------------------------------------------------------------------------- gaba_syn


@pytest.mark.parametrize("cvode", [False, True], ids=["fixed", "cvode"])
def test_gaba_single_event(cvode: bool) -> None:
    sec, seg, _ = _compartment("gaba_single")
    sec.e_pas = -50.0
    syn = h.gaba_syn(seg)
    t_event, w = 3.0, 1.7
    tpk = peak_time(20.0, 1.0)
    vs, _ = _source([t_event])
    nc = _connect(vs, syn, [w])
    times = None if not cvode else np.sort(np.r_[np.linspace(0, 120, 241), t_event + tpk])
    refs = {"R": syn._ref_R, "D": syn._ref_D, "g": syn._ref_g, "i": syn._ref_i, "v": seg._ref_v}
    rec = _record(refs, times)
    _run(120.0, -50.0, cvode=cvode)
    r = _arrays(rec)
    t = r["t"]
    expected = w * unit_dexp(t - t_event, 20.0, 1.0)
    assert np.allclose(r["D"] - r["R"], expected, rtol=1e-6, atol=1e-9)
    assert r["g"].max() == pytest.approx(w, rel=5e-3 if not cvode else 1e-6)
    if cvode:
        assert np.allclose(r["g"], expected, rtol=1e-6, atol=1e-9)
        assert np.allclose(r["i"], 1e-3 * r["g"] * (r["v"] + 60.0), rtol=1e-9, atol=1e-15)
    else:
        assert np.allclose(r["g"][1:], (r["D"] - r["R"])[:-1], rtol=1e-12, atol=1e-15)
        assert np.allclose(r["i"][1:], 1e-3 * r["g"][1:] * (r["v"][:-1] + 60.0), rtol=1e-12, atol=1e-18)
    # e = -60 mV below the resting potential (-50 mV): outward current, hyperpolarisation
    assert r["i"].max() > 0 and r["v"].min() < -50.1
    assert syn.dgaba == pytest.approx(1 - 0.2 * math.exp(-(120.0 - t_event) / 200.0), rel=1e-7)
    del nc


def test_gaba_reversal_under_clamp() -> None:
    for v_clamp, sign in ((-60.0, 0), (-80.0, -1), (-20.0, 1)):
        sec, seg, clamp = _compartment("gaba_clamp", clamp_at=v_clamp)
        syn = h.gaba_syn(seg)
        vs, _ = _source([1.0])
        nc = _connect(vs, syn, [1.0])
        times = np.linspace(0, 30, 61)
        rec = _record({"g": syn._ref_g, "i": syn._ref_i, "v": seg._ref_v}, times)
        _run(30.0, v_clamp, cvode=True)
        r = _arrays(rec)
        assert np.allclose(r["i"], 1e-3 * r["g"] * (r["v"] + 60.0), rtol=1e-12, atol=1e-18)
        peak = r["i"][np.argmax(r["g"])]
        if sign == 0:
            assert abs(peak) < 1e-6  # v within 1 µV of e: no current
        else:
            assert np.sign(peak) == sign and abs(peak) > 1e-3 * 0.5 * 10
        del nc, clamp


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"decaygaba": 1.0, "facilgaba": 0.5, "taufgaba": 40.0},
        {"decaygaba": 0.6, "taudgaba": 30.0, "facilgaba": 0.25},
    ],
    ids=["default-depression", "facilitation", "both"],
)
def test_gaba_plasticity(params: dict[str, float]) -> None:
    sec, seg, clamp = _compartment("gaba_train", clamp_at=-70.0)
    syn = h.gaba_syn(seg)
    for name, value in params.items():
        setattr(syn, name, value)
    syn.risetime, syn.decaytime = 0.5, 8.0
    events = [2.0, 7.0, 7.0, 20.0, 45.0]
    vs, _ = _source(events)
    nc = _connect(vs, syn, [1.2])
    times = np.unique(np.r_[np.linspace(0, 100, 801), events])
    refs = {"R": syn._ref_R, "D": syn._ref_D, "g": syn._ref_g, "d": syn._ref_dgaba, "f": syn._ref_fgaba}
    rec = _record(refs, times)
    _run(100.0, -70.0, cvode=True)
    r = _arrays(rec)
    t = r["t"]
    full = GABA_DEFAULTS | params
    scales, d_end, f_end = plastic_amplitudes(
        events, full["decaygaba"], full["taudgaba"], full["facilgaba"], full["taufgaba"]
    )
    if not params:
        assert scales[1] == pytest.approx(1 - 0.2 * math.exp(-5.0 / 200.0))
        assert scales[2] == pytest.approx(0.8 * scales[1])  # simultaneous event: depressed once more
    expected = _expected_conductance(t, events, scales, 1.2, 8.0, 0.5)
    assert np.allclose(r["D"] - r["R"], expected, rtol=1e-6, atol=1e-9)
    assert np.allclose(r["g"], expected, rtol=1e-6, atol=1e-9)
    late = t > events[-1]
    assert np.allclose(r["d"][late], relax(d_end, t[late] - events[-1], full["taudgaba"]), rtol=1e-7)
    assert np.allclose(r["f"][late], relax(f_end, t[late] - events[-1], full["taufgaba"]), rtol=1e-7)
    del nc, clamp


# --------------------------------------------------------------------------- VecStim


def _vecstim_events(vs: object, tstop: float, *, cvode: bool) -> np.ndarray:
    rec = h.Vector()
    nc = h.NetCon(vs, None)
    nc.record(rec)
    _run(tstop, -70.0, cvode=cvode)
    out = np.array(rec)
    del nc
    return out


@pytest.mark.parametrize("cvode", [False, True], ids=["fixed", "cvode"])
def test_vecstim_emits_played_times_exactly(cvode: bool) -> None:
    played = [0.0, 0.3, 1.01, 1.01, 1.01, 2.0125, 3.3333333333, 7.0123456789, 19.9]
    vs, vec = _source(played)
    got = _vecstim_events(vs, 20.0, cvode=cvode)
    assert got.tolist() == played  # exact times, one event per element, repeats included
    assert vs.index == len(played)
    # times after tstop are not reached; a further run restarts from the first element
    vec.append(25.0)
    got = _vecstim_events(vs, 20.0, cvode=cvode)
    assert got.tolist() == played
    assert vs.index == len(played) + 1 and vs.etime == 25.0  # pending
    # pairs for which a + (b - a) != b in floating point: the second event must not be
    # emitted at the rounded arrival time of the internal self-event
    for pair in ([3.009, 7.685], [0.245, 1.672], [2.642, 7.453], [2.03, 6.672]):
        assert pair[0] + (pair[1] - pair[0]) != pair[1]
        vs.play(h.Vector(pair))
        assert _vecstim_events(vs, 10.0, cvode=cvode).tolist() == pair
    # many arbitrary times
    rng = np.random.default_rng(7)
    many = np.sort(rng.uniform(0, 50, 300)).tolist()
    vs.play(h.Vector(many))
    assert _vecstim_events(vs, 50.0, cvode=cvode).tolist() == many


@pytest.mark.parametrize("cvode", [False, True], ids=["fixed", "cvode"])
def test_vecstim_empty_past_and_unplayed(cvode: bool) -> None:
    vs, _ = _source([])
    assert _vecstim_events(vs, 5.0, cvode=cvode).size == 0
    vs.play(h.Vector([-3.0, -0.5, 0.0, 0.0, 1.5]))  # times before t = 0 are skipped
    assert _vecstim_events(vs, 5.0, cvode=cvode).tolist() == [0.0, 0.0, 1.5]
    vs.play()  # no Vector: no events
    assert _vecstim_events(vs, 5.0, cvode=cvode).size == 0
    never = h.VecStim()  # never played
    assert _vecstim_events(never, 5.0, cvode=cvode).size == 0


@pytest.mark.parametrize("cvode", [False, True], ids=["fixed", "cvode"])
def test_vecstim_replay_across_trials(cvode: bool) -> None:
    vs, _ = _source([1.0, 2.0])
    trials = [[1.0, 2.0], [0.5, 0.5, 4.0], [], [3.25]]
    for k, times in enumerate(trials):
        if k:
            vs.play(h.Vector(times))
        assert _vecstim_events(vs, 6.0, cvode=cvode).tolist() == times
    # a Vector filled in place between trials is read at finitialize
    vec = h.Vector()
    vs.play(vec)
    assert _vecstim_events(vs, 6.0, cvode=cvode).size == 0
    vec.append(1.5, 2.5)
    assert _vecstim_events(vs, 6.0, cvode=cvode).tolist() == [1.5, 2.5]


def test_vecstim_keeps_vector_alive() -> None:
    vs = h.VecStim()
    vs.play(h.Vector([1.0, 2.0, 3.0]))  # no Python reference kept
    gc.collect()
    junk = [h.Vector(1000, 7.0) for _ in range(50)]  # reuse freed memory, if any
    assert _vecstim_events(vs, 5.0, cvode=False).tolist() == [1.0, 2.0, 3.0]
    del junk
    vs.play(h.Vector([0.5]))  # releases the first Vector
    assert _vecstim_events(vs, 5.0, cvode=False).tolist() == [0.5]
    del vs
    gc.collect()


@pytest.mark.parametrize("bad", [[1.0, 0.5], [0.0, float("nan")], [float("inf")]])
def test_vecstim_rejects_unsorted_or_non_finite(bad: list[float]) -> None:
    vs, _ = _source([1.0])
    with pytest.raises(RuntimeError, match="VecStim.play"):
        vs.play(h.Vector(bad))
    assert _vecstim_events(vs, 2.0, cvode=False).tolist() == [1.0]  # previous Vector kept


def test_vecstim_netcon_delay_cvode() -> None:
    """Events reach a target exactly at played time + NetCon delay (CVode)."""
    sec, seg, clamp = _compartment("vs_delay_cvode", clamp_at=-70.0)
    syn = h.glutamate_syn(seg)
    syn.decayampa = 1.0
    played = [1.0, 2.37, 2.37, 6.1]
    delay = 0.8
    vs, _ = _source(played)
    nc = _connect(vs, syn, [0.5, 0.0], delay=delay)
    source_times = h.Vector()
    nc.record(source_times)
    arrivals = [t + delay for t in played]
    times = np.unique(np.r_[np.linspace(0, 20, 401), arrivals, [a - 1e-6 for a in arrivals]])
    rec = _record({"C": syn._ref_C, "D": syn._ref_D}, times)
    _run(20.0, -70.0, cvode=True)
    r = _arrays(rec)
    assert np.array(source_times).tolist() == played  # recorded at the source, without delay
    expected = _expected_conductance(r["t"], arrivals, [1.0] * 4, 0.5, 2.0, 0.1)
    assert np.allclose(r["C"] - r["D"], expected, rtol=1e-6, atol=1e-9)
    # the states jump exactly at arrival: unchanged 1 ns before, changed at the arrival time
    # (CVode records a time that coincides with an event after delivering the event)
    c = dict(zip(r["t"].tolist(), r["C"].tolist(), strict=True))
    k = syn.factor_ampa * 0.5
    assert c[arrivals[0] - 1e-6] == 0.0
    assert c[arrivals[0]] == pytest.approx(k, rel=1e-6)
    jump = c[arrivals[1]] - c[arrivals[1] - 1e-6]
    assert jump == pytest.approx(2 * k, rel=1e-5)  # two simultaneous events
    del nc, clamp


def test_vecstim_netcon_delay_fixed_step() -> None:
    """Fixed step: an event at time te is applied at the start of the step [t_k, t_k + dt] with
    te <= t_k + dt/2, i.e. at the nearest step boundary (not the next one >= te)."""
    sec, seg, clamp = _compartment("vs_delay_fixed", clamp_at=-70.0)
    syn = h.glutamate_syn(seg)
    syn.decayampa = 1.0
    played = [1.004, 2.02, 2.02, 4.011, 4.014]  # 0.004 / 0.02 / 0.011 / 0.014 past a boundary
    delay = 0.5
    vs, _ = _source(played)
    nc = _connect(vs, syn, [0.5, 0.0], delay=delay)
    source_times = h.Vector()
    nc.record(source_times)
    rec = _record({"C": syn._ref_C})
    _run(10.0, -70.0, cvode=False)
    r = _arrays(rec)
    t = r["t"]
    assert np.array(source_times).tolist() == played  # event times themselves are exact
    onsets = [_fixed_step_onset(t, te + delay) for te in played]
    assert onsets == pytest.approx([1.5, 2.525, 2.525, 4.5, 4.525], abs=1e-9)
    k = syn.factor_ampa * 0.5
    expected = np.zeros_like(t)
    for onset in onsets:
        s = t - onset
        expected += np.where(s > DT / 2, k * np.exp(-np.maximum(s, 0) / 2.0), 0.0)
    assert np.allclose(r["C"], expected, rtol=1e-10, atol=1e-14)
    del nc, clamp


@pytest.mark.parametrize("cvode", [False, True], ids=["fixed", "cvode"])
def test_vecstim_drives_several_netcons(cvode: bool) -> None:
    sec, seg, clamp = _compartment("vs_fanout", clamp_at=-70.0)
    glu = h.glutamate_syn(seg)
    gaba = h.gaba_syn(seg)
    glu.decayampa = glu.decaynmda = 1.0
    gaba.decaygaba = 1.0
    vs, _ = _source([1.0, 1.0, 5.0])
    nc1 = _connect(vs, glu, [1.0, 1.0], delay=0.0)
    nc2 = _connect(vs, gaba, [1.0], delay=2.0)
    h.cvode_active(1 if cvode else 0)
    _run(5.5, -70.0, cvode=cvode)
    # three events each; the first two arrive together
    assert glu.C == pytest.approx(glu.factor_ampa * (2 * math.exp(-4.5 / 2) + math.exp(-0.5 / 2)), rel=1e-6)
    assert gaba.D == pytest.approx(gaba.factor * 2 * math.exp(-2.5 / 20), rel=1e-6)
    del nc1, nc2, clamp


_THREAD_SCRIPT = """
import sys
import numpy as np
from neuron import h

h.nrn_load_dll(sys.argv[1])
h.load_file("stdrun.hoc")
cells = []
for k in range(4):
    sec = h.Section(name=f"thr{k}")
    sec.L = sec.diam = 10.0
    sec.insert("pas")
    sec.g_pas, sec.e_pas = 1e-4, -70.0
    glu, gaba = h.glutamate_syn(sec(0.5)), h.gaba_syn(sec(0.5))
    glu.facilampa, gaba.facilgaba = 0.2, 0.1
    vec = h.Vector([1.0 + k, 3.0 + k, 3.0 + k, 9.0])
    vs = h.VecStim()
    vs.play(vec)
    nc1 = h.NetCon(vs, glu)
    nc1.weight[0], nc1.weight[1], nc1.delay = 1.0 + k, 0.5, 0.5  # threads need delays >= dt
    nc2 = h.NetCon(vs, gaba)
    nc2.weight[0], nc2.delay = 2.0, 0.3
    vrec = h.Vector().record(sec(0.5)._ref_v)
    cells.append((sec, glu, gaba, vs, vec, nc1, nc2, vrec))
pc = h.ParallelContext()
results = {}
for nthread in (1, 2):
    pc.nthread(nthread)
    h.dt = 0.025
    h.finitialize(-70.0)
    h.continuerun(20.0)
    results[nthread] = [np.array(c[-1]) for c in cells]
assert int(pc.nthread()) == 2
for a, b in zip(results[1], results[2]):
    assert a.max() > -69.0, a.max()
    assert np.array_equal(a, b)
print("threads-ok")
"""


def test_threads_give_identical_results(loaded: Path, tmp_path: Path) -> None:
    """The mechanisms are THREADSAFE: two threads reproduce the single-thread run.

    Runs in a fresh process (the mindelay check of multithreading would see NetCons with
    delay 0 left over by other tests)."""
    out = subprocess.run(
        [sys.executable, "-c", _THREAD_SCRIPT, str(loaded)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "threads-ok" in out.stdout
