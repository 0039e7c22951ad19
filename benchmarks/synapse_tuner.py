"""Synapse tuner benchmark: Tsodyks–Markram accuracy, fit recovery, frequency-response speed.

``python benchmarks/synapse_tuner.py [--reps N]`` prints a table and, as its last line,
``RESULT {json}`` with

* ``tm_max_rel_err`` — largest relative error of the per-pulse peak conductances of regular trains
  (``tm_ampa_nmda`` facilitating, ``tm_gabaa`` depressing; 2–100 Hz) against the closed-form TM
  recursion (events superposed as dual exponentials), on the built-in one-compartment cell;
* ``fit_recovered`` — whether ``fit_parameters`` (seeded) recovers Use/Dep/Fac within 2 % from
  PPR, induction and recovery at 10 and 50 Hz simulated with them (``fit_fitted``, ``fit_true``);
* ``freq_response_ratio_vs_neuron`` — time of a full frequency response (16 frequencies, 8 + 4
  pulses, AMPA+NMDA on cell 86's apical trunk, soma voltage-clamped, CVode) with the tuner, over a
  hand-written NEURON loop doing the same runs on the same built cell (median over alternating
  repetitions; the cell build is excluded from both);
* ``slider_update_s`` — median time from a slider change of the interactive tuner to its redrawn
  traces and metrics, for one single event on the shipped ``BallAndStick`` template with the
  user-style ``stp_exp2syn`` (target < 0.5 s), printed beside the bare single event it contains;
* ``fit_single_event_recovered`` — whether ``fit_parameters`` (SLSQP, seeded, from the middle of the
  bounds) recovers Use / tau_rise / tau_decay within 1 % from amplitude, rise time, decay τ and half
  width simulated with them (``fit_single_event_fitted``, ``fit_single_event_true``).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

import numpy as np
from _common import median
from neuron import h

import isf
from isf.backends.neuron.build import build_cell
from isf.data import cell86
from isf.synapse_tuner import (
    ConnectionSettings,
    FitTarget,
    GeneralSettings,
    SynapseTuner,
    TrainSettings,
    fit_parameters,
    frequency_response,
    pulse_amplitudes,
    tm_release,
)
from isf.data import synapse_tuner_example
from isf.synapse_tuner import HocTemplateCell, example_settings, relative_squared_error
from isf.synapse_tuner.interactive import InteractiveTuner
from isf.synapse_tuner.tsodyks_markram import tm_conductance

FREQUENCIES = np.geomspace(2.0, 100.0, 16)
SYNAPSE = {"Use": 0.1, "Dep": 100.0, "Fac": 500.0}


def tm_accuracy() -> float:
    cases = [
        (
            "tm_ampa_nmda",
            {"Use": 0.15, "Dep": 60.0, "Fac": 400.0, "NMDA_ratio": 0.0},
            (0.2, 1.7),
        ),
        (
            "tm_gabaa",
            {"Use": 0.6, "Dep": 700.0, "Fac": 10.0, "tau_d_GABAA": 6.0},
            (0.2, 6.0),
        ),
    ]
    worst = 0.0
    for mechanism, params, taus in cases:
        with SynapseTuner(
            ConnectionSettings(mechanism, weights_nS=2.0, parameters=params),
            GeneralSettings(tdur_ms=20.0),
        ) as tuner:
            for f in (2.0, 5.0, 10.0, 20.0, 40.0, 100.0):
                r = tuner.train(TrainSettings(f), measure="conductance")
                g = tm_conductance(
                    r.trace.t_ms,
                    r.spike_times_ms,
                    2.0,
                    params["Use"],
                    params["Dep"],
                    params["Fac"],
                    *taus,
                )
                closed, *_ = pulse_amplitudes(r.trace.t_ms, g, r.spike_times_ms, interval_ms=1000.0 / f)
                err = float(np.max(np.abs(np.asarray(r.metrics.amplitudes) / closed - 1.0)))
                print(f"  {mechanism:<13} {f:6.1f} Hz  max rel. error of peaks {err:.2e}")
                worst = max(worst, err)
    return worst


def fit_recovery() -> tuple[bool, dict[str, float], dict[str, float], float]:
    true = {"Use": 0.25, "Dep": 120.0, "Fac": 300.0}
    general = GeneralSettings(tstart_ms=20.0, tdur_ms=20.0, cvode=True, cvode_atol=1e-6)
    with SynapseTuner(
        ConnectionSettings("tm_ampa_nmda", parameters={"NMDA_ratio": 0.0, **true}),
        general,
    ) as tuner:
        targets = []
        for f in (10.0, 50.0):
            m = tuner.train(TrainSettings(f)).metrics
            targets += [FitTarget(k, getattr(m, k), f) for k in ("ppr", "induction", "recovery")]
        tuner.set_parameters(Use=0.5, Dep=300.0, Fac=50.0)
        t0 = time.perf_counter()
        result = fit_parameters(
            tuner,
            targets,
            {"Use": (0.05, 0.9), "Dep": (10.0, 1000.0), "Fac": (0.0, 1000.0)},
            n_starts=2,
            seed=1,
            max_evaluations=150,
            progress=False,
        )
        elapsed = time.perf_counter() - t0
    ok = all(abs(result.parameters[k] / v - 1.0) < 0.02 for k, v in true.items())
    return ok, result.parameters, true, elapsed


def slider_update(reps: int) -> tuple[float, float]:
    """(median slider change → redraw, median bare single event) in s, on the shipped template."""
    with InteractiveTuner(example_settings()) as ui:
        assert ui.tuner is not None
        updates, events = [], []
        for k in range(reps):
            ui.set_value("tau_decay", 3.0 + 0.5 * (k % 4 + 1))
            updates.append(ui.last_update_s)
            t0 = time.perf_counter()
            ui.tuner.single_event()
            events.append(time.perf_counter() - t0)
    return median(updates), median(events)


def fit_single_event() -> tuple[bool, dict[str, float], dict[str, float], float]:
    true = {"Use": 0.3, "tau_rise": 0.4, "tau_decay": 4.0}
    connection = ConnectionSettings(
        "stp_exp2syn",
        weights_nS=0.002,
        parameters=true,
        cell=HocTemplateCell("BallAndStick", synapse_tuner_example("templates")),
        mechanisms_dir=synapse_tuner_example("mechanisms"),
        hold_mV=-70.0,
    )
    with SynapseTuner(connection, GeneralSettings(tstart_ms=20.0, tdur_ms=40.0)) as tuner:
        m = tuner.single_event().metrics
        targets = [FitTarget(k, getattr(m, k)) for k in ("amplitude", "rise_time_ms", "decay_tau_ms", "half_width_ms")]
        t0 = time.perf_counter()
        result = fit_parameters(
            tuner,
            targets,
            {"Use": (0.05, 0.9), "tau_rise": (0.1, 2.0), "tau_decay": (1.0, 20.0)},
            cost=relative_squared_error,
            method="SLSQP",
            init_guess="middle",
            n_starts=1,
            seed=3,
            progress=False,
        )
        elapsed = time.perf_counter() - t0
    print(result.report())
    ok = all(abs(result.parameters[k] / v - 1.0) < 0.01 for k, v in true.items())
    return ok, result.parameters, true, elapsed


def plain_neuron_loop(cell: isf.Cell, general: GeneralSettings) -> tuple[float, np.ndarray]:
    """The same frequency response written directly against NEURON (cell built outside the timing)."""
    built = build_cell(cell)
    sid, x = isf.ApicalTrunk(300.0).resolve(cell, snap=False)
    syn = h.tm_ampa_nmda(built.sections[sid](x))
    for name, value in SYNAPSE.items():
        setattr(syn, name, value)
    source = h.VecStim()
    nc = h.NetCon(source, syn)
    nc.weight[0] = 1.0
    soma = built.sections[cell.morphology.soma_id](0.5)
    clamp = h.SEClamp(soma)
    clamp.dur1, clamp.amp1, clamp.rs = (
        1e9,
        general.hold_mV,
        general.series_resistance_MOhm,
    )
    tvec = h.Vector().record(h._ref_t)
    ivec = h.Vector().record(syn._ref_i)
    gvec = h.Vector().record(syn._ref_g)
    vvec = h.Vector().record(soma._ref_v)
    cvode = h.CVode()
    amplitudes = []
    t0 = time.perf_counter()
    for f in FREQUENCIES:
        interval = 1000.0 / f
        times = general.tstart_ms + interval * np.arange(8)
        times = np.concatenate([times, times[-1] + 250.0 + interval * np.arange(4)])
        vec = h.Vector(times)
        source.play(vec)
        h.celsius, h.dt = general.celsius_degC, general.dt_ms
        cvode.active(1)
        cvode.atol(general.cvode_atol)
        h.finitialize(general.v_init_mV)
        cvode.solve(times[-1] + general.tdur_ms)
        t, i = np.array(tvec), np.array(ivec)
        _, _ = np.array(gvec), np.array(vvec)
        base = i[(t >= times[0] - 5) & (t < times[0])]
        b = float(base.mean()) if base.size else float(i[0])
        ends = np.minimum(np.append(times[1:], np.inf), times + interval)
        amplitudes.append([b - i[(t >= a) & (t < e)].min() for a, e in zip(times, ends)])
    elapsed = time.perf_counter() - t0
    del clamp, nc, source, syn, tvec, ivec, gvec, vvec
    built.sections.clear()
    return elapsed, np.array(amplitudes)


def isf_tuner(cell: isf.Cell, general: GeneralSettings) -> tuple[float, np.ndarray]:
    connection = ConnectionSettings(
        "tm_ampa_nmda",
        weights_nS=1.0,
        parameters=SYNAPSE,
        site=isf.ApicalTrunk(300.0),
        cell=cell,
    )
    with SynapseTuner(connection, general) as tuner:
        t0 = time.perf_counter()
        response = frequency_response(tuner, FREQUENCIES, TrainSettings(), progress=False)
        elapsed = time.perf_counter() - t0
    return elapsed, response.amplitudes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2, help="alternating repetitions of the timing")
    args = parser.parse_args()

    print("Tsodyks–Markram peaks vs closed form (one-compartment cell, fixed dt 0.025 ms):")
    tm_err = tm_accuracy()
    print("\nfit of Use/Dep/Fac from PPR, induction, recovery at 10 and 50 Hz (seed 1, 2 starts):")
    ok, fitted, true, fit_s = fit_recovery()
    print(f"  true {true}\n  fitted { {k: round(v, 4) for k, v in fitted.items()} }  ({fit_s:.1f} s)")
    print("\nfit of Use/tau_rise/tau_decay from single-event targets (SLSQP, seed 3, middle start):")
    ev_ok, ev_fitted, ev_true, ev_s = fit_single_event()
    print(f"  true {ev_true}\n  fitted { {k: round(v, 5) for k, v in ev_fitted.items()} }  ({ev_s:.1f} s)")
    print("\ninteractive tuner on the shipped BallAndStick template (one single event per slider change):")
    slider_s, event_s = slider_update(max(5, 3 * args.reps))
    load = os.getloadavg()[0]
    print(f"  {'':<34}{'median s':>10}")
    print(f"  {'slider change -> redrawn traces':<34}{slider_s:>10.3f}   (target < 0.5 s)")
    print(f"  {'bare single event (tuner)':<34}{event_s:>10.3f}   ratio {slider_s / event_s:.1f}")
    if load > (os.cpu_count() or 1):
        print(f"  (load average {load:.1f} on {os.cpu_count()} cores: other processes disturbed these timings)")

    cell = isf.read_cell_param(cell86("86_C2_center.param")).cell
    general = GeneralSettings(hold_mV=-75.0, v_init_mV=-75.0, cvode=True, cvode_atol=1e-5)
    times: dict[str, list[float]] = {"isf": [], "neuron": []}
    amps: dict[str, Any] = {}
    for _ in range(args.reps):
        for name, fn in (("isf", isf_tuner), ("neuron", plain_neuron_loop)):
            elapsed, amps[name] = fn(cell, general)
            times[name].append(elapsed)
    agree = float(np.max(np.abs(amps["isf"] / amps["neuron"] - 1.0)))
    ratio = float(np.median(times["isf"]) / np.median(times["neuron"]))
    p = tm_release(TrainSettings(FREQUENCIES[0]).spike_times(general.tstart_ms), 0.1, 100.0, 500.0)
    print(
        f"\nfrequency response on cell 86 ({len(FREQUENCIES)} frequencies {FREQUENCIES[0]:.0f}–{FREQUENCIES[-1]:.0f} "
        f"Hz, 8 + 4 pulses, CVode):"
    )
    print(f"  {'':<22}{'median s':>10}   runs (s)")
    for name in ("isf", "neuron"):
        print(
            f"  {name + (' tuner' if name == 'isf' else ' plain loop'):<22}{np.median(times[name]):>10.2f}   "
            + ", ".join(f"{v:.2f}" for v in times[name])
        )
    print(f"  ratio isf / plain NEURON: {ratio:.3f}; per-pulse amplitudes agree to {agree:.1e} (relative)")
    print(f"  (first-train release fractions at {FREQUENCIES[0]:.0f} Hz, closed form: {np.round(p[:3], 3).tolist()} …)")
    result = {
        "tm_max_rel_err": tm_err,
        "fit_recovered": ok,
        "fit_fitted": fitted,
        "fit_true": true,
        "fit_seconds": round(fit_s, 2),
        "freq_response_ratio_vs_neuron": round(ratio, 3),
        "freq_response_isf_s": round(float(np.median(times["isf"])), 3),
        "freq_response_neuron_s": round(float(np.median(times["neuron"])), 3),
        "freq_response_amplitude_agreement": agree,
        "n_frequencies": len(FREQUENCIES),
        "slider_update_s": round(slider_s, 3),
        "slider_single_event_s": round(event_s, 3),
        "fit_single_event_recovered": ev_ok,
        "fit_single_event_fitted": ev_fitted,
        "fit_single_event_true": ev_true,
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
