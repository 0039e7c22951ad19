"""Step-current benchmark: isf against the legacy reference and against plain NEURON.

Run from the repository root inside the venv::

    python benchmarks/step_currents.py

The shared data are looked up in ``<repo>/../shared/data/isf`` (the
environment variable ``ISF_SHARED_DATA`` overrides); without them the script
prints ``RESULT {"skipped": "no shared data"}`` and exits 0.

What is measured, side by side in one process, for cell 86_C2_center
(``cell_params/86_C2_center.param``: Hay-2011 biophysics, Hay-2013 axon,
``scale_apical_morph_86``):

1. **Accuracy.** isf simulates the three 2000 ms soma current steps (0.619,
   0.793, 1.507 nA from 500 ms, tstop 3000 ms) and the 5 ms 1.9 nA pulse at
   150 ms (tstop 250 ms), all with CVode, and its soma spikes (upward
   crossings of 0 mV) are paired by index with those of the legacy reference
   traces. Spike times drift apart over a long train (tiny differences
   accumulate in a chaotic-ish integrator), so the tight measure is the first
   three spikes of each train (``first3_max_abs_dt_ms``, the pulse spike
   included) and the loose one the pooled median (``median_abs_dt_ms``).

2. **Cost relative to NEURON itself.** Absolute run times depend on the
   machine (and on whoever else uses it), so isf is timed against a
   hand-written plain NEURON script doing the same work in the same process:
   it reads the hoc file with a minimal line loop (``create`` / ``pt3dadd`` /
   ``connect``, soma children at soma(0.5), as ISF does), appends the three
   Hay-2013 axon sections, sets Ra/cm, nseg (ISF's d-lambda rule), inserts
   the mechanisms with their values (``h.distance`` for the hot zone and the
   exponential Ih), rescales the diameters with ``pt3dchange``
   (``scale_apical_morph_86``), sets ek/ena, and runs with stdrun's
   ``init()`` and ``while (t < tstop) fadvance()``. The two are run
   alternately (ABBA order) so machine noise hits both; medians are compared:

   * ``run_ratio_vs_neuron`` = isf build+run of the 0.793 nA step / plain
     build+run (a ratio near 1 means isf adds no overhead to NEURON's work);
   * ``build_ratio_vs_neuron`` = isf ``build_cell`` of a freshly read typed
     Cell (cold caches) / plain build (hoc text → sections with mechanisms).
     The warm-Cell build (the same Cell built again, cached geometry) and the
     full ``read_cell_param`` + ``build_cell`` are reported too: the plain
     build parses its hoc file inside the timing but gets the ``.param`` dict
     for free, so these two bracket a fair comparison.

   The plain model is checked to be the same model: same nseg as isf's
   ``cell.nseg``, same per-segment diameters, conductances and reversal
   potentials, and the same spike count. Distances computed by NEURON
   (``h.distance``) and by isf differ in the last digits, so the exponential
   Ih differs by ~1e-15 relative and CVode takes a slightly different path;
   given isf's Ih values, the plain run reproduces isf's trace bit for bit
   (reported as ``plain_with_isf_values_max_abs_dv_mV``, untimed).

The last line printed is ``RESULT <json>``.
"""

from __future__ import annotations

import cProfile
import io
import json
import math
import os
import pstats
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # plain_neuron

STEP_AMPLITUDES_NA = (0.619, 0.793, 1.507)
STEP_DELAY_MS, STEP_DURATION_MS, STEP_TSTOP_MS = 500.0, 2000.0, 3000.0
PULSE_AMPLITUDE_NA, PULSE_DELAY_MS, PULSE_DURATION_MS, PULSE_TSTOP_MS = 1.9, 150.0, 5.0, 250.0
RATIO_AMPLITUDE_NA = 0.793
RUN_REPETITIONS = 3
BUILD_REPETITIONS = 7
SLOW_RATIO = 1.05


from _common import shared_data_dir  # noqa: E402


