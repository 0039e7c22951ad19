"""Hay-evaluation benchmark: isf's full evaluation of morphology-89 models against plain NEURON.

Run from the repository root inside the venv::

    python benchmarks/hay_evaluation.py [--params CSV] [--rows i,j,…] [--workers W] [--quick]

``--params`` is a CSV of parameter vectors in ISF's naming (``ephys.*``, ``scale_apical.scale``; one
vector per row, first column the index), by default the copy of ``example_models_params.csv`` shipped
with isf; ``--rows`` are row positions (default: 0). Every row is evaluated with
:func:`~isf.fitting.setup.morphology89_setup` (the five Hay protocols bAP, BAC, StepOne/Two/Three;
``--quick``: bAP and BAC only, for a fast check).

What is measured:

1. **Cost relative to NEURON itself** (``ratio_vs_neuron``). isf's ``setup.evaluate(params)`` (a fresh
   cell per protocol, as ISF does; then the features and scores) is timed against a plain NEURON script
   doing the same simulations in the same process (``benchmarks/plain_neuron.py``; the legacy ``neuron``
   dict is written from isf's cell with ``cell_param_dict`` before the timing). For every protocol the script reads
   the hoc file, appends the Hay-2013 axon, sets nseg, inserts the mechanisms with per-segment values,
   applies ``scale_apical``, places the soma IClamp (and the BAC ``h.epsp`` at the apical trunk site
   located by LEGACY_FORMATS §8.2 with ``h.distance``), records the soma and the apical sites, runs with
   CVode (dt 0.025 ms, 34 °C, v_init −75 mV, ``init()`` then ``while (t < tstop) fadvance()``) and
   scores its traces with isf's pure-numpy ``evaluate_protocol``, which isf's evaluation calls too.
   isf and plain runs alternate (ABBA order) ``--repetitions`` times (default 3) per row; the ratio is
   that of the medians of the process CPU time (everything runs in this process; on a shared machine
   the wall time also holds the time spent waiting for a core, which varies by tens of per cent between
   repetitions; the wall-clock ratio is reported too, and ``ratio_vs_neuron_run_only`` compares isf's
   whole evaluation with the plain simulations and scoring alone, i.e. gives the plain script its
   slow per-point hoc parsing for free). Above 1.05 one isf evaluation is profiled (cProfile) and its
   hot spots printed (``--profile`` forces this).

2. **Same model.** Untimed: nseg and the per-segment values of both builds are compared, the trunk
   sites located by both, and the traces of bAP and BAC; from the timed runs, the spike counts and the
   final scores of every objective computed from the plain traces against isf's
   (``max_abs_diff_vs_plain_sigma``). NEURON's ``h.distance`` and isf's own distances differ in the last
   digits, so the exponential Ih (and the linear SKv3_1) differ by ~1e-15 relative and CVode takes a
   slightly different path: spike times drift by tiny amounts over the long step trains, which moves
   the step scores by up to a few hundredths of σ. Given isf's values of those parameters, the plain
   script reproduces isf's traces and scores exactly (``max_abs_diff_vs_plain_aligned_sigma``, an
   extra untimed plain evaluation).

3. **Parallel throughput** (``speedup_2_workers``). ``evaluate_many`` (loky) on ``--n-vectors`` vectors
   (default 4: the selected rows repeated) with ``Parallel(workers=1)`` (in this process) and ``workers=W``
   (``--workers``, default 2). The loky workers are started and have loaded the mechanisms before the
   timing (a short bAP-only warm-up whose wall time is reported as ``loky_warmup_s``). On a machine
   whose cores are busy with other work the wall-clock speedup cannot reach W; the CPU seconds of both
   runs (psutil, the workers) show how much of the cores the workers got, and
   ``speedup_W_workers_if_cores_free_estimate`` = W × CPU s (1 worker) / CPU s (W workers) is what the
   speedup would be if every worker had a core of its own (an estimate: slow-downs of the workers by each
   other, e.g. through shared caches, raise their CPU seconds and are included; the time a worker waits
   for a core is not).

The legacy evaluator (ISF, Python 2/3 with its own NEURON set-up) cannot run here, so
``legacy_reference_s`` is null; the absolute ``eval_s`` is printed for comparison with the legacy
evaluator on a machine of the same kind. Absolute seconds depend on whoever else uses the machine;
the ratios are the figures to read.

The last line printed is ``RESULT <json>``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # plain_neuron

import numpy as np
import pandas as pd
from neuron import h
from numpy.typing import NDArray
from _common import assert_no_sections, median
from plain_neuron import (
    PlainCell,
    nearest_segment_centre,
    plain_build,
    plain_integrate,
    plain_trunk_site,
    segment_table,
)

from isf.backends.neuron.build import build_cell
from isf.backends.parallel import Parallel
from isf.backends.neuron.mechanisms import load_mechanisms
from isf.data import hay89
from isf.dsl.cell_param import CellParameterFile, cell_param_dict
from isf.fitting.evaluation import evaluate_many
from isf.fitting.objectives import evaluate_protocol
from isf.fitting.protocols import Protocol
from isf.fitting.setup import HaySetup, morphology89_setup
from isf.model.simulation import Simulation
from isf.model.site import ApicalTrunk

SLOW_RATIO = 1.05
QUICK_PROTOCOLS = ("bAP", "BAC")
COMPARED_VALUES = ("diam", "cm", "g_pas", "e_pas", "gIhbar_Ih", "gCa_LVAstbar_Ca_LVAst", "gCa_HVAbar_Ca_HVA",
                   "gSKv3_1bar_SKv3_1", "gNaTa_tbar_NaTa_t", "gNap_Et2bar_Nap_Et2", "gK_Pstbar_K_Pst",
                   "gK_Tstbar_K_Tst", "gSK_E2bar_SK_E2", "gImbar_Im", "gamma_CaDynamics_E2_v2",
                   "decay_CaDynamics_E2_v2", "ek", "ena")
LEGACY_NOTE = ("the legacy ISF evaluator cannot run in this environment (no legacy installation); compare "
               "eval_s with the legacy evaluator's time for one full evaluation on a machine of the same kind")

Array = NDArray[np.float64]


# ----------------------------------------------------------------------------- helpers


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, return value) of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def legacy_neuron_block(setup: HaySetup, params: Mapping[str, float]) -> dict[str, Any]:
    """The legacy ``neuron`` dict of isf's cell of ``params`` (what the plain script builds from)."""
    # the file's sim block is not used: each protocol brings its own run settings
    return dict(cell_param_dict(CellParameterFile(setup.cell(params), Simulation(600.0)))["neuron"])


