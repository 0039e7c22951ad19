"""Network-trial benchmark: the C2 whisker stimulus on cell 86, isf against legacy figures and plain NEURON.

Run from the repository root inside the venv::

    python benchmarks/network_trials.py --trials 8 --seed 1 [--workers 2]

The shared data are looked up in ``<repo>/../shared/data/isf`` (the
environment variable ``ISF_SHARED_DATA`` overrides); without them the script
prints ``RESULT {"skipped": "no shared data"}`` and exits 0.

The experiment is the one of ``tests/backends/test_runner.py``: cell
``cell_params/86_C2_center.param`` (search roots ``morphologies``,
``recording_sites``), network ``network/network.param`` (search root
``embedding/86_C2_center``), ``Simulation(300 ms, dt 0.025 ms)``, soma
voltage recorded. What is measured, in one process (plus its loky workers):

1. **Science.** ``run_trials(..., parallel=Parallel(workers=--workers))`` runs the
   N trials into a fresh temporary store; from the store: the probability of a
   soma spike in [245, 265) ms (with a Wilson 95 % interval), the ongoing rate
   in [0, 245) ms (and in [100, 245) ms, the window the legacy traces allow),
   spikes per trial (mean over the whole 300 ms) and the PSTH in 5 ms bins
   over 0–300 ms (spikes per trial per bin, :func:`isf.analysis.psth.psth`).
   The six legacy trials of ``legacy_simrun/…/20240_vm_all_traces.csv``
   (t = 100 … 345 ms, other seeds, the legacy simulator) give reference
   values for the same windows (ongoing from 100 ms); with N = 8 and 6 trials
   these are context, not a test.

2. **Trial setup.** Per trial, isf draws the input in numpy
   (``TrialSimulator.realize``) and creates the point processes, VecStims and
   NetCons (``attach_input``); ``setup_s`` is the median over the N trials of
   that sum, measured in this process on a cell built once. The one-off read
   of ``network.param`` + the cell ``.param`` is ``read_s`` and the cell build
   ``build_s``. The legacy figure (ISF's network setup ≈ 10 s per trial,
   simulation ≈ 6.6 s for 300 ms) is *quoted from the issue, not measured*:
   ``setup_speedup_vs_legacy`` = 10 s / ``setup_s``.

3. **Simulation vs plain NEURON.** The same trial input (trial 0 of the run)
   is attached and run (a) by isf: ``attach_input`` + ``isf.backends.neuron.
   simulate.run`` (stdrun ``init()`` + hoc ``while (t < tstop) fadvance()``),
   and (b) by a plain NEURON script on the same built cell (the cell build is
   benchmarked in ``step_currents.py``): ``h.glutamate_syn``/``h.gaba_syn`` at
   the legacy position (nearest point's arc-length fraction, clamped to the
   first/last segment centre), parameters set as RANGE variables (hoc global
   on LookupError, as ISF), ``h.VecStim`` playing the release times,
   ``h.NetCon`` with threshold, delay and weights, then ``h.finitialize`` and
   a Python ``while h.t < tstop: h.fadvance()`` loop. The release times and
   weights are data taken from isf's realised ``TrialInput``. Alternating
   (ABBA) repetitions, medians; ``sim_ratio_vs_neuron`` = isf (attach + run) /
   plain (attach + run); the soma traces of both (and of the worker that ran
   trial 0 into the store) are compared sample by sample.

4. **Parallel speed-up.** M = max(4, N) trials (``--parallel-trials``) are run
   into fresh stores with 1 and with 2 workers; loky's reusable executor is
   shut down before each run, so worker start-up (process spawn, imports,
   mechanism load, cell build, unpickling the experiment) counts. Note that
   one loky worker runs *in this process* (no worker at all), which is
   what a user gets with ``Parallel(workers=1)`` (so the in-process NEURON measurements
   above are done first). When N = M and ``--workers`` is 1 or 2, the science
   run doubles as that run. ``parallel_speedup_2_workers`` = t(1) / t(2), one
   run each. Diagnostics: the per-trial simulation times the stores record
   (``wall_s``) give the overhead (wall - sum of wall_s / workers) and, as
   both runs simulate the same M trials, the contention (the 2-worker run's
   extra simulation time per worker: shared caches and memory, the
   coordinating process's unpickling and store writes, other users of the
   machine) and the speed-up without it; a run of one 1-ms trial per worker
   measures the start-up alone; and the CPU that *other* processes used
   during each run is read from ``/proc/stat`` (the machine may be shared).

5. **Store vs legacy CSV.** The N trials of the run are written as a legacy
   result folder with isf's legacy writers (:mod:`isf.dsl.simrun_files`,
   ``repr`` numbers as HEAD ISF's ``str()``): ``<id>_vm_all_traces.csv`` and
   per trial ``simulation_runNNNN_synapses.csv`` /
   ``…_presynaptic_cells.csv``. ``store_size_ratio_vs_csv`` = bytes of the
   whole HDF5 file (provenance included) / bytes of those CSV files (the two
   ``.param`` copies a legacy folder also holds are left out; the ratio with
   them is reported as an extra). Loading: the store's four frames
   (``voltage_traces``, ``synapse_activations``, ``presynaptic_spikes``,
   ``spike_times``) vs parsing the CSV files with isf's legacy readers
   (``read_trace_file`` = ``numpy.loadtxt``, and the exact line parsers of
   the activation and presynaptic files, i.e. what ``import_legacy_simrun``
   uses) into equivalent pandas frames, spike detection from the traces
   included (the legacy database initializer detects spikes from the traces
   too). ``load_speedup_vs_csv`` = CSV time / store time. For comparison, the
   same folder is also loaded the way legacy ISF's database initializer
   parses it (``pd.read_csv`` with the Python engine for the traces; for the
   event files the comma normalisation of ``roberts_formats`` +
   ``pd.read_csv``), re-implemented here from its description:
   ``load_speedup_vs_legacy_db_initializer``. Files are in the page cache for
   all. Alternating repetitions, medians. The frames from every loader are
   checked to hold the same values.

The last line printed is ``RESULT <json>``.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common

TSTOP_MS, DT_MS = 300.0, 0.025
EVOKED_WINDOW_MS = (245.0, 265.0)
ONGOING_WINDOW_MS = (0.0, 245.0)
LEGACY_ONGOING_WINDOW_MS = (100.0, 245.0)  # the legacy traces start at t = 100 ms
PSTH_BIN_MS = 5.0
#: Quoted from the issue (ISF on this machine kind), not measured here.
LEGACY_SETUP_S, LEGACY_SIM_S = 10.0, 6.6
TARGET_SETUP_SPEEDUP, TARGET_SIM_RATIO, TARGET_PARALLEL = 10.0, 1.05, 1.85
TARGET_SIZE_RATIO, TARGET_LOAD_SPEEDUP = 0.25, 10.0
#: Other processes using more than this fraction of a core during a timing make it suspect.
BUSY_FRACTION = 0.1


from _common import shared_data_dir  # noqa: E402


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=8, help="trials of the science run (N)")
    parser.add_argument("--seed", type=int, default=1, help="run seed")
    parser.add_argument("--workers", type=int, default=2, help="loky workers of the science run")
    parser.add_argument("--parallel-trials", type=int, default=None,
                        help="trials of each 1- and 2-worker timing run (default max(4, N))")
    parser.add_argument("--repetitions", type=int, default=3,
                        help="alternating repetitions of the sim-ratio and load timings (>= 1)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the stores and the CSV folder in this directory (default: a temporary one)")
    args = parser.parse_args(argv)
    if args.trials < 1 or args.workers < 1 or args.repetitions < 1:
        parser.error("--trials, --workers and --repetitions must be >= 1")
    if args.parallel_trials is None:
        args.parallel_trials = max(4, args.trials)
    if args.parallel_trials < 1:
        parser.error("--parallel-trials must be >= 1")
    return args


ARGS = parse_args()
SHARED = shared_data_dir()
if SHARED is None:
    print("shared data not found (set ISF_SHARED_DATA or provide ../shared/data/isf); benchmark skipped")
    print("RESULT " + json.dumps({"skipped": "no shared data"}))
    sys.exit(0)

import attrs  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import tables  # noqa: E402
from joblib.externals.loky import get_reusable_executor  # noqa: E402
from neuron import h  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

from _common import median, timed  # noqa: E402

import isf  # noqa: E402
from isf.analysis.psth import mean_rate_hz, psth, spike_probability  # noqa: E402
from isf.backends.neuron.build import section_count  # noqa: E402
from isf.backends.neuron.simulate import run as isf_run  # noqa: E402
from isf.backends.neuron.trials import TrialSimulator, attach_input  # noqa: E402
from isf.backends.parallel import Parallel  # noqa: E402
from isf.backends.runner import run_trials  # noqa: E402
from isf.store import RunStore  # noqa: E402
from isf.dsl.network_param import read_network_param  # noqa: E402
from isf.dsl.simrun_files import (  # noqa: E402
    read_presynaptic_spike_file,
    read_synapse_activation_file,
    read_trace_file,
    write_presynaptic_spike_file,
    write_synapse_activation_file,
    write_trace_file,
)
from isf.model.network import Network  # noqa: E402
from isf.model.spikes import spike_times  # noqa: E402
from isf.model.trial_input import TrialInput  # noqa: E402
from isf.model.trial_result import activation_columns  # noqa: E402

CELL_PARAM = SHARED / "cell_params" / "86_C2_center.param"
CELL_ROOTS = [SHARED / "morphologies", SHARED / "recording_sites"]
NETWORK_PARAM = SHARED / "network" / "network.param"
NETWORK_ROOTS = [SHARED / "embedding" / "86_C2_center"]
LEGACY_FOLDER = SHARED / "legacy_simrun" / "C2_evoked_UpState_INH_PW_1.0_SuW_0.5_C2center" / "20150815-1530_20240"
LEGACY_TRACES = LEGACY_FOLDER / "20240_vm_all_traces.csv"
RECEPTOR_MECHANISMS = ("glutamate_syn", "gaba_syn")
STORE_FRAMES = ("voltage_traces", "synapse_activations", "presynaptic_spikes", "spike_times")


# ----------------------------------------------------------------------------- helpers


def alternate(fns: Sequence[Callable[[], None]], repetitions: int) -> None:
    """Call the functions ABBA-style: forward order on even repetitions, reversed on odd ones."""
    for rep in range(repetitions):
        for fn in (fns if rep % 2 == 0 else list(reversed(fns))):
            fn()


def wilson_interval(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score 95 % interval of a binomial proportion k/n."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def point_processes_alive() -> int:
    """Number of synapse point processes alive in NEURON (leak check between runs)."""
    return sum(int(h.List(name).count()) for name in RECEPTOR_MECHANISMS)


def fresh_workers() -> None:
    """Shut loky's reusable executor down so the next run starts its workers from scratch."""
    get_reusable_executor().shutdown(wait=True, kill_workers=True)


