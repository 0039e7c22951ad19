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


def shared_data_dir() -> Path | None:
    """``$ISF_SHARED_DATA`` or ``<repo>/../shared/data/isf``, if it exists."""
    env = os.environ.get("ISF_SHARED_DATA")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "data" / "isf"
    return path if path.is_dir() else None


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=30, help="simulated trials in all (split over the whiskers)")
    parser.add_argument("--binning-trials", type=int, default=300, help="synthetic trials of the binning timing")
    parser.add_argument("--seed", type=int, default=1, help="run seed of the simulations")
    parser.add_argument("--workers", type=int, default=2, help="loky workers of the simulations")
    parser.add_argument("--store-dir", type=Path, default=None,
                        help="keep the run stores here (resumed if present; default: a temporary folder)")
    parser.add_argument("--simulate-only", action="store_true", help="only run the simulations, then stop")
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


def simulate(shared: Path, n_trials: int, store_dir: Path, seed: int, workers: int) -> tuple[list[Path], float]:
    """Run ``n_trials`` trials split over :data:`WHISKERS`; (store paths, wall seconds)."""
    import isf
    from isf.backends.runner import run_trials

    per_whisker = [n_trials // len(WHISKERS) + (i < n_trials % len(WHISKERS)) for i in range(len(WHISKERS))]
    store_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    start = time.perf_counter()
    for i, (whisker, n) in enumerate(zip(WHISKERS, per_whisker)):
        path = store_dir / f"cell86_{whisker}_{n}.h5"
        run_trials(evoked_experiment(shared, whisker), n, path, run_seed=seed + i,
                   parallel=isf.Parallel(workers=workers, progress=False))
        paths.append(path)
    return paths, time.perf_counter() - start


if __name__ == "__main__":
    ARGS = parse_args()
    SHARED = shared_data_dir()
    if ARGS.simulate_only:
        if SHARED is None:
            sys.exit("no shared data")
        paths, wall = simulate(SHARED, ARGS.trials, ARGS.store_dir or Path("out/reduced_bench"), ARGS.seed,
                               ARGS.workers)
        print(f"simulated {ARGS.trials} trials in {wall:.0f} s: {[str(p) for p in paths]}")
        sys.exit(0)
