"""``isf trials``: stochastic network trials into an HDF5 store (resumable; watch it with ``isf inspect``
while it runs, restore a killed run's trials with ``isf store recover`` or by running it again)."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    """Run (or resume) the trials of ``args`` into the store; exit code 0."""
    from isf.backends.parallel import Parallel
    from isf.backends.runner import run_trials, run_trials_mpi
    from isf.dsl.cell_param import read_cell_param
    from isf.dsl.network_param import read_network_param
    from isf.errors import ArgumentValueError
    from isf.model.experiment import Experiment
    from isf.model.recording import Recording
    from isf.model.simulation import Simulation
    from isf.model.site import Soma

    # Built first: a bad --workers or --backend fails before any file is read or written.
    mpi = args.backend == "mpi"
    parallel = Parallel(workers=args.workers) if mpi else Parallel(backend=args.backend, workers=args.workers)
    if args.trial_timeout is not None and not args.trial_timeout > 0:
        raise ArgumentValueError(f"--trial-timeout {args.trial_timeout:g}: allowed is a number of seconds > 0",
                                 field="trial_timeout_s", value=args.trial_timeout, allowed="> 0")
    params = read_cell_param(args.cell, search_roots=args.search)
    network = read_network_param(args.network, params.cell.morphology, search_roots=args.search).network
    sim = params.simulation
    experiment = Experiment(
        params.cell,
        Simulation(args.tstop if args.tstop is not None else sim.tstop_ms, dt_ms=sim.dt_ms,
                   v_init_mV=sim.v_init_mV, celsius_degC=sim.celsius_degC),
        recordings=[Recording(Soma()), *(Recording(s, name=s.legacy_label(params.cell))
                                         for s in params.recording_sites)],
        network=network,
    )
    if mpi:
        path = run_trials_mpi(experiment, args.trials, args.out, run_seed=args.seed, parallel=parallel,
                              trial_timeout_s=args.trial_timeout)
    else:
        path = run_trials(experiment, args.trials, args.out, run_seed=args.seed, parallel=parallel,
                          trial_timeout_s=args.trial_timeout)
    if path is not None:
        print(f"wrote {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``trials`` verb."""
    trials = sub.add_parser(
        "trials", help="run stochastic network trials into an HDF5 store (resumable)",
        description="Run N trials of a cell embedded in a network into one HDF5 file. Re-running the same "
                    "command resumes an interrupted run (every trial completed before a crash or kill is kept); "
                    "isf inspect OUT shows the progress of a running run. Example: isf trials --cell 86_C2_center.param "
                    "--network network.param --search shared/data/isf --trials 100 --seed 1 --out run.h5; "
                    "under MPI: mpiexec -n 4 python -m isf trials ... --backend mpi")
    trials.add_argument("--cell", required=True, help="legacy cell .param")
    trials.add_argument("--network", required=True, help="legacy network .param")
    trials.add_argument("--search", action="append", default=[],
                        help=("folder where files named in the .param files are looked for, recursively "
                              "(the best match of the written path wins; repeatable)"))
    trials.add_argument("--trials", type=int, required=True, help="number of trials")
    trials.add_argument("--seed", type=int, required=True, help="run seed")
    trials.add_argument("--out", required=True, help="HDF5 store (resumed if it exists)")
    trials.add_argument("--tstop", type=float, default=None, help="run length in ms (default: the cell file's)")
    trials.add_argument("--backend", choices=("loky", "dask", "sequential", "mpi"), default="loky")
    trials.add_argument("--workers", type=int, default=2, help="worker processes (loky)")
    trials.add_argument("--trial-timeout", type=float, default=None, metavar="SECONDS",
                        help=("wall-clock limit of one trial: a runaway trial is stopped, recorded as failed with "
                              "its reason (see isf inspect) and the run goes on"))
    trials.set_defaults(func=run)
