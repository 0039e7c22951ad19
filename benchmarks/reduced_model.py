"""Reduced-model benchmark: binning speed, the planted-kernel check and an LDA model of simulated trials.

Run from the repository root inside the venv::

    python benchmarks/reduced_model.py --trials 30 [--store-dir DIR] [--workers 2]

What is measured, in one run:

1. **Binning** (spec §1, ``groupby=('EI', 'binned_somadist')``, 1-ms bins to 400 ms). A synthetic
   activation table of ``--binning-trials`` trials (the activation density of a cell-86 C2 trial:
   about 5000 releases per trial from 50 populations at 0–1500 µm) is binned (a) by
   :func:`isf.reduced.bin_activations` (numpy ``bincount``) and (b) by a pandas ``groupby(...).apply``
   re-implementation of ISF's ``synapse_activation_postprocess_pandas`` (per (trial, group) a
   ``numpy.histogram``, then pivot and stack) — the two are checked to give the same arrays.
   ``binning_s_per_1000_trials`` is (a) scaled to 1000 trials; ``binning_speedup_vs_pandas`` = (b)/(a).
2. **Planted kernel** (spec §6.3 b): 5000 trials × 100 bins, kernel 1 on bins 25…74; the LDA model
   fitted with the legacy defaults; correlation of kernel and plant, held-out AUROC, fit seconds.
3. **Simulated trials.** Cell 86 with the evoked networks of C2 and two surround whiskers (C1, D2;
   built with :func:`isf.dsl.create_evoked_network` from the shared evoked-activity library), run
   with :func:`isf.backends.runner.run_trials` into one store per whisker (``--trials`` in all, split
   evenly; kept in ``--store-dir`` and resumed if it exists). Their EXC and INH input is binned, and
   an LDA model predicts a spike in [255, 265) ms from the 80 ms before (legacy defaults). Reported:
   trials, spike fraction, held-out AUROC (median of the 5 fits), the bin where the EXC kernel
   peaks (ms before the output window ends) and the seconds per simulated trial.

The shared data are looked up in ``<repo>/../shared/data/isf`` (``ISF_SHARED_DATA`` overrides);
without them part 3 is skipped. The last line printed is ``RESULT <json>``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common

#: The deflected whiskers of the simulated part: the principal whisker and two surround whiskers.
WHISKERS = ("C2", "C1", "D2")
TSTOP_MS = 270.0


from _common import shared_data_dir  # noqa: E402


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=30, help="simulated trials in all (split over the whiskers)")
    parser.add_argument("--binning-trials", type=int, default=300, help="synthetic trials of the binning timing")
    parser.add_argument("--seed", type=int, default=1, help="run seed of the simulations")
    parser.add_argument("--workers", type=int, default=2, help="loky workers of the simulations")
    parser.add_argument("--store-dir", type=Path, default=None,
                        help="keep the run stores here (resumed if present; default: a temporary folder)")
    parser.add_argument("--simulate-only", action="store_true", help="only run the simulations, then stop")
    parser.add_argument("--sim-bin-ms", type=float, default=5.0,
                        help="time bin of the simulated trials' input, ms (ISF: 1; coarser bins need fewer trials)")
    parser.add_argument("--sim-window-ms", type=float, default=50.0, help="input window of the simulated model, ms")
    parser.add_argument("--no-simulate", action="store_true",
                        help="fit to the completed trials of the stores already in --store-dir (run nothing)")
    parser.add_argument("--only", choices=WHISKERS, default=None, help="with --simulate-only: this whisker only")
    args = parser.parse_args(argv)
    if args.trials < len(WHISKERS) or args.binning_trials < 2 or args.workers < 1:
        parser.error(f"--trials must be >= {len(WHISKERS)}, --binning-trials >= 2, --workers >= 1")
    return args


def evoked_experiment(shared: Path, whisker: str) -> Any:
    """Cell 86 with the evoked network of a deflection of ``whisker`` (stimulus at 245 ms)."""
    import isf
    from isf.dsl import create_evoked_network
    from isf.dsl.network_param import network_from_param_dict

    params = isf.read_cell_param(shared / "cell_params" / "86_C2_center.param",
                                 [shared / "morphologies", shared / "recording_sites"])
    embedding = shared / "embedding" / "86_C2_center"
    network_dir = shared / "network"
    template = next((network_dir / "ongoing_activity").glob("*.param"))
    parsed = create_evoked_network(template, embedding / "NumberOfConnectedCells.csv",
                                   embedding / "example_embedding_86_C2_center.syn",
                                   embedding / "example_embedding_86_C2_center.con", whisker,
                                   network_dir / "evoked_activity")
    network = network_from_param_dict(parsed, params.cell.morphology, search_roots=[embedding]).network
    sim = params.simulation
    simulation = isf.Simulation(TSTOP_MS, dt_ms=sim.dt_ms, v_init_mV=sim.v_init_mV, celsius_degC=sim.celsius_degC)
    return isf.Experiment(params.cell, simulation, network=network)


def _complete_store(store_dir: Path, whisker: str, n: int) -> Path | None:
    """A finished store of ``whisker`` with at least ``n`` trials kept from an earlier run, if any."""
    from isf.store import RunStore

    for path in sorted(store_dir.glob(f"cell86_{whisker}_*.h5")):
        try:
            with RunStore.open(path) as store:
                done = len(store.completed_trials())
                if store.n_trials >= n and done == store.n_trials:
                    return path
        except Exception:  # a store left broken by an interrupted run: not reused
            continue
    return None


def simulate(shared: Path, n_trials: int, store_dir: Path, seed: int, workers: int,
             only: str | None = None) -> tuple[list[Path], float]:
    """Run ``n_trials`` trials split over :data:`WHISKERS` (a finished store of a whisker with at least
    its share of trials is reused); (store paths, wall seconds)."""
    import isf
    from isf.backends.runner import run_trials

    per_whisker = [n_trials // len(WHISKERS) + (i < n_trials % len(WHISKERS)) for i in range(len(WHISKERS))]
    store_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    start = time.perf_counter()
    for i, (whisker, n) in enumerate(zip(WHISKERS, per_whisker)):
        if only is not None and whisker != only:
            continue
        path = _complete_store(store_dir, whisker, n)
        if path is None:
            path = store_dir / f"cell86_{whisker}_{n}.h5"
            run_trials(evoked_experiment(shared, whisker), n, path, run_seed=seed + i,
                       parallel=isf.Parallel(workers=workers, progress=False))
        paths.append(path)
    return paths, time.perf_counter() - start

# ------------------------------------------------------------------------------------------ binning

def synthetic_activations(n_trials: int, seed: int = 0) -> Any:
    """Long-form activations with the density of a cell-86 C2 trial: ~5000 releases per trial."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    cell_types = ["L2", "L34", "L4py", "L4sp", "L4ss", "L5st", "L5tt", "L6cc", "VPM", "L1", "SymLocal1",
                  "SymLocal2", "L45Sym", "L23Trans", "L56Trans"]
    populations = [f"{c}_{col}" for c in cell_types for col in ("C2", "C1", "D2")][:50]
    counts = rng.poisson(5000, n_trials)
    n = int(counts.sum())
    return pd.DataFrame({
        "population": pd.Categorical.from_codes(rng.integers(0, len(populations), n), populations),
        "soma_distance_um": rng.uniform(0, 1500, n),
        "time_ms": rng.uniform(0, 400, n),
    }, index=pd.Index(np.repeat(np.arange(n_trials), counts), name="trial"))