def read_vectors(path: Path, setup: HaySetup) -> pd.DataFrame:
    """The parameter vectors of a CSV (first column = index), restricted to the set-up's parameters."""
    table = pd.read_csv(path, index_col=0)
    missing = [n for n in setup.space.names if n not in table.columns]
    if missing:
        raise SystemExit(f"{path}: no column for {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")
    return table[list(setup.space.names)].astype(float)


def spike_counts(evaluation: Mapping[str, Any], protocols: Sequence[str]) -> dict[str, int]:
    """Somatic spike counts per protocol, from an evaluation's raw features (``mf`` is spikes per 2 s)."""
    out = {}
    for name in protocols:
        if name in ("bAP", "BAC"):
            out[name] = round(float(evaluation[f"{name}_spikecount.raw"]))
        else:
            k = {"StepOne": 1, "StepTwo": 2, "StepThree": 3}[name]
            out[name] = round(2.0 * float(evaluation[f"mf{k}.raw"]))
    return out


# ----------------------------------------------------------------------------- plain NEURON protocols
# The protocols as a NEURON user would write them from ISF's description (LEGACY_FORMATS §8.1), with
# the sites given by the legacy fixed-parameter names. No isf object is used to run them.


class PlainProtocol(NamedTuple):
    """One Hay protocol: soma IClamp (nA, ms, ms), optional epsp (site µm, imax nA, onset, tau0, tau1 ms),
    apical recording sites (µm of D_soma0), run length (ms)."""

    soma_step: tuple[float, float, float]
    epsp: tuple[float, float, float, float, float] | None
    apical_sites_um: tuple[float, ...]
    tstop_ms: float


def plain_protocols(full_params: Mapping[str, Any], names: Sequence[str]) -> dict[str, PlainProtocol]:
    """The Hay protocols of ``names`` with the sites of the fixed parameters."""
    p = full_params
    known = {
        "bAP": PlainProtocol((1.9, 295.0, 5.0), None,
                             (float(p["bAP.hay_measure.recSite1"]), float(p["bAP.hay_measure.recSite2"])), 600.0),
        "BAC": PlainProtocol((1.9, 295.0, 5.0), (float(p["BAC.stim.dist"]), 0.5, 300.0, 1.0, 5.0),
                             (float(p["BAC.hay_measure.recSite"]),), 600.0),
        "StepOne": PlainProtocol((0.619, 700.0, 2000.0), None, (), 3000.0),
        "StepTwo": PlainProtocol((0.793, 700.0, 2000.0), None, (), 3000.0),
        "StepThree": PlainProtocol((1.507, 700.0, 2000.0), None, (), 3000.0),
    }
    return {n: known[n] for n in names}