SHARED = shared_data_dir()
if SHARED is None:
    print("shared data not found (set ISF_SHARED_DATA or provide ../shared/data/isf); benchmark skipped")
    print("RESULT " + json.dumps({"skipped": "no shared data"}))
    sys.exit(0)

import numpy as np
from neuron import h
from numpy.typing import NDArray
from _common import assert_no_sections, median, timed
from plain_neuron import Trace, plain_build, plain_run, segment_table

from isf.backends.neuron.build import build_cell
from isf.backends.neuron.mechanisms import load_mechanisms
from isf.backends.neuron.simulate import simulate
from isf.dsl.cell_param import CellParameterFile, read_cell_param
from isf.dsl.param_format import read_param
from isf.model.cell import Cell
from isf.model.experiment import Experiment
from isf.model.simulation import Simulation
from isf.model.spikes import spike_times
from isf.model.stimulus import CurrentStep

PARAM_FILE = SHARED / "cell_params" / "86_C2_center.param"
SEARCH_ROOTS = [SHARED / "morphologies", SHARED / "recording_sites"]
REFERENCE_DIR = SHARED / "reference" / "step_currents"



# ----------------------------------------------------------------------------- helpers


def read_reference(name: str) -> Trace:
    """(t_ms, v_mV) of a reference CSV."""
    data = np.loadtxt(REFERENCE_DIR / name, delimiter=",", skiprows=1)
    return data[:, 0], data[:, 1]


def paired_abs_dt(ours: NDArray[np.float64], reference: NDArray[np.float64]) -> NDArray[np.float64]:
    """|Δt| of spikes paired by index (as many pairs as the shorter train has spikes)."""
    n = min(len(ours), len(reference))
    return np.abs(ours[:n] - reference[:n])


# ----------------------------------------------------------------------------- isf


def read_isf() -> CellParameterFile:
    """The typed cell parameter file, freshly read (no cached properties computed)."""
    return read_cell_param(PARAM_FILE, SEARCH_ROOTS)


def isf_run(cell: Cell, amplitude_nA: float, delay_ms: float, duration_ms: float, tstop_ms: float) -> Trace:
    """isf build + run of one soma current step (CVode); (t, soma v)."""
    result = simulate(Experiment(cell, Simulation(tstop_ms, cvode=True),
                                 (CurrentStep(amplitude_nA, delay_ms, duration_ms),)))
    return result.t_ms, result["soma"]


# ----------------------------------------------------------------------------- plain NEURON
# The plain model (benchmarks/plain_neuron.py) uses no isf: it is the script a NEURON user would write
# by hand from the hoc file and the .param dict (read with read_param outside any timing).


def plain_build_and_run(hoc_path: Path, neuron: Mapping[str, Any], amplitude_nA: float) -> Trace:
    cell = plain_build(hoc_path, neuron)
    trace = plain_run(cell, amplitude_nA, STEP_DELAY_MS, STEP_DURATION_MS, STEP_TSTOP_MS)
    cell.free()
    return trace


# ----------------------------------------------------------------------------- checks


COMPARED_VALUES = ("diam", "cm", "g_pas", "e_pas", "gIhbar_Ih", "gCa_LVAstbar_Ca_LVAst", "gCa_HVAbar_Ca_HVA",
                   "gNaTa_tbar_NaTa_t", "gSK_E2bar_SK_E2", "ek", "ena")


