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
# # Multi-scale: one cell, stimulated through each whisker
#
# Cell 86, a layer-5 thick-tufted pyramidal cell of the C2 barrel column, is embedded in the barrel
# cortex: its 24,780 synapses belong to presynaptic cells of 22 cell types in 24 columns. Deflecting a
# whisker drives the presynaptic cells of the columns around that whisker with the responses
# measured in vivo (de Kock et al. 2007); all cells also fire ongoing. This tutorial
#
# 1. builds the network of a deflection of the principal whisker C2 and of two surround whiskers
#    from the cell's embedding and isf's shipped templates (`evoked_network_param`),
# 2. runs a few trials of each into one study database (`whisker_sweep` + `run_study`: resumable, one
#    progress bar over all trials),
# 3. compares P(spike) after the deflection and the PSTHs of the whiskers,
# 4. replays one stored trial with every segment's voltage and animates it.
#
# Run with `python tutorials/08_multi_scale.py [--trials 4] [--tstop 300] [--workers 2] [--out DIR]`;
# the notebook `tutorials/08_multi_scale.ipynb` is generated from this script (jupytext). See
# `docs/multi_scale.md`.

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

import matplotlib.pyplot as plt  # noqa: E402

import isf  # noqa: E402
from isf.analysis import study  # noqa: E402
from isf.backends.study_runs import run_study, whisker_sweep  # noqa: E402
from isf.data import cell86, network_c2  # noqa: E402
from isf.dsl.evoked_network import SURROUND_COLUMNS, evoked_network_param  # noqa: E402
from isf.dsl.param_format import write_param  # noqa: E402
from isf.plot.study import plot_psths, plot_spike_probability  # noqa: E402
from isf.store import StudyView  # noqa: E402

# %% [markdown]
# ## Parameters
#
# As a script, the command line sets them. In a notebook they come from the environment variable
# `ISF_TUTORIAL_ARGS`, in the same syntax, or edit this cell. `--trials 1 --tstop 60 --workers 1` is
# the small size the tests use (too short for the response at 245 ms: the windows then shrink to
# the trial).

# %% tags=["parameters"]
parser = argparse.ArgumentParser(description="Multi-scale: one cell stimulated through each whisker")
parser.add_argument("--out", type=Path, default=Path("out/multi_scale"), help="folder for the database and PNGs")
parser.add_argument("--whiskers", nargs="+", default=["C2", "B1", "D3"],
                    help="deflected whiskers (the principal whisker C2 and surround whiskers)")
parser.add_argument("--trials", type=int, default=4, help="trials per whisker")
parser.add_argument("--tstop", type=float, default=300.0, help="trial length, ms")
parser.add_argument("--workers", type=int, default=2, help="worker processes for the simulations")
parser.add_argument("--seed", type=int, default=1, help="seed of the study (each whisker's is derived from it)")
parser.add_argument("--frame-ms", type=float, default=1.0, help="time between animation frames, ms")
args = parser.parse_args(shlex.split(os.environ.get("ISF_TUTORIAL_ARGS", "")) if "ipykernel" in sys.modules
                         else None)
args.out.mkdir(parents=True, exist_ok=True)
#: Deflection at 245 ms: the evoked window, and the ongoing window before it (legacy traces start at
#: 100 ms). A shorter trial uses the whole trial.
EVOKED_MS = (245.0, 265.0) if args.tstop >= 265.0 else (0.0, args.tstop)
#: The part of the replayed trial that is animated: around the deflection.
ANIMATED_MS = (240.0, 280.0) if args.tstop >= 280.0 else (0.0, args.tstop)

# %% [markdown]
# ## 1. The network of each deflected whisker
#
# The cell's embedding (`NumberOfConnectedCells.csv`, `.syn`, `.con`) says how many cells of each
# type and column connect, and where their synapses are. The network of a deflection gives each
# population ongoing activity (the ongoing template) and, for the columns of the 3 × 3 neighbourhood
# of the deflected whisker, the PSTH measured for that column's position relative to the whisker
# (the evoked PSTH library). Both are shipped with isf (`isf.data.network_templates`). The same is
# `isf network evoked --whisker B1 --cell-dir … --out network_B1.param` on the command line.

# %%
for whisker in args.whiskers:
    param = evoked_network_param(whisker, network_c2())
    evoked = [name for name, p in param["network"].items() if isinstance(p["celltype"], dict)]
    write_param(param, args.out / f"network_{whisker}.param")  # the legacy file, as ISF wrote it
    print(f"{whisker}: {len(param['network'])} populations, {len(evoked)} with evoked activity, "
          f"columns {' '.join(SURROUND_COLUMNS[whisker])}")
