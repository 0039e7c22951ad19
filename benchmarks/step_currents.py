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
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

STEP_AMPLITUDES_NA = (0.619, 0.793, 1.507)
STEP_DELAY_MS, STEP_DURATION_MS, STEP_TSTOP_MS = 500.0, 2000.0, 3000.0
PULSE_AMPLITUDE_NA, PULSE_DELAY_MS, PULSE_DURATION_MS, PULSE_TSTOP_MS = 1.9, 150.0, 5.0, 250.0
RATIO_AMPLITUDE_NA = 0.793
RUN_REPETITIONS = 3
BUILD_REPETITIONS = 7
SLOW_RATIO = 1.05


def shared_data_dir() -> Path | None:
    """``$ISF_SHARED_DATA`` or ``<repo>/../shared/data/isf``, if it exists."""
    env = os.environ.get("ISF_SHARED_DATA")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "data" / "isf"
    return path if path.is_dir() else None


SHARED = shared_data_dir()
if SHARED is None:
    print("shared data not found (set ISF_SHARED_DATA or provide ../shared/data/isf); benchmark skipped")
    print("RESULT " + json.dumps({"skipped": "no shared data"}))
    sys.exit(0)

import numpy as np  # noqa: E402
from neuron import h  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

from isf.analysis.spikes import spike_times  # noqa: E402
from isf.backends.neuron.build import build_cell, section_count  # noqa: E402
from isf.backends.neuron.mechanisms import load_mechanisms  # noqa: E402
from isf.backends.neuron.simulate import simulate  # noqa: E402
from isf.dsl.cell_param import CellParameterFile, read_cell_param  # noqa: E402
from isf.dsl.param_format import read_param  # noqa: E402
from isf.model.cell import Cell  # noqa: E402
from isf.model.experiment import Experiment  # noqa: E402
from isf.model.simulation import Simulation  # noqa: E402
from isf.model.stimulus import CurrentStep  # noqa: E402

PARAM_FILE = SHARED / "cell_params" / "86_C2_center.param"
SEARCH_ROOTS = [SHARED / "morphologies", SHARED / "recording_sites"]
REFERENCE_DIR = SHARED / "reference" / "step_currents"

Trace = tuple[NDArray[np.float64], NDArray[np.float64]]


# ----------------------------------------------------------------------------- helpers


def read_reference(name: str) -> Trace:
    """(t_ms, v_mV) of a reference CSV."""
    data = np.loadtxt(REFERENCE_DIR / name, delimiter=",", skiprows=1)
    return data[:, 0], data[:, 1]