def check_same_model(cell: Cell, hoc_path: Path, neuron: Mapping[str, Any]) -> tuple[dict[str, float], dict[str, NDArray[np.float64]]]:
    """Build both models side by side (untimed); assert equal nseg and equal mechanism placement.

    Returns the max relative |Δ| per compared value and isf's values of those that are not bitwise equal.
    """
    built = build_cell(cell)
    plain = plain_build(hoc_path, neuron)
    plain_nsegs = tuple(int(sec.nseg) for sec in plain.sections)
    assert plain_nsegs == cell.nseg, "plain nseg (ISF rule on NEURON's L) differs from isf's cell.nseg"
    deltas: dict[str, float] = {}
    differing: dict[str, NDArray[np.float64]] = {}
    for name in COMPARED_VALUES:
        ours, theirs = segment_table(built.sections, name), segment_table(plain.sections, name)
        assert np.array_equal(np.isnan(ours), np.isnan(theirs)), f"{name}: present on different segments"
        scale = float(np.nanmax(np.abs(ours))) or 1.0
        deltas[name] = float(np.nanmax(np.abs(ours - theirs))) / scale
        if deltas[name] > 0:
            differing[name] = ours
    built.sections.clear()
    plain.free()
    del built, plain
    assert_no_sections("after the model comparison")
    return deltas, differing


def overwrite_segment_values(sections: Sequence[Any], values: Mapping[str, NDArray[np.float64]]) -> None:
    """Set per-segment values (section order; NaN = leave alone)."""
    segments = [seg for sec in sections for seg in sec]
    for name, array in values.items():
        for seg, value in zip(segments, array.tolist()):
            if not math.isnan(value):
                setattr(seg, name, value)


def plain_run_with_values(hoc_path: Path, neuron: Mapping[str, Any], values: Mapping[str, NDArray[np.float64]]) -> Trace:
    """The plain 0.793 nA build+run with some per-segment values overwritten (by isf's, to show that the
    models agree bit for bit apart from those last-digit differences)."""
    cell = plain_build(hoc_path, neuron)
    overwrite_segment_values(cell.sections, values)
    trace = plain_run(cell, RATIO_AMPLITUDE_NA, STEP_DELAY_MS, STEP_DURATION_MS, STEP_TSTOP_MS)
    cell.free()
    assert_no_sections("after the aligned plain run")
    return trace


# ----------------------------------------------------------------------------- measurements


def accuracy_runs(cell: Cell) -> dict[str, Any]:
    """isf runs of the 0.619 / 1.507 nA steps and the pulse (the 0.793 step comes from the run-ratio loop)."""
    traces: dict[str, Trace] = {}
    for amp in STEP_AMPLITUDES_NA:
        if amp != RATIO_AMPLITUDE_NA:
            traces[f"{amp}"] = isf_run(cell, amp, STEP_DELAY_MS, STEP_DURATION_MS, STEP_TSTOP_MS)
    traces["pulse"] = isf_run(cell, PULSE_AMPLITUDE_NA, PULSE_DELAY_MS, PULSE_DURATION_MS, PULSE_TSTOP_MS)
    assert_no_sections("after the accuracy runs")
    return traces


def run_ratio(hoc_path: Path, neuron: Mapping[str, Any]) -> dict[str, Any]:
    """Alternating (ABBA) build+run of the 0.793 nA step: isf vs plain NEURON."""
    isf_times: list[float] = []
    plain_times: list[float] = []
    isf_traces: list[Trace] = []
    plain_traces: list[Trace] = []

    def one_isf() -> None:
        cell = read_isf().cell  # untimed: a fresh typed Cell, as a user has it after reading
        seconds, trace = timed(lambda: isf_run(cell, RATIO_AMPLITUDE_NA, STEP_DELAY_MS, STEP_DURATION_MS, STEP_TSTOP_MS))
        assert_no_sections("after an isf run")
        isf_times.append(seconds)
        isf_traces.append(trace)

    def one_plain() -> None:
        seconds, trace = timed(lambda: plain_build_and_run(hoc_path, neuron, RATIO_AMPLITUDE_NA))
        assert_no_sections("after a plain run")
        plain_times.append(seconds)
        plain_traces.append(trace)

    for rep in range(RUN_REPETITIONS):
        for fn in ((one_isf, one_plain) if rep % 2 == 0 else (one_plain, one_isf)):
            fn()

    def identical(traces: list[Trace]) -> bool:
        t0, v0 = traces[0]
        return all(t.shape == t0.shape and np.array_equal(t, t0) and np.array_equal(v, v0) for t, v in traces[1:])

    return {"isf_s": isf_times, "plain_s": plain_times, "isf_trace": isf_traces[0], "plain_trace": plain_traces[0],
            "isf_counts": [len(spike_times(*t, 0.0)) for t in isf_traces],
            "plain_counts": [len(spike_times(*t, 0.0)) for t in plain_traces],
            "isf_steps": [len(t[0]) - 1 for t in isf_traces], "plain_steps": [len(t[0]) - 1 for t in plain_traces],
            "isf_deterministic": identical(isf_traces), "plain_deterministic": identical(plain_traces)}


