"""``isf fit`` (multi-objective optimisation) and ``isf explore`` (random walk from a seed model) of Hay et
al. (2011) biophysical models; both resumable."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from isf.backends.parallel import Parallel

_SETUP_HELP = ("--morphology X.hoc with --fixed FIXED.json (ISF's fixed-parameter names: bAP.hay_measure.recSite1, "
               "bAP.hay_measure.recSite2, BAC.stim.dist, BAC.hay_measure.recSite, hot_zone.min_, hot_zone.max_, "
               "optional hot_zone.outsidescale_sections); default: the shipped morphology-89 set-up")


def _setup(args: argparse.Namespace) -> Any:
    from isf.dsl.hoc import read_hoc
    from isf.errors import FittingError
    from isf.fitting.protocols import HayFixedParameters
    from isf.fitting.setup import HaySetup, morphology89_setup

    protocols = tuple(p for p in args.protocols.split(",") if p)
    if args.morphology is None:
        if args.fixed is not None:
            raise FittingError("--fixed needs --morphology")
        return morphology89_setup(protocols, time_limit_s=args.time_limit)
    if args.fixed is None:
        raise FittingError("--morphology needs --fixed FIXED.json with the morphology's fixed parameters")
    try:
        fixed = HayFixedParameters.from_params(json.loads(Path(args.fixed).read_text()))
    except json.JSONDecodeError as exc:
        raise FittingError(f"{args.fixed}: not JSON ({exc})") from None
    return HaySetup(read_hoc(args.morphology), fixed, protocols=protocols, time_limit_s=args.time_limit)


def _common(p: argparse.ArgumentParser) -> None:
    from isf.fitting.protocols import PROTOCOL_NAMES

    p.add_argument("--out", required=True, type=Path, help="run folder (resumed if it holds a checkpoint)")
    p.add_argument("--seed", type=int, required=True, help="random seed (recorded in the checkpoint)")
    p.add_argument("--protocols", default=",".join(PROTOCOL_NAMES),
                   help="comma-separated Hay protocols (default: %(default)s)")
    p.add_argument("--morphology", type=Path, default=None, help="morphology .hoc (see --fixed)")
    p.add_argument("--fixed", type=Path, default=None, help=_SETUP_HELP)
    p.add_argument("--time-limit", type=float, default=None,
                   help="wall-clock limit per protocol run, s (a runaway model scores 250 σ)")
    p.add_argument("--backend", choices=("loky", "dask", "sequential"), default="loky")
    p.add_argument("--workers", type=int, default=2, help="worker processes (loky)")


def _parallel(args: argparse.Namespace, progress: bool) -> Parallel:
    """The fan-out settings of ``--backend`` and ``--workers`` (built before any file is written)."""
    from isf.backends.parallel import Parallel

    return Parallel(backend=args.backend, workers=args.workers, progress=progress)


def run_fit(args: argparse.Namespace) -> int:
    """Run (or resume) the Hay optimisation of ``args``; exit code 0."""
    from isf.fitting.optimize import OptimizerSettings, optimize
    from isf.fitting.problem import HayProblem

    parallel = _parallel(args, progress=False)
    setup = _setup(args)
    problem = HayProblem(setup, parallel=parallel)
    settings = OptimizerSettings(seed=args.seed, offspring_size=args.offspring, max_generations=args.generations,
                                 selector=args.selector)
    result = optimize(problem, settings, args.out)
    parents = result.parents
    best = parents.loc[parents[list(problem.objective_names)].max(axis=1).idxmin()]
    path = args.out / "parents.csv"
    parents.to_csv(path, index=False)
    print(f"generation {result.generation}: best worst-combined objective "
          f"{best[list(problem.objective_names)].max():.2f} σ; parents written to {path}")
    return 0


def run_explore(args: argparse.Namespace) -> int:
    """Run (or resume) the random-walk exploration of ``args``; exit code 0."""
    import pandas as pd

    from isf.errors import FittingError
    from isf.fitting.explore import (
        HayInsideTest,
        WalkSettings,
        explore_particles,
        load_exploration,
    )
    from isf.fitting.setup import DEFAULT_CUTOFFS, example_models

    parallel = _parallel(args, progress=True)
    setup = _setup(args)
    seeds = example_models() if args.seed_models is None else pd.read_csv(args.seed_models, index_col=0)
    if not 0 <= args.row < len(seeds):
        raise FittingError(f"--row {args.row}: the seed table has rows 0 … {len(seeds) - 1}")
    cutoffs = dict(DEFAULT_CUTOFFS)
    for item in args.cutoff:
        name, _, value = item.partition("=")
        if name not in cutoffs or not value:
            raise FittingError(f"--cutoff {item!r}: expected PROTOCOL=SIGMA with PROTOCOL one of {', '.join(cutoffs)}")
        cutoffs[name] = float(value)
    settings = WalkSettings(seed=args.seed, n_iterations=args.iterations, max_step=args.max_step,
                            save_every=args.save_every)
    explore_particles(HayInsideTest(setup, cutoffs), setup.space, seeds.iloc[args.row], args.out, settings,
                      args.particles, parallel=parallel)
    frame = load_exploration(args.out)
    path = args.out / "accepted_models.csv"
    frame[frame["inside"]][["particle_id", "iteration", *setup.space.names]].to_csv(path, index=False)
    print(f"{len(frame)} evaluations, {int(frame['inside'].sum())} inside; accepted models written to {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``fit`` and ``explore`` verbs."""
    fit = sub.add_parser(
        "fit", help="optimise Hay 2011 model parameters with deap (IBEA/NSGA-II; resumable)",
        description="Multi-objective optimisation of the 35 L5tt v2 parameters against the Hay et al. (2011) "
                    "objectives. Every generation is stored in OUT/generation_NNNN.h5 and checkpointed; run the "
                    "same command again (optionally with more --generations) to resume. Example: isf fit --out "
                    "run1 --seed 1 --offspring 100 --generations 20 --workers 2")
    _common(fit)
    fit.add_argument("--offspring", type=int, default=100, help="individuals per generation (ISF: 1000)")
    fit.add_argument("--generations", type=int, default=10, help="last generation")
    fit.add_argument("--selector", choices=("IBEA", "NSGA2"), default="IBEA")
    fit.set_defaults(func=run_fit)
    exp = sub.add_parser(
        "explore", help="random walk from a good model, keeping models inside the cutoffs (resumable)",
        description="Explore the diverse set of good models around a seed model: a random walk in normalised "
                    "parameter space that accepts a step iff every protocol stays within its cutoff (σ). "
                    "Evaluations go to OUT/particle_K/; run the same command again to resume. Example: isf "
                    "explore --out walk1 --seed 1 --iterations 200 --particles 2")
    _common(exp)
    exp.add_argument("--seed-models", type=Path, default=None,
                     help="CSV of models (ISF naming; default: the 5 shipped morphology-89 models)")
    exp.add_argument("--row", type=int, default=0, help="row of the seed model")
    exp.add_argument("--iterations", type=int, default=100, help="iterations per walker")
    exp.add_argument("--particles", type=int, default=1, help="independent walkers")
    exp.add_argument("--max-step", type=float, default=0.02, help="largest step, normalised units")
    exp.add_argument("--save-every", type=int, default=10, help="iterations per saved file")
    exp.add_argument("--cutoff", action="append", default=[], help="PROTOCOL=SIGMA (repeatable)")
    exp.set_defaults(func=run_explore)
