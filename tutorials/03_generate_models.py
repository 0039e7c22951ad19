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
# # Generate models
#
# Hay et al. (2011) objectives, a short evolutionary optimisation and a short random-walk
# exploration from a known good model, on the L5PT morphology 89.
#
# Run with `python tutorials/03_generate_models.py [--protocols bAP,BAC,StepOne,StepTwo,StepThree]
# [--offspring 8] [--generations 3] [--iterations 10] [--workers 2] [--seed 1] [--out DIR]`.
# It needs only the files shipped with isf (`isf.data.hay89`).
#
# 1. **The set-up** (`morphology89_setup`): morphology 89 with a generated Hay 2013 axon, ISF's L5tt v2
#    template, the 35 fitted parameters and their ranges, the morphology-specific fixed parameters
#    (recording sites, BAC injection site, Ca hot zone) and the 41 empirical targets.
# 2. **Evaluation**: model 0 of ISF's exploration is simulated on every protocol and scored in σ from the
#    experimental mean — the same numbers ISF's evaluator gives (see the test against `reference/hay_89`).
# 3. **Optimisation** (deap, IBEA selection, SBX crossover + polynomial mutation) of a small population
#    from random starts. Every generation is stored and checkpointed in `OUT/optimisation`:
#    interrupt it and run the same command again to resume.
# 4. **Exploration**: a random walk from model 0 that accepts a step iff the model stays inside the cutoffs
#    (3.2 σ for bAP/BAC, 4.5 σ for the steps), also resumable, in `OUT/exploration`.
# 5. Figures: the objectives of the explored models in σ, their spread over the parameter ranges, and the
#    voltage traces of the seed and the last accepted model for each protocol.

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

from isf.backends.parallel import Parallel  # noqa: E402
from isf.fitting.explore import HayInsideTest, WalkSettings, explore, load_exploration  # noqa: E402
from isf.fitting.objectives import objectives_table  # noqa: E402
from isf.fitting.optimize import OptimizerSettings, load_generations, optimize  # noqa: E402
from isf.fitting.problem import HayProblem  # noqa: E402
from isf.fitting.protocols import PROTOCOL_NAMES  # noqa: E402
from isf.fitting.setup import example_models, morphology89_setup  # noqa: E402
from isf.plot.fitting import objectives_boxplot, parameter_spread, protocol_traces  # noqa: E402

# %% [markdown]
# ## Parameters
#
# As a script, the command line sets them. In a notebook they come from the environment variable
# `ISF_TUTORIAL_ARGS`, in the same syntax (e.g. `ISF_TUTORIAL_ARGS="--protocols bAP,BAC --offspring 4"`),
# or edit this cell.

# %% tags=["parameters"]
parser = argparse.ArgumentParser(description="Generate models")
parser.add_argument("--protocols", default=",".join(PROTOCOL_NAMES),
                    help="comma-separated protocols (default: all five; bAP,BAC is ~20x faster)")
parser.add_argument("--offspring", type=int, default=8, help="optimisation population size")
parser.add_argument("--generations", type=int, default=3, help="optimisation generations")
parser.add_argument("--iterations", type=int, default=10, help="random-walk iterations")
parser.add_argument("--workers", type=int, default=2, help="worker processes for evaluations")
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--out", type=Path, default=Path("out/generate_models"))
# A notebook kernel has its own command line: there the arguments come from ISF_TUTORIAL_ARGS.
args = parser.parse_args(shlex.split(os.environ.get("ISF_TUTORIAL_ARGS", "")) if "ipykernel" in sys.modules
                         else None)
args.out.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 1. The set-up

# %%
setup = morphology89_setup(protocols=args.protocols.split(","))
print(f"set-up: morphology 89, {len(setup.space)} parameters, protocols {', '.join(setup.protocols)}, "
      f"{len(setup.objective_names)} objectives")
targets = objectives_table().loc[list(setup.objective_names)]
print(targets.head(6).to_string())

# %% [markdown]
# ## 2. Evaluate a known good model

# %%
models = example_models()
seed_model = models.iloc[0]
traces = setup.simulate(seed_model)
evaluation = setup.evaluate_traces(traces)
combined = setup.combined(evaluation)
print("\nmodel 0, combined objectives (σ):")
print(combined.round(2).to_string())

# %% [markdown]
# ## 3. A short optimisation (resumable)

# %%
problem = HayProblem(setup, parallel=Parallel(workers=max(1, args.workers), progress=False))
settings = OptimizerSettings(seed=args.seed, offspring_size=args.offspring, max_generations=args.generations)
result = optimize(problem, settings, args.out / "optimisation")
history = load_generations(args.out / "optimisation")
best = result.parents[list(problem.objective_names)].max(axis=1).min()
print(f"\noptimisation: {len(history)} evaluations in {result.generation} generations; "
      f"best model's worst combined objective {best:.1f} σ (random starts are far off: a real run uses "
      "1000 individuals and hundreds of generations)")

# %% [markdown]
# ## 4. A short exploration from model 0 (resumable)

# %%
walk = WalkSettings(seed=args.seed, n_iterations=args.iterations, save_every=5)
explore(HayInsideTest(setup), setup.space, seed_model, args.out / "exploration", walk)
explored = load_exploration(args.out / "exploration")
inside = explored[explored["inside"]]
worst = inside[list(setup.objective_names)].astype(float).max().max()
print(f"\nexploration: {len(explored) - 1} proposals, {len(inside) - 1} accepted "
      f"(every accepted model is inside: worst objective {worst:.2f} σ)")

# %% [markdown]
# ## 5. Figures

# %%
fig = objectives_boxplot(inside, setup.objective_names, title=f"{len(inside)} models inside (exploration)")
fig.savefig(args.out / "objectives_sigma.png", dpi=110)
fig

# %%
fig = parameter_spread(inside, setup.space, highlight=seed_model)
fig.savefig(args.out / "parameter_spread.png", dpi=110)
fig

# %%
last = inside.iloc[-1]
chosen = {"model 0": traces, f"explored (iteration {int(last['iteration'])})": setup.simulate(last)}
fig = protocol_traces(chosen)
fig.savefig(args.out / "traces.png", dpi=110)
print(f"\nfigures: {', '.join(p.name for p in sorted(args.out.glob('*.png')))} in {args.out}")
fig