def build_ratio(hoc_path: Path, neuron: Mapping[str, Any]) -> dict[str, list[float]]:
    """Alternating builds (rotating order): isf from a fresh Cell, from a warm Cell, from the .param; plain."""
    warm = read_isf().cell
    build_cell(warm).sections.clear()  # fills the warm Cell's caches
    assert_no_sections("after warming the Cell")
    times: dict[str, list[float]] = {"isf_fresh": [], "isf_warm": [], "isf_param": [], "plain": []}

    def isf_fresh() -> None:
        cell = read_isf().cell
        seconds, built = timed(lambda: build_cell(cell))
        built.sections.clear()
        times["isf_fresh"].append(seconds)

    def isf_warm() -> None:
        seconds, built = timed(lambda: build_cell(warm))
        built.sections.clear()
        times["isf_warm"].append(seconds)

    def isf_param() -> None:
        seconds, built = timed(lambda: build_cell(read_isf().cell))
        built.sections.clear()
        times["isf_param"].append(seconds)

    def plain() -> None:
        seconds, cell = timed(lambda: plain_build(hoc_path, neuron))
        cell.free()
        times["plain"].append(seconds)

    order = [isf_fresh, plain, isf_warm, isf_param]
    for rep in range(BUILD_REPETITIONS):
        for fn in order[rep % 4:] + order[: rep % 4]:
            fn()
            assert_no_sections(f"after build {fn.__name__}")
    return times


def profile_isf(with_reading: bool, repetitions: int = 3) -> str:
    """cProfile of isf's build (optionally with read_cell_param): the 20 costliest functions by own time."""
    cells = [None if with_reading else read_isf().cell for _ in range(repetitions)]
    profiler = cProfile.Profile()
    profiler.enable()
    for cell in cells:
        build_cell(cell if cell is not None else read_isf().cell).sections.clear()
    profiler.disable()
    assert_no_sections("after profiling")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("tottime")
    stats.print_stats(20)
    return out.getvalue()


# ----------------------------------------------------------------------------- report