def plain_simulate(cell: PlainCell, protocol: PlainProtocol) -> tuple[Array, Array]:
    """Stimuli, recordings (soma first) and the run on a built plain cell; (t, v rows)."""
    amp, delay, dur = protocol.soma_step
    clamp = h.IClamp(cell.soma(0.5))
    clamp.amp, clamp.delay, clamp.dur = amp, delay, dur
    epsp = None
    if protocol.epsp is not None:
        dist, imax, onset, tau0, tau1 = protocol.epsp
        sid, x = plain_trunk_site(cell, dist)
        epsp = h.epsp(cell.sections[sid](x))
        epsp.onset, epsp.tau0, epsp.tau1, epsp.imax = onset, tau0, tau1, imax
    t_vec = h.Vector()
    t_vec.record(h._ref_t)
    segments = [cell.soma(0.5)]
    for dist in protocol.apical_sites_um:
        sid, x = plain_trunk_site(cell, dist)
        sec = cell.sections[sid]
        segments.append(sec(nearest_segment_centre(sec, x)))
    vectors = []
    for seg in segments:
        vec = h.Vector()
        vec.record(seg._ref_v)
        vectors.append(vec)
    plain_integrate(protocol.tstop_ms)
    out = np.array(t_vec), np.vstack([np.array(v) for v in vectors])
    del clamp, epsp, t_vec, vectors, segments
    return out


def plain_evaluate(hoc_path: Path, neuron: Mapping[str, Any], protocols: Mapping[str, PlainProtocol],
                   scoring: Mapping[str, Protocol], objectives: Sequence[Any],
                   overwrite: Mapping[str, Array] | None = None) -> dict[str, Any]:
    """Build, simulate and score every protocol with plain NEURON (a fresh cell per protocol, as ISF);
    ``scoring`` holds isf's protocol descriptions that ``evaluate_protocol`` needs (onset, duration …).
    ``overwrite`` (untimed checks only): per-segment values set after each build.
    Phases are timed in wall and CPU seconds."""
    scores: dict[str, Any] = {}
    traces: dict[str, tuple[Array, Array]] = {}
    phases = {f"{k}{u}": 0.0 for k in ("build", "simulate", "score") for u in ("", "_cpu")}
    for name, protocol in protocols.items():
        w0, c0 = time.perf_counter(), time.process_time()
        cell = plain_build(hoc_path, neuron)
        if overwrite:
            overwrite_segment_values(cell.sections, overwrite)
        w1, c1 = time.perf_counter(), time.process_time()
        t, v = plain_simulate(cell, protocol)
        cell.free()
        w2, c2 = time.perf_counter(), time.process_time()
        scores.update(evaluate_protocol(scoring[name], t, list(v), objectives))
        w3, c3 = time.perf_counter(), time.process_time()
        traces[name] = (t, v)
        for key, wall, cpu in (("build", w1 - w0, c1 - c0), ("simulate", w2 - w1, c2 - c1), ("score", w3 - w2, c3 - c2)):
            phases[key] += wall
            phases[f"{key}_cpu"] += cpu
    return {"scores": scores, "traces": traces, "phases": phases}


def overwrite_segment_values(sections: Sequence[Any], values: Mapping[str, Array]) -> None:
    """Set per-segment values (section order; NaN = leave alone)."""
    segments = [seg for sec in sections for seg in sec]
    for name, array in values.items():
        for seg, value in zip(segments, array.tolist()):
            if not np.isnan(value):
                setattr(seg, name, value)


# ----------------------------------------------------------------------------- checks (untimed)


def check_same_model(setup: HaySetup, params: Mapping[str, float], hoc_path: Path,
                     neuron: Mapping[str, Any], sites_um: Sequence[float]) -> dict[str, Any]:
    """Build isf's and the plain cell side by side: nseg, per-segment values, trunk sites."""
    cell = setup.cell(params)
    built = build_cell(cell)
    plain = plain_build(hoc_path, neuron)
    same_nseg = tuple(int(sec.nseg) for sec in plain.sections) == tuple(cell.nseg)
    deltas: dict[str, float] = {}
    differing: dict[str, Array] = {}
    for name in COMPARED_VALUES:
        ours, theirs = segment_table(built.sections, name), segment_table(plain.sections, name)
        if not np.array_equal(np.isnan(ours), np.isnan(theirs)):
            deltas[name] = float("inf")
            continue
        scale = float(np.nanmax(np.abs(ours))) if np.any(~np.isnan(ours)) else 1.0
        deltas[name] = float(np.nanmax(np.abs(ours - theirs))) / (scale or 1.0) if np.any(~np.isnan(ours)) else 0.0
        if deltas[name] > 0:
            differing[name] = ours
    sites = []
    for dist in sorted(set(sites_um)):
        isf_sid, isf_x = ApicalTrunk(dist).resolve(cell, snap=False)
        plain_sid, plain_x = plain_trunk_site(plain, dist)
        nseg = int(plain.sections[plain_sid].nseg)
        sites.append({"distance_um": dist, "isf": [isf_sid, isf_x], "plain": [plain_sid, plain_x],
                      "same_segment": isf_sid == plain_sid
                      and min(int(isf_x * nseg), nseg - 1) == min(int(plain_x * nseg), nseg - 1)})
    built.sections.clear()
    plain.free()
    del built, plain
    assert_no_sections("after the model comparison")
    worst = max(deltas, key=lambda k: deltas[k])
    return {"same_nseg": same_nseg, "max_rel_delta": deltas[worst], "worst_value": worst, "differing": differing,
            "sites": sites, "same_sites": all(s["same_segment"] for s in sites)}


