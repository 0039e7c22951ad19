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
# # A study: conditions in one database, analysed with dask
#
# Two conditions of cell 86 in its C2 network — the whole network, and the network without its
# inhibitory populations — run into one study database, then analysed together through the
# **study view**: lazy dask frames over every run, read chunk of trials by chunk of trials.
#
# Run with `python tutorials/07_study.py [--trials 3] [--tstop 300] [--workers 2] [--out DIR]`; the
# notebook `tutorials/07_study.ipynb` is generated from this script (jupytext). See `docs/study.md`.
#
# 1. `run_study` runs each condition into the database under `("runs", <label>)`, resumably, and
#    keeps the condition labels in the run's store.
# 2. `StudyView.of_database` sees every labelled run; its frames are indexed by `study_trial` and
#    carry the labels (`network`, `run`, `trial`) as columns.
# 3. `isf.analysis.study` computes P(spike), PSTHs, mean ± SD of the soma traces, synapse activations
#    by cell type and their binning by soma distance and time, on a `dask.distributed` cluster.
# 4. `isf.plot.study` draws them; all traces are streamed into one picture block by block.

# %%
from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

import matplotlib
import pandas as pd

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # a script writes images only; a notebook keeps its inline backend
else:  # a notebook: a Figure that is a cell's value shows (matplotlib loads its backend lazily)
    from IPython import get_ipython

    get_ipython().run_line_magic("matplotlib", "inline")

from dask.distributed import Client, LocalCluster  # noqa: E402

import isf  # noqa: E402
from isf.analysis import study  # noqa: E402
from isf.backends.study_runs import run_study  # noqa: E402
from isf.data import cell86, network_c2  # noqa: E402
from isf.model.cell_types import ei_class  # noqa: E402
from isf.plot.study import plot_mean_sd, plot_psths, plot_spike_probability, plot_study_traces  # noqa: E402
from isf.reduced import bin_study  # noqa: E402
from isf.store import StudyView  # noqa: E402

# %% [markdown]
# ## Parameters
#
# As a script, the command line sets them. In a notebook they come from the environment variable
# `ISF_TUTORIAL_ARGS`, in the same syntax (e.g. `ISF_TUTORIAL_ARGS="--trials 2 --tstop 60"`), or edit
# this cell. `--trials 2 --tstop 60 --workers 1` is the small size the tests use.

# %% tags=["parameters"]
parser = argparse.ArgumentParser(description="A study: conditions in one database, analysed with dask")
parser.add_argument("--out", type=Path, default=Path("out/study"), help="folder for the database and PNGs")
parser.add_argument("--trials", type=int, default=3, help="trials per condition")
parser.add_argument("--tstop", type=float, default=300.0, help="trial length, ms")
parser.add_argument("--workers", type=int, default=2, help="worker processes for the simulations")
parser.add_argument("--seed", type=int, default=1, help="seed of the study (each condition's is derived from it)")
# A notebook kernel has its own command line: there the arguments come from ISF_TUTORIAL_ARGS.
args = parser.parse_args(shlex.split(os.environ.get("ISF_TUTORIAL_ARGS", "")) if "ipykernel" in sys.modules
                         else None)
args.out.mkdir(parents=True, exist_ok=True)
#: The window of the whisker response (ms), or the whole trial if it is shorter.
WINDOW_MS = (245.0, 265.0) if args.tstop >= 265.0 else (0.0, args.tstop)

# %% [markdown]
# ## 1. Two conditions into one database

# %%
params = isf.read_cell_param(cell86("86_C2_center.param"))
network = isf.read_network_param(network_c2("network.param"), params.cell.morphology,
                                 search_roots=[network_c2()]).network
sim = params.simulation
simulation = isf.Simulation(args.tstop, dt_ms=sim.dt_ms, v_init_mV=sim.v_init_mV, celsius_degC=sim.celsius_degC)
excitatory = isf.Network(tuple(p for p in network.populations if ei_class(p.cell_type) == "EXC"))
conditions = [
    ({"network": "full"}, isf.Experiment(params.cell, simulation, network=network)),
    ({"network": "no_inhibition"}, isf.Experiment(params.cell, simulation, network=excitatory)),
]
db = isf.Database(args.out / "study")
# Calling it again finishes an interrupted study; finished conditions are skipped.
run_study(db, conditions, args.trials, run_seed=args.seed, parallel=isf.Parallel(workers=max(1, args.workers)))
print(db.keys())

# %% [markdown]
# ## 2. The study view

# %%
view = StudyView.of_database(db)
print(view)
print(view.trials)

# %% [markdown]
# ## 3. Analyses with dask
#
# A small local cluster (threads, so it starts at once); pass a `Client` of a real cluster the same way.

# %%
cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
client = Client(cluster)
by = list(view.condition_names)
p_spike = study.spike_probability(view.spike_times, view.trials, WINDOW_MS, by, client=client)
psths = study.psth_by_condition(view.spike_times, view.trials, by, bin_ms=5.0, t_stop_ms=args.tstop, client=client)
soma = study.trace_mean_sd(view.trace_array("soma"), by=by, labels=view.trials, t_ms=view.time_ms("soma"),
                           client=client)
depth = study.mean_soma_distance_by_cell_type(view.synapse_activations, by=by, client=client)
# the reduced models' input (isf.reduced, tutorial 09): per trial, 1-ms counts by EXC/INH and soma distance
binned = bin_study(view, ("EI", "binned_somadist"), maxtime_ms=args.tstop, distance_bin_um=250.0, client=client)
print(f"P(spike in {WINDOW_MS[0]:g}-{WINDOW_MS[1]:g} ms):\n{p_spike}")
print(f"mean soma distance of the activations (µm):\n{depth.unstack(0).round(1)}")
per_trial = pd.DataFrame({key: counts.sum(axis=1) for key, counts in binned.arrays.items()}, index=binned.trials)
print(f"activations per trial by EXC/INH and soma distance (µm):\n{per_trial}")

# %% [markdown]
# ## 4. Plots

# %%
plots = {"p_spike": plot_spike_probability(p_spike), "psths": plot_psths(psths), "soma_mean_sd": plot_mean_sd(soma)}
for name, fig in plots.items():
    fig.savefig(args.out / f"study_{name}.png", dpi=100)
plots["soma_mean_sd"]

# %% [markdown]
# Every soma trace of the study in one picture, read one block of trials at a time:

# %%
all_traces = plot_study_traces(view.trace_array("soma"), view.time_ms("soma"),
                               groups=view.trials.network.astype(str).tolist(), alpha=0.3, client=client)
all_traces.savefig(args.out / "study_all_traces.png", dpi=100)
print(f"wrote {', '.join(f'study_{n}.png' for n in [*plots, 'all_traces'])} to {args.out}")
client.close()
cluster.close()
all_traces
