"""Benchmark of the network embedding on the shipped synthetic model (cell 86 as L5tt).

``python benchmarks/embedding.py [--samples 400] [--repeats 5] [--worker-repeats 5] [--cold-repeats 3]
[--no-control] [--seed 1]`` measures

* one realisation of the vectorised code (median over repeats) and the per-cell set-up;
* the same with the per-point Python loop of ``benchmarks/embedding_loop.py`` (same algorithm and
  Poisson draws: the synapse counts are checked to be equal) → ``ratio_vs_loop`` = loop / isf for
  set-up + one realisation (what one legacy realisation costs), and for the realisation alone;
* realisations per second through ``embed`` (``--samples`` of them) with 1 worker (in process) and
  2 loky workers, in alternating rounds (medians; the results are checked to be equal):
  - **warm** (the worker pool already running, as for every ``embed`` after the first in a
    session) → ``speedup_2_workers`` is the warm steady-state throughput ratio;
  - **cold** (the pool shut down before the run: process start, imports and the set-up's
    hand-off included) → ``speedup_2_workers_cold``;
  - a **control**: two independent processes each drawing half the samples in process, started
    together → ``speedup_2_processes_control``, what the machine gives two processes at that
    moment, and ``parallel_efficiency_vs_control`` = ``speedup_2_workers`` / that;
  - a CPU-time estimate for an idle machine, ``speedup_2_workers_cpu_estimate`` = CPU time of the
    1-worker run / CPU time of the busiest process (parent or worker) of the 2-worker run (the
    same for the control processes);
* the bytes a worker sends back per realisation, and the load average of the machine (its cores
  may be shared with other work: the table reports ``os.getloadavg()`` before, during and after).

Prints a table and, as its last line, ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import psutil
from embedding_loop import LoopEmbedder
from joblib.externals.loky import get_reusable_executor

from isf.backends.parallel import Parallel
from isf.data import cell86
from isf.dsl.hoc import read_hoc
from isf.embedding.mapper import _draw, embed, prepare
from isf.embedding.summary import sample_summary
from isf.embedding.synthetic import load_synthetic_connectome


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def _children_cpu() -> dict[int, float]:
    """User + system CPU seconds of every child process (the loky workers)."""
    out = {}
    for child in psutil.Process().children(recursive=True):
        try:
            out[child.pid] = sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    return out


def _solo(samples: int, seed: int) -> None:
    """Control process: prepare, say ``ready``, wait for ``go`` on stdin, then time ``samples``
    realisations in process and print the wall time."""
    setup = prepare(read_hoc(cell86("86_C2_center.hoc")), "L5tt", load_synthetic_connectome())
    embed(setup, 4, seed=seed, parallel=Parallel(backend="sequential", progress=False))
    print("ready", flush=True)
    sys.stdin.readline()
    cpu = time.process_time()
    _, t = timed(embed, setup, samples, seed=seed, parallel=Parallel(backend="sequential", progress=False))
    print(t, time.process_time() - cpu, flush=True)


def _control(samples: int, seed: int) -> tuple[float, float]:
    """Wall time and the larger CPU time of two independent processes each drawing ``samples / 2``
    realisations in process (started together once both are ready): the most two processes can do
    on this machine now."""
    command = [sys.executable, __file__, "--solo", str(samples // 2), "--seed", str(seed)]
    procs = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        for proc in procs:
            if proc.stdout is None or proc.stdout.readline().strip() != "ready":
                raise SystemExit("a control process failed to start")
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        wall_cpu = [[float(v) for v in proc.communicate()[0].split()] for proc in procs]
        scale = samples / (2 * (samples // 2))
        return max(w for w, _ in wall_cpu) * scale, max(c for _, c in wall_cpu) * scale
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--samples",
        type=int,
        default=400,
        help="realisations for the worker comparison",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="repetitions of the single-realisation timings",
    )
    parser.add_argument(
        "--worker-repeats",
        type=int,
        default=5,
        help="alternating runs with 1 and 2 workers (warm pool)",
    )
    parser.add_argument(
        "--cold-repeats",
        type=int,
        default=3,
        help="runs with 2 workers on a freshly started pool (interleaved with the warm runs)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-control",
        dest="control",
        action="store_false",
        help="skip the control runs (two independent processes)",
    )
    parser.add_argument("--solo", type=int, default=0, help=argparse.SUPPRESS)  # a control process
    args = parser.parse_args(argv)
    if args.solo:
        _solo(args.solo, args.seed)
        return

    model = load_synthetic_connectome()
    morphology = read_hoc(cell86("86_C2_center.hoc"))

    setup_s, real_s, loop_setup_s, loop_real_s = [], [], [], []
    for r in range(args.repeats):  # alternate the two implementations
        setup, t = timed(prepare, morphology, "L5tt", model)
        setup_s.append(t)
        realisation, t = timed(setup.realise, args.seed, r)
        real_s.append(t)
        loop, t = timed(LoopEmbedder, morphology, "L5tt", model)
        loop_setup_s.append(t)
        rows, t = timed(loop.realise, args.seed, r)
        loop_real_s.append(t)
        for pop in realisation.populations:
            if len(rows[pop.name]) != len(pop):
                raise SystemExit(
                    f"loop and vectorised counts differ for {pop.name}: {len(rows[pop.name])} vs {len(pop)}"
                )
    many_real = [timed(setup.realise, args.seed, 1000 + i)[1] for i in range(20)]
    realisation_s = statistics.median(real_s + many_real)
    setup_med, loop_setup_med, loop_real_med = (
        statistics.median(v) for v in (setup_s, loop_setup_s, loop_real_s)
    )
    synapses = statistics.mean(
        setup.realise(args.seed, i).n_synapses for i in range(10)
    )

    # what a worker sends back per realisation: now (compact draws + summary numbers) and as objects
    compact_bytes = statistics.mean(
        len(pickle.dumps(_draw(((setup,), args.seed), (0, i)), protocol=pickle.HIGHEST_PROTOCOL))
        for i in range(10)
    )
    full_bytes = statistics.mean(
        len(pickle.dumps((r, sample_summary(r)), protocol=pickle.HIGHEST_PROTOCOL))
        for r in (setup.realise(args.seed, i) for i in range(10))
    )

    loads: list[float] = []

    def run(n_jobs: int):  # type: ignore[no-untyped-def]
        """One ``embed`` of ``--samples``: (result, wall s, parent CPU s, CPU s of each worker process)."""
        parallel = Parallel(backend="sequential" if n_jobs == 1 else "loky", workers=n_jobs, progress=False)
        before = _children_cpu()
        cpu = time.process_time()
        result, t = timed(
            embed, setup, args.samples, seed=args.seed, parallel=parallel
        )
        parent = time.process_time() - cpu
        after = _children_cpu()
        loads.append(os.getloadavg()[0])
        workers = [c - before.get(pid, 0.0) for pid, c in after.items() if c - before.get(pid, 0.0) > 0.05]
        return result, t, parent, workers

    load_before = os.getloadavg()
    # Alternate, per repeat: 1 worker; 2 workers on the running pool (warm); the control (two
    # independent processes each drawing half the samples in process: what the machine gives two
    # processes at that moment); 2 workers on a freshly started pool (cold: process start, imports
    # and the set-up hand-off included; the following warm run reuses that pool). Medians.
    embed(setup, 8, seed=args.seed, parallel=Parallel(workers=2, progress=False))
    t1s, t2s, t2_cold, controls = [], [], [], []
    parent_cpu, cpu_estimates, control_cpu_estimates = [], [], []
    for repeat in range(max(args.worker_repeats, args.cold_repeats)):
        if repeat < args.worker_repeats:
            one, t, cpu1, _ = run(1)
            t1s.append(t)
            two, t, parent, workers = run(2)
            t2s.append(t)
            parent_cpu.append(parent)
            # on an otherwise idle machine every process has a core: wall ≈ CPU of the busiest one
            cpu_estimates.append(cpu1 / max([parent, *workers]))
            if args.control:
                wall, cpu = _control(args.samples, args.seed)
                controls.append(wall)
                control_cpu_estimates.append(cpu1 / cpu)
                loads.append(os.getloadavg()[0])
        if repeat < args.cold_repeats:
            get_reusable_executor().shutdown(wait=True)
            t2_cold.append(run(2)[1])
    load_after = os.getloadavg()
    t1, t2, t2c = (statistics.median(v) for v in (t1s, t2s, t2_cold))
    pair_speedup = statistics.median(a / b for a, b in zip(t1s, t2s))
    cpu_estimate = statistics.median(cpu_estimates)
    ceiling = t1 / statistics.median(controls) if controls else None
    control_cpu_estimate = statistics.median(control_cpu_estimates) if controls else None
    if (
        one.representative != two.representative
        or not one.synapse_counts().equals(two.synapse_counts())
        or not np.array_equal(one.summary_values, two.summary_values)
        or not all(np.array_equal(a.point, b.point) for a, b in zip(one.compact, two.compact))
    ):
        raise SystemExit("1 and 2 workers gave different results")

    ratio = (loop_setup_med + loop_real_med) / (setup_med + realisation_s)
    rows = [
        ("synapses per realisation (mean of 10)", f"{synapses:,.0f}"),
        ("isf: per-cell set-up (targets + densities)", f"{setup_med * 1e3:.1f} ms"),
        ("isf: one realisation", f"{realisation_s * 1e3:.2f} ms"),
        ("loop: per-cell set-up", f"{loop_setup_med * 1e3:.0f} ms"),
        ("loop: one realisation", f"{loop_real_med * 1e3:.0f} ms"),
        ("set-up + one realisation, loop / isf", f"{ratio:.1f}x"),
        ("one realisation alone, loop / isf", f"{loop_real_med / realisation_s:.1f}x"),
        ("sent back per realisation: compact draws + summary numbers", f"{compact_bytes / 1e3:.1f} kB"),
        ("  (as Realisation + summary DataFrame, before)", f"{full_bytes / 1e3:.1f} kB"),
        (
            f"{args.samples} realisations, 1 worker (in process), median of {len(t1s)}",
            f"{t1:.2f} s ({args.samples / t1:.0f}/s)",
        ),
        (
            f"{args.samples} realisations, 2 loky workers, warm pool, median of {len(t2s)}",
            f"{t2:.2f} s ({args.samples / t2:.0f}/s)",
        ),
        ("speed-up 2 workers vs 1, warm (steady state) = speedup_2_workers", f"{t1 / t2:.2f}x"),
        ("  median of the per-pair ratios", f"{pair_speedup:.2f}x"),
        (
            "control: 2 independent processes, half the samples each in process, vs 1",
            f"{ceiling:.2f}x (what the shared machine gave 2 processes)" if ceiling else "not run",
        ),
        ("  2 workers / control (parallel efficiency of embed)", f"{t1 / t2 / ceiling:.0%}" if ceiling else "-"),
        (
            "  CPU estimate for an idle machine: CPU of 1 worker / busiest process of 2",
            f"{cpu_estimate:.2f}x",
        ),
        (
            "  the same estimate for the control processes",
            f"{control_cpu_estimate:.2f}x" if control_cpu_estimate else "-",
        ),
        ("  parent CPU per realisation with 2 workers", f"{statistics.median(parent_cpu) / args.samples * 1e3:.2f} ms"),
        (
            f"{args.samples} realisations, 2 loky workers, cold pool, median of {len(t2_cold)}",
            f"{t2c:.2f} s ({args.samples / t2c:.0f}/s)",
        ),
        ("speed-up 2 workers vs 1, cold (pool start-up included)", f"{t1 / t2c:.2f}x"),
        ("  all 1-worker / 2-worker times, s", " ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(t1s, t2s))),
        (
            f"load average 1/5/15 min on {os.cpu_count()} cores: before",
            " ".join(f"{v:.2f}" for v in load_before),
        ),
        ("  during (1 min, after each run)", " ".join(f"{v:.2f}" for v in loads)),
        ("  after", " ".join(f"{v:.2f}" for v in load_after)),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"{'figure':<{width}}  value")
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print(
        "RESULT "
        + json.dumps(
            {
                "synapses_per_realisation": round(synapses, 1),
                "realisation_s": round(realisation_s, 5),
                "setup_s": round(setup_med, 4),
                "loop_realisation_s": round(loop_real_med, 4),
                "loop_setup_s": round(loop_setup_med, 4),
                "ratio_vs_loop": round(ratio, 2),
                "ratio_vs_loop_realisation_only": round(
                    loop_real_med / realisation_s, 2
                ),
                "realisations_per_s_1_worker": round(args.samples / t1, 1),
                "realisations_per_s_2_workers": round(args.samples / t2, 1),
                "speedup_2_workers": round(t1 / t2, 3),
                "speedup_2_workers_pair_median": round(pair_speedup, 3),
                "speedup_2_processes_control": round(ceiling, 3) if ceiling else None,
                "parallel_efficiency_vs_control": round(t1 / t2 / ceiling, 3) if ceiling else None,
                "speedup_2_workers_cpu_estimate": round(cpu_estimate, 3),
                "speedup_2_processes_control_cpu_estimate": (
                    round(control_cpu_estimate, 3) if control_cpu_estimate else None
                ),
                "realisations_per_s_2_workers_cold": round(args.samples / t2c, 1),
                "speedup_2_workers_cold": round(t1 / t2c, 3),
                "worker_samples": args.samples,
                "bytes_sent_per_realisation": round(compact_bytes),
                "bytes_per_realisation_as_objects": round(full_bytes),
                "parent_cpu_per_realisation_s": round(statistics.median(parent_cpu) / args.samples, 6),
                "loadavg_before": [round(v, 2) for v in load_before],
                "loadavg_during_1min": [round(v, 2) for v in loads],
                "loadavg_after": [round(v, 2) for v in load_after],
                "cpu_count": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
