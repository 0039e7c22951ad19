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
# # Synapse tuning on cell 86
#
# An excitatory facilitating and an inhibitory depressing connection.
#
# Run with `python tutorials/05_synapse_tuning.py [--out DIR] [--small]`.
#
# For each connection (a Tsodyks–Markram AMPA+NMDA synapse on the apical trunk 300 µm from the soma,
# and a GABA_A synapse on the soma), with the soma voltage-clamped at −75 mV:
#
# 1. a single presynaptic spike: latency, amplitude, 10–90 % rise time, decay τ, half width, charge;
# 2. a train of 8 spikes at 20 Hz and 4 more 250 ms later: per-pulse amplitudes, PPR, induction,
#    recovery (definitions in the synapse tuner page of the docs, `docs/synapse_tuner.md`);
# 3. the same metrics over a list of train frequencies;
# 4. a fit of the plasticity parameters (`Use`, `Dep`, `Fac`) to target metrics with scipy,
#    seeded, from several starting points; the figure compares target and achieved values.
#
# A last run shows the excitatory PSP in current clamp. `--small` (used by the tests) runs fewer
# frequencies and a shorter fit.

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

import isf
from isf.data import cell86
from isf.synapse_tuner import (
    ConnectionSettings,
    FitTarget,
    GeneralSettings,
    SynapseTuner,
    TrainSettings,
    fit_parameters,
    frequency_response,
)
from isf.synapse_tuner.plot import (
    metrics_table,
    plot_event,
    plot_fit,
    plot_frequency_response,
    plot_train,
    save_figure,
)

# %% [markdown]
# ## Parameters
#
# As a script, the command line sets them. In a notebook they come from the environment variable
# `ISF_TUTORIAL_ARGS`, in the same syntax (e.g. `ISF_TUTORIAL_ARGS="--small"`), or edit this cell.

# %% tags=["parameters"]
parser = argparse.ArgumentParser(description="Synapse tuning on cell 86")
parser.add_argument("--out", type=Path, default=Path("out/synapse_tuning"), help="folder for figures and tables")
parser.add_argument("--small", action="store_true", help="fewer frequencies and a short fit (CI)")
parser.add_argument("--seed", type=int, default=1, help="seed of the fit's initial guesses")
# A notebook kernel has its own command line: there the arguments come from ISF_TUTORIAL_ARGS.
args = parser.parse_args(shlex.split(os.environ.get("ISF_TUTORIAL_ARGS", "")) if "ipykernel" in sys.modules
                         else None)
args.out.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## The connections
#
# Each: the synapse, illustrative targets at 20 Hz, and the fitted parameters with their bounds.

# %%
CONNECTIONS = {
    "excitatory": (
        {
            "mechanism": "tm_ampa_nmda",
            "weights_nS": 5.0,
            "site": isf.ApicalTrunk(300.0),
            "parameters": {"Use": 0.1, "Dep": 100.0, "Fac": 500.0, "NMDA_ratio": 0.7},
        },
        {"ppr": 0.3, "induction": 0.5, "recovery": 0.2},
        {"Use": (0.02, 0.6), "Dep": (20.0, 800.0), "Fac": (0.0, 1500.0)},
    ),
    "inhibitory": (
        {
            "mechanism": "tm_gabaa",
            "weights_nS": 2.0,
            "site": isf.Soma(),
            "parameters": {"Use": 0.6, "Dep": 800.0, "Fac": 0.0, "tau_d_GABAA": 8.0},
        },
        {"ppr": -1.0, "induction": -1.8, "recovery": -0.5},
        {"Use": (0.1, 0.95), "Dep": (50.0, 2000.0)},
    ),
}

cell = isf.read_cell_param(cell86("86_C2_center.param")).cell
print(f"cell 86: {len(cell.morphology)} sections, {cell.n_segments} segments")
# CVode: the clamped detailed cell is quiet between events, so variable steps are ~10x faster
general = GeneralSettings(hold_mV=-75.0, v_init_mV=-75.0, cvode=True, cvode_atol=1e-5)
frequencies = [5.0, 20.0, 50.0, 100.0] if args.small else list(np.geomspace(2.0, 100.0, 12).round(1))
protocol = TrainSettings(20.0)
fit_size = {"n_starts": 1, "max_evaluations": 8} if args.small else {"n_starts": 3, "max_evaluations": 60}

# %% [markdown]
# ## Event, train, frequency response and fit of each connection

# %%
figures = {}  # name -> (train figure, fit figure), shown below
for name, (synapse, targets, bounds) in CONNECTIONS.items():
    connection = ConnectionSettings(cell=cell, **synapse)
    print(f"\n== {name}: {connection.mechanism} at {type(connection.site).__name__}, {connection.parameters}")
    with SynapseTuner(connection, general) as tuner:
        event = tuner.single_event()
        train = tuner.train(protocol)
        response = frequency_response(tuner, frequencies, protocol)
        fit = fit_parameters(
            tuner,
            [FitTarget(k, v, protocol.frequency_Hz) for k, v in targets.items()],
            bounds,
            protocol,
            seed=args.seed,
            **fit_size,
        )
        fitted = tuner.train(protocol)
    table = metrics_table(event, train)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print("\nfrequency response:")
    print(response.to_frame().round(3).to_string())
    shown = ", ".join(f"{k} = {v:.3g}" for k, v in fit.parameters.items())
    print(f"\nfit ({fit.method}, seed {fit.seed}, {fit.n_evaluations} evaluations): {shown}; cost {fit.cost:.3g}")
    for target, achieved in zip(fit.targets, fit.achieved):
        print(f"  {target.metric:<10} target {target.value:+.3f}  achieved {achieved:+.3f}")
    table.to_csv(args.out / f"{name}_metrics.csv", index=False)
    save_figure(plot_event(event), args.out / f"{name}_event.png")
    figures[name] = (plot_train(train), plot_fit(fit))
    save_figure(figures[name][0], args.out / f"{name}_train.png")
    save_figure(plot_train(fitted), args.out / f"{name}_train_fitted.png")
    save_figure(
        plot_frequency_response(response, label=name),
        args.out / f"{name}_frequency_response.png",
    )
    save_figure(figures[name][1], args.out / f"{name}_fit.png")
    sign = "facilitating" if train.metrics.ppr > 0 else "depressing"
    print(f"{name} connection: {sign} (PPR {train.metrics.ppr:+.3f} at {protocol.frequency_Hz:g} Hz)")

# %%
figures["excitatory"][0]

# %%
figures["inhibitory"][0]

# %% [markdown]
# ## The excitatory PSP at the soma in current clamp
#
# The cell settles for 2 s first (cheap with CVode) so the baseline does not drift under the PSP.

# %%
synapse = CONNECTIONS["excitatory"][0]
settle = GeneralSettings(vclamp=False, v_init_mV=-75.0, cvode=True, tstart_ms=2000.0, tdur_ms=150.0)
with SynapseTuner(ConnectionSettings(cell=cell, **synapse), settle) as tuner:
    psp = tuner.single_event()
m = psp.metrics
print(
    f"\nexcitatory PSP at the soma: {m.amplitude:.3f} mV, rise {m.rise_time_ms:.2f} ms, "
    f"half width {m.half_width_ms:.1f} ms"
)
psp_figure = plot_event(psp, window_ms=120.0)
save_figure(psp_figure, args.out / "excitatory_psp.png")
print(f"\nwrote figures and tables to {args.out}")
psp_figure