def pandas_binning(frame: Any, maxtime: int = 400) -> dict[Any, Any]:
    """ISF's ``synapse_activation_postprocess_pandas`` re-implemented with pandas: prefun (grouping
    columns per row), ``groupby((trial, EI, binned_somadist)).apply(numpy.histogram)``, pivot, stack."""
    import numpy as np

    from isf.reduced.groups import EI_TABLE_PRE_2025

    pdf = frame.copy()
    celltype = pdf.population.astype(str).str.split("_").str[0]
    pdf["EI"] = np.where(celltype.isin(EI_TABLE_PRE_2025.excitatory), "EXC", "INH")
    k = np.floor(pdf.soma_distance_um / 50).astype(int)
    pdf["binned_somadist"] = (50 * k).astype(str) + "to" + (50 * k + 50).astype(str)
    pdf["sti"] = pdf.index
    edges = np.arange(maxtime + 1)
    hist = pdf.groupby(["sti", "EI", "binned_somadist"]).time_ms.apply(lambda t: np.histogram(t, bins=edges)[0])
    table = hist.unstack(["EI", "binned_somadist"])
    out = {}
    for key in table.columns:
        column = table[key]
        out[key] = np.stack([v if isinstance(v, np.ndarray) else np.zeros(maxtime, dtype=np.int64) for v in column])
    return out