def paired_abs_dt(ours: NDArray[np.float64], reference: NDArray[np.float64]) -> NDArray[np.float64]:
    """|Δt| of spikes paired by index (as many pairs as the shorter train has spikes)."""
    n = min(len(ours), len(reference))
    return np.abs(ours[:n] - reference[:n])


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(wall seconds, return value) of ``fn()``."""
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def assert_no_sections(where: str) -> None:
    count = section_count()
    assert count == 0, f"{where}: {count} NEURON sections still alive"


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
# Nothing below uses isf: it is the script a NEURON user would write by hand
# from the hoc file and the .param dict (read with read_param outside any timing).

HOC_LABELS = (("soma", "Soma"), ("dend", "Dendrite"), ("BasalDendrite", "Dendrite"),
              ("apical", "ApicalDendrite"), ("axon", "Axon"))
#: Hay et al. 2013 axon: (name, label, length µm, points = nseg, diameter start, end µm)
HAY2013_AXON = (("axon_0", "AIS", 20.0, 5, 3.0, 1.75),
                ("axon_0_0", "AIS", 30.0, 7, 1.75, 1.0),
                ("axon_0_0_0", "Myelin", 1000.0, 21, 1.0, 1.0))
DISTRIBUTION_KEYS = {"uniform": (), "uniform_range": ("begin", "end", "outsidescale"),
                     "exponential": ("distance", "offset", "linScale", "_lambda", "xOffset")}


class PlainCell:
    """Sections of the plain-NEURON model; ``free()`` drops every reference to them."""

    def __init__(self) -> None:
        self.sections: list[Any] = []
        self.labels: list[str] = []
        self.parents: list[int | None] = []
        self.diameters: list[list[float]] = []
        self.soma_points: list[tuple[float, float, float]] = []

    @property
    def soma(self) -> Any:
        return self.sections[self.labels.index("Soma")]

    def ids(self, label: str) -> list[int]:
        return [i for i, lab in enumerate(self.labels) if lab == label]

    def free(self) -> None:
        self.sections.clear()


def plain_read_hoc(path: Path, cell: PlainCell) -> None:
    """Create the sections of an ISF-style hoc file (pt3dadd per point) and connect them."""
    connects: dict[int, tuple[str, float]] = {}
    by_name: dict[str, int] = {}
    current = None
    with open(path) as f:
        for line in f:
            if current is not None:
                if "pt3dadd" in line:
                    x, y, z, d = (float(v) for v in line[line.index("(") + 1 : line.index(")")].split(","))
                    h.pt3dadd(x, y, z, d, sec=current)
                    cell.diameters[-1].append(d)
                    if cell.labels[-1] == "Soma":
                        cell.soma_points.append((x, y, z))
                    continue
                if cell.diameters[-1]:
                    current = None
            if "create" in line:
                name = line.replace("{", " ").replace("}", " ").split()[1]
                label = next((lab for needle, lab in HOC_LABELS if needle in line), None)
                if label is None:
                    current = None
                    continue
                current = h.Section(name=name)
                by_name[name] = len(cell.sections)
                cell.sections.append(current)
                cell.labels.append(label)
                cell.parents.append(None)
                cell.diameters.append([])
            if "connect" in line:
                target = line[line.index(",") + 1 :].strip().strip("{}").strip()
                connects[len(cell.sections) - 1] = (target[: target.index("(")], float(target[target.index("(") + 1 : target.index(")")]))
    for child, (parent_name, x) in connects.items():
        parent = by_name[parent_name]
        cell.parents[child] = parent
        cell.sections[child].connect(cell.sections[parent](0.5 if cell.labels[parent] == "Soma" else x), 0)


def plain_add_axon(cell: PlainCell) -> None:
    """Append the Hay-2013 axon straight down from the soma bottom (LEGACY_FORMATS §1.6)."""
    n = len(cell.soma_points)
    cx, cy, cz = cell.soma_points[n // 2]
    z0 = cz - 0.5 * cell.diameters[cell.labels.index("Soma")][n // 2]
    parent, parent_x, offset = cell.labels.index("Soma"), 0.5, 0.0
    for name, label, length, points, d0, d1 in HAY2013_AXON:
        sec = h.Section(name=name)
        diams = [d0 + (d1 - d0) * i / (points - 1) for i in range(points)]
        for i, d in enumerate(diams):
            h.pt3dadd(cx, cy, z0 - (offset + length * i / (points - 1)), d, sec=sec)
        sec.connect(cell.sections[parent](parent_x), 0)
        cell.sections.append(sec)
        cell.labels.append(label)
        cell.parents.append(parent)
        cell.diameters.append(diams)
        parent, parent_x, offset = len(cell.sections) - 1, 1.0, offset + length


def plain_nseg(cell: PlainCell, frequency_hz: float = 100.0) -> None:
    """ISF's d-lambda rule (mid-point diameter, +0.5 rounding); the axon keeps one segment per point."""
    for sec, label, diams in zip(cell.sections, cell.labels, cell.diameters):
        if label in ("AIS", "Myelin"):
            sec.nseg = len(diams)
            continue
        d = diams[len(diams) // 2]
        lam = 1e5 * math.sqrt(d / (4.0 * math.pi * frequency_hz * sec.Ra * sec.cm))
        sec.nseg = 2 * int((sec.L / (0.1 * lam) + 0.5) / 2.0) + 1


def plain_root_distance(cell: PlainCell, label: str) -> tuple[Callable[[Any], float], float]:
    """(D_root of a segment, maxDist) for a label: origin at the 0-end of its first section on the soma."""
    soma = cell.labels.index("Soma")
    roots = [i for i in cell.ids(label) if cell.parents[i] == soma]
    origin = cell.sections[roots[0]](0)
    children: dict[int, list[int]] = {}
    for i, p in enumerate(cell.parents):
        if p is not None:
            children.setdefault(p, []).append(i)
    max_dist, stack = 0.0, list(roots)
    while stack:
        i = stack.pop()
        if i in children:
            stack.extend(children[i])
        else:
            max_dist = max(max_dist, h.distance(origin, cell.sections[i](1)))
    return (lambda seg: h.distance(origin, seg)), max_dist


def plain_mechanisms(cell: PlainCell, label: str, block: Mapping[str, Any]) -> None:
    """Insert one region's range mechanisms with their values, then its ions."""
    secs = [cell.sections[i] for i in cell.ids(label)]
    distance: Callable[[Any], float] | None = None
    max_dist = 0.0
    for mech, spec in block.get("mechanisms", {}).get("range", {}).items():
        spatial = spec["spatial"]
        if spatial not in DISTRIBUTION_KEYS:
            raise NotImplementedError(f"plain benchmark: spatial {spatial!r}")
        params = {k: v for k, v in spec.items() if k != "spatial" and k not in DISTRIBUTION_KEYS[spatial]}
        for sec in secs:
            sec.insert(mech)
        if spatial == "uniform":
            for name, value in params.items():
                for sec in secs:
                    setattr(sec, f"{name}_{mech}", value)
            continue
        if distance is None:
            distance, max_dist = plain_root_distance(cell, label)
        for sec in secs:
            for seg in sec:
                d = distance(seg)
                for name, value in params.items():
                    if spatial == "uniform_range":
                        inside = spec["begin"] <= d <= spec["end"]
                        v = value if inside else value * spec["outsidescale"]
                    else:
                        x = d / max_dist if spec["distance"] == "relative" else d
                        v = value * (spec["offset"] + spec["linScale"] * math.exp(spec["_lambda"] * (x - spec["xOffset"])))
                    setattr(seg, f"{name}_{mech}", v)
    for name, value in block.get("properties", {}).get("ions", {}).items():
        for sec in secs:
            setattr(sec, name, value)


def plain_scale_apical_morph_86(cell: PlainCell, scale: float = 2.5, n_sections: int = 33) -> None:
    """×2.5 diameters of the first 33 apical sections whose far end is ≤ 1000 µm from soma(0)."""
    soma0 = cell.soma(0)
    done = 0
    for i in cell.ids("ApicalDendrite"):
        if done == n_sections:
            break
        sec = cell.sections[i]
        if h.distance(soma0, sec(1)) > 1000.0:
            continue
        for j, d in enumerate(cell.diameters[i]):
            h.pt3dchange(j, d * scale, sec=sec)
        done += 1


def plain_build(hoc_path: Path, neuron: Mapping[str, Any]) -> PlainCell:
    """The cell of a legacy ``neuron`` block, built with plain NEURON calls (ISF's create_cell order)."""
    cell = PlainCell()
    plain_read_hoc(hoc_path, cell)
    if "AIS" in neuron:
        plain_add_axon(cell)
    regions = {k: v for k, v in neuron.items() if k in ("Soma", "Dendrite", "ApicalDendrite", "AIS", "Myelin")}
    for label, block in regions.items():
        props = block.get("properties", {})
        for i in cell.ids(label):
            cell.sections[i].Ra = props["Ra"]
            cell.sections[i].cm = props["cm"]
    plain_nseg(cell)
    for label, block in regions.items():
        plain_mechanisms(cell, label, block)
    if "scale_apical_morph_86" in neuron.get("cell_modify_functions", {}):
        plain_scale_apical_morph_86(cell)
    return cell


def plain_run(cell: PlainCell, amplitude_nA: float, delay_ms: float, duration_ms: float, tstop_ms: float) -> Trace:
    """IClamp at soma(0.5), CVode, stdrun init() and the fadvance loop; (t, soma v)."""
    clamp = h.IClamp(cell.soma(0.5))
    clamp.amp, clamp.delay, clamp.dur = amplitude_nA, delay_ms, duration_ms
    t_vec, v_vec = h.Vector(), h.Vector()
    t_vec.record(h._ref_t)
    v_vec.record(cell.soma(0.5)._ref_v)
    h.CVode().active(1)
    h.dt, h.celsius, h.v_init = 0.025, 34.0, -75.0
    h.tstop = float(f"{tstop_ms:g}")
    h.init()
    h("while (t < tstop) { fadvance() }")
    trace = np.array(t_vec), np.array(v_vec)
    del clamp, t_vec, v_vec
    return trace


def plain_build_and_run(hoc_path: Path, neuron: Mapping[str, Any], amplitude_nA: float) -> Trace:
    cell = plain_build(hoc_path, neuron)
    trace = plain_run(cell, amplitude_nA, STEP_DELAY_MS, STEP_DURATION_MS, STEP_TSTOP_MS)
    cell.free()
    return trace


# ----------------------------------------------------------------------------- checks


COMPARED_VALUES = ("diam", "cm", "g_pas", "e_pas", "gIhbar_Ih", "gCa_LVAstbar_Ca_LVAst", "gCa_HVAbar_Ca_HVA",
                   "gNaTa_tbar_NaTa_t", "gSK_E2bar_SK_E2", "ek", "ena")


def segment_table(sections: Sequence[Any], name: str) -> NDArray[np.float64]:
    """``name`` at every segment of ``sections`` (NaN where the mechanism or ion is absent)."""
    return np.array([getattr(seg, name) if hasattr(seg, name) else np.nan for sec in sections for seg in sec])


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
            "isf_counts": [len(spike_times(*t)) for t in isf_traces],
            "plain_counts": [len(spike_times(*t)) for t in plain_traces],
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
    ours = {k: spike_times(*tr) for k, tr in traces.items()}
    ref = {f"{a}": spike_times(*read_reference(f"step_current_{a}.csv")) for a in STEP_AMPLITUDES_NA}
    ref["pulse"] = spike_times(*read_reference("step_rect5_1.9.csv"))
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
    plain_dt = paired_abs_dt(spike_times(t_p, v_p), ours[f"{RATIO_AMPLITUDE_NA}"])
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