class ForeignCpu:
    """Core-seconds that *other* processes used while this one ran a timed section (Linux ``/proc/stat``
    minus this process's and its reaped children's CPU time; ``None`` elsewhere). The machine is shared:
    a busy neighbour slows the parallel runs most."""

    def __init__(self) -> None:
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.start: tuple[float, float] | None = None

    def _busy(self) -> float | None:
        try:
            with open("/proc/stat") as f:
                values = [int(v) for v in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        return (sum(values) - values[3] - values[4]) / self.tick

    @staticmethod
    def _own() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def __enter__(self) -> ForeignCpu:
        busy = self._busy()
        self.start = None if busy is None else (busy, self._own())
        self.seconds: float | None = None
        return self

    def __exit__(self, *exc: object) -> None:
        busy = self._busy()
        if self.start is not None and busy is not None:
            self.seconds = max(0.0, (busy - self.start[0]) - (self._own() - self.start[1]))


def spike_lists(frame: pd.DataFrame) -> list[NDArray[np.float64]]:
    """Per-trial spike arrays of a wide, NaN-padded ``spike_times`` frame."""
    return [row[~np.isnan(row)] for row in frame.to_numpy(dtype=float)]


def read_experiment() -> tuple[isf.Experiment, float, float]:
    """The C2 experiment, with the seconds spent reading the cell and the network parameter files."""
    read_cell_s, params = timed(lambda: isf.read_cell_param(CELL_PARAM, CELL_ROOTS))
    read_net_s, net = timed(lambda: read_network_param(NETWORK_PARAM, params.cell.morphology, NETWORK_ROOTS))
    experiment = isf.Experiment(params.cell, isf.Simulation(TSTOP_MS, dt_ms=DT_MS), network=net.network)
    return experiment, read_cell_s, read_net_s


# ----------------------------------------------------------------------------- science


def analyse_store(path: Path) -> dict[str, Any]:
    """Spike statistics of a run store."""
    with RunStore.open(path) as store:
        spikes = spike_lists(store["spike_times"])
    n = len(spikes)
    hits = sum(bool(np.any((s >= EVOKED_WINDOW_MS[0]) & (s < EVOKED_WINDOW_MS[1]))) for s in spikes)
    edges, values = psth(spikes, bin_ms=PSTH_BIN_MS, t_start_ms=0.0, t_stop_ms=TSTOP_MS)
    return {
        "spikes": spikes,
        "n": n,
        "p": spike_probability(spikes, *EVOKED_WINDOW_MS),
        "p_ci": wilson_interval(hits, n),
        "ongoing": mean_rate_hz(spikes, *ONGOING_WINDOW_MS),
        "ongoing_100": mean_rate_hz(spikes, *LEGACY_ONGOING_WINDOW_MS),
        "per_trial": float(np.mean([s.shape[0] for s in spikes])) if n else float("nan"),
        "psth_edges": edges,
        "psth": values,
    }


def legacy_reference() -> dict[str, Any]:
    """The same statistics from the legacy simrun traces (6 trials, t = 100 … 345 ms)."""
    table = read_trace_file(LEGACY_TRACES)
    spikes = [spike_times(table.t_ms, v, 0.0) for v in table.values]
    in_window = [s[(s >= LEGACY_ONGOING_WINDOW_MS[0]) & (s < TSTOP_MS)] for s in spikes]
    return {
        "n": len(spikes),
        "t_range": (float(table.t_ms[0]), float(table.t_ms[-1])),
        "p": spike_probability(spikes, *EVOKED_WINDOW_MS),
        "ongoing_100": mean_rate_hz(spikes, *LEGACY_ONGOING_WINDOW_MS),
        "per_trial_100_300": float(np.mean([s.shape[0] for s in in_window])),
    }


# ----------------------------------------------------------------------------- setup and plain NEURON


def measure_setup(sim: TrialSimulator, network: Network, seed: int, n_trials: int) -> dict[str, list[float]]:
    """Per-trial realize + attach times (objects released, untimed, after each trial)."""
    realize_s: list[float] = []
    attach_s: list[float] = []
    active: list[int] = []
    assert sim.built is not None
    for trial in range(n_trials):
        t_realize, trial_input = timed(lambda: sim.realize(seed, trial))
        t_attach, objects = timed(lambda: attach_input(sim.built, network, trial_input))
        objects.clear()
        assert point_processes_alive() == 0, "attach_input objects outlived their list"
        realize_s.append(t_realize)
        attach_s.append(t_attach)
        active.append(trial_input.n_active_synapses)
    return {"realize_s": realize_s, "attach_s": attach_s,
            "setup_s": [a + b for a, b in zip(realize_s, attach_s)], "active": active}


class PlainInput:
    """One trial's synapses as plain Python data (section index, point index, times, receptor specs)."""

    def __init__(self, experiment: isf.Experiment, trial_input: TrialInput) -> None:
        assert experiment.network is not None
        morph = experiment.cell.morphology
        self.relative_points = [s.relative_points.tolist() for s in morph.sections]
        self.populations: list[dict[str, Any]] = []
        for pop, realised in zip(experiment.network.populations, trial_input.populations):
            if not realised.n_active:
                continue
            ids = realised.synapse_ids
            self.populations.append({
                "section": pop.synapses.section_id[ids].tolist(),
                "point": pop.synapses.section_pt_id[ids].tolist(),
                "times": list(realised.release_times_ms),
                "receptors": [(r.mechanism, dict(r.parameters), r.threshold, r.delay_ms, realised.weights_nS[k].tolist())
                              for k, r in enumerate(pop.receptors)],
            })


def plain_attach(sections: Sequence[Any], data: PlainInput) -> list[Any]:
    """The synapses of one trial, created with plain NEURON calls (ISF's activate_functional_synapse)."""
    keep: list[Any] = []
    for pop in data.populations:
        receptors = [(getattr(h, mech), mech, params, threshold, delay, weights)
                     for mech, params, threshold, delay, weights in pop["receptors"]]
        for j, (sid, pt) in enumerate(zip(pop["section"], pop["point"])):
            sec = sections[sid]
            n = sec.nseg
            x = min(max(data.relative_points[sid][pt], 0.5 / n), 1.0 - 0.5 / n)
            seg = sec(x)
            vec = h.Vector(pop["times"][j])
            source = h.VecStim()
            source.play(vec)
            keep.extend((vec, source))
            for cls, mech, params, threshold, delay, weights in receptors:
                pp = cls(seg)
                for name, value in params.items():
                    try:
                        setattr(pp, name, value)
                    except LookupError:
                        setattr(h, f"{name}_{mech}", value)
                nc = h.NetCon(source, pp)
                nc.threshold = threshold
                nc.delay = delay
                for w, value in enumerate(weights[j]):
                    nc.weight[w] = value
                keep.extend((pp, nc))
    return keep


def plain_run(simulation: isf.Simulation) -> None:
    """Fixed-step run with plain NEURON calls."""
    h.CVode().active(0)
    h.dt = simulation.dt_ms
    h.celsius = simulation.celsius_degC
    h.finitialize(simulation.v_init_mV)
    tstop = simulation.tstop_ms
    while h.t < tstop:
        h.fadvance()


def sim_ratio(sim: TrialSimulator, experiment: isf.Experiment, trial_input: TrialInput,
              repetitions: int) -> dict[str, Any]:
    """Alternating isf vs plain attach + run of one trial's input on the same built cell."""
    assert sim.built is not None and experiment.network is not None
    network = experiment.network
    sections = sim.built.sections
    soma_id = next(i for i, s in enumerate(experiment.cell.morphology.sections) if s.parent is None)
    t_vec, v_vec = h.Vector(), h.Vector()
    t_vec.record(h._ref_t)
    v_vec.record(sections[soma_id](0.5)._ref_v)
    data = PlainInput(experiment, trial_input)
    out: dict[str, Any] = {k: [] for k in ("isf_attach", "isf_run", "plain_attach", "plain_run")}
    out["traces"] = {"isf": [], "plain": []}

    def one(kind: str) -> None:
        assert point_processes_alive() == 0
        if kind == "isf":
            t_attach, objects = timed(lambda: attach_input(sim.built, network, trial_input))
            t_run, _ = timed(lambda: isf_run(experiment.simulation))
        else:
            t_attach, objects = timed(lambda: plain_attach(sections, data))
            t_run, _ = timed(lambda: plain_run(experiment.simulation))
        out["traces"][kind].append((np.array(t_vec), np.array(v_vec)))
        objects.clear()
        out[f"{kind}_attach"].append(t_attach)
        out[f"{kind}_run"].append(t_run)

    alternate([lambda: one("isf"), lambda: one("plain")], repetitions)
    del t_vec, v_vec  # stops the recording
    return out


# ----------------------------------------------------------------------------- parallel


class TimedRun:
    """One run_trials call into a fresh store with fresh workers: wall seconds, other processes' CPU meanwhile."""

    def __init__(self, experiment: isf.Experiment, n_trials: int, path: Path, seed: int, workers: int) -> None:
        if path.exists():
            path.unlink()
        fresh_workers()
        self.path = path
        with ForeignCpu() as foreign:
            before = os.times()
            self.seconds, _ = timed(lambda: run_trials(experiment, n_trials, path, run_seed=seed,
                                                       parallel=Parallel(workers=workers, progress=False)))
            after = os.times()
            fresh_workers()  # reaps the workers, so their CPU time is ours, not foreign
        self.foreign_s = foreign.seconds
        #: CPU seconds of this (the coordinating) process during the run: with workers, the dispatch,
        #: unpickling of results and store writes that compete with the workers for the cores.
        self.coordinator_cpu_s = (after.user + after.system) - (before.user + before.system)


def startup_run(experiment: isf.Experiment, path: Path, seed: int, workers: int) -> TimedRun:
    """run_trials of ``workers`` trials of 1 ms each, fresh workers: what a run costs besides simulating
    (spawning the workers, imports, mechanisms, unpickling the experiment, cell build, store set-up)."""
    tiny = attrs.evolve(experiment, simulation=attrs.evolve(experiment.simulation, tstop_ms=1.0))
    return TimedRun(tiny, workers, path, seed, workers)


def same_run(a: Path, b: Path) -> bool:
    """Both stores hold bit-identical spike times, traces and activations."""
    with RunStore.open(a) as sa, RunStore.open(b) as sb:
        for key in ("spike_times", "voltage_traces", "synapse_activations"):
            try:
                pd.testing.assert_frame_equal(sa[key], sb[key], check_exact=True)
            except AssertionError:
                return False
    return True


# ----------------------------------------------------------------------------- store vs CSV


def write_legacy_folder(store_path: Path, folder: Path, unique_id: str = "benchmark") -> dict[str, list[Path]]:
    """The store's trials as a legacy simrun result folder, written with isf's legacy writers."""
    folder.mkdir(parents=True, exist_ok=True)
    with RunStore.open(store_path) as store:
        traces = store["voltage_traces"]
        activations = store["synapse_activations"]
        presynaptic = store["presynaptic_spikes"]
    trials = traces.index.to_numpy()
    trace_file = folder / f"{unique_id}_vm_all_traces.csv"
    write_trace_file(trace_file, traces.columns.to_numpy(dtype=float), traces.to_numpy(), runs=trials.tolist())
    files: dict[str, list[Path]] = {"traces": [trace_file], "synapses": [], "presynaptic": []}
    act_by_trial = dict(tuple(activations.groupby(level="trial", observed=True)))
    pre_by_trial = dict(tuple(presynaptic.groupby(level="trial", observed=True)))
    for trial in trials.tolist():
        act = act_by_trial.get(trial, activations.iloc[:0])
        pre = pre_by_trial.get(trial, presynaptic.iloc[:0])
        syn_file = folder / f"simulation_run{trial:04d}_synapses.csv"
        pre_file = folder / f"simulation_run{trial:04d}_presynaptic_cells.csv"
        write_synapse_activation_file(syn_file, {
            "population": act["population"].to_numpy(dtype=object), "synapse_id": act["synapse_id"].to_numpy(),
            "soma_distance_um": act["soma_distance_um"].to_numpy(), "section_id": act["section_id"].to_numpy(),
            "section_pt_id": act["section_pt_id"].to_numpy(), "label": act["label"].to_numpy(dtype=object),
            "time_ms": act["time_ms"].to_numpy()})
        write_presynaptic_spike_file(pre_file, {
            "population": pre["population"].to_numpy(dtype=object), "cell_id": pre["cell_id"].to_numpy(),
            "time_ms": pre["time_ms"].to_numpy()})
        files["synapses"].append(syn_file)
        files["presynaptic"].append(pre_file)
    return files


def load_store(path: Path) -> dict[str, pd.DataFrame]:
    with RunStore.open(path) as store:
        return {key: store[key] for key in STORE_FRAMES}


def load_csv(files: dict[str, list[Path]], timings: dict[str, list[float]] | None = None) -> dict[str, pd.DataFrame]:
    """The legacy folder parsed with isf's legacy readers into frames like the store's."""
    marks = [time.perf_counter()]
    table = read_trace_file(files["traces"][0])
    traces = pd.DataFrame(table.values, index=pd.Index(np.array(table.runs, dtype=np.int64), name="trial"),
                          columns=pd.Index(table.t_ms, name="t_ms"))
    spikes = [spike_times(table.t_ms, v, 0.0) for v in table.values]
    width = max((s.shape[0] for s in spikes), default=0)
    wide = np.full((len(spikes), width), np.nan)
    for i, s in enumerate(spikes):
        wide[i, : s.shape[0]] = s
    spike_frame = pd.DataFrame(wide, index=traces.index.copy(), columns=pd.RangeIndex(width))
    marks.append(time.perf_counter())
    frames: dict[str, pd.DataFrame] = {}
    for key, reader, paths in (("synapse_activations", read_synapse_activation_file, files["synapses"]),
                               ("presynaptic_spikes", read_presynaptic_spike_file, files["presynaptic"])):
        parts = []
        for path in paths:
            columns = reader(path)
            trial = int(path.name[len("simulation_run"):].split("_")[0])
            n = columns["time_ms"].shape[0]
            frame = pd.DataFrame(columns, index=pd.Index(np.full(n, trial, dtype=np.int64), name="trial"))
            parts.append(frame)
        frame = pd.concat(parts) if parts else pd.DataFrame()
        for c in ("population", "label"):
            if c in frame:
                frame[c] = frame[c].astype("category")
        frames[key] = frame
        marks.append(time.perf_counter())
    if timings is not None:
        for name, (a, b) in zip(("traces", "synapses", "presynaptic"), zip(marks, marks[1:])):
            timings.setdefault(name, []).append(b - a)
    return {"voltage_traces": traces, "spike_times": spike_frame, **frames}


def legacy_db_read_traces(path: Path) -> pd.DataFrame:
    """Legacy ISF's database initializer on a trace file (``read_voltage_traces_from_csv``): pandas
    ``read_csv`` with ``sep=r"\\t"``, the Python engine and float64, transposed to one row per run."""
    df = pd.read_csv(path, sep=r"\t", engine="python", dtype=np.float64)
    runs = [int(c.split()[-1]) for c in df.columns[1:]]
    return pd.DataFrame(df.iloc[:, 1:].to_numpy().T, index=pd.Index(np.array(runs, dtype=np.int64), name="trial"),
                        columns=df.iloc[:, 0].to_numpy())


def legacy_db_read_events(paths: Sequence[Path], header: str) -> pd.DataFrame:
    """Legacy ISF's database initializer on synapse / presynaptic files (``roberts_formats``): the
    maximum number of delimiters over all files (tabs counted as commas), then per file every tab
    replaced by a comma, every line padded with commas to that maximum, a header with numbered time
    columns, and pandas ``read_csv`` (C engine) on the normalised text; frames concatenated."""
    def max_commas(path: Path) -> int:
        counts = [line.count(",") + int(line[-1] != ",")
                  for line in path.read_text().replace("\t", ",").split("\n") if line]
        return max(counts)

    n_commas = max(max_commas(p) for p in paths)
    full_header = header + ",".join(str(i) for i in range(n_commas - header.count(","))) + "\n"
    frames = []
    for path in paths:
        out = io.StringIO()
        out.write(full_header)
        for line in path.read_text().split("\n")[1:]:
            if not line.strip():
                continue
            line = line.strip().replace("\t", ",")
            out.write(line + "," * (n_commas - line.count(",")) + "\n")
        out.seek(0)
        frame = pd.read_csv(out, index_col=False)
        frame["trial"] = int(path.name[len("simulation_run"):].split("_")[0])
        frames.append(frame)
    return pd.concat(frames).set_index("trial")


def load_csv_legacy_db(files: dict[str, list[Path]]) -> dict[str, pd.DataFrame]:
    """The legacy folder loaded as legacy ISF's database initializer parses it (wide, NaN-padded frames)."""
    traces = legacy_db_read_traces(files["traces"][0])
    t = traces.columns.to_numpy(dtype=float)
    spikes = [spike_times(t, v, 0.0) for v in traces.to_numpy()]
    width = max((s.shape[0] for s in spikes), default=0)
    wide = np.full((len(spikes), width), np.nan)
    for i, s in enumerate(spikes):
        wide[i, : s.shape[0]] = s
    return {
        "voltage_traces": traces,
        "spike_times": pd.DataFrame(wide, index=traces.index.copy(), columns=pd.RangeIndex(width)),
        "synapse_activations": legacy_db_read_events(
            files["synapses"], "synapse_type,synapse_ID,soma_distance,section_ID,section_pt_ID,dendrite_label,"),
        "presynaptic_spikes": legacy_db_read_events(files["presynaptic"], "presynaptic_cell_type,cell_ID,"),
    }


def legacy_db_same_content(store: dict[str, pd.DataFrame], legacy: dict[str, pd.DataFrame]) -> bool:
    """The legacy-initializer frames hold the store's traces, spikes and event times."""
    ok = bool(np.array_equal(store["voltage_traces"].to_numpy(), legacy["voltage_traces"].to_numpy())
              and np.array_equal(store["spike_times"].to_numpy(), legacy["spike_times"].to_numpy(), equal_nan=True))
    for key in ("synapse_activations", "presynaptic_spikes"):
        frame = legacy[key]
        time_cols = [c for c in frame.columns if c.isdigit()]
        values = frame[time_cols].to_numpy(dtype=float)
        ok = ok and bool(np.array_equal(np.sort(values[~np.isnan(values)]),
                                        np.sort(store[key]["time_ms"].to_numpy())))
    return ok


def same_content(store: dict[str, pd.DataFrame], csv: dict[str, pd.DataFrame]) -> dict[str, bool]:
    """Whether both loads give the same values (row order within a trial may differ: compare sorted)."""
    out = {}
    for key in ("voltage_traces", "spike_times"):
        a, b = store[key], csv[key]
        out[key] = (a.shape == b.shape and np.array_equal(a.index.to_numpy(), b.index.to_numpy())
                    and np.array_equal(a.to_numpy(), b.to_numpy(), equal_nan=True)
                    and np.array_equal(np.asarray(a.columns, dtype=float), np.asarray(b.columns, dtype=float)))
    for key in ("synapse_activations", "presynaptic_spikes"):
        a, b = store[key], csv[key]
        cols = [c for c in a.columns if c in b.columns]

        def canonical(frame: pd.DataFrame) -> pd.DataFrame:
            flat = frame.reset_index()[["trial", *cols]].copy()
            for c in flat.columns:
                if isinstance(flat[c].dtype, pd.CategoricalDtype):
                    flat[c] = flat[c].astype(str)
            return flat.sort_values(["trial", *cols], kind="stable").reset_index(drop=True)

        try:
            pd.testing.assert_frame_equal(canonical(a), canonical(b), check_exact=True, check_dtype=False)
            out[key] = len(cols) == len(a.columns)
        except AssertionError:
            out[key] = False
    return out


def store_breakdown(path: Path) -> dict[str, tuple[int, int]]:
    """(bytes on disk, uncompressed bytes) per top-level part of the store."""
    parts: dict[str, list[int]] = {}
    with tables.open_file(str(path)) as h5:
        for leaf in h5.walk_nodes("/", "Leaf"):
            top = leaf._v_pathname.split("/")[1]
            part = parts.setdefault(top, [0, 0])
            part[0] += int(leaf.size_on_disk)
            part[1] += int(leaf.size_in_memory)
    return {k: (v[0], v[1]) for k, v in parts.items()}


def size_of(paths: Sequence[Path]) -> int:
    return sum(p.stat().st_size for p in paths)


# ----------------------------------------------------------------------------- report


def table(rows: Sequence[tuple[str, str, str, str]]) -> str:
    """Rows of (measurement, isf, reference, target / status) as aligned text."""
    header = ("measurement", "isf", "reference", "target / status")
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(4)]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i in (0, 3) else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def status(ok: bool, target: str) -> str:
    return f"{target}: {'ok' if ok else 'MISSED'}"