def load() -> str:
    return open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"


def binning_part(n_trials: int) -> dict[str, Any]:
    import numpy as np

    from _common import median, timed
    from isf.reduced import bin_activations

    frame = synthetic_activations(n_trials)
    before = load()
    ours = [timed(lambda: bin_activations(frame, ("EI", "binned_somadist"), maxtime_ms=400)) for _ in range(3)]
    theirs = timed(lambda: pandas_binning(frame))
    after = load()
    binned, reference = ours[0][1], theirs[1]
    assert sorted(binned.keys()) == sorted(reference), "the two binnings give different groups"
    for key in binned.keys():
        assert np.array_equal(binned[key], reference[key]), key
    t_ours = median([t for t, _ in ours])
    return {"binning_trials": n_trials, "binning_rows": len(frame), "binning_s": t_ours,
            "binning_pandas_s": theirs[0], "binning_s_per_1000_trials": t_ours * 1000 / n_trials,
            "binning_speedup_vs_pandas": theirs[0] / t_ours, "binning_load": f"{before} -> {after}"}


# ------------------------------------------------------------------------------------------ planted

def planted_part() -> dict[str, Any]:
    import numpy as np

    from _common import timed
    from isf.reduced import LdaSettings, fit_lda

    rng = np.random.default_rng(0)
    X = rng.integers(0, 21, (5000, 100))
    v = np.zeros(100)
    v[25:75] = 1.0
    y = (X @ v - 500) / 20 > rng.uniform(size=5000)
    settings = LdaSettings(window_width_ms=50, output_window_min_ms=99, output_window_max_ms=101)
    fit_s, model = timed(lambda: fit_lda({"EXC": X}, np.where(y, 100.0, np.nan)[:, None], settings))
    return {"planted_kernel_corr": float(np.corrcoef(model.kernel("EXC"), v[51:100])[0, 1]),
            "planted_auroc": model.auroc, "planted_mean_wni": float(model.wni[0].mean()), "fit_s": fit_s}


# ------------------------------------------------------------------------------------------ simulated

def simulated_part(shared: Path, args: argparse.Namespace, store_dir: Path) -> dict[str, Any]:
    import numpy as np

    from isf.errors import FittingError
    from isf.reduced import LdaSettings, binned_runs, blocks_of, fit_lda

    if args.no_simulate:  # the completed trials of the stores already in --store-dir
        paths, sim_wall = sorted(store_dir.glob("cell86_*.h5")), float("nan")
    else:
        paths, sim_wall = simulate(shared, args.trials, store_dir, args.seed, args.workers)
    bin_ms, width = args.sim_bin_ms, args.sim_window_ms
    binned, spikes = binned_runs(paths, ("EI",), bin_ms=bin_ms)
    base: dict[str, Any] = {"simulated_trials": int(len(binned.trials)), "simulated_wall_s": sim_wall,
                            "simulated_whiskers": list(WHISKERS), "simulated_bin_ms": bin_ms,
                            "simulated_trials_per_store": {p.stem: int(np.sum(binned.trials.str.startswith(p.stem + "/")))
                                                           for p in paths}}

    def fitted(end_ms: float, binned: Any = binned, bin_ms: float = bin_ms, width: float = width,
               regularize: bool = False) -> dict[str, Any]:
        """The model with the input window [end − width, end) ms in bins of bin_ms; its AUROC and EXC peak."""
        end = int(round(end_ms / bin_ms))
        settings = LdaSettings(window_width_ms=None, window_min_ms=end - int(round(width / bin_ms)),
                               window_max_ms=end, regularize=regularize)
        model = fit_lda(blocks_of(binned), spikes, settings, binned.trials.tolist())
        lo, _ = model.window
        exc = model.kernels[:, :model.block_lengths[0]].mean(axis=0)  # the EXC kernel, mean of the fits
        peak_start = (lo + int(np.argmax(exc))) * bin_ms
        return {"auroc": model.auroc, "peak_bin_start_ms": peak_start, "spike_fraction": float(model.y.mean()),
                "exc_kernel": [round(float(k), 3) for k in exc]}

    try:
        overlapping = fitted(265.0)  # ISF's default: the input window ends with the output window
        before = fitted(255.0)  # the input before the output window only
    except FittingError as exc:  # too few trials for the features (LDA is not regularised)
        print(f"simulated trials: no model ({' '.join(str(exc).split())[:160]})")
        return {**base, "simulated_auroc": None}
    print(f"EXC kernel, window [{265 - width:g}, 265) ms in {bin_ms:g}-ms bins (mean of 5 fits): "
          f"{overlapping['exc_kernel']}")
    print(f"EXC kernel, window [{255 - width:g}, 255) ms: {before['exc_kernel']}")
    # ISF's own setting, 1-ms bins x 80 ms ending with the output window, is singular on a few hundred
    # trials; Ledoit-Wolf shrinkage (LdaSettings.regularize) makes it fittable
    fine, _ = binned_runs(paths, ("EI",), bin_ms=1.0)
    try:
        shrunk = fitted(265.0, fine, 1.0, 80.0, regularize=True)
    except FittingError as exc:
        print(f"regularized 1-ms model: none ({' '.join(str(exc).split())[:160]})")
        shrunk = {"auroc": None, "peak_bin_start_ms": None}
    else:
        top = np.argsort(shrunk["exc_kernel"])[::-1][:3] + 185
        print(f"EXC kernel, 1-ms bins, window [185, 265) ms, regularized: AUROC {shrunk['auroc']:.3f}, "
              f"largest weights at {', '.join(f'{t:d}' for t in top)} ms")
    return {**base, "simulated_spike_fraction": overlapping["spike_fraction"],
            "simulated_auroc": overlapping["auroc"], "simulated_exc_peak_bin_start_ms": overlapping["peak_bin_start_ms"],
            "simulated_auroc_before_output": before["auroc"],
            "simulated_exc_peak_bin_start_ms_before_output": before["peak_bin_start_ms"],
            "simulated_auroc_regularized_1ms": shrunk["auroc"],
            "simulated_exc_peak_ms_regularized_1ms": shrunk["peak_bin_start_ms"]}


