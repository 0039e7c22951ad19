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
# # Synapse tuning: bmtool-style settings, your own cell and mechanisms, and cell 86
#
# An excitatory facilitating and an inhibitory depressing connection, twice:
#
# * **Part 1, as a bmtool user starts**: the two connections of bmtool's demo written as
#   `general_settings` and `conn_type_settings` dicts, on a small hoc template (`BallAndStick`) with a
#   synapse compiled from a folder of the user's own `.mod` files (`stp_exp2syn`, shipped in
#   `isf.data.synapse_tuner_example()`); the interactive tuner (sliders, connection dropdown, train
#   frequency and delay); a fit of single-event and train targets with its calculation report.
# * **Part 2, isf's own synapses on cell 86**.
#
# Run with `python tutorials/05_synapse_tuning.py [--out DIR] [--small]`.
#
# In part 2, for each connection (a Tsodyks–Markram AMPA+NMDA synapse on the apical trunk 300 µm from
# the soma, and a GABA_A synapse on the soma), with the soma voltage-clamped at −75 mV:
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
from isf.data import synapse_tuner_example
from isf.synapse_tuner import TunerSettings, relative_squared_error
from isf.synapse_tuner.interactive import InteractiveTuner
from isf.synapse_tuner.plot import (
    metrics_table,
    plot_event,
    plot_fit,
    plot_frequency_response,
    plot_result,
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
# ## Part 1: bmtool-style settings on your own template and mechanism
#
# The folders a bmtool user has: `templates/` with hoc templates (`begintemplate BallAndStick`) and
# `mechanisms/` with `.mod` files. isf compiles the `.mod` folder with `nrnivmodl` into its
# content-hashed cache (once per machine; a broken file raises one error naming the file and line)
# and loads every `.hoc` file of the templates folder. The synapse is any point process with a
# `NET_RECEIVE` block: its parameters and defaults are read from the compiled mechanism, so a
# misspelt `spec_syn_param` fails with the allowed names.
#
# `general_settings` and `conn_type_settings` keep bmtool's keys. `sec_id` indexes the template's
# `all` SectionList (0 soma, 1 and 2 the dendrites), `vclamp_amp` is each connection's holding
# potential (mV), `weight` the NetCon weight in the mechanism's unit (µS for `stp_exp2syn`).

# %%
example = synapse_tuner_example()
print("templates:", sorted(p.name for p in (example / "templates").glob("*.hoc")))
print("mechanisms:", sorted(p.name for p in (example / "mechanisms").glob("*.mod")))

general_settings = {
    "vclamp": True,
    "rise_interval": (0.1, 0.9),
    "tstart": 50.0,
    "tdur": 60.0,
    "threshold": -15.0,
    "delay": 1.3,
    "weight": 0.002,
    "dt": 0.025,
    "celsius": 20.0,
}
conn_type_settings = {
    "excitatory (facilitating)": {
        "spec_settings": {"post_cell": "BallAndStick", "vclamp_amp": -70.0, "sec_id": 1, "sec_x": 0.3,
                          "level_of_detail": "stp_exp2syn"},
        "spec_syn_param": {"Use": 0.1, "Dep": 100.0, "Fac": 300.0, "tau_rise": 0.3, "tau_decay": 3.0, "e": 0.0},
    },
    "inhibitory (depressing)": {
        "spec_settings": {"post_cell": "BallAndStick", "vclamp_amp": -50.0, "sec_id": 0, "sec_x": 0.5,
                          "level_of_detail": "stp_exp2syn"},
        "spec_syn_param": {"Use": 0.6, "Dep": 800.0, "Fac": 0.0, "tau_rise": 0.5, "tau_decay": 8.0, "e": -75.0},
    },
}
settings = TunerSettings.from_bmtool(
    general_settings,
    conn_type_settings,
    mechanisms_dir=example / "mechanisms",
    templates_dir=example / "templates",
    current_name="i",
    other_vars_to_record=["u", "R"],  # utilisation and resources, plotted under the traces
    slider_vars=["Use", "Dep", "Fac", "tau_decay"],
)
for name, connection in settings.connections.items():
    print(f"{name}: {connection.mechanism} at {connection.site}, held at {connection.hold_mV} mV, "
          f"{connection.parameters}")

# %% [markdown]
# Single event and train of each connection; the recorded `u` and `R` are drawn below the traces.

# %%
part1 = {}
for name, connection in settings.connections.items():
    with SynapseTuner(connection, settings.general) as tuner:
        event = tuner.single_event()
        train = tuner.train(TrainSettings(20.0))
    part1[name] = (event, train)
    m = event.metrics
    kind = "facilitating" if train.metrics.ppr > 0 else "depressing"
    print(f"{name}: amplitude {m.amplitude * 1e3:+.2f} pA, rise {m.rise_time_ms:.2f} ms, decay τ "
          f"{m.decay_tau_ms:.2f} ms, half width {m.half_width_ms:.2f} ms; PPR {train.metrics.ppr:+.3f} → {kind}")
    slug = name.split()[0]
    save_figure(plot_result(event), args.out / f"template_{slug}_event.png")
    save_figure(plot_result(train), args.out / f"template_{slug}_train.png")
plot_result(part1["excitatory (facilitating)"][1])

# %% [markdown]
# ### The interactive tuner
#
# In JupyterLab, Jupyter Notebook or Voilà the cell below shows the connection dropdown, a slider per
# `slider_vars` entry (range from the value), the train frequency and delay, the run buttons, the
# traces and the metrics table; moving a slider re-runs the last protocol (a single event takes well
# under half a second on this template). The same object is scriptable: `ui.set_value(name, value)`
# does what dragging does and `ui.metrics` holds the metrics of the last run.

# %%
ui = InteractiveTuner(settings)
before = ui.metrics["decay_tau_ms"]
ui.set_value("tau_decay", 6.0)
print(f"slider tau_decay 3 → 6 ms: fitted decay τ {before:.2f} → {ui.metrics['decay_tau_ms']:.2f} ms "
      f"(redrawn in {ui.last_update_s:.2f} s)")
ui.set_value("tau_decay", 3.0)
ui

# %% [markdown]
# ### Fitting single-event and train targets
#
# The targets mix single-event metrics (amplitude, rise, decay, half width) and a train metric (PPR
# at 20 Hz), each with a weight; `relative_squared_error` weighs metrics of different units alike.
# SLSQP starts from the middle of the bounds (`init_guess="middle"`), seeded; the report lists each
# target's wanted and achieved value and its share of the error.

# %%
# one tuner at a time (NEURON simulates every cell): the widget's tuner closes before the fit opens its
# own; re-run the widget's cell to tune again
ui.close()
fit_targets = [
    FitTarget("amplitude", -0.010, weight=2.0),   # nA
    FitTarget("rise", 0.45),                       # 10-90 % rise time, ms
    FitTarget("decay", 4.0),                       # decay τ, ms
    FitTarget("half_width", 4.5),                  # ms
    FitTarget("ppr", 0.4, 20.0),                   # facilitation at 20 Hz
]
fit_bounds = {"Use": (0.02, 0.5), "Fac": (10.0, 1000.0), "tau_rise": (0.1, 1.5), "tau_decay": (1.0, 10.0)}
with SynapseTuner(settings.connections["excitatory (facilitating)"], settings.general) as tuner:
    fit1 = fit_parameters(tuner, fit_targets, fit_bounds, TrainSettings(20.0), cost=relative_squared_error,
                          method="SLSQP", init_guess="middle", seed=args.seed,
                          n_starts=1, max_evaluations=60 if args.small else 200)
print(fit1.report())
template_fit_figure = plot_fit(fit1)
save_figure(template_fit_figure, args.out / "template_fit.png")  # saving closes the figure
plot_fit(fit1)

# %% [markdown]
# ## Part 2: isf's synapses on cell 86

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