def trace_delta(isf_trace: tuple[Array, Array], plain_trace: tuple[Array, Array]) -> dict[str, Any]:
    """Step counts, whether the time bases are identical, max |dv| (plain interpolated onto isf's times)."""
    (t_i, v_i), (t_p, v_p) = isf_trace, plain_trace
    same_base = t_i.shape == t_p.shape and bool(np.array_equal(t_i, t_p))
    if same_base:
        dv = float(np.max(np.abs(v_i - v_p)))
    else:
        dv = max(float(np.max(np.abs(a - np.interp(t_i, t_p, b)))) for a, b in zip(v_i, v_p))
    return {"same_time_base": same_base, "cvode_steps_isf": int(t_i.size - 1), "cvode_steps_plain": int(t_p.size - 1),
            "max_abs_dv_mV": dv}


def compare_traces(setup: HaySetup, params: Mapping[str, float], plain_traces: Mapping[str, tuple[Array, Array]],
                   aligned_traces: Mapping[str, tuple[Array, Array]]) -> dict[str, Any]:
    """isf's traces (``setup.simulate``) of the short protocols against the plain ones, and against the
    plain ones given isf's values of the per-segment parameters that differ in the last digits."""
    names = [n for n in QUICK_PROTOCOLS if n in plain_traces]
    ours = setup.simulate(params, names)
    out: dict[str, Any] = {}
    for name in names:
        isf_trace = (ours[name].t_ms, ours[name].v_mV)
        out[name] = {**trace_delta(isf_trace, plain_traces[name]), "aligned": trace_delta(isf_trace, aligned_traces[name])}
    assert_no_sections("after the trace comparison")
    return out


# ----------------------------------------------------------------------------- measurements


def ratio_runs(setup: HaySetup, params: Mapping[str, float], hoc_path: Path, neuron: Mapping[str, Any],
               protocols: Mapping[str, PlainProtocol], repetitions: int) -> dict[str, Any]:
    """Alternating (ABBA) full evaluations of one vector: isf ``setup.evaluate`` vs plain NEURON."""
    scoring = setup.protocol_values
    objectives = setup.objectives
    out: dict[str, Any] = {"isf_s": [], "isf_cpu_s": [], "plain_s": [], "plain_cpu_s": [],
                           "isf_eval": [], "plain": []}

    def one_isf() -> None:
        wall, cpu, evaluation = timed(lambda: setup.evaluate(params))
        assert_no_sections("after an isf evaluation")
        out["isf_s"].append(wall)
        out["isf_cpu_s"].append(cpu)
        out["isf_eval"].append(evaluation)

    def one_plain() -> None:
        wall, cpu, result = timed(lambda: plain_evaluate(hoc_path, neuron, protocols, scoring, objectives))
        assert_no_sections("after a plain evaluation")
        out["plain_s"].append(wall)
        out["plain_cpu_s"].append(cpu)
        out["plain"].append(result)

    for rep in range(repetitions):
        for fn in ((one_isf, one_plain) if rep % 2 == 0 else (one_plain, one_isf)):
            fn()
    return out


def profile_isf(setup: HaySetup, params: Mapping[str, float], top: int = 25) -> tuple[str, dict[str, float]]:
    """cProfile of one isf evaluation: the costliest functions by own time, and cumulative times of
    the phases of ``HaySetup.evaluate``."""
    profiler = cProfile.Profile()
    profiler.enable()
    setup.evaluate(params)
    profiler.disable()
    assert_no_sections("after profiling")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    phases: dict[str, float] = {}
    wanted = {("setup.py", "evaluate"): "evaluate (total)", ("setup.py", "cell"): "HaySetup.cell (typed cell)",
              ("build.py", "build_cell"): "build_cell", ("simulate.py", "run"): "run (init + fadvance)",
              ("simulate.py", "place_stimulus"): "place_stimulus", ("simulate.py", "__init__"): "Recorder",
              ("setup.py", "evaluate_traces"): "evaluate_traces (features)"}
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, func), (_cc, _nc, _tt, ct, _callers) in raw.items():
        key = (Path(filename).name, func)
        if key in wanted and "isf" in filename:
            phases[wanted[key]] = phases.get(wanted[key], 0.0) + ct
    return out.getvalue(), phases


