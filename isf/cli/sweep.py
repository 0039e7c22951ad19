"""``isf sweep``: one cell under a list of conditions × N trials into one study database (or a folder of
stores), resumable, with one progress bar over all trials. Conditions are deflected whiskers (their
evoked networks built from the cell's embedding) or network files given by label."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def _experiment(args: argparse.Namespace) -> tuple[Any, Any]:
    """The base experiment (cell, simulation, soma recording; no network yet) and the cell's parameters."""
    from isf.data import cell86
    from isf.dsl.cell_param import read_cell_param
    from isf.model.experiment import Experiment
    from isf.model.recording import Recording
    from isf.model.simulation import Simulation
    from isf.model.site import Soma

    params = read_cell_param(args.cell or cell86("86_C2_center.param"), search_roots=args.search)
    sim = params.simulation
    simulation = Simulation(args.tstop if args.tstop is not None else sim.tstop_ms, dt_ms=sim.dt_ms,
                            v_init_mV=sim.v_init_mV, celsius_degC=sim.celsius_degC)
    return Experiment(params.cell, simulation, recordings=[Recording(Soma())]), params


def _runs(args: argparse.Namespace, experiment: Any) -> list[tuple[dict[str, str], Any]]:
    import attrs

    from isf.backends.study_runs import whisker_sweep
    from isf.data import network_c2
    from isf.dsl.network_param import read_network_param
    from isf.errors import ArgumentValueError

    if bool(args.whiskers) == bool(args.networks):
        raise ArgumentValueError("give the conditions: --whiskers W [W …] or --networks LABEL=FILE [LABEL=FILE …]",
                                 field="--whiskers")
    if args.whiskers:
        return whisker_sweep(experiment, args.whiskers, args.cell_dir or network_c2(), name=args.name or "whisker")
    runs = []
    for item in args.networks:
        label, sep, file = item.partition("=")
        if not sep or not label or not file:
            raise ArgumentValueError(f"--networks {item!r}: expected LABEL=FILE.param", field="--networks",
                                     value=item, allowed="LABEL=FILE")
        network = read_network_param(file, experiment.cell.morphology, search_roots=args.search).network
        runs.append(({args.name or "network": label}, attrs.evolve(experiment, network=network)))
    return runs


def run(args: argparse.Namespace) -> int:
    """Run (or resume) the sweep of ``args``; exit code 0."""
    from isf.backends.parallel import Parallel
    from isf.backends.study_runs import run_study
    from isf.errors import ArgumentValueError
    from isf.store import Database

    # Built first: a bad --workers or --backend fails before any file is read or written.
    mpi = args.backend == "mpi"
    parallel = Parallel(workers=args.workers) if mpi else Parallel(backend=args.backend, workers=args.workers)
    if (args.db is None) == (args.stores is None):
        raise ArgumentValueError("say where the runs go: --db DATABASE or --stores FOLDER", field="--db")
    experiment, _ = _experiment(args)
    runs = _runs(args, experiment)
    target = Database(args.db) if args.db is not None else Path(args.stores)
    paths = run_study(target, runs, args.trials, run_seed=args.seed, parallel=parallel, mpi=mpi)
    if not mpi or _rank() == 0:
        for (labels, _), path in zip(runs, paths):
            where = "/".join(("runs", *map(str, labels.values()))) if args.db is not None else path
            print(f"{', '.join(f'{k}={v}' for k, v in labels.items())}: {where}")
        if args.db is not None:
            print(f"summary: isf study summary {args.db}")
    return 0


def _rank() -> int:
    from mpi4py import MPI

    return int(MPI.COMM_WORLD.Get_rank())


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` verb."""
    sweep = sub.add_parser(
        "sweep", help="run one cell under a list of conditions x N trials into a study database (resumable)",
        description="Run N trials of one cell for each condition — a deflected whisker (its evoked network built "
                    "from the cell's embedding and isf's shipped templates) or a network file under a label — into "
                    "one study database (--db) or a folder of store files (--stores). Re-running the same command "
                    "resumes. Example: isf sweep --whiskers B1 C2 D2 --trials 20 --seed 1 --db whisker_study "
                    "(cell 86 and its shipped embedding by default); then: isf study summary whisker_study. "
                    "Under MPI: mpiexec -n 4 python -m isf sweep ... --backend mpi. See docs/multi_scale.md.")
    sweep.add_argument("--whiskers", nargs="+", help="the deflected whiskers, one condition each (C2, B1, …, E2)")
    sweep.add_argument("--networks", nargs="+", metavar="LABEL=FILE",
                       help="network .param files, one condition each, labelled (instead of --whiskers)")
    sweep.add_argument("--name", help="the condition's name (default: whisker, or network with --networks)")
    sweep.add_argument("--cell", help="legacy cell .param (default: the shipped cell 86)")
    sweep.add_argument("--cell-dir", help="the cell's embedding: NumberOfConnectedCells.csv, .syn, .con "
                                          "(default: the shipped embedding of cell 86)")
    sweep.add_argument("--search", action="append", default=[],
                       help="folder where files named in the .param files are looked for (repeatable)")
    sweep.add_argument("--trials", type=int, required=True, help="trials per condition")
    sweep.add_argument("--seed", type=int, required=True, help="the study's seed (each condition's is derived)")
    sweep.add_argument("--db", help="study database folder (runs under runs/<label>)")
    sweep.add_argument("--stores", help="folder of store files <label>.h5 (instead of --db)")
    sweep.add_argument("--tstop", type=float, default=None, help="trial length in ms (default: the cell file's)")
    sweep.add_argument("--backend", choices=("loky", "dask", "sequential", "mpi"), default="loky")
    sweep.add_argument("--workers", type=int, default=2, help="worker processes (loky)")
    sweep.set_defaults(func=run)
