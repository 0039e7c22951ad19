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
# # A reduced model: which synaptic input makes the cell spike
#
# Cell 86 is stimulated through its principal whisker C2 and two surround whiskers; a reduced LDA
# model (ISF's `ReducedLdaModel`) then learns, from the simulated trials, which excitatory and
# inhibitory input, and when, predicts a spike 10–20 ms after the deflection.
#
# Run with `python tutorials/09_reduced_model.py [--trials 30] [--workers 2] [--out DIR]`; the notebook
# `tutorials/09_reduced_model.ipynb` is generated from this script (jupytext). See
# `docs/reduced_models.md`.
#
# 1. `whisker_sweep` + `run_study`: trials of each whisker into one study database.
# 2. `isf.reduced.binned_study`: per trial, the EXC and INH releases in time bins (and the spike
#    times of the same trials).
# 3. `isf.reduced.fit_lda`: Fisher-LDA kernels over the window before the output, the weighted net
#    input (WNI) and the lookup table WNI → spike probability, with held-out ROC-AUC.
# 4. `isf.plot.reduced`: the kernels, the lookup curve, the predicted PSTH.

# %%
from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

import matplotlib

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # a script writes images only; a notebook keeps its inline backend
else:  # a notebook: a Figure that is a cell's value shows (matplotlib loads its backend lazily)
    from IPython import get_ipython

    get_ipython().run_line_magic("matplotlib", "inline")

import numpy as np  # noqa: E402

import isf  # noqa: E402
from isf.backends.study_runs import run_study, whisker_sweep  # noqa: E402
from isf.data import cell86, network_c2  # noqa: E402
from isf.plot.reduced import plot_kernels, plot_lookup, plot_psth_prediction  # noqa: E402
from isf.reduced import LdaSettings, apply_rolling, binned_study, blocks_of, fit_lda, save_model  # noqa: E402

# %% [markdown]
# ## Parameters
#
# As a script, the command line sets them. In a notebook they come from the environment variable
# `ISF_TUTORIAL_ARGS`, in the same syntax, or edit this cell. The small size the tests use moves the
# deflection to 40 ms (short trials) and bins the input in 10-ms bins (few features for few trials):
# `--trials 8 --onset 40 --bin-ms 10 --window 20 --workers 2`.

# %% tags=["parameters"]
parser = argparse.ArgumentParser(description="A reduced LDA model of cell 86 fitted to simulated trials")
parser.add_argument("--out", type=Path, default=Path("out/reduced_model"), help="folder for the database and PNGs")
parser.add_argument("--whiskers", nargs="+", default=["C2", "C1", "D2"], help="deflected whiskers")
parser.add_argument("--trials", type=int, default=30, help="trials per whisker")
parser.add_argument("--onset", type=float, default=245.0, help="whisker deflection, ms (ISF: 245)")
parser.add_argument("--bin-ms", type=float, default=5.0, help="time bin of the input, ms (ISF: 1)")
parser.add_argument("--window", type=float, default=40.0, help="input window before the output window's end, ms")
parser.add_argument("--workers", type=int, default=2, help="worker processes for the simulations")
parser.add_argument("--seed", type=int, default=1, help="seed of the study")
args = parser.parse_args(shlex.split(os.environ.get("ISF_TUTORIAL_ARGS", "")) if "ipykernel" in sys.modules
                         else None)
args.out.mkdir(parents=True, exist_ok=True)
#: The label: a spike 10–20 ms after the deflection (ISF's default window 255–265 ms for 245 ms).
OUTPUT_MS = (args.onset + 10.0, args.onset + 20.0)
TSTOP_MS = args.onset + 25.0

# %% [markdown]
# ## 1. Trials of three whiskers
#
# Each whisker's evoked network is built from the cell's embedding and the shipped PSTH library
# (`whisker_sweep`); `offset_ms` moves the deflection.

# %%
params = isf.read_cell_param(cell86("86_C2_center.param"))
sim = params.simulation
base = isf.Experiment(params.cell, isf.Simulation(TSTOP_MS, dt_ms=sim.dt_ms, v_init_mV=sim.v_init_mV,
                                                  celsius_degC=sim.celsius_degC),
                      recordings=[isf.Recording(isf.Soma())])
runs = whisker_sweep(base, args.whiskers, network_c2(), offset_ms=args.onset)
db = isf.Database(args.out / "study")
run_study(db, runs, args.trials, run_seed=args.seed, parallel=isf.Parallel(workers=max(1, args.workers)))

# %% [markdown]
# ## 2. Binned input and the label
#
# `binned_study` counts, per trial, the release events of excitatory and inhibitory synapses in time
# bins from 0 ms (EXC/INH from an explicit table: ISF's lists before 2025, where L1 is inhibitory).
# Its rows are the study's trials; the spike times come with them, row for row.

# %%
binned, spikes = binned_study(db, ("EI",), maxtime_ms=TSTOP_MS, bin_ms=args.bin_ms)
print(binned.keys(), binned["EXC"].shape)
print(f"mean releases per trial: EXC {binned['EXC'].sum(1).mean():.0f}, INH {binned['INH'].sum(1).mean():.0f}")

# %% [markdown]
# ## 3. The reduced LDA model
#
# The input window is given in bins: it ends with the output window (as in ISF, so the two overlap).
# Five fits, each on a balanced random split (60 % train, 40 % held out), give five alternative models.

# %%
end = int(round(OUTPUT_MS[1] / args.bin_ms))
settings = LdaSettings(window_width_ms=None, window_min_ms=end - int(round(args.window / args.bin_ms)),
                       window_max_ms=end, output_window_min_ms=OUTPUT_MS[0], output_window_max_ms=OUTPUT_MS[1],
                       lookup_step=1)
model = fit_lda(blocks_of(binned), spikes, settings, binned.trials.tolist())
print(f"{int(model.y.sum())} of {len(model.y)} trials spike in [{OUTPUT_MS[0]:g}, {OUTPUT_MS[1]:g}) ms")
print(model.scores.table().round(3))
print(f"held-out AUROC (median of the fits): {model.auroc:.3f}")
save_model(model, db, ("models", "lda"))

# %% [markdown]
# The kernels: a positive weight means more input in that bin pushes toward a spike. The x axis is the
# start of each bin, relative to the end of the output window (shaded).

# %%
fig = plot_kernels(model, fit=None, bin_ms=args.bin_ms)
fig.savefig(args.out / "reduced_kernels.png", dpi=100)
fig

# %%
fig = plot_lookup(model)
fig.savefig(args.out / "reduced_lookup.png", dpi=100)
fig

# %% [markdown]
# ## 4. The model run over time
#
# Applied at every bin (the same kernels slide over the trial), the model predicts a PSTH, here
# against the simulated one.

# %%
rolled = apply_rolling(model, blocks_of(binned))
edges = binned.edges_ms
simulated = np.histogram(spikes[~np.isnan(spikes)], bins=edges)[0] / len(spikes)
fig = plot_psth_prediction(rolled.psth, simulated, bin_ms=args.bin_ms)
fig.savefig(args.out / "reduced_psth.png", dpi=100)
start = int(round(OUTPUT_MS[0] / args.bin_ms))
print(f"spikes per trial in the output window: predicted {rolled.psth[start:end].sum():.2f}, "
      f"simulated {simulated[start:end].sum():.2f}")
fig