def children_cpu_s() -> float | None:
    """CPU seconds used so far by this process's live child processes (the loky workers); None without
    psutil."""
    try:
        import psutil
    except ImportError:
        return None
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def parallel_runs(setup: HaySetup, vectors: pd.DataFrame, workers: int) -> dict[str, Any]:
    """Wall time of ``evaluate_many`` with 1 and with ``workers`` loky workers (workers warmed up), and the
    CPU seconds each run used (this process, resp. the workers)."""
    one_s, one_cpu, one = timed(lambda: evaluate_many(setup, vectors, parallel=Parallel(workers=1, progress=False)))
    assert_no_sections("after evaluate_many with 1 worker")
    warm_setup = morphology89_setup(protocols=("bAP",))
    warm_s, _, _ = timed(lambda: evaluate_many(warm_setup, vectors.iloc[:workers],
                                               parallel=Parallel(workers=workers, progress=False)))
    before = children_cpu_s()
    many_s, _, many = timed(lambda: evaluate_many(setup, vectors, parallel=Parallel(workers=workers, progress=False)))
    after = children_cpu_s()
    many_cpu = None if before is None or after is None else after - before
    names = list(setup.objective_names)
    diff = float(np.max(np.abs(one[names].to_numpy(float) - many[names].to_numpy(float))))
    # each evaluation's own wall time (HaySetup.evaluate's eval_s): longer with W workers = CPU contention
    per_eval = (median(one["eval_s"].astype(float).tolist()), median(many["eval_s"].astype(float).tolist()))
    # share of the workers' wall time spent inside evaluations (1 = no dispatch or idle overhead)
    busy = (float(one["eval_s"].astype(float).sum()) / one_s,
            float(many["eval_s"].astype(float).sum()) / (workers * many_s))
    return {"one_s": one_s, "many_s": many_s, "warmup_s": warm_s, "max_abs_diff_sigma": diff,
            "per_eval_s": per_eval, "busy": busy, "one_cpu_s": one_cpu, "many_cpu_s": many_cpu}


