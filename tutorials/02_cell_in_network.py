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
# # Cell in a network
#
# Cell 86 receives a C2 whisker deflection from 278 presynaptic populations.
#
# Run with `python tutorials/02_cell_in_network.py [--trials 4] [--tstop 300] [--workers 2] [--seed 1]
# [--out DIR]`. It needs only the files shipped with isf (`isf.data`).
#
# 1. `read_cell_param` loads cell 86 (as in tutorial 01); `read_network_param` loads ISF's C2
#    network: 278 populations (`<celltype>_<column>`), 24,780 anatomical synapses mapped onto the
#    cell's sections, each population with its ongoing (Poisson) and evoked (PSTH, whisker deflection
#    at 245 ms) activity, release probability and receptors. The absolute `.syn`/`.con` paths in
#    the file (from another machine) are resolved by file name next to it.
# 2. `isf.analysis.synapse_stats` summarises the anatomy per presynaptic cell type.
# 3. `isf.run_trials` runs the stochastic trials on worker processes into one HDF5 store. Each
#    trial's randomness depends only on `(seed, trial)`, so results do not depend on the number of
#    workers. The store is **resumable**: interrupt the run (Ctrl-C) and run the same command again;
#    the trials already stored are kept and only the missing ones are run. Changing `--trials`,
#    `--tstop` or `--seed` is a different run: use another `--out` folder.
# 4. The store's frames (pandas) give the soma spike times, voltage traces and every synapse
#    activation; we print spike statistics and write two figures.

# %%
from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

import matplotlib

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # a script writes images only; a notebook keeps its inline backend
else:  # a notebook: a Figure that is a cell's value shows (matplotlib loads its backend lazily)
    from IPython import get_ipython

    get_ipython().run_line_magic("matplotlib", "inline")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import isf  # noqa: E402
from isf.analysis import synapse_stats  # noqa: E402
from isf.analysis.psth import mean_rate_hz, psth, spike_probability  # noqa: E402
from isf.data import cell86, network_c2  # noqa: E402
from isf.plot import (  # noqa: E402
    EI_COLORS,
    psth_plot,
    raster,
    synapse_activation_raster,
    synapses_by_celltype,
    voltage_mean_std,
)
from isf.store import RunStore, experiment_json  # noqa: E402

#: Whisker deflection (the PSTHs' offset in network.param), ms.
STIMULUS_MS = 245.0
#: Evoked window: does the cell spike within 20 ms of the deflection?
EVOKED_MS = (245.0, 265.0)
#: Ongoing window: after the first 100 ms (the network starts from rest: an onset transient), before the deflection.
ONGOING_MS = (100.0, 245.0)
#: PSTH bin, ms.
BIN_MS = 5.0


# %%
def load_model() -> tuple[isf.Cell, isf.Network, isf.Simulation]:
    """Cell 86 and the C2 network from the shipped example data."""
    params = isf.read_cell_param(cell86("86_C2_center.param"))
    network = isf.read_network_param(network_c2("network.param"), params.cell.morphology,
                                     search_roots=[network_c2()]).network
    return params.cell, network, params.simulation


def window_text(values: Sequence[np.ndarray], window: tuple[float, float], tstop: float, what: str) -> str:
    """``what`` in ``window`` over trials, or why it cannot be computed."""
    t0, t1 = window
    if tstop < t1:
        return f"n/a (needs --tstop >= {t1:g})"
    if what == "probability":
        return f"{spike_probability(values, t0, t1):.2f}"
    return f"{mean_rate_hz(values, t0, t1):.2f} Hz"