def table(rows: Sequence[tuple[str, str, str, str]]) -> str:
    """Rows of (measurement, isf, plain NEURON, ratio / reference) as aligned text."""
    header = ("measurement", "isf", "plain NEURON", "ratio / reference")
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(4)]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def main() -> None:
    started = time.perf_counter()
    load_mechanisms()  # compiled NMODL library, loaded once per process (used by both models)
    h.load_file("stdrun.hoc")  # init() for the plain run; creates no sections
    params = read_isf()
    neuron = read_param(PARAM_FILE)["neuron"]
    hoc_path = SHARED / "morphologies" / Path(str(neuron["filename"])).name
    assert_no_sections("at start")

    deltas, differing = check_same_model(read_isf().cell, hoc_path, neuron)
    traces = accuracy_runs(params.cell)
    runs = run_ratio(hoc_path, neuron)
    traces[f"{RATIO_AMPLITUDE_NA}"] = runs["isf_trace"]
    builds = build_ratio(hoc_path, neuron)
    aligned = plain_run_with_values(hoc_path, neuron, differing)

    # accuracy against the legacy reference
    ours = {k: spike_times(*tr, 0.0) for k, tr in traces.items()}
    ref = {f"{a}": spike_times(*read_reference(f"step_current_{a}.csv"), 0.0) for a in STEP_AMPLITUDES_NA}
    ref["pulse"] = spike_times(*read_reference("step_rect5_1.9.csv"), 0.0)
    steps = [f"{a}" for a in STEP_AMPLITUDES_NA]
    first3 = [paired_abs_dt(ours[k], ref[k])[:3] for k in steps] + [paired_abs_dt(ours["pulse"], ref["pulse"])]
    first3_max = max((float(d.max()) for d in first3 if d.size), default=float("nan"))
    pooled = np.concatenate([paired_abs_dt(ours[k], ref[k]) for k in steps])
    median_dt = float(np.median(pooled)) if pooled.size else float("nan")

    # isf vs plain: same model, same spikes
    assert len(set(runs["isf_counts"])) == 1 and len(set(runs["plain_counts"])) == 1, "runs are not deterministic"
    assert runs["isf_counts"][0] == runs["plain_counts"][0], (
        f"plain NEURON gives {runs['plain_counts'][0]} spikes, isf {runs['isf_counts'][0]}")
    (t_i, v_i), (t_p, v_p), (t_a, v_a) = runs["isf_trace"], runs["plain_trace"], aligned
    same_time_base = t_i.shape == t_p.shape and bool(np.array_equal(t_i, t_p))
    max_dv = float(np.max(np.abs(v_i - v_p))) if same_time_base else None
    aligned_same_time_base = t_i.shape == t_a.shape and bool(np.array_equal(t_i, t_a))
    aligned_max_dv = float(np.max(np.abs(v_i - v_a))) if aligned_same_time_base else None
    plain_dt = paired_abs_dt(spike_times(t_p, v_p, 0.0), ours[f"{RATIO_AMPLITUDE_NA}"])
    worst = max(deltas, key=lambda k: deltas[k])

    run_isf, run_plain = median(runs["isf_s"]), median(runs["plain_s"])
    b = {k: 1e3 * median(v) for k, v in builds.items()}
    run_r, build_r = run_isf / run_plain, b["isf_fresh"] / b["plain"]

    read_build_r = b["isf_param"] / b["plain"]
    steps_i, steps_p = median(runs["isf_steps"]), median(runs["plain_steps"])
    per_step_r = (run_isf / steps_i) / (run_plain / steps_p)
    if max(run_r, build_r, read_build_r) > SLOW_RATIO:
        with_reading = build_r <= SLOW_RATIO < read_build_r and run_r <= SLOW_RATIO
        print(f"a ratio exceeds {SLOW_RATIO} (run {run_r:.3f}, build {build_r:.3f}, read+build {read_build_r:.3f}): "
              f"profile of {'read_cell_param + ' if with_reading else ''}build_cell, 3 fresh Cells")
        print(profile_isf(with_reading))

    rows: list[tuple[str, str, str, str]] = []
    for a in STEP_AMPLITUDES_NA:
        k = f"{a}"
        d = paired_abs_dt(ours[k], ref[k])
        rows.append((f"spikes, {a} nA step", str(len(ours[k])),
                     str(runs["plain_counts"][0]) if a == RATIO_AMPLITUDE_NA else "",
                     f"ref {len(ref[k])}; first-3 max |dt| {d[:3].max():.3f} ms" if d.size else f"ref {len(ref[k])}"))
    dp = paired_abs_dt(ours["pulse"], ref["pulse"])
    rows += [
        ("spikes, 5 ms 1.9 nA pulse", str(len(ours["pulse"])), "",
         f"ref {len(ref['pulse'])}; |dt| {dp.max():.3f} ms" if dp.size else f"ref {len(ref['pulse'])}"),
        ("first3_max_abs_dt_ms (vs reference)", f"{first3_max:.4f}", "", ""),
        ("median_abs_dt_ms (vs reference, pooled)", f"{median_dt:.4f}", "", ""),
        (f"isf vs plain: per-segment values ({len(deltas)} kinds), max rel |delta|", "", f"{deltas[worst]:.1g}",
         f"({worst}; nseg equal)"),
        (f"isf vs plain, {RATIO_AMPLITUDE_NA} nA: spike |dt| first 3 / all, ms", "",
         f"{plain_dt[:3].max():.2g} / {plain_dt.max():.2g}", ""),
        ("isf vs plain: max soma |dv|, mV", "", "time bases differ" if max_dv is None else f"{max_dv:.3g}", ""),
        (f"isf vs plain given isf's {', '.join(differing) or 'values'}: max |dv|, mV", "",
         "time bases differ" if aligned_max_dv is None else f"{aligned_max_dv:.3g}",
         "same time base" if aligned_same_time_base else ""),
        (f"build+run {RATIO_AMPLITUDE_NA} nA, median s", f"{run_isf:.3f}", f"{run_plain:.3f}", f"{run_r:.3f}"),
        ("  CVode steps (repeat runs bitwise identical?)",
         f"{steps_i:.0f} ({'yes' if runs['isf_deterministic'] else 'NO'})",
         f"{steps_p:.0f} ({'yes' if runs['plain_deterministic'] else 'NO'})", f"{steps_i / steps_p:.3f}"),
        ("  build+run time per CVode step, ms", f"{1e3 * run_isf / steps_i:.3f}", f"{1e3 * run_plain / steps_p:.3f}",
         f"{per_step_r:.3f}"),
        ("build from fresh typed Cell, median ms", f"{b['isf_fresh']:.1f}", f"{b['plain']:.1f}", f"{build_r:.3f}"),
        ("build from warm Cell (cached), median ms", f"{b['isf_warm']:.1f}", f"{b['plain']:.1f}",
         f"{b['isf_warm'] / b['plain']:.3f}"),
        ("read .param + hoc + build, median ms", f"{b['isf_param']:.1f}", f"{b['plain']:.1f}",
         f"{read_build_r:.3f}"),
    ]
    print(table(rows))
    print(f"(runs: {RUN_REPETITIONS} alternating repetitions each, builds: {BUILD_REPETITIONS}; "
          f"total {time.perf_counter() - started:.0f} s)")

    result = {
        "spike_counts": [len(ours[f"{a}"]) for a in STEP_AMPLITUDES_NA],
        "reference_spike_counts": [len(ref[f"{a}"]) for a in STEP_AMPLITUDES_NA],
        "pulse_spike_count": len(ours["pulse"]),
        "reference_pulse_spike_count": len(ref["pulse"]),
        "first3_max_abs_dt_ms": round(first3_max, 6),
        "median_abs_dt_ms": round(median_dt, 6),
        "run_ratio_vs_neuron": round(run_r, 4),
        "build_ratio_vs_neuron": round(build_r, 4),
        "build_ratio_warm_vs_neuron": round(b["isf_warm"] / b["plain"], 4),
        "read_and_build_ratio_vs_neuron": round(read_build_r, 4),
        "run_ratio_per_cvode_step": round(per_step_r, 4),
        "build_ms_isf": round(b["isf_fresh"], 2),
        "build_ms_isf_warm": round(b["isf_warm"], 2),
        "build_ms_isf_read_param": round(b["isf_param"], 2),
        "build_ms_neuron": round(b["plain"], 2),
        "run_s_isf": round(run_isf, 4),
        "run_s_neuron": round(run_plain, 4),
        "cvode_steps_isf": int(steps_i),
        "cvode_steps_neuron": int(steps_p),
        "plain_spike_count": runs["plain_counts"][0],
        "plain_max_abs_dv_mV": max_dv,
        "plain_first3_max_abs_dt_ms_vs_isf": float(f"{plain_dt[:3].max():.3g}"),
        "plain_with_isf_values_max_abs_dv_mV": aligned_max_dv,
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