# ----------------------------------------------------------------------------- report


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned text table (first column left-aligned, the others right-aligned)."""
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--params", type=Path, default=None,
                        help="CSV of parameter vectors (default: isf's example_models_params.csv of morphology 89)")
    parser.add_argument("--rows", default="0", help="comma-separated row positions (default: 0)")
    parser.add_argument("--workers", type=int, default=2, help="loky workers of the parallel run (default: 2)")
    parser.add_argument("--repetitions", type=int, default=3, help="alternating isf/plain repetitions per row (≥ 3)")
    parser.add_argument("--n-vectors", type=int, default=4, help="vectors of the parallel comparison (rows repeated)")
    parser.add_argument("--quick", action="store_true", help="bAP and BAC protocols only (fast check)")
    parser.add_argument("--profile", action="store_true", help="profile one isf evaluation even if the ratio is fine")
    parser.add_argument("--skip-parallel", action="store_true", help="skip the evaluate_many comparison")
    args = parser.parse_args(argv)
    if args.repetitions < 1 or args.workers < 2 or args.n_vectors < 1:
        parser.error("--repetitions ≥ 1, --workers ≥ 2 and --n-vectors ≥ 1 are required")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    load_mechanisms()  # compiled NMODL library, loaded once per process (used by both sides)
    h.load_file("stdrun.hoc")
    setup = morphology89_setup(protocols=QUICK_PROTOCOLS) if args.quick else morphology89_setup()
    params_path = args.params or hay89("example_models_params.csv")
    vectors = read_vectors(params_path, setup)
    positions = [int(r) for r in args.rows.split(",") if r.strip()]
    bad = [p for p in positions if not 0 <= p < len(vectors)]
    if bad or not positions:
        raise SystemExit(f"--rows {args.rows}: positions must lie in 0..{len(vectors) - 1}")
    selected = vectors.iloc[positions]
    hoc_path = hay89("89_C2.hoc")
    names = list(setup.objective_names)
    assert_no_sections("at start")
    print(f"{len(selected)} vector(s) of {params_path}, protocols {', '.join(setup.protocols)}, "
          f"{len(names)} objectives; {args.repetitions} alternating repetitions per row")

    per_row: list[dict[str, Any]] = []
    for label, row in selected.iterrows():
        params = {str(k): float(v) for k, v in row.items()}
        full = {**setup.fixed.as_params(), **params}
        neuron = legacy_neuron_block(setup, params)  # untimed, as allowed for the plain script
        protocols = plain_protocols(full, setup.protocols)
        sites = [d for p in protocols.values() for d in p.apical_sites_um + ((p.epsp[0],) if p.epsp else ())]
        model = check_same_model(setup, params, hoc_path, neuron, sites)
        runs = ratio_runs(setup, params, hoc_path, neuron, protocols, args.repetitions)
        # untimed: the plain model given isf's last-digit-different values must reproduce isf exactly
        aligned = plain_evaluate(hoc_path, neuron, protocols, setup.protocol_values, setup.objectives,
                                 overwrite=model["differing"])
        assert_no_sections("after the aligned plain evaluation")
        traces = compare_traces(setup, params, runs["plain"][0]["traces"], aligned["traces"])
        isf_scores = [{n: float(e[n]) for n in names} for e in runs["isf_eval"]]
        plain_scores = [{n: float(p["scores"][n]) for n in names} for p in runs["plain"]]
        diff = max(abs(isf_scores[0][n] - plain_scores[0][n]) for n in names)
        aligned_diff = max(abs(isf_scores[0][n] - float(aligned["scores"][n])) for n in names)
        per_row.append({
            "label": str(label), "model": model, "traces": traces, "runs": runs,
            "objectives": isf_scores[0], "plain_objectives": plain_scores[0], "max_abs_diff_sigma": diff,
            "aligned_max_abs_diff_sigma": aligned_diff,
            "isf_deterministic": all(s == isf_scores[0] for s in isf_scores),
            "plain_deterministic": all(s == plain_scores[0] for s in plain_scores),
            "isf_spikes": spike_counts(runs["isf_eval"][0], setup.protocols),
            "plain_spikes": spike_counts(runs["plain"][0]["scores"], setup.protocols),
            "eval_s": median(runs["isf_s"]), "neuron_s": median(runs["plain_s"]),
            "eval_cpu_s": median(runs["isf_cpu_s"]), "neuron_cpu_s": median(runs["plain_cpu_s"]),
            "aligned_spikes": spike_counts(aligned["scores"], setup.protocols),
            "paired": [a / b for a, b in zip(runs["isf_s"], runs["plain_s"])],
            "paired_cpu": [a / b for a, b in zip(runs["isf_cpu_s"], runs["plain_cpu_s"])],
            "plain_phases": {k: median([p["phases"][k] for p in runs["plain"]]) for k in runs["plain"][0]["phases"]},
        })

    # The ratio is taken on process CPU time: on a shared machine the wall time also holds the time this
    # process waited for a core (it varies by tens of per cent between repetitions); the wall ratio is
    # reported next to it.
    eval_cpu_total = sum(r["eval_cpu_s"] for r in per_row)
    ratio_wall = sum(r["eval_s"] for r in per_row) / sum(r["neuron_s"] for r in per_row)
    ratio = eval_cpu_total / sum(r["neuron_cpu_s"] for r in per_row)
    ratio_paired = median([x for r in per_row for x in r["paired_cpu"]])
    max_diff = max(r["max_abs_diff_sigma"] for r in per_row)
    # conservative: the plain script's hoc parsing (one pt3dadd call per point) is slow, so compare isf's
    # whole evaluation with the plain simulations and scoring alone as well
    ratio_run_only = eval_cpu_total / sum(r["plain_phases"]["simulate_cpu"] + r["plain_phases"]["score_cpu"]
                                          for r in per_row)

    profile_text, isf_phases = "", {}
    if args.profile or max(ratio, ratio_wall) > SLOW_RATIO:
        first = {str(k): float(v) for k, v in selected.iloc[0].items()}
        profile_text, isf_phases = profile_isf(setup, first)

    parallel: dict[str, Any] | None = None
    if not args.skip_parallel:
        rows_cycled = [selected.iloc[i % len(selected)] for i in range(args.n_vectors)]
        parallel = parallel_runs(setup, pd.DataFrame(rows_cycled).reset_index(drop=True), args.workers)

    # ------------------------------------------------------------------ tables
    header = ("objective (final score, σ)", *(f"isf row {r['label']}" for r in per_row), "max |isf - plain|")
    obj_rows = [(n, *(f"{r['objectives'][n]:.4g}" for r in per_row),
                 f"{max(abs(r['objectives'][n] - r['plain_objectives'][n]) for r in per_row):.3g}") for n in names]
    print(table(header, obj_rows))
    print()
    rows: list[tuple[str, str, str, str]] = []
    for r in per_row:
        m = r["model"]
        rows += [
            (f"row {r['label']}: one evaluation, median wall s", f"{r['eval_s']:.3f}", f"{r['neuron_s']:.3f}",
             f"{r['eval_s'] / r['neuron_s']:.3f}"),
            ("  median CPU s", f"{r['eval_cpu_s']:.3f}", f"{r['neuron_cpu_s']:.3f}",
             f"{r['eval_cpu_s'] / r['neuron_cpu_s']:.3f}"),
            ("  per repetition, wall s (isf / plain)", " ".join(f"{x:.2f}" for x in r["runs"]["isf_s"]),
             " ".join(f"{x:.2f}" for x in r["runs"]["plain_s"]), " ".join(f"{x:.3f}" for x in r["paired"])),
            ("  per repetition, CPU s (isf / plain)", " ".join(f"{x:.2f}" for x in r["runs"]["isf_cpu_s"]),
             " ".join(f"{x:.2f}" for x in r["runs"]["plain_cpu_s"]), " ".join(f"{x:.3f}" for x in r["paired_cpu"])),
            ("  plain phases build / simulate / score, CPU s", "",
             " / ".join(f"{r['plain_phases'][k + '_cpu']:.2f}" for k in ("build", "simulate", "score")), ""),
            ("  spike counts " + "/".join(setup.protocols), "/".join(str(v) for v in r["isf_spikes"].values()),
             "/".join(str(v) for v in r["plain_spikes"].values()),
             "equal" if r["isf_spikes"] == r["plain_spikes"] else "DIFFER"),
            ("  objectives max |isf - plain|, σ", "", f"{r['max_abs_diff_sigma']:.3g}", ""),
            (f"  plain given isf's {', '.join(m['differing']) or 'values'}: spikes, objectives max |delta| σ", "",
             "/".join(str(v) for v in r["aligned_spikes"].values()), f"{r['aligned_max_abs_diff_sigma']:.3g}"),
            ("  repeat evaluations identical?", "yes" if r["isf_deterministic"] else "NO",
             "yes" if r["plain_deterministic"] else "NO", ""),
            ((f"  same model: nseg {'equal' if m['same_nseg'] else 'DIFFER'}, trunk sites "
             f"{'equal' if m['same_sites'] else 'DIFFER'}; per-segment max rel |delta|"), "",
             f"{m['max_rel_delta']:.1g}", f"({m['worst_value']})"),
        ]
        for name, tr in r["traces"].items():
            al = tr["aligned"]
            rows.append((f"  {name} traces: CVode steps, max |dv| mV", str(tr["cvode_steps_isf"]),
                         str(tr["cvode_steps_plain"]),
                         f"{tr['max_abs_dv_mV']:.3g} ({'same' if tr['same_time_base'] else 'different'} times)"))
            rows.append((f"  {name} plain given isf's {', '.join(m['differing']) or 'values'}: max |dv| mV", "",
                         str(al["cvode_steps_plain"]),
                         f"{al['max_abs_dv_mV']:.3g} ({'same' if al['same_time_base'] else 'different'} times)"))
    rows.append(("ratio_vs_neuron (medians of CPU s; wall s)", "", "", f"{ratio:.3f}; wall {ratio_wall:.3f}"))
    rows.append(("  median of paired per-repetition CPU ratios", "", "", f"{ratio_paired:.3f}"))
    rows.append(("  isf evaluation / plain simulate + score only (plain build free), CPU", "", "",
                 f"{ratio_run_only:.3f}"))
    if parallel is not None:
        n = args.n_vectors
        w = args.workers
        rows += [
            (f"evaluate_many, {n} vectors: 1 worker / {w} workers, wall s", f"{parallel['one_s']:.2f}",
             f"{parallel['many_s']:.2f}", ""),
            ("  evaluations per second, 1 / W workers", f"{n / parallel['one_s']:.4f}",
             f"{n / parallel['many_s']:.4f}", f"speedup {parallel['one_s'] / parallel['many_s']:.3f}"),
            ("  median eval_s of one evaluation inside the run, s", f"{parallel['per_eval_s'][0]:.2f}",
             f"{parallel['per_eval_s'][1]:.2f}", "higher with W: CPU contention"),
            ("  share of worker wall time inside evaluations", f"{parallel['busy'][0]:.3f}",
             f"{parallel['busy'][1]:.3f}", "1 = no dispatch / idle overhead"),
            ("  CPU s used (this process / the workers)", f"{parallel['one_cpu_s']:.2f}",
             "n/a" if parallel["many_cpu_s"] is None else f"{parallel['many_cpu_s']:.2f}", ""),
            ("  share of the cores obtained (CPU s / (workers × wall s))", f"{parallel['one_cpu_s'] / parallel['one_s']:.3f}",
             "n/a" if parallel["many_cpu_s"] is None else f"{parallel['many_cpu_s'] / (w * parallel['many_s']):.3f}",
             "< 1: other processes held the cores"),
            ("  estimated speedup with free cores: W × CPU s (1) / CPU s (W)", "", "",
             "n/a" if parallel["many_cpu_s"] is None else f"{w * parallel['one_cpu_s'] / parallel['many_cpu_s']:.3f}"),
            ("  loky warm-up (start, imports, mechanisms, bAP), s", f"{parallel['warmup_s']:.2f}", "", ""),
            ("  scores of 1 vs W workers, max |delta| σ", f"{parallel['max_abs_diff_sigma']:.3g}", "", ""),
        ]
    print(table(("measurement", "isf", "plain NEURON", "ratio / note"), rows))
    if isf_phases:
        print()
        print("cumulative seconds in one profiled isf evaluation: "
              + ", ".join(f"{k} {v:.3f}" for k, v in isf_phases.items()))
    if profile_text:
        print(f"profile of one isf evaluation (ratio {ratio:.3f} CPU, {ratio_wall:.3f} wall; threshold {SLOW_RATIO}):")
        print(profile_text)
    print(f"legacy reference: {LEGACY_NOTE}; isf eval_s per row: "
          + ", ".join(f"{r['eval_s']:.2f} s" for r in per_row))
    print(f"(total {time.perf_counter() - started:.0f} s; absolute seconds are noisy when others use the CPUs)")

    result: dict[str, Any] = {
        "rows": [r["label"] for r in per_row],
        "protocols": list(setup.protocols),
        "objectives": [r["objectives"] for r in per_row],
        "eval_s": [round(r["eval_s"], 4) for r in per_row],
        "neuron_s": [round(r["neuron_s"], 4) for r in per_row],
        "eval_cpu_s": [round(r["eval_cpu_s"], 4) for r in per_row],
        "neuron_cpu_s": [round(r["neuron_cpu_s"], 4) for r in per_row],
        "ratio_vs_neuron": round(ratio, 4),
        "ratio_basis": "process CPU time, medians of alternating repetitions",
        "ratio_vs_neuron_wall": round(ratio_wall, 4),
        "ratio_vs_neuron_paired_median": round(ratio_paired, 4),
        "ratio_vs_neuron_run_only": round(ratio_run_only, 4),
        "plain_phases_s": [{k: round(v, 4) for k, v in r["plain_phases"].items()} for r in per_row],
        "max_abs_diff_vs_plain_sigma": max_diff,
        "max_abs_diff_vs_plain_aligned_sigma": max(r["aligned_max_abs_diff_sigma"] for r in per_row),
        "spike_counts": [r["isf_spikes"] for r in per_row],
        "plain_spike_counts_equal": all(r["isf_spikes"] == r["plain_spikes"] for r in per_row),
        "same_model": all(r["model"]["same_nseg"] and r["model"]["same_sites"] for r in per_row),
        "plain_max_rel_segment_delta": max(r["model"]["max_rel_delta"] for r in per_row),
        "trace_max_abs_dv_mV": {f"{r['label']}/{k}": v["max_abs_dv_mV"] for r in per_row for k, v in r["traces"].items()},
        "trace_aligned_max_abs_dv_mV": {f"{r['label']}/{k}": v["aligned"]["max_abs_dv_mV"]
                                        for r in per_row for k, v in r["traces"].items()},
        "repetitions": args.repetitions,
    }
    if parallel is not None:
        n, w = args.n_vectors, args.workers
        result.update({
            "n_vectors": n,
            "evals_per_s_1_worker": round(n / parallel["one_s"], 5),
            f"evals_per_s_{w}_workers": round(n / parallel["many_s"], 5),
            f"speedup_{w}_workers": round(parallel["one_s"] / parallel["many_s"], 4),
            "loky_warmup_s": round(parallel["warmup_s"], 3),
            "median_eval_s_in_parallel_runs": [round(x, 3) for x in parallel["per_eval_s"]],
            "worker_busy_fraction": [round(x, 4) for x in parallel["busy"]],
            "parallel_cpu_s": [round(parallel["one_cpu_s"], 3),
                               None if parallel["many_cpu_s"] is None else round(parallel["many_cpu_s"], 3)],
            f"speedup_{w}_workers_if_cores_free_estimate": None if parallel["many_cpu_s"] is None
            else round(w * parallel["one_cpu_s"] / parallel["many_cpu_s"], 4),
            "parallel_max_abs_diff_sigma": parallel["max_abs_diff_sigma"],
        })
    result.update({"legacy_reference_s": None, "legacy_note": LEGACY_NOTE,
                   "total_s": round(time.perf_counter() - started, 1)})
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
