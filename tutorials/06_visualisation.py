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
# # Tutorial 06 — visualisation
#
# Cell 86 by label and by Ih density, its C2 synapses, a back-propagating action potential as
# animations, and a thousand traces in one plot.
#
# Run with `python tutorials/06_visualisation.py [--out DIR] [--step-ms 0.5]`; it uses only the
# files shipped with isf and takes well under a minute.
#
# 1. `plot_morphology` draws the cell in a 2D projection (`xz`: apical dendrite up) or in 3D,
#    coloured by label, or by any value per segment: here the Ih conductance density computed from the
#    model (`mechanism_density`, no NEURON needed) and the membrane voltage at one instant.
# 2. The synapses of the C2 network are drawn as markers coloured by cell type.
# 3. `simulate_segments` records the voltage in all 1,142 segments while a 1.9 nA, 5 ms pulse makes
#    the soma spike (Hay's bAP protocol). `animate_voltage_vs_distance` shows the spike travelling
#    out along the dendrites (legacy `cell_to_animation`); `animate_morphology` shows the same in
#    3D. Both write GIFs (and show inline in a notebook: just make the animation the cell's value).
# 4. `plot_traces` draws all 1,142 segment traces at once, coloured by label; above 200 traces it
#    rasterises them with numpy instead of drawing one line each.

# %%
from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
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
from isf.backends.neuron.segment_recording import simulate_segments
from isf.data import cell86, network_c2
from isf.model.segment_table import segment_table, segment_traces
from isf.plot import (
    animate_morphology,
    animate_voltage_vs_distance,
    mechanism_density,
    plot_morphology,
    plot_traces,
    segment_values_at,
)

PULSE_MS = 10.0

# %% [markdown]
# ## Parameters
#
# As a script, the command line sets them. In a notebook they come from the environment variable
# `ISF_TUTORIAL_ARGS`, in the same syntax (e.g. `ISF_TUTORIAL_ARGS="--step-ms 1.0"`), or edit this cell.

# %% tags=["parameters"]
parser = argparse.ArgumentParser(description="Tutorial 06 — visualisation")
parser.add_argument("--out", type=Path, default=Path("out/visualisation"), help="folder for the images")
parser.add_argument("--step-ms", type=float, default=0.5, help="time between animation frames, ms")
# A notebook kernel has its own command line: there the arguments come from ISF_TUTORIAL_ARGS.
args = parser.parse_args(shlex.split(os.environ.get("ISF_TUTORIAL_ARGS", "")) if "ipykernel" in sys.modules
                         else None)
args.out.mkdir(parents=True, exist_ok=True)
started = time.perf_counter()

cell = isf.read_cell_param(cell86("86_C2_center.param")).cell
print(cell)

# %% [markdown]
# ## 1. By label (2D and 3D side by side) and by Ih density

# %%
fig = Figure(figsize=(10, 7), layout="constrained")
plot_morphology(cell, projection="xz", ax=fig.add_subplot(1, 2, 1), title="xz projection, by label")
plot_morphology(cell, projection="3d", ax=fig.add_subplot(1, 2, 2, projection="3d"), title="3D")
fig.savefig(args.out / "morphology_labels.png", dpi=90)
fig

# %%
ih = mechanism_density(cell, "Ih", "gIhbar")
print(f"Ih density: {np.nanmin(ih):.2e} … {np.nanmax(ih):.2e} S/cm² (rises along the apical dendrite)")
fig = plot_morphology(cell, values=ih, value_label="gIhbar (S/cm²)", title="Ih density",
                      labels=("soma", "dend", "apic"))
fig.savefig(args.out / "morphology_ih_density.png", dpi=90)
fig

# %% [markdown]
# ## 2. The C2 network's synapses on the cell

# %%
network = isf.read_network_param(network_c2("network.param"), cell.morphology,
                                 search_roots=[network_c2()]).network
print(network)
fig = plot_morphology(cell, synapses=network, title=f"{network.n_synapses} synapses by cell type")
fig.savefig(args.out / "morphology_synapses.png", dpi=90)
fig

# %% [markdown]
# ## 3. A back-propagating action potential

# %%
experiment = isf.Experiment(
    cell,
    isf.Simulation(30.0, dt_ms=0.025),
    [isf.CurrentStep(1.9, delay_ms=PULSE_MS, duration_ms=5.0)],
)
result = simulate_segments(experiment)
spike = float(result.spike_times("soma")[0])
print(f"soma spike at {spike:.2f} ms; {len(result.traces)} traces recorded")
fig = plot_morphology(cell, values=segment_values_at(result, cell, spike + 1.0), value_label="V (mV)",
                      cmap="jet", labels=("soma", "dend", "apic"), title=f"V at t = {spike + 1:.1f} ms")
fig.savefig(args.out / "morphology_voltage.png", dpi=90)
fig

# %% [markdown]
# The animations are written as GIFs; in a notebook, make `anim` the cell's value to play it inline.
# Here we show one frame.

# %%
anim = animate_voltage_vs_distance(result, cell, t_start_ms=spike - 0.5, t_stop_ms=spike + 8.0,
                                   t_step_ms=args.step_ms)
anim.save(args.out / "bap_voltage_vs_distance.gif", fps=8)
frame = anim.frame(3)
frame.savefig(args.out / "bap_frame.png", dpi=90)
anim3d = animate_morphology(result, cell, t_start_ms=spike - 0.5, t_stop_ms=spike + 5.0,
                            t_step_ms=2 * args.step_ms)
anim3d.save(args.out / "bap_morphology.gif", fps=6)
frame

# %% [markdown]
# ## 4. All segment traces at once, coloured by label

# %%
v = segment_traces(result, cell)
sid, _ = segment_table(cell)
labels = [cell.morphology.sections[s].label for s in sid]
fig = plot_traces(
    result.t_ms,
    v,
    groups=labels,
    colors={"soma": "k", "dend": "#1f5fbf", "apic": "#c62828", "ais": "#2e7d32", "myelin": "#f9a825"},
    alpha=0.15,
    t_range_ms=(PULSE_MS, 30.0),
)
fig.axes[0].set_title(f"{v.shape[0]} segment traces")
fig.savefig(args.out / "many_traces.png", dpi=90)
fig

# %%
for path in sorted(args.out.iterdir()):
    print(f"wrote {path} ({path.stat().st_size // 1024} kB)")
print(f"done in {time.perf_counter() - started:.0f} s")