def main() -> None:
    started = time.perf_counter()
    n_trials, seed, workers, m_trials, reps = (ARGS.trials, ARGS.seed, ARGS.workers, ARGS.parallel_trials,
                                               ARGS.repetitions)
    workdir = ARGS.keep if ARGS.keep is not None else Path(tempfile.mkdtemp(prefix="isf_network_bench_"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        result = benchmark(workdir, n_trials, seed, workers, m_trials, reps, started)
    finally:
        fresh_workers()
        if ARGS.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print("RESULT " + json.dumps(result))


def benchmark(workdir: Path, n_trials: int, seed: int, workers: int, m_trials: int, reps: int,
              started: float) -> dict[str, Any]:
    # --- read (one-off) and build
    experiment, read_cell_s, read_net_s = read_experiment()
    read_s = read_cell_s + read_net_s
    network = experiment.network
    assert network is not None
    assert section_count() == 0, "NEURON sections alive at start"

    # --- in-process NEURON measurements (before any run_trials: 1 worker runs in this process)
    build_s, sim = timed(lambda: TrialSimulator(experiment))
    try:
        setup = measure_setup(sim, network, seed, n_trials)
        trial0 = sim.realize(seed, 0)
        with ForeignCpu() as ratio_foreign:
            ratio = sim_ratio(sim, experiment, trial0, reps)
    finally:
        sim.close()
    del sim
    assert section_count() == 0 and point_processes_alive() == 0, "NEURON objects outlived the simulator"

    # --- science run (loky) and parallel timing runs
    science_path = workdir / "run.h5"
    runs: dict[int, TimedRun] = {}
    science = TimedRun(experiment, n_trials, science_path, seed, workers)
    if m_trials == n_trials and workers in (1, 2):
        runs[workers] = science
    for w in (1, 2):
        if w not in runs:
            runs[w] = TimedRun(experiment, m_trials, workdir / f"parallel_{w}.h5", seed, w)
    startup = {w: startup_run(experiment, workdir / f"startup_{w}.h5", seed, w).seconds for w in (1, 2)}
    run_paths = {w: r.path for w, r in runs.items()}
    run_s = {w: r.seconds for w, r in runs.items()}
    foreign_s = {w: r.foreign_s for w, r in runs.items()}
    coordinator_s = runs[2].coordinator_cpu_s
    leaked_sections = section_count()  # a 1-worker run ran in this process
    parallel_identical = same_run(run_paths[1], run_paths[2])
    stats = analyse_store(science_path)
    legacy = legacy_reference()
    wall = {}
    for w in (1, 2):
        with RunStore.open(run_paths[w]) as store:
            wall[w] = store["trials"]["wall_s"].to_numpy()
    with RunStore.open(science_path) as store:
        stored_t0 = store.trace(store.soma_key, 0)
        stored_acts = store["synapse_activations"]
    in_process_acts = activation_columns(network, trial0)["time_ms"]
    worker_acts = stored_acts.loc[[0], "time_ms"].to_numpy()
    input_identical = bool(np.array_equal(np.sort(in_process_acts), np.sort(worker_acts)))

    # --- store vs legacy CSV
    csv_dir = workdir / "legacy_csv"
    if csv_dir.exists():
        shutil.rmtree(csv_dir)
    files = write_legacy_folder(science_path, csv_dir)
    csv_files = [p for group in files.values() for p in group]
    csv_bytes = size_of(csv_files)
    param_bytes = CELL_PARAM.stat().st_size + NETWORK_PARAM.stat().st_size  # legacy folders hold copies
    h5_bytes = science_path.stat().st_size
    breakdown = store_breakdown(science_path)
    provenance_bytes = breakdown.get("provenance", (0, 0))[0]
    csv_parts = {k: size_of(v) for k, v in files.items()}
    load_times: dict[str, list[float]] = {"store": [], "csv": []}
    csv_parts_s: dict[str, list[float]] = {}
    loaded: dict[str, dict[str, pd.DataFrame]] = {}

    def load_from_store() -> None:
        seconds, frames = timed(lambda: load_store(science_path))
        load_times["store"].append(seconds)
        loaded["store"] = frames

    def load_from_csv() -> None:
        seconds, frames = timed(lambda: load_csv(files, csv_parts_s))
        load_times["csv"].append(seconds)
        loaded["csv"] = frames

    def load_from_legacy_db() -> None:
        seconds, frames = timed(lambda: load_csv_legacy_db(files))
        load_times["legacy_db"].append(seconds)
        loaded["legacy_db"] = frames

    load_times["legacy_db"] = []
    alternate([load_from_store, load_from_csv, load_from_legacy_db], reps)
    content_equal = same_content(loaded["store"], loaded["csv"])
    content_equal["legacy initializer"] = legacy_db_same_content(loaded["store"], loaded["legacy_db"])
    store_load_s, csv_load_s = median(load_times["store"]), median(load_times["csv"])
    legacy_db_load_s = median(load_times["legacy_db"])

    # --- figures
    setup_s = median(setup["setup_s"])
    isf_sim = median([a + b for a, b in zip(ratio["isf_attach"], ratio["isf_run"])])
    plain_sim = median([a + b for a, b in zip(ratio["plain_attach"], ratio["plain_run"])])
    sim_r = isf_sim / plain_sim
    run_only_r = median(ratio["isf_run"]) / median(ratio["plain_run"])
    attach_r = median(ratio["isf_attach"]) / median(ratio["plain_attach"])
    (t_i, v_i), (t_p, v_p) = ratio["traces"]["isf"][0], ratio["traces"]["plain"][0]
    same_base = t_i.shape == t_p.shape and bool(np.array_equal(t_i, t_p))
    max_dv = float(np.max(np.abs(v_i - v_p))) if same_base else float("nan")
    repeat_identical = all(np.array_equal(v, v_i) for _, v in ratio["traces"]["isf"] + ratio["traces"]["plain"])
    worker_same_base = stored_t0[0].shape == t_i.shape and bool(np.array_equal(stored_t0[0], t_i))
    worker_dv = float(np.max(np.abs(stored_t0[1] - v_i))) if worker_same_base else float("nan")
    speedup = run_s[1] / run_s[2]
    ratio_total_s = sum(sum(ratio[k]) for k in ("isf_attach", "isf_run", "plain_attach", "plain_run"))
    # Both timing runs simulate the same M trials (same seed): the extra worker time of the 2-worker run
    # over the 1-worker run is contention (shared caches, memory, other processes on the machine).
    contention_s = float(np.sum(wall[2]) - np.sum(wall[1])) / 2.0
    speedup_no_contention = run_s[1] / (run_s[2] - contention_s) if run_s[2] > contention_s else float("nan")

    def busy(seconds: float | None, wall_s: float) -> str:
        return "n/a" if seconds is None else f"{seconds:.1f} core-s ({seconds / wall_s:.0%} of a core)"
    overhead = {w: run_s[w] - float(np.sum(wall[w])) / w for w in (1, 2)}
    size_ratio = h5_bytes / csv_bytes
    load_speedup = csv_load_s / store_load_s
    legacy_db_speedup = legacy_db_load_s / store_load_s
    first_trial_setup = read_s + build_s + setup["setup_s"][0]
    setup_speedup = LEGACY_SETUP_S / setup_s
    sim_per_trial = float(np.median(wall[1]))

    p_lo, p_hi = stats["p_ci"]
    psth_line = " ".join(f"{v:.2f}" for v in stats["psth"])
    rows: list[tuple[str, str, str, str]] = [
        (f"trials (science run, {workers} worker{'s' if workers > 1 else ''}, seed {seed})", str(stats["n"]),
         f"legacy {legacy['n']}", "legacy: other seeds, t 100-345 ms"),
        ("P(soma spike in 245-265 ms)", f"{stats['p']:.3f}", f"{legacy['p']:.3f}",
         f"95% CI {p_lo:.2f}-{p_hi:.2f} (Wilson)"),
        ("ongoing rate 0-245 ms, Hz", f"{stats['ongoing']:.2f}", "", ""),
        ("ongoing rate 100-245 ms, Hz", f"{stats['ongoing_100']:.2f}", f"{legacy['ongoing_100']:.2f}", ""),
        ("spikes per trial, 0-300 ms", f"{stats['per_trial']:.2f}", "", ""),
        ("spikes per trial, 100-300 ms",
         f"{float(np.mean([np.sum((s >= 100) & (s < TSTOP_MS)) for s in stats['spikes']])):.2f}",
         f"{legacy['per_trial_100_300']:.2f}", ""),
        ("active synapses per trial (median)", f"{median(setup['active']):.0f}", "", "ISF ~3,900 in 300 ms"),
        ("read network.param + cell .param, s (one-off)", f"{read_s:.3f}", "", ""),
        ("cell build, s (one-off per worker)", f"{build_s:.3f}", "", ""),
        ("trial setup (realize + attach), median s", f"{setup_s:.3f}", f"{LEGACY_SETUP_S:.1f} (quoted)",
         status(setup_s < 1.0 and setup_speedup >= TARGET_SETUP_SPEEDUP, f">= {TARGET_SETUP_SPEEDUP:g}x faster")
         + f" ({setup_speedup:.1f}x)"),
        ("  realize (numpy draws) / attach (NEURON objects), median s",
         f"{median(setup['realize_s']):.3f} / {median(setup['attach_s']):.3f}", "", ""),
        ("  first trial incl. read + build, s", f"{first_trial_setup:.3f}", "", ""),
        ("attach + run, one trial, median s (isf vs plain)", f"{isf_sim:.3f}", f"{plain_sim:.3f}",
         status(sim_r <= TARGET_SIM_RATIO, f"<= {TARGET_SIM_RATIO}") + f" ({sim_r:.3f})"),
        ("  run only / attach only, median s",
         f"{median(ratio['isf_run']):.3f} / {median(ratio['isf_attach']):.3f}",
         f"{median(ratio['plain_run']):.3f} / {median(ratio['plain_attach']):.3f}",
         f"ratios {run_only_r:.3f} / {attach_r:.3f}"),
        ("  simulation, legacy figure, s", "", f"{LEGACY_SIM_S:.1f} (quoted)",
         f"other processes meanwhile: {busy(ratio_foreign.seconds, ratio_total_s)}"),
        ("  soma trace isf vs plain: max |dv|, mV", f"{max_dv:.3g}", "", "repeats identical: "
         + ("yes" if repeat_identical else "NO")),
        ("  soma trace in-process vs worker (store), max |dv|, mV", f"{worker_dv:.3g}", "",
         "same input: " + ("yes" if input_identical else "NO")),
        (f"{m_trials} trials, 1 worker (in-process), wall s", f"{run_s[1]:.2f}", "",
         f"{m_trials / run_s[1]:.3f} trials/s; overhead {overhead[1]:.2f} s"),
        (f"{m_trials} trials, 2 workers (loky), wall s", f"{run_s[2]:.2f}", "",
         f"{m_trials / run_s[2]:.3f} trials/s; overhead {overhead[2]:.2f} s"),
        ("  2 workers vs 1: speed-up", f"{speedup:.3f}", "",
         status(speedup >= TARGET_PARALLEL, f">= {TARGET_PARALLEL}")
         + "; stores identical: " + ("yes" if parallel_identical else "NO")),
        ("  per-trial simulation in worker, median s (1 / 2 workers)",
         f"{sim_per_trial:.2f} / {float(np.median(wall[2])):.2f}", "",
         f"contention {contention_s:.2f} s/worker; speed-up without it {speedup_no_contention:.3f}"),
        ("  run start-up: 1-ms trials, one per worker, wall s (1 / 2 workers)",
         f"{startup[1]:.2f} / {startup[2]:.2f}", "", "spawn, imports, mechanisms, build, store"),
        ("  coordinating process's CPU during the 2-worker run, s", f"{coordinator_s:.2f}", "",
         "unpickling results, store writes, dispatch"),
        ("  other processes' CPU during the 1 / 2-worker runs", "", "",
         f"{busy(foreign_s[1], run_s[1])} / {busy(foreign_s[2], run_s[2])}"),
        ("store size vs legacy CSV, bytes", f"{h5_bytes:,}", f"{csv_bytes:,}",
         status(size_ratio <= TARGET_SIZE_RATIO, f"<= {TARGET_SIZE_RATIO}") + f" ({size_ratio:.3f})"),
    ]
    for part, (disk, raw) in sorted(breakdown.items()):
        rows.append((f"  store /{part}: on disk (uncompressed)", f"{disk:,} ({raw:,})", "", ""))
    rows += [
        ("  CSV traces / synapses / presynaptic, bytes", "",
         f"{csv_parts['traces']:,} / {csv_parts['synapses']:,} / {csv_parts['presynaptic']:,}", ""),
        ("  ratio incl. the legacy .param copies", f"{h5_bytes / (csv_bytes + param_bytes):.3f}", "", ""),
        ("  ratio without /provenance (per-trial data; the large-N limit)",
         f"{(h5_bytes - provenance_bytes) / csv_bytes:.3f}", "", ""),
        ("load 4 frames, median s (store vs CSV parse)", f"{store_load_s:.3f}", f"{csv_load_s:.3f}",
         status(load_speedup >= TARGET_LOAD_SPEEDUP, f">= {TARGET_LOAD_SPEEDUP:g}x") + f" ({load_speedup:.1f}x)"),
        ("  vs legacy ISF database initializer (pandas), median s", "", f"{legacy_db_load_s:.3f}",
         f"{legacy_db_speedup:.1f}x"),
        ("  CSV parse: traces+spikes / synapses / presynaptic, s", "",
         " / ".join(f"{median(csv_parts_s[k]):.3f}" for k in ("traces", "synapses", "presynaptic")), ""),
        ("  same values from store and CSV", "", "",
         ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in content_equal.items())),
    ]
    print(table(rows))
    print(f"PSTH, {PSTH_BIN_MS:g} ms bins 0-{TSTOP_MS:g} ms, spikes per trial per bin:")
    print(f"  {psth_line}")
    busy_runs = [f"{w}-worker run: {foreign_s[w] / run_s[w]:.0%} of a core" for w in (1, 2)
                 if foreign_s[w] is not None and foreign_s[w] / run_s[w] > BUSY_FRACTION]
    if ratio_foreign.seconds is not None and ratio_foreign.seconds / ratio_total_s > BUSY_FRACTION:
        busy_runs.append(f"sim-ratio runs: {ratio_foreign.seconds / ratio_total_s:.0%} of a core")
    if busy_runs:
        print("WARNING: other processes used the CPU during the timings (" + "; ".join(busy_runs)
              + "): the parallel speed-up (and less so the ratios) are not meaningful; rerun on a quiet machine")
    if leaked_sections:
        print(f"note: {leaked_sections} NEURON sections remain in this process after run_trials with 1 worker "
              "(runner._SIMULATORS keeps the in-process cell alive)")
    print(f"(repetitions: {reps} alternating for sim ratio and loads; parallel: 1 run each; "
          f"total {time.perf_counter() - started:.0f} s)")

    return {
        "trials": stats["n"],
        "seed": seed,
        "workers": workers,
        "p_spike_245_265": round(stats["p"], 6),
        "p_spike_245_265_ci95": [round(p_lo, 4), round(p_hi, 4)],
        "ongoing_rate_hz": round(stats["ongoing"], 4),
        "ongoing_rate_hz_100_245": round(stats["ongoing_100"], 4),
        "spikes_per_trial": round(stats["per_trial"], 4),
        "psth_5ms": [round(float(v), 6) for v in stats["psth"]],
        "psth_edges_ms": [float(stats["psth_edges"][0]), float(stats["psth_edges"][-1])],
        "legacy_trials": legacy["n"],
        "legacy_p_spike_245_265": round(legacy["p"], 6),
        "legacy_ongoing_rate_hz_100_245": round(legacy["ongoing_100"], 4),
        "legacy_spikes_per_trial_100_300": round(legacy["per_trial_100_300"], 4),
        "active_synapses_per_trial": median(setup["active"]),
        "read_s": round(read_s, 4),
        "read_cell_s": round(read_cell_s, 4),
        "read_network_s": round(read_net_s, 4),
        "build_s": round(build_s, 4),
        "setup_s": round(setup_s, 4),
        "realize_s": round(median(setup["realize_s"]), 4),
        "attach_s": round(median(setup["attach_s"]), 4),
        "first_trial_setup_s": round(first_trial_setup, 4),
        "legacy_setup_s_quoted": LEGACY_SETUP_S,
        "setup_speedup_vs_legacy": round(setup_speedup, 2),
        "sim_s_isf": round(isf_sim, 4),
        "sim_s_neuron": round(plain_sim, 4),
        "sim_ratio_vs_neuron": round(sim_r, 4),
        "run_only_ratio_vs_neuron": round(run_only_r, 4),
        "attach_ratio_vs_neuron": round(attach_r, 4),
        "legacy_sim_s_quoted": LEGACY_SIM_S,
        "plain_max_abs_dv_mV": max_dv,
        "worker_vs_in_process_max_abs_dv_mV": worker_dv,
        "parallel_trials": m_trials,
        "wall_s_1_worker": round(run_s[1], 3),
        "wall_s_2_workers": round(run_s[2], 3),
        "parallel_speedup_2_workers": round(speedup, 4),
        "overhead_s_1_worker": round(overhead[1], 3),
        "overhead_s_2_workers": round(overhead[2], 3),
        "parallel_stores_identical": parallel_identical,
        "parallel_contention_s_per_worker": round(contention_s, 3),
        "coordinator_cpu_s_2_workers": round(coordinator_s, 3),
        "startup_s_1_worker": round(startup[1], 3),
        "startup_s_2_workers": round(startup[2], 3),
        "parallel_speedup_without_contention": round(speedup_no_contention, 4),
        "foreign_cpu_core_s_1_worker": None if foreign_s[1] is None else round(foreign_s[1], 2),
        "foreign_cpu_core_s_2_workers": None if foreign_s[2] is None else round(foreign_s[2], 2),
        "foreign_cpu_core_s_sim_ratio": None if ratio_foreign.seconds is None else round(ratio_foreign.seconds, 2),
        "machine_busy": bool(busy_runs),
        "store_bytes": h5_bytes,
        "csv_bytes": csv_bytes,
        "store_provenance_bytes": provenance_bytes,
        "store_size_ratio_vs_csv": round(size_ratio, 4),
        "store_size_ratio_vs_csv_with_params": round(h5_bytes / (csv_bytes + param_bytes), 4),
        "store_size_ratio_vs_csv_without_provenance": round((h5_bytes - provenance_bytes) / csv_bytes, 4),
        "store_load_s": round(store_load_s, 4),
        "csv_load_s": round(csv_load_s, 4),
        "load_speedup_vs_csv": round(load_speedup, 2),
        "legacy_db_load_s": round(legacy_db_load_s, 4),
        "load_speedup_vs_legacy_db_initializer": round(legacy_db_speedup, 2),
        "store_csv_same_values": all(content_equal.values()),
        "total_s": round(time.perf_counter() - started, 1),
    }


if __name__ == "__main__":
    main()
