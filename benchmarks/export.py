"""Export benchmark: a C2 run of cell 86 (soma and dendritic traces) from our run store to one NWB file.

Run from the repository root inside the venv::

    python benchmarks/export.py [--trials 200] [--seed 1] [--workers 2] [--out DIR] [--store RUN.h5]

The run (the shipped C2 network on cell 86, ``Simulation(300 ms, dt 0.025 ms)``, the soma and the
cell file's two apical recording sites recorded) is made with ``isf.run_trials`` into
``DIR/c2_seed<seed>_<trials>trials.h5`` (default ``DIR``: ``benchmarks/out/export``, kept between runs); like every run
store it resumes: run the command again after an interruption and only the missing trials run.
``--store`` exports an existing store instead (no simulation). The issue asks for 200 trials (about
an hour on two cores); ``make bench`` runs 20.

What is measured: ``nwb_export_s``, the wall time of :func:`isf.store.nwb.write_nwb` (store → NWB,
all trials, gzip level 4); ``nwb_bytes``, the NWB file's size; ``nwb_ratio_vs_store`` = NWB bytes /
store bytes (the store also keeps every synapse activation and presynaptic spike, the NWB file only
traces, spikes and provenance); then pynwb's validation time and a read back of every trace
compared with the store. The last line printed is ``RESULT <json>``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import isf
from isf.backends.parallel import Parallel
from isf.data import cell86, network_c2
from isf.store import RunStore
from isf.store.nwb import read_nwb, validate_nwb, write_nwb

TSTOP_MS = 300.0
DT_MS = 0.025


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=200, help="trials of the C2 run (default 200, as the issue)")
    parser.add_argument("--seed", type=int, default=1, help="run seed")
    parser.add_argument("--workers", type=int, default=2, help="loky workers for the run")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out" / "export",
                        help="folder of the run store and the NWB file")
    parser.add_argument("--store", type=Path, default=None, help="export this existing run store (no simulation)")
    return parser.parse_args(argv)


def make_run(out: Path, n_trials: int, seed: int, workers: int) -> tuple[Path, float]:
    """The C2 run's store (made or resumed), and the seconds spent simulating now."""
    params = isf.read_cell_param(cell86("86_C2_center.param"))
    network = isf.read_network_param(network_c2("network.param"), params.cell.morphology,
                                     search_roots=[network_c2()]).network
    recordings = [isf.Recording(isf.Soma()),
                  *(isf.Recording(site, name=site.legacy_label(params.cell)) for site in params.recording_sites)]
    experiment = isf.Experiment(params.cell, isf.Simulation(TSTOP_MS, dt_ms=DT_MS), recordings=recordings,
                                network=network)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"c2_seed{seed}_{n_trials}trials.h5"
    start = time.perf_counter()
    isf.run_trials(experiment, n_trials, path, run_seed=seed, parallel=Parallel(workers=workers))
    return path, time.perf_counter() - start


def check_read_back(store_path: Path, nwb_path: Path) -> int:
    """Compare every trace read back from NWB with the store's; returns the number of traces compared."""
    back = read_nwb(nwb_path)
    compared = 0
    with RunStore.open(store_path) as store:
        for trial in back.trials:
            for key, (t_ms, values) in trial.traces.items():
                t_store, v_store = store.trace(key, trial.trial_index)
                if not (np.array_equal(values, v_store) and np.allclose(t_ms, t_store, rtol=1e-12, atol=1e-9)):
                    raise SystemExit(f"trial {trial.trial_index} {key}: NWB trace differs from the store")
                compared += 1
    return compared


def main() -> None:
    args = parse_args()
    simulate_s = 0.0
    if args.store is not None:
        store_path = args.store
    else:
        print(f"C2 run: {args.trials} trials (seed {args.seed}, {args.workers} workers) into {args.out}; "
              "resumes if interrupted")
        store_path, simulate_s = make_run(args.out, args.trials, args.seed, args.workers)
    with RunStore.open(store_path) as store:
        n_trials, keys = len(store.completed_trials()), store.trace_keys()
    nwb_path = store_path.with_suffix(".nwb")
    start = time.perf_counter()
    write_nwb(store_path, nwb_path, overwrite=True)
    export_s = time.perf_counter() - start
    start = time.perf_counter()
    problems = validate_nwb(nwb_path)
    validate_s = time.perf_counter() - start
    start = time.perf_counter()
    compared = check_read_back(store_path, nwb_path)
    read_s = time.perf_counter() - start
    nwb_bytes, store_bytes = nwb_path.stat().st_size, store_path.stat().st_size
    rows = [
        ("trials exported", f"{n_trials}"),
        ("recordings", ", ".join(keys)),
        ("simulation (this invocation)", f"{simulate_s:.1f} s"),
        ("store → NWB (nwb_export_s)", f"{export_s:.2f} s"),
        ("NWB validation (pynwb)", f"{validate_s:.2f} s, {len(problems)} problems"),
        ("NWB read back + compare", f"{read_s:.2f} s, {compared} traces equal"),
        ("store file", f"{store_bytes / 1e6:.2f} MB"),
        ("NWB file (nwb_bytes)", f"{nwb_bytes / 1e6:.2f} MB"),
        ("NWB / store (nwb_ratio_vs_store)", f"{nwb_bytes / store_bytes:.2f}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if problems:
        raise SystemExit(f"pynwb's validator rejected {nwb_path}: {problems[0]}")
    print("RESULT " + json.dumps({"trials": n_trials, "nwb_export_s": round(export_s, 3), "nwb_bytes": nwb_bytes,
                                  "store_bytes": store_bytes,
                                  "nwb_ratio_vs_store": round(nwb_bytes / store_bytes, 3),
                                  "nwb_validate_s": round(validate_s, 3)}))


if __name__ == "__main__":
    main()