# %%
def soma_figure(spikes: list[np.ndarray], voltage: pd.DataFrame, tstop: float) -> Figure:
    """Raster, PSTH and voltage mean ± SD, one above the other."""
    fig = Figure(figsize=(9, 7.5), layout="constrained")
    ax_raster, ax_psth, ax_v = fig.subplots(3, 1, sharex=True, height_ratios=[1.2, 1, 1.6])
    raster(spikes, ax_raster, t_range_ms=(0.0, tstop), color="k")
    ax_raster.set_title(f"soma spikes, {len(spikes)} trials", fontsize=10)
    stop = BIN_MS * np.ceil(tstop / BIN_MS)  # whole bins up to tstop (psth drops a partial last bin)
    edges, rate = psth(spikes, bin_ms=BIN_MS, t_start_ms=0.0, t_stop_ms=stop, rate=True)
    psth_plot(edges, rate, ax_psth, color="0.2", ylabel=f"rate (Hz, {BIN_MS:g} ms bins)")
    voltage_mean_std(voltage.columns.to_numpy(dtype=float), voltage.to_numpy(), ax_v, color="C0")
    ax_v.legend(loc="upper right", fontsize=8)
    for ax in (ax_raster, ax_psth, ax_v):
        if STIMULUS_MS < tstop:
            ax.axvline(STIMULUS_MS, color="C3", linestyle="--", linewidth=0.8)
        ax.set_xlim(0.0, tstop)
    for ax in (ax_raster, ax_psth):
        ax.set_xlabel("")
    return fig


def activation_figure(activations: pd.DataFrame, anatomy: pd.DataFrame, n_trials: int, tstop: float) -> Figure:
    """Synapse activations by presynaptic cell type: first trial by soma distance, all trials by cell
    type, E/I activations over time, and per cell type the synapses and activations per trial."""
    fig = Figure(figsize=(11, 13), layout="constrained")
    axes = fig.subplot_mosaic([["dist", "dist"], ["type", "type"], ["ei", "ei"], ["anat", "act"]],
                              height_ratios=[1.3, 1.5, 0.8, 1.0])
    first = int(activations.index.min()) if len(activations) else 0
    synapse_activation_raster(activations, axes["dist"], trials=[first], t_range_ms=(0.0, tstop))
    axes["dist"].set_title(f"synapse activations of trial {first}", fontsize=10)
    synapse_activation_raster(activations, axes["type"], y="cell_type", t_range_ms=(0.0, tstop), marker_size=1.5)
    axes["type"].set_title(f"synapse activations by presynaptic cell type, {n_trials} trials "
                           "(one sub-row per trial)", fontsize=10)
    edges, binned = synapse_stats.binned_activations(activations, "EI", bin_ms=BIN_MS, t_stop_ms=tstop,
                                                     n_trials=n_trials)
    for group in binned.columns:
        axes["ei"].stairs(binned[group].to_numpy() / BIN_MS, edges, color=EI_COLORS[group], label=group,
                          baseline=None)
    axes["ei"].set_xlim(0.0, tstop)
    axes["ei"].set_ylim(bottom=0.0)
    axes["ei"].set_ylabel("activations / ms / trial")
    axes["ei"].set_xlabel("time (ms)")
    axes["ei"].legend(fontsize=8, loc="upper left")
    summary = synapse_stats.activation_summary(activations, n_trials=n_trials, t0_ms=0.0, t1_ms=tstop)
    summary = summary.reindex(anatomy.index).fillna({"activations_per_trial": 0.0}).assign(EI=anatomy["EI"])
    synapses_by_celltype(anatomy, axes["anat"], ylabel="anatomical synapses")
    synapses_by_celltype(summary, axes["act"], value="activations_per_trial", ylabel="activations per trial")
    for ax in (axes["dist"], axes["type"], axes["ei"]):
        if STIMULUS_MS < tstop:
            ax.axvline(STIMULUS_MS, color="k", linestyle="--", linewidth=0.8)
    return fig



# %% [markdown]
# ## Parameters
#
# As a script, the command line sets them. In a notebook they come from the environment variable
# `ISF_TUTORIAL_ARGS`, in the same syntax (e.g. `ISF_TUTORIAL_ARGS="--trials 2 --tstop 60"`), or edit
# this cell.

# %% tags=["parameters"]
parser = argparse.ArgumentParser(description="Cell in a network: cell 86 and a C2 whisker deflection")
parser.add_argument("--trials", type=int, default=4, help="number of trials (default 4)")
parser.add_argument("--tstop", type=float, default=300.0, help="trial length, ms (default 300)")
parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2; 1 = in this process)")
parser.add_argument("--seed", type=int, default=1, help="run seed (default 1)")
parser.add_argument("--out", type=Path, default=Path("out/cell_in_network"), help="folder for the store and PNGs")
# A notebook kernel has its own command line: there the arguments come from ISF_TUTORIAL_ARGS.
args = parser.parse_args(shlex.split(os.environ.get("ISF_TUTORIAL_ARGS", "")) if "ipykernel" in sys.modules
                         else None)
