"""Benchmark of a study at scale: the study view with dask against the legacy way with pandas.

``python benchmarks/study_scale.py [--conditions 10] [--trials-per-condition 1800] [--folder DIR]
[--legacy-conditions 1] [--chunk-trials N] [--build-workers 2] [--keep]``

1. **Build**, through the public API (``isf.Database``, ``db.run_store_path``, ``RunStore.create``,
   ``write_conditions``, ``RunStore.append_trial``), a synthetic study: one run per condition
   (``{"stimulus": "S0"}`` …), per trial a 300 ms soma trace at dt 0.025 ms (12,001 samples), ~1.5 soma
   spikes (more in 245–265 ms for some stimuli), ~3,900 synapse activations (population, synapse ID,
   soma distance, section, label; their times are presynaptic spike times) of 24,780 synapses in 35
   populations, ~11,000 presynaptic spikes. ``dataset_bytes`` is the size of these data uncompressed
   (float64/int64 columns as the frames hold them); ``disk_bytes`` what the stores take.
2. **Study view** (in a subprocess, to measure its peak resident memory ``peak_rss_bytes``; the local
   threaded dask scheduler, after one tiny dask computation that pays dask's lazy imports): (a) P(spike
   in 245–265 ms) per condition, (b) mean and SD of all soma
   traces, (c) mean soma distance of the activations per cell type, (d) PSTH per condition (1 ms
   bins). The times include reading the stores.
3. **Legacy way** on ``--legacy-conditions`` conditions (all of them would need the whole study in
   memory: tens of GB at full size), scaled linearly to all conditions: the runs read into wide
   in-memory pandas frames (``spike_times`` NaN-padded, ``voltage_traces`` one row per trial, the
   activations long), then (a) and (d) by row-wise ``apply`` over trials, (b) ``DataFrame.mean/std``,
   (c) ``Series.apply`` of the population → cell type mapping and ``groupby``. ``*_speedup_vs_pandas``
   compares with the legacy time *including* the reading of the one frame the analysis needs
   (``spike_times`` for (a) and (d), ``voltage_traces`` for (b), ``synapse_activations`` for (c)) —
   the same work as the view's, whose times include its reading; ``*_speedup_vs_pandas_in_memory``
   with the in-memory analysis alone.
4. **Cluster**: (b) and (c) on a ``dask.distributed.LocalCluster`` of 1 and of 2 worker processes
   (one thread each; start-up excluded) → ``speedup_2_workers``. The machine's cores may be shared:
   the load average is printed.

Prints a table and, as its last line, ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

WINDOW_MS = (245.0, 265.0)
TSTOP_MS, DT_MS = 300.0, 0.025
N_SAMPLES = int(round(TSTOP_MS / DT_MS)) + 1
CELL_TYPES = ("L2", "L34", "L4py", "L4sp", "L4ss", "L5st", "L5tt", "L6cc", "L6ccinv", "L6ct")
POPULATIONS = tuple(f"{c}_{col}" for c in CELL_TYPES for col in ("B1", "C2", "D3")) + (
    "L1_C2", "L23Trans_C2", "L45Sym_C2", "L56Trans_C2", "SymLocal1_C2")
N_SYNAPSES, N_ACTIVATIONS, N_PRESYNAPTIC, N_SPIKES = 24_780, 3_900, 11_000, 1.5
EXPERIMENT = json.dumps({"isf_format": 1, "type": "Experiment", "value": {"simulation": {"tstop_ms": TSTOP_MS}}})


# ---------------------------------------------------------------------- building the study

def _synapses() -> dict[str, np.ndarray]:
    """The fixed synapses of the synthetic cell: population, soma distance (µm), section, point, label."""
    rng = np.random.default_rng(0)
    population = rng.integers(0, len(POPULATIONS), N_SYNAPSES)
    return {"population": population, "soma_distance_um": rng.uniform(0.0, 1500.0, N_SYNAPSES),
            "section_id": rng.integers(0, 200, N_SYNAPSES), "section_pt_id": rng.integers(0, 20, N_SYNAPSES),
            "label": np.where(rng.random(N_SYNAPSES) < 0.6, "ApicalDendrite", "Dendrite").astype(object)}


def _trial(rng: np.random.Generator, synapses: dict[str, np.ndarray], drive: float) -> dict[str, Any]:
    """One trial's columns for ``RunStore.append_trial``."""
    t = np.arange(N_SAMPLES) * DT_MS
    n_spikes = rng.poisson(N_SPIKES)
    in_window = rng.random(n_spikes) < drive
    spikes = np.sort(np.where(in_window, rng.uniform(*WINDOW_MS, n_spikes), rng.uniform(0.0, TSTOP_MS, n_spikes)))
    v = -70.0 + 2.0 * np.sin(2 * np.pi * t / rng.uniform(40.0, 80.0)) + 0.5 * np.sin(t / 3.0 + rng.uniform(0, 6))
    for s in spikes:  # a 1 ms spike
        i = int(s / DT_MS)
        v[i:i + 40] = 20.0 * np.exp(-np.arange(min(40, N_SAMPLES - i)) / 10.0)
    n_pre = rng.poisson(N_PRESYNAPTIC)
    pre_pop = rng.integers(0, len(POPULATIONS), n_pre)
    order = np.argsort(pre_pop, kind="stable")
    pre = {"population": np.array(POPULATIONS, dtype=object)[pre_pop[order]],
           "cell_id": rng.integers(0, 500, n_pre)[order], "time_ms": rng.uniform(0.0, TSTOP_MS, n_pre)[order]}
    n_act = rng.poisson(N_ACTIVATIONS)
    synapse = np.sort(rng.integers(0, N_SYNAPSES, n_act))
    act = {"population": np.array(POPULATIONS, dtype=object)[synapses["population"][synapse]],
           "synapse_id": synapse, "soma_distance_um": synapses["soma_distance_um"][synapse],
           "section_id": synapses["section_id"][synapse], "section_pt_id": synapses["section_pt_id"][synapse],
           "label": synapses["label"][synapse], "time_ms": pre["time_ms"][rng.integers(0, n_pre, n_act)]}
    return {"t_ms": t, "traces": {"soma": v}, "spike_times_ms": spikes, "synapse_activations": act,
            "presynaptic_spikes": pre}