vpm = {w: evoked_network_param(w, network_c2())["network"]["VPM_C2"]["celltype"] for w in args.whiskers}
print("VPM cells of C2 (the thalamic input of the cell's own column):")
for whisker, activity in vpm.items():
    pointcell = activity["pointcell"] if isinstance(activity, dict) else None
    total = sum(pointcell["probabilities"]) if pointcell else 0.0
    print(f"  {whisker} deflected: {total:.2f} evoked spikes per VPM cell")

# %% [markdown]
# ## 2. A few trials of each whisker into one database
#
# `whisker_sweep` pairs each whisker's label with the experiment (the cell, the simulation and that
# whisker's network, built as typed values); `run_study` runs them all, `--trials` each, with one
# progress bar over all trials. Calling it again finishes an interrupted sweep.

# %%
params = isf.read_cell_param(cell86("86_C2_center.param"))
sim = params.simulation
base = isf.Experiment(params.cell, isf.Simulation(args.tstop, dt_ms=sim.dt_ms, v_init_mV=sim.v_init_mV,
                                                  celsius_degC=sim.celsius_degC),
                      recordings=[isf.Recording(isf.Soma())])
runs = whisker_sweep(base, args.whiskers, network_c2())
db = isf.Database(args.out / "study")
run_study(db, runs, args.trials, run_seed=args.seed, parallel=isf.Parallel(workers=max(1, args.workers)))
print(db.keys())

# %% [markdown]
# ## 3. P(spike) and PSTH per whisker

# %%
view = StudyView.of_database(db)
p_spike = study.spike_probability(view.spike_times, view.trials, EVOKED_MS, ["whisker"])
psths = study.psth_by_condition(view.spike_times, view.trials, ["whisker"], bin_ms=5.0, t_stop_ms=args.tstop)
print(f"P(spike in {EVOKED_MS[0]:g}-{EVOKED_MS[1]:g} ms) per whisker:\n{p_spike.round(3)}")
figures = {"p_spike": plot_spike_probability(p_spike, title="P(spike) per deflected whisker"),
           "psths": plot_psths(psths)}
for name, fig in figures.items():
    fig.savefig(args.out / f"multi_scale_{name}.png", dpi=100)
figures["psths"]

# %% [markdown]
# The soma voltage of every trial, by whisker:

# %%
fig, axes = plt.subplots(len(args.whiskers), 1, figsize=(8, 1.8 * len(args.whiskers)), sharex=True, squeeze=False)
t_ms = view.time_ms("soma")
traces = view.trace_array("soma").compute()
for ax, whisker in zip(axes[:, 0], args.whiskers):
    rows = (view.trials.whisker == whisker).to_numpy()
    ax.plot(t_ms, traces[rows].T, lw=0.6)
    ax.set_ylabel(f"{whisker}\nV (mV)")
axes[-1, 0].set_xlabel("t (ms)")
fig.tight_layout()
fig.savefig(args.out / "multi_scale_traces.png", dpi=100)
fig

# %% [markdown]
# ## 4. Replay one trial, and animate it
#
# A store keeps the soma trace, the spikes and every synapse activation of a trial, not the voltage
# of every segment. `replay_trial` re-simulates a stored trial exactly — its input re-derived from
# the run's seed and experiment — and records whatever is asked for: here the voltage of every
# segment. The replayed soma trace equals the stored one bit for bit.

# %%
from isf.backends.replay import open_trial, replay_trial  # noqa: E402
from isf.plot.animation import animate_morphology, animate_voltage_vs_distance  # noqa: E402

principal = args.whiskers[0]
stored = open_trial((db, ("runs", principal)), 0)
replayed = replay_trial(stored, segments=("v",))
print(f"{principal}, trial 0 replayed: soma trace equal to the stored one: "
      f"{bool((replayed['soma'] == stored.stored['soma']).all())}; "
      f"{len(stored.activations)} synapse activations")

# %% [markdown]
# The voltage of every segment against its distance from the soma, frame by frame, with the synapses
# that fire marked by the presynaptic cell type (colour) when they fire; then the cell in 3D. Both
# save as GIF (or MP4 with ffmpeg) and play inline in a notebook.

# %%
window = dict(t_start_ms=ANIMATED_MS[0], t_stop_ms=ANIMATED_MS[1], t_step_ms=args.frame_ms)
profile = animate_voltage_vs_distance(replayed, stored.experiment.cell, activations=stored.activations, **window)
profile.save(args.out / "multi_scale_voltage_vs_distance.gif", progress=False)
profile

# %%
morphology = animate_morphology(replayed, stored.experiment.cell, activations=stored.activations, **window)
morphology.save(args.out / "multi_scale_morphology.gif", progress=False)
morphology.frame(morphology.n_frames // 2).savefig(args.out / "multi_scale_morphology_frame.png", dpi=100)
print(f"wrote the pictures and animations to {args.out}")
morphology
