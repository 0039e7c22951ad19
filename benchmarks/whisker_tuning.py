"""Whisker-tuning benchmark: cell 86 in its shipped embedding, stimulated through each of ten whiskers.

Run from the repository root inside the venv::

    python benchmarks/whisker_tuning.py --trials 4 --seed 1 --workers 2

Everything comes from the data isf ships (``isf.data``): cell ``cell86/86_C2_center.param`` and its
embedding ``network_c2/`` (``NumberOfConnectedCells.csv``, ``.syn``, ``.con``); the network of each
deflected whisker is built with the shipped ongoing template and evoked PSTH library
(:func:`isf.backends.study_runs.whisker_sweep`). ``Simulation(300 ms, dt of the cell file)``, soma
voltage recorded. What is measured, in one run:

1. ``build_s``: building the ten evoked networks (``.param`` dicts → typed networks).
2. ``wall_s``: :func:`isf.backends.study_runs.run_study` runs N trials for each of B1 B2 B3 C1 C2 C3
   D1 D2 D3 E2 into one study database (fresh, in a temporary folder; one progress bar) with
   ``Parallel(workers=W)``; ``trials_per_s`` = 10·N / ``wall_s``.
3. From the database, through the study view and :mod:`isf.analysis.study`: per whisker
   ``p_spike_245_265`` = P(≥ 1 soma spike in [245, 265) ms) (Wilson 95 % interval in the table),
   ``ongoing_rate_hz_100_245`` = the mean rate in [100, 245) ms (before the deflection at 245 ms;
   from 100 ms, as the legacy traces start there), ``spikes_per_trial_100_300``. Side by side, the
   ratio of each whisker's P(spike) to the principal whisker C2's. With the shared data present,
   the six legacy C2 trials (``legacy_simrun/…/20240_vm_all_traces.csv``, other seeds, the legacy
   simulator, t = 100 … 345 ms) give the same figures for C2 as context (6 trials: not a test).
4. As a property of the networks (no simulation): the expected evoked presynaptic spikes of the cell's
   connected cells in the first 20 ms after the deflection, excitatory / inhibitory — why the principal
   whisker should win.

The load of the machine (the 5-minute load average at the end of the sweep, less the sweep's workers)
is printed when others use it: a shared machine slows ``wall_s`` but not the science figures. The last line printed is
``RESULT <json>``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common

from _common import shared_data_dir, timed  # noqa: E402

import isf  # noqa: E402
from isf.analysis import study  # noqa: E402
from isf.backends.study_runs import run_study, whisker_sweep  # noqa: E402
from isf.data import cell86, network_c2  # noqa: E402
from isf.store import StudyView  # noqa: E402

WHISKERS = ("B1", "B2", "B3", "C1", "C2", "C3", "D1", "D2", "D3", "E2")
PRINCIPAL = "C2"
TSTOP_MS = 300.0
EVOKED_MS = (245.0, 265.0)
ONGOING_MS = (100.0, 245.0)
COUNT_MS = (100.0, 300.0)
#: Other processes using more than this many cores during the sweep make its timing suspect.
BUSY_FRACTION = 0.5


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=4, help="trials per whisker (N)")
    parser.add_argument("--seed", type=int, default=1, help="the study's seed")
    parser.add_argument("--workers", type=int, default=2, help="loky workers")
    parser.add_argument("--keep", type=Path, default=None, help="keep the study database in this folder")
    args = parser.parse_args(argv)
    if args.trials < 1 or args.workers < 1:
        parser.error("--trials and --workers must be >= 1")
    return args


def wilson_interval(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score 95 % interval of a binomial proportion k/n."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def evoked_drive(whisker: str) -> tuple[float, float]:
    """Expected evoked presynaptic spikes (excitatory, inhibitory) of the cell's connected presynaptic cells
    in the first 20 ms after the deflection: Σ over evoked populations of cells × PSTH mass in [0, 20) ms
    (negative bins, meaning "below ongoing", count as 0). A property of the network, not of a trial."""
    from isf.dsl.evoked_network import evoked_network_param
    from isf.model.cell_types import ei_class

    exc = inh = 0.0
    for name, population in evoked_network_param(whisker, network_c2())["network"].items():
        activity = population["celltype"]
        if not isinstance(activity, dict):
            continue
        psth = activity["pointcell"]
        mass = sum(max(0.0, p) for (t0, _), p in zip(psth["intervals"], psth["probabilities"]) if t0 < 20.0)
        if ei_class(name.rsplit("_", 1)[0]) == "EXC":
            exc += population["cellNr"] * mass
        else:
            inh += population["cellNr"] * mass
    return exc, inh


def finished_trials(db: isf.Database) -> int:
    """Trials the run stores of ``db`` hold already (a ``--keep`` folder of an earlier run)."""
    total = 0
    for key in db.keys():
        if db.metadata(key)["format"] == "run-store":
            with isf.RunStore.open(db.item_path(key)) as store:
                total += len(store.completed_trials())
    return total


def legacy_c2() -> dict[str, float] | None:
    """The figures of the six legacy C2 trials, if the shared data are present."""
    shared = shared_data_dir()
    if shared is None:
        return None
    path = (shared / "legacy_simrun" / "C2_evoked_UpState_INH_PW_1.0_SuW_0.5_C2center" / "20150815-1530_20240"
            / "20240_vm_all_traces.csv")
    if not path.is_file():
        return None
    from isf.dsl.simrun_files import read_trace_file
    from isf.model.spikes import spike_times

    table = read_trace_file(path)
    spikes = [spike_times(table.t_ms, v, 0.0) for v in table.values]
    n = len(spikes)
    return {
        "trials": n,
        "p_spike": sum(bool(((s >= EVOKED_MS[0]) & (s < EVOKED_MS[1])).any()) for s in spikes) / n,
        "ongoing_hz": sum(int(((s >= ONGOING_MS[0]) & (s < ONGOING_MS[1])).sum()) for s in spikes)
        / n / ((ONGOING_MS[1] - ONGOING_MS[0]) / 1000.0),
        "spikes_per_trial": sum(int(((s >= COUNT_MS[0]) & (s <= COUNT_MS[1])).sum()) for s in spikes) / n,
    }


def main() -> None:
    args = parse_args()
    params = isf.read_cell_param(cell86("86_C2_center.param"))
    sim = params.simulation
    base = isf.Experiment(params.cell, isf.Simulation(TSTOP_MS, dt_ms=sim.dt_ms, v_init_mV=sim.v_init_mV,
                                                     celsius_degC=sim.celsius_degC),
                          recordings=[isf.Recording(isf.Soma())])
    build_s, runs = timed(lambda: whisker_sweep(base, WHISKERS, network_c2()))
    n_total = len(WHISKERS) * args.trials
    with tempfile.TemporaryDirectory(prefix="isf-whisker-tuning-") as tmp:
        folder = args.keep if args.keep is not None else Path(tmp)
        db = isf.Database(folder / "whisker_study")
        already = finished_trials(db)
        wall_s, _ = timed(lambda: run_study(db, runs, args.trials, run_seed=args.seed,
                                            parallel=isf.Parallel(workers=args.workers)))
        view = StudyView.of_database(db)
        sim_s = 0.0
        for run in view.runs:
            with isf.RunStore.open(run.path) as store:
                sim_s += float(store["trials"].wall_s.sum())
        by = ["whisker"]
        p = study.spike_probability(view.spike_times, view.trials, EVOKED_MS, by)
        ongoing = study.psth_by_condition(view.spike_times, view.trials, by, bin_ms=ONGOING_MS[1] - ONGOING_MS[0],
                                          t_start_ms=ONGOING_MS[0], t_stop_ms=ONGOING_MS[1]).iloc[:, 0]
        # spikes in [100, 300] ms per trial (one bin, closed at its end as numpy.histogram)
        counts = study.psth_by_condition(view.spike_times, view.trials, by, bin_ms=COUNT_MS[1] - COUNT_MS[0],
                                         t_start_ms=COUNT_MS[0], t_stop_ms=COUNT_MS[1], rate=False).iloc[:, 0]
        n_by = view.trials.groupby("whisker", observed=True).size()
    # Other processes' load: the 5-minute load average at the end of the sweep less the sweep's own
    # workers. (The trials' wall times cannot tell it: a trial waiting for a core counts as simulating.)
    load_5min = os.getloadavg()[1] if hasattr(os, "getloadavg") else math.nan
    other_cores = max(0.0, load_5min - args.workers)
    cores = os.cpu_count() or 1
    p_spike = {w: float(p[w]) for w in WHISKERS}
    ongoing_hz = {w: float(ongoing[w]) for w in WHISKERS}
    spikes = {w: float(counts[w]) for w in WHISKERS}

    print(f"cell 86 in its shipped embedding, {args.trials} trials per whisker, {TSTOP_MS:g} ms, seed {args.seed}, "
          f"{args.workers} workers")
    drive = {w: evoked_drive(w) for w in WHISKERS}
    print(f"{'whisker':>7} {'trials':>6} {'P(spike 245-265)':>16} {'95% CI':>13} {'P/P(C2)':>8} "
          f"{'ongoing Hz 100-245':>18} {'spikes/trial 100-300':>20} {'evoked input E/I (0-20 ms)':>26}")
    for w in WHISKERS:
        n = int(n_by[w])
        lo, hi = wilson_interval(round(p_spike[w] * n), n)
        ratio = p_spike[w] / p_spike[PRINCIPAL] if p_spike[PRINCIPAL] > 0 else math.nan
        print(f"{w:>7} {n:>6} {p_spike[w]:>16.3f} {f'{lo:.2f}-{hi:.2f}':>13} {ratio:>8.2f} {ongoing_hz[w]:>18.2f} "
              f"{spikes[w]:>20.2f} {f'{drive[w][0]:.0f} / {drive[w][1]:.0f}':>26}")
    legacy = legacy_c2()
    if legacy is not None:
        print(f"{'C2 (legacy)':>7} {legacy['trials']:>2} {legacy['p_spike']:>16.3f} {'':>13} {'':>8} "
              f"{legacy['ongoing_hz']:>18.2f} {legacy['spikes_per_trial']:>20.2f}  (6 legacy trials: context only)")
    best = max(WHISKERS, key=lambda w: p_spike[w])
    ties = [w for w in WHISKERS if p_spike[w] == p_spike[best]]
    principal = (f"C2 has the highest P(spike)" if ties == [PRINCIPAL] else
                 f"highest P(spike): {', '.join(ties)} (C2 {p_spike[PRINCIPAL]:.3f}; with {args.trials} trials per "
                 "whisker the intervals overlap — more trials separate them)")
    print(principal)
    print(f"networks built in {build_s:.2f} s; sweep {n_total} trials in {wall_s:.1f} s = {n_total / wall_s:.3f} "
          f"trials/s; simulation {sim_s / n_total:.2f} s per trial (sum over workers {sim_s:.0f} s)")
    if already:
        print(f"note: --keep {folder} held {already} finished trials: the sweep resumed, and wall_s covers only the "
              f"{n_total - already} trials run now")
    if other_cores > BUSY_FRACTION:
        print(f"note: load average {load_5min:.1f} on {cores} cores at the end of the sweep, ~{other_cores:.1f} of it "
              "from other processes: wall_s and the per-trial times are slowed by load (the science figures are not)")
    result: dict[str, Any] = {
        "whiskers": list(WHISKERS),
        "p_spike_245_265": p_spike,
        "ongoing_rate_hz_100_245": ongoing_hz,
        "spikes_per_trial_100_300": spikes,
        "trials": args.trials,
        "trials_total": n_total,
        "wall_s": round(wall_s, 3),
        "trials_per_s": round(n_total / wall_s, 4),
        "build_s": round(build_s, 3),
        "sim_s_per_trial": round(sim_s / n_total, 3),
        "principal_highest": ties == [PRINCIPAL],
        "evoked_presynaptic_spikes_exc_0_20": {w: round(drive[w][0], 1) for w in WHISKERS},
        "load_avg_5min": round(load_5min, 2),
        "workers": args.workers,
        "seed": args.seed,
    }
    if legacy is not None:
        result["legacy_c2_6_trials"] = legacy
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