def build_condition(db_path: str, condition: int, n_trials: int) -> int:
    """Write one condition's run into the database (resumable); returns its uncompressed bytes."""
    from isf.store import Database, RunStore
    from isf.store.study_view import write_conditions

    db = Database(db_path, durable=False)
    path = db.run_store_path(("runs", f"S{condition}"))
    synapses = _synapses()
    drive = 0.1 + 0.8 * condition / max(1, 9)
    n_bytes = 0
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=condition, n_trials=n_trials) as store:
        write_conditions(store, {"stimulus": f"S{condition}"})
        done = store.completed_trials()
        for trial in range(n_trials):
            columns = _trial(np.random.default_rng([condition, trial]), synapses, drive)
            n_bytes += (columns["traces"]["soma"].nbytes + columns["spike_times_ms"].nbytes
                        + 8 * 7 * len(columns["synapse_activations"]["time_ms"])
                        + 8 * 3 * len(columns["presynaptic_spikes"]["time_ms"]))
            if trial not in done:
                store.append_trial(trial, **columns)
    return n_bytes


def build(db_path: Path, conditions: int, trials: int, workers: int) -> tuple[int, float]:
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        sizes = list(pool.map(build_condition, [str(db_path)] * conditions, range(conditions),
                              [trials] * conditions))
    return sum(sizes), time.perf_counter() - start


# ---------------------------------------------------------------------- the study view

def _analyses(view: Any, client: Any = None, which: str = "abcd") -> dict[str, float]:
    from isf.analysis import study

    out: dict[str, float] = {}
    by = list(view.condition_names)
    steps = {"a": ("p_spike_s", lambda: study.spike_probability(view.spike_times, view.trials, WINDOW_MS, by,
                                                                client=client)),
             "b": ("mean_sd_s", lambda: study.trace_mean_sd(view.trace_array("soma"), t_ms=view.time_ms("soma"),
                                                            client=client)),
             "c": ("activation_by_type_s", lambda: study.mean_soma_distance_by_cell_type(
                 view.synapse_activations, client=client)),
             "d": ("psth_s", lambda: study.psth_by_condition(view.spike_times, view.trials, by,
                                                             t_stop_ms=TSTOP_MS, client=client))}
    for key in which:
        name, run = steps[key]
        start = time.perf_counter()
        result = run()
        out[name] = time.perf_counter() - start
        out[name + "_result"] = result  # type: ignore[assignment]
    return out