def main() -> None:
    import tempfile

    args = parse_args()
    shared = shared_data_dir()
    if args.simulate_only:
        if shared is None:
            sys.exit("no shared data")
        paths, wall = simulate(shared, args.trials, args.store_dir or Path("out/reduced_bench"), args.seed,
                               args.workers, args.only)
        print(f"simulated {args.trials} trials in {wall:.0f} s: {[str(p) for p in paths]}")
        return
    result: dict[str, Any] = {}
    result.update(binning_part(args.binning_trials))
    result.update(planted_part())
    if shared is None:
        result.update(simulated_trials=0, simulated_auroc=None, simulated_skipped="no shared data")
    elif args.store_dir is not None:
        result.update(simulated_part(shared, args, args.store_dir))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result.update(simulated_part(shared, args, Path(tmp)))
    rows = [("binning, isf (numpy bincount)", f"{result['binning_s']:.3f} s for {result['binning_trials']} trials "
             f"({result['binning_rows']} releases)"),
            ("binning, pandas groupby/apply", f"{result['binning_pandas_s']:.3f} s"),
            ("binning speed-up", f"{result['binning_speedup_vs_pandas']:.1f}x (target >= 10x); load "
             f"{result['binning_load']} (2 cores shared)"),
            ("binning per 1000 trials", f"{result['binning_s_per_1000_trials']:.3f} s"),
            ("planted kernel: corr / AUROC", f"{result['planted_kernel_corr']:.3f} / {result['planted_auroc']:.3f} "
             "(require >= 0.90 / >= 0.75)"),
            ("LDA fit (5 fits, 5000 x 49)", f"{result['fit_s']:.2f} s")]
    if result.get("simulated_auroc") is not None:
        rows += [("simulated trials (C2, C1, D2)", f"{result['simulated_trials']} {result['simulated_trials_per_store']}, "
                  f"spike fraction "
                  f"{result['simulated_spike_fraction']:.3f} in [255, 265) ms"),
                 ("simulated held-out AUROC", f"{result['simulated_auroc']:.3f} (input window ending at 265 ms, "
                  f"as ISF); {result['simulated_auroc_before_output']:.3f} (ending at 255 ms)"),
                 ("EXC kernel peak", f"bin starting at {result['simulated_exc_peak_bin_start_ms']:g} ms "
                  f"({result['simulated_bin_ms']:g}-ms bins); window ending at 255 ms: "
                  f"{result['simulated_exc_peak_bin_start_ms_before_output']:g} ms")]
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
