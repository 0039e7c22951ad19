# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Quickstart: cell 86 and the Hay current steps
#
# Load ISF's cell 86, inject the Hay et al. (2011) current steps, and compare with ISF's own traces.
#
# Run with `make demo` or `python tutorials/01_quickstart.py [--out DIR] [--jobs 2] [--protocols all]`;
# the notebook `tutorials/01_quickstart.ipynb` is generated from this script (jupytext).
#
# 1. `read_cell_param` turns the legacy `86_C2_center.param` (+ its `.hoc`) into a typed,
#    validated `isf.Cell` (the absolute path inside the file is resolved next to it).
# 2. An `isf.Experiment` says what to inject and record; `isf.simulate` builds it in NEURON,
#    runs it (CVode, as ISF's fitting code does) and returns plain numpy arrays.
# 3. The runs go to two worker processes with joblib; each worker builds its own NEURON cell.
# 4. We count soma spikes, compare with the traces ISF computed, and save a PNG.

# %%
from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

import joblib
import matplotlib

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # a script writes PNGs only; a notebook keeps its inline backend
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from tqdm import tqdm  # noqa: E402  (tqdm.auto wants ipywidgets in a notebook)

import isf  # noqa: E402
from isf.data import cell86  # noqa: E402
from isf.model.spikes import spike_times  # noqa: E402

# %% [markdown]
# ## Parameters
#
# As a script, the command line sets them. In a notebook they come from the environment variable
# `ISF_TUTORIAL_ARGS`, in the same syntax (e.g. `ISF_TUTORIAL_ARGS="--protocols pulse --jobs 1"`
# before starting Jupyter), or edit this cell. `--protocols pulse` runs only the 250 ms pulse: the
# small size the tests and the docs use.

# %% tags=["parameters"]
parser = argparse.ArgumentParser(description="Quickstart: cell 86 and the Hay current steps")
parser.add_argument("--out", type=Path, default=Path("out/quickstart"), help="folder for the PNG")
parser.add_argument("--jobs", type=int, default=2, help="worker processes")
parser.add_argument("--protocols", default="all",
                    help="comma-separated keys among 0.619, 0.793, 1.507, pulse (default all)")
# A notebook kernel has its own command line: there the arguments come from ISF_TUTORIAL_ARGS.
args = parser.parse_args(shlex.split(os.environ.get("ISF_TUTORIAL_ARGS", "")) if "ipykernel" in sys.modules
                         else None)
args.out.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## The cell and the protocols
#
# Hay et al. 2011 steps start at 500 ms here, as in ISF's reference. Each protocol is
# (key, name, stimulus, tstop in ms, reference file, spike count of ISF's trace).

# %%
PROTOCOLS = [
    ("0.619", "step 0.619 nA", isf.CurrentStep(0.619, delay_ms=500, duration_ms=2000), 3000.0,
     "step_current_0.619.csv", 0),
    ("0.793", "step 0.793 nA", isf.CurrentStep(0.793, delay_ms=500, duration_ms=2000), 3000.0,
     "step_current_0.793.csv", 13),
    ("1.507", "step 1.507 nA", isf.CurrentStep(1.507, delay_ms=500, duration_ms=2000), 3000.0,
     "step_current_1.507.csv", 25),
    ("pulse", "pulse 1.9 nA, 5 ms", isf.CurrentStep(1.9, delay_ms=150, duration_ms=5), 250.0,
     "step_rect5_1.9.csv", 1),
]
keys = [p[0] for p in PROTOCOLS] if args.protocols == "all" else args.protocols.split(",")
unknown = sorted(set(keys) - {p[0] for p in PROTOCOLS})
if unknown:
    raise SystemExit(f"unknown protocols {unknown}: choose among {[p[0] for p in PROTOCOLS]}")
protocols = [p for p in PROTOCOLS if p[0] in keys]

params = isf.read_cell_param(cell86("86_C2_center.param"))
cell = params.cell
print(f"cell 86: {len(cell.morphology)} sections, {cell.n_segments} segments, "
      f"regions {', '.join(cell.regions)}, modifiers {[type(m).__name__ for m in cell.modifiers]}")
dendrite = params.recording_sites[0]

# %% [markdown]
# ## Simulate, in parallel

# %%
experiments = [
    isf.Experiment(
        cell,
        isf.Simulation(tstop, cvode=True, v_init_mV=params.simulation.v_init_mV,
                       celsius_degC=params.simulation.celsius_degC),
        [stimulus],
        [isf.Recording(isf.Soma()), isf.Recording(dendrite, name="dendrite")],
    )
    for _, _, stimulus, tstop, _, _ in protocols
]
runs = joblib.Parallel(n_jobs=args.jobs, return_as="generator")(
    joblib.delayed(isf.simulate)(e) for e in experiments)
results = list(tqdm(runs, total=len(experiments), desc="simulating", unit="run"))

# %% [markdown]
# ## Compare with ISF's traces

# %%
fig, axes = plt.subplots(len(protocols), 1, figsize=(10, 2.5 * len(protocols)), squeeze=False,
                         constrained_layout=True)
axes = axes[:, 0]
print(f"\n{'protocol':<20}{'spikes isf':>12}{'spikes ISF ref':>16}{'first spike Δt (ms)':>22}")
for ax, (_, name, stimulus, tstop, ref_file, _), result in zip(axes, protocols, results):
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

# %% [markdown]
# ## The check: the physics matches ISF

# %%
counts = [len(r.spike_times("soma")) for r in results]
if len(protocols) == len(PROTOCOLS):
    print("spike counts (0.619 / 0.793 / 1.507 nA steps, 1.9 nA pulse):", counts)
else:
    print(f"spike counts ({', '.join(p[0] for p in protocols)}):", counts)
if counts != [p[5] for p in protocols]:
    raise SystemExit("unexpected spike counts: the physics does not match ISF")
