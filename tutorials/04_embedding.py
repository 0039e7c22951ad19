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
# # Embed a neuron in a network model
#
# Anatomical synapses of cell 86 from a dense-connectome model.
#
# Run with `python tutorials/04_embedding.py [--samples 50] [--seed 1] [--workers 2] [--model DIR]
# [--tstop 50] [--out DIR]`. Without `--model` it uses the small synthetic model shipped with isf
# (`isf/data/synthetic_connectome`, made up for demonstration); point `--model` at the full
# barrel-cortex model folder (`nrCells.csv`, `ConnectionsV8.csv`, `PST/`,
# `singleaxon_boutons_ascii/`) to get real numbers.
#
# 1. `read_connectome` loads the density model: presynaptic cell counts per column and cell type,
#    PST constants, PST normalisation fields and one bouton field per reconstructed axon.
# 2. `prepare` computes, once, the neurite length and membrane area of cell 86 in every 50 µm voxel,
#    its postsynaptic-target density and every axon's expected synapses per voxel.
# 3. `embed` draws the realisations on worker processes: each presynaptic cell picks an axon, then
#    Poisson synapse counts per voxel and structure land on the cell's 3D points. Sample i depends only
#    on (seed, i). The representative sample is the one closest to the mean synapse counts.
# 4. `write_embedding` writes ISF's file set; a network `.param` built from the shipped C2 network's
#    activity templates then runs one short trial of the embedded cell.

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
from matplotlib.figure import Figure  # noqa: E402

import isf
from isf.backends.neuron.trials import TrialSimulator
from isf.data import cell86, network_c2, synthetic_connectome
from isf.dsl.network_param import network_from_param_dict
from isf.dsl.param_format import read_param, write_param
from isf.embedding import (
    embed,
    network_param_for_embedding,
    prepare,
    read_connectome,
    write_embedding,
)
from isf.plot.embedding import synapse_count_distribution, synapse_locations

# %% [markdown]
# ## Parameters
#
# As a script, the command line sets them. In a notebook they come from the environment variable
# `ISF_TUTORIAL_ARGS`, in the same syntax (e.g. `ISF_TUTORIAL_ARGS="--samples 6 --tstop 20"`), or
# edit this cell.

# %% tags=["parameters"]
parser = argparse.ArgumentParser(description="Embed a neuron in a network model")
parser.add_argument("--samples", type=int, default=50, help="realisations (default 50, as ISF)")
parser.add_argument("--seed", type=int, default=1, help="run seed (default 1)")
parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2; 1 = in this process)")
parser.add_argument("--model", type=Path, default=None, help="dense-connectome folder (default: synthetic)")
parser.add_argument("--tstop", type=float, default=50.0, help="length of the network trial, ms (0: skip)")
parser.add_argument("--out", type=Path, default=Path("out/embedding"), help="folder for the files and PNGs")
# A notebook kernel has its own command line: there the arguments come from ISF_TUTORIAL_ARGS.
args = parser.parse_args(shlex.split(os.environ.get("ISF_TUTORIAL_ARGS", "")) if "ipykernel" in sys.modules
                         else None)
args.out.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1. The density model

# %%
model = read_connectome(args.model or synthetic_connectome(), progress=False)
n_axons = sum(len(f) for f in model.boutons.values())
print(
    f"model: {len(model.areas)} columns ({', '.join(model.areas)}), {len(model.cell_types)} presynaptic "
    f"cell types, {n_axons} axon fields"
)

# %% [markdown]
# ## 2. The cell, once

# %%
params = isf.read_cell_param(cell86("86_C2_center.param"))
morphology = params.cell.morphology
setup = prepare(isf.read_hoc(cell86("86_C2_center.hoc")), "L5tt", model)
targets = setup.targets
print(
    f"cell 86: {targets.n_voxels} voxels of {targets.spacing_um[0]:g} µm hold neurite; "
    f"length {targets.length_um.sum():,.0f} µm, "
    f"expected synapses {sum(setup.expected_synapses().values()):,.0f}"
)

# %% [markdown]
# ## 3. Realisations, in parallel

# %%
result = embed(
    setup,
    args.samples,
    seed=args.seed,
    parallel=isf.Parallel(workers=max(1, args.workers)),  # one worker: in this process
)
counts = result.synapse_counts()
chosen = result.chosen
print(f"\nsynapses per presynaptic cell type over {args.samples} realisations (seed {args.seed}):")
table = counts.agg(["mean", "std", "min", "max"]).T
table["representative"] = counts.iloc[result.representative]
print(table.to_string(float_format=lambda v: f"{v:.1f}"))
print(
    f"representative sample {result.representative}: {chosen.n_synapses:,} synapses from "
    f"{sum(p.n_connected for p in chosen.populations):,} connected presynaptic cells"
)

# %% [markdown]
# ## 4. Files and figures

# %%
files = write_embedding(result, args.out)
print(f"\nwrote {files['folder']}")
for key in ("syn", "con", "connected_cells", "summary"):
    print(f"  {files[key].name}")
fig = Figure(figsize=(12, 8), layout="constrained")
ax_xz, ax_yz = fig.subplots(1, 2)
synapse_locations(morphology, chosen, ax_xz, projection="xz")
synapse_locations(morphology, chosen, ax_yz, projection="yz")
fig.savefig(args.out / "synapse_locations.png", dpi=100)
counts_figure = synapse_count_distribution(result)
counts_figure.savefig(args.out / "synapse_counts.png", dpi=100)
print(f"wrote {args.out / 'synapse_locations.png'}, {args.out / 'synapse_counts.png'}")
fig

# %%
counts_figure

# %% [markdown]
# ## One network trial of the embedded cell

# %%
if args.tstop > 0:
    template = read_param(network_c2("network.param"))
    network_dict = network_param_for_embedding(template, chosen, files["syn"], files["con"])
    write_param(network_dict, files["folder"] / "network.param")
    network = network_from_param_dict(network_dict, morphology, filename=files["folder"] / "network.param").network
    sim = params.simulation
    experiment = isf.Experiment(
        params.cell,
        isf.Simulation(args.tstop, dt_ms=sim.dt_ms, v_init_mV=sim.v_init_mV, celsius_degC=sim.celsius_degC),
        network=network,
    )
    with TrialSimulator(experiment) as simulator:
        trial = simulator.run(args.seed, 0)
    v = trial.traces["soma"]
    print(
        f"\nnetwork trial ({args.tstop:g} ms, ongoing activity of the C2 templates): "
        f"{trial.input.n_active_synapses} active synapses, {trial.spike_times_ms.size} soma spikes, "
        f"soma V {np.min(v):.1f} to {np.max(v):.1f} mV"
    )