def view_path(db_path: Path, chunk_trials: int | None, out_file: Path) -> None:
    """The subprocess: the four analyses with the view, their times and this process's peak RSS."""
    import dask.array  # noqa: F401  imports are not the analyses' time (nor are the legacy way's)
    import dask.dataframe  # noqa: F401

    from isf.store import Database, StudyView

    view = StudyView.of_database(Database(db_path, create=False), chunk_trials=chunk_trials)
    # dask's first computation in a process pays its lazy imports and registrations (~0.2 s): not the analyses'
    tiny = dask.dataframe.from_pandas(pd.DataFrame({"a": [1, 1], "b": [0.5, 1.5]}), npartitions=1)
    tiny[tiny.b > 1].groupby("a").b.agg(["sum", "count"]).compute()
    times = _analyses(view)
    results = {k: v for k, v in times.items() if k.endswith("_result")}
    out = {k: v for k, v in times.items() if not k.endswith("_result")}
    out["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out["p_spike"] = results["p_spike_s_result"].to_dict()
    out["by_type"] = results["activation_by_type_s_result"].to_dict()
    out_file.write_text(json.dumps(out))


# ---------------------------------------------------------------------- the legacy way

def legacy(db_path: Path, conditions: int) -> dict[str, float]:
    """Wide in-memory pandas frames and row-wise apply, as the legacy tutorial does."""
    from isf.analysis.synapse_stats import cell_type_of
    from isf.store import Database, RunStore

    db = Database(db_path, create=False)
    paths = [db.item_path(("runs", f"S{c}")) for c in range(conditions)]

    def load(key: str) -> tuple[pd.DataFrame, float]:
        """One frame of every run read into one wide in-memory frame (the legacy database's frames)."""
        start = time.perf_counter()
        parts = []
        for c, path in enumerate(paths):
            with RunStore.open(path) as store:
                frame = store[key]
            parts.append(frame.assign(stimulus=f"S{c}") if key == "spike_times" else frame)
        return pd.concat(parts), time.perf_counter() - start

    out: dict[str, Any] = {}
    st, out["load_spike_times_s"] = load("spike_times")
    vt, out["load_voltage_traces_s"] = load("voltage_traces")
    start = time.perf_counter()
    sa, out["load_synapse_activations_s"] = load("synapse_activations")  # (c) is over all conditions together
    sa["population"] = sa.population.astype(str)  # the legacy frames hold names as strings
    out["load_synapse_activations_s"] = time.perf_counter() - start
    columns = [c for c in st.columns if c != "stimulus"]

    start = time.perf_counter()
    hit = st[columns].apply(lambda row: bool(((row >= WINDOW_MS[0]) & (row < WINDOW_MS[1])).any()), axis=1)
    out["p_spike"] = hit.groupby(st.stimulus).mean().to_dict()  # type: ignore[assignment]
    out["p_spike_s"] = time.perf_counter() - start

    start = time.perf_counter()
    vt.mean(), vt.std()
    out["mean_sd_s"] = time.perf_counter() - start

    start = time.perf_counter()
    sa["cell_type"] = sa.population.apply(cell_type_of)
    out["by_type"] = sa.groupby("cell_type").soma_distance_um.mean().to_dict()  # type: ignore[assignment]
    out["activation_by_type_s"] = time.perf_counter() - start

    start = time.perf_counter()
    bins = np.arange(0.0, TSTOP_MS + 1.0, 1.0)
    hist = st[columns].apply(lambda row: np.histogram(row.dropna(), bins)[0], axis=1)
    pd.DataFrame(np.stack(hist.to_numpy()), index=st.index).groupby(st.stimulus.to_numpy()).mean()
    out["psth_s"] = time.perf_counter() - start
    return out


# ---------------------------------------------------------------------- 1 vs 2 workers

def cluster_times(db_path: Path, chunk_trials: int | None, workers: int) -> float:
    """Seconds for (b) + (c) on a LocalCluster of ``workers`` processes (best of two)."""
    from dask.distributed import Client, LocalCluster

    from isf.store import Database, StudyView

    view = StudyView.of_database(Database(db_path, create=False), chunk_trials=chunk_trials)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        best = float("inf")
        for _ in range(2):
            t = _analyses(view, client, "bc")
            best = min(best, t["mean_sd_s"] + t["activation_by_type_s"])
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conditions", type=int, default=10)
    parser.add_argument("--trials-per-condition", type=int, default=1800)
    parser.add_argument("--folder", type=Path, default=None, help="keep the study database here (resumes a build)")
    parser.add_argument("--legacy-conditions", type=int, default=1)
    parser.add_argument("--chunk-trials", type=int, default=None,
                        help="trials per partition of every frame (default: the view's per-frame sizes)")
    parser.add_argument("--build-workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the database (default: removed unless --folder)")
    parser.add_argument("--view-path", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.view_path is not None:
        view_path(args.view_path, args.chunk_trials, args.out)
        return

    folder = args.folder or Path(tempfile.mkdtemp(prefix="isf-study-bench-"))
    db_path = folder / "study"
    n_legacy = max(1, min(args.legacy_conditions, args.conditions))
    try:
        dataset_bytes, build_s = build(db_path, args.conditions, args.trials_per_condition, args.build_workers)
        disk_bytes = sum(f.stat().st_size for f in db_path.rglob("*") if f.is_file())
        load = [os.getloadavg()[0]]
        out_file = folder / "view.json"
        chunk = [] if args.chunk_trials is None else ["--chunk-trials", str(args.chunk_trials)]
        subprocess.run([sys.executable, __file__, "--view-path", str(db_path), "--out", str(out_file), *chunk],
                       check=True)
        view = json.loads(out_file.read_text())
        load.append(os.getloadavg()[0])
        old = legacy(db_path, n_legacy)
        scale = args.conditions / n_legacy
        for k, v in view["p_spike"].items():  # the two ways agree
            if k in old["p_spike"]:
                assert abs(v - old["p_spike"][k]) < 1e-12, (k, v, old["p_spike"][k])
        if n_legacy == args.conditions:
            for k, v in view["by_type"].items():
                assert abs(v - old["by_type"][k]) < 1e-6 * abs(v), (k, v, old["by_type"][k])
        one = cluster_times(db_path, args.chunk_trials, 1)
        two = cluster_times(db_path, args.chunk_trials, 2)
        load.append(os.getloadavg()[0])
    finally:
        if args.folder is None and not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    trials = args.conditions * args.trials_per_condition
    print(f"study: {args.conditions} conditions x {args.trials_per_condition} trials = {trials} trials, "
          f"{dataset_bytes / 2**30:.2f} GiB uncompressed, {disk_bytes / 2**30:.2f} GiB on disk, "
          f"built in {build_s:.1f} s")
    print(f"legacy way measured on {n_legacy} condition(s), scaled x{scale:g}; each analysis is compared with "
          "the pandas way including the reading of the frame it needs (spike_times for (a) and (d), "
          "voltage_traces for (b), synapse_activations for (c)), as the view's times include its reading")
    print(f"{'analysis':<34}{'view s':>10}{'pandas s':>12}{'+ reading s':>13}{'speedup':>10}{'in memory':>11}")
    result: dict[str, Any] = {"trials": trials, "dataset_bytes": dataset_bytes, "disk_bytes": disk_bytes,
                              "build_s": round(build_s, 3)}
    names = {"p_spike_s": "(a) P(spike in 245-265 ms)", "mean_sd_s": "(b) mean and SD of soma traces",
             "activation_by_type_s": "(c) soma distance by cell type", "psth_s": "(d) PSTH per condition"}
    needs = {"p_spike_s": "spike_times", "mean_sd_s": "voltage_traces",
             "activation_by_type_s": "synapse_activations", "psth_s": "spike_times"}
    for key, label in names.items():
        mine, theirs = view[key], old[key] * scale
        total = theirs + old[f"load_{needs[key]}_s"] * scale
        print(f"{label:<34}{mine:>10.2f}{theirs:>12.2f}{total:>13.2f}{total / mine:>9.1f}x{theirs / mine:>10.1f}x")
        result[key] = round(mine, 3)
        stem = key[:-2]
        result[f"{stem}_speedup_vs_pandas"] = round(total / mine, 2)
        result[f"{stem}_speedup_vs_pandas_in_memory"] = round(theirs / mine, 2)
    result["peak_rss_bytes"] = view["peak_rss_bytes"]
    result["speedup_2_workers"] = round(one / two, 2)
    result["cluster_1_worker_s"], result["cluster_2_workers_s"] = round(one, 3), round(two, 3)
    result["load_average"] = [round(x, 2) for x in load]
    print(f"peak RSS of the view path: {view['peak_rss_bytes'] / 2**20:.0f} MiB; (b)+(c) on a LocalCluster: "
          f"1 worker {one:.2f} s, 2 workers {two:.2f} s -> x{one / two:.2f}; load average {result['load_average']}")
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