args.out.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1. The model, from shipped files

# %%
cell, network, sim = load_model()
print(f"cell 86: {len(cell.morphology)} sections, {cell.n_segments} segments")
print(f"network: {len(network.populations)} populations, {network.n_synapses:,} synapses "
      f"({network.n_connected_synapses:,} connected to a presynaptic cell)")

# %% [markdown]
# ## 2. Anatomy per presynaptic cell type (L1 is grouped as EXC, as ISF does)

# %%
anatomy = synapse_stats.celltype_synapse_table(network)
shown = anatomy[["EI", "n_populations", "n_cells", "n_connected_cells", "n_synapses", "soma_distance_mean_um",
                 "soma_distance_sd_um", "n_apical", "n_basal", "n_soma"]]
print("\nsynapses per presynaptic cell type (soma distance in µm):")
print(shown.to_string(float_format=lambda v: f"{v:.1f}"))
print(f"total: {int(anatomy['n_synapses'].sum()):,} synapses from {int(anatomy['n_connected_cells'].sum()):,} "
      f"connected presynaptic cells (n_cells: the populations' cellNr)")

# %% [markdown]
# ## 3. Trials, into a resumable store

# %%
experiment = isf.Experiment(
    cell, isf.Simulation(args.tstop, dt_ms=sim.dt_ms, v_init_mV=sim.v_init_mV, celsius_degC=sim.celsius_degC),
    network=network)
store_path = args.out / "c2_trials.h5"
try:
    # A store is keyed by experiment, seed and number of trials (as run_trials keys it): the same
    # command finds its own run and continues it, another run is refused.
    with RunStore.create(store_path, experiment_json=experiment_json(experiment), run_seed=args.seed,
                         n_trials=args.trials) as store:
        done = len(store.completed_trials())
except FileExistsError as exc:
    raise SystemExit(f"{exc}\n(another run is stored there: choose another --out)") from None
print(f"\nstore {store_path}: {done} of {args.trials} trials already stored "
      "(interrupted? run the same command again to finish)")
isf.run_trials(experiment, args.trials, store_path, run_seed=args.seed,
               parallel=isf.Parallel(workers=max(1, args.workers)))  # one worker: in this process

# %% [markdown]
# ## 4. Frames from the store (index = trial), statistics and figures

# %%
with RunStore.open(store_path) as store:
    spike_times = store["spike_times"]          # wide: one NaN-padded row per trial
    voltage = store["voltage_traces"]           # trials × time (ms) columns, mV
    activations = store["synapse_activations"]  # long: one row per release
spikes = [row[~np.isnan(row)] for row in spike_times.to_numpy()]
n_trials = len(spikes)
# Releases scheduled after tstop are stored too (evoked PSTH spikes): count only those within the run.
per_trial = synapse_stats.activations_per_trial(activations, "EI", trials=spike_times.index, t0_ms=0.0,
                                                t1_ms=args.tstop)
n_spikes = np.array([s.size for s in spikes])
print(f"\nsummary over {n_trials} trials (tstop {args.tstop:g} ms, seed {args.seed}):")
print(f"  spikes/trial: {n_spikes.mean():.2f} (SD {n_spikes.std():.2f})")
print(f"  P(spike {EVOKED_MS[0]:g}-{EVOKED_MS[1]:g} ms): "
      f"{window_text(spikes, EVOKED_MS, args.tstop, 'probability')}")
print(f"  ongoing rate {ONGOING_MS[0]:g}-{ONGOING_MS[1]:g} ms: "
      f"{window_text(spikes, ONGOING_MS, args.tstop, 'rate')}")
exc, inh = (per_trial[g].mean() if g in per_trial else 0.0 for g in ("EXC", "INH"))
print(f"  synapse activations/trial: {per_trial.sum(axis=1).mean():.0f} (EXC {exc:.0f}, INH {inh:.0f})")

# %%
soma_png = args.out / "c2_soma.png"
fig = soma_figure(spikes, voltage, args.tstop)
fig.savefig(soma_png, dpi=110)
print(f"\nwrote {soma_png}")
fig

# %%
act_png = args.out / "c2_synapse_activations.png"
fig = activation_figure(activations, anatomy, n_trials, args.tstop)
fig.savefig(act_png, dpi=110)
print(f"wrote {act_png}")
fig
