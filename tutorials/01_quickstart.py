"""Quickstart: load ISF's cell 86, inject the Hay current steps, compare with ISF's own traces.

Run with ``make demo`` or ``python tutorials/01_quickstart.py [--out DIR]``.

1. ``read_cell_param`` turns the legacy ``86_C2_center.param`` (+ its ``.hoc``) into a typed,
   validated :class:`isf.Cell` (the absolute path inside the file is resolved next to it).
2. An :class:`isf.Experiment` says what to inject and record; ``isf.simulate`` builds it in NEURON,
   runs it (CVode, as ISF's fitting code does) and returns plain numpy arrays.
3. The four runs go to two worker processes with joblib; each worker builds its own NEURON cell.
4. We count soma spikes, compare with the traces ISF computed, and save a PNG.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import joblib
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

import isf  # noqa: E402
from isf.data import cell86  # noqa: E402
from isf.model.spikes import spike_times  # noqa: E402

#: (name, stimulus, tstop ms, reference file) — Hay et al. 2011 steps start at 500 ms here, as in ISF's reference.
PROTOCOLS = [
    ("step 0.619 nA", isf.CurrentStep(0.619, delay_ms=500, duration_ms=2000), 3000.0, "step_current_0.619.csv"),
    ("step 0.793 nA", isf.CurrentStep(0.793, delay_ms=500, duration_ms=2000), 3000.0, "step_current_0.793.csv"),
    ("step 1.507 nA", isf.CurrentStep(1.507, delay_ms=500, duration_ms=2000), 3000.0, "step_current_1.507.csv"),
    ("pulse 1.9 nA, 5 ms", isf.CurrentStep(1.9, delay_ms=150, duration_ms=5), 250.0, "step_rect5_1.9.csv"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/quickstart"), help="folder for the PNG")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    params = isf.read_cell_param(cell86("86_C2_center.param"))
    cell = params.cell
    print(f"cell 86: {len(cell.morphology)} sections, {cell.n_segments} segments, "
          f"regions {', '.join(cell.regions)}, modifiers {[type(m).__name__ for m in cell.modifiers]}")
    dendrite = params.recording_sites[0]
    experiments = [
        isf.Experiment(
            cell,
            isf.Simulation(tstop, cvode=True, v_init_mV=params.simulation.v_init_mV,
                           celsius_degC=params.simulation.celsius_degC),
            [stimulus],
            [isf.Recording(isf.Soma()), isf.Recording(dendrite, name="dendrite")],
        )
        for _, stimulus, tstop, _ in PROTOCOLS
    ]
    runs = joblib.Parallel(n_jobs=args.jobs, return_as="generator")(
        joblib.delayed(isf.simulate)(e) for e in experiments)
    results = list(tqdm(runs, total=len(experiments), desc="simulating", unit="run"))

    fig, axes = plt.subplots(len(PROTOCOLS), 1, figsize=(10, 10), constrained_layout=True)
    print(f"\n{'protocol':<20}{'spikes isf':>12}{'spikes ISF ref':>16}{'first spike Δt (ms)':>22}")
    for ax, (name, stimulus, tstop, ref_file), result in zip(axes, PROTOCOLS, results):
        ref = pd.read_csv(cell86("reference") / ref_file)
        ours = result.spike_times("soma")
        theirs = spike_times(ref.t_ms.to_numpy(), ref.v_mV.to_numpy(), 0.0)
        dt = f"{abs(ours[0] - theirs[0]):.3f}" if len(ours) and len(theirs) else "-"
        print(f"{name:<20}{len(ours):>12}{len(theirs):>16}{dt:>22}")
        ax.plot(ref.t_ms, ref.v_mV, color="0.6", lw=2.5, label="ISF reference (soma)")
        ax.plot(result.t_ms, result["soma"], color="C0", lw=0.9, label="isf soma")
        ax.plot(result.t_ms, result["dendrite"], color="C3", lw=0.7, alpha=0.8,
                label=f"isf dendrite ({dendrite.legacy_label(cell).split('_x_')[0][-15:]})")
        ax.set_title(f"{name}: {len(ours)} spikes (ISF: {len(theirs)})", fontsize=10)
        ax.set_ylabel("V (mV)")
        ax.set_xlim(0, tstop)
    axes[-1].set_xlabel("time (ms)")
    axes[0].legend(loc="upper right", fontsize=8)
    png = args.out / "cell86_step_currents.png"
    fig.savefig(png, dpi=110)
    print(f"\nwrote {png}")
    counts = [len(r.spike_times("soma")) for r in results]
    print("spike counts (0.619 / 0.793 / 1.507 nA steps, 1.9 nA pulse):", counts)
    if not np.array_equal(counts, [0, 13, 25, 1]):
        raise SystemExit("unexpected spike counts: the physics does not match ISF")


if __name__ == "__main__":
    main()
