"""``isf export nwb|sonata|neuroml|swc``: results and models in the community's formats.

* ``isf export nwb RUN.h5 OUT.nwb [--trials 0-9,12]``: a run store's trials as one NWB file
  (:mod:`isf.store.nwb`), validated with pynwb after writing; ``isf export nwb DB OUT.nwb`` every
  labelled run of a study database (``isf export nwb A.h5 B.h5 OUT.nwb``: several run stores), with
  the runs and condition labels as columns of the trials and units tables.
* ``isf export sonata OUT_DIR --store RUN.h5 --trial I``: the input of one trial of a network run
  (re-drawn from the run's experiment and seed, checked against the stored presynaptic spikes) as
  SONATA nodes, edges and spikes (:mod:`isf.dsl.sonata`); or from legacy files:
  ``--cell X.param --network Y.param --seed S --trial I [--tstop MS]``.
* ``isf export neuroml MORPHOLOGY OUT.nml`` and ``isf export swc MORPHOLOGY OUT.swc``: a morphology
  (``.hoc``, ``.swc``, ``.nml``, a cell ``.param``, or a typed ``.json``/``.yaml`` Morphology or Cell).

Outputs are never overwritten without ``--force`` and are written atomically: a failure leaves
nothing behind.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from isf.errors import ArgumentValueError, FileFormatError, MissingFileError

MORPHOLOGY_SUFFIXES = (".hoc", ".swc", ".nml", ".xml", ".param", ".json", ".yaml", ".yml")


def parse_trials(text: str | None) -> list[int] | None:
    """``"0-3,7"`` → ``[0, 1, 2, 3, 7]`` (``None`` stays ``None``: all trials)."""
    if text is None:
        return None
    out: list[int] = []
    try:
        for part in text.split(","):
            first, _, last = part.strip().partition("-")
            out.extend(range(int(first), int(last or first) + 1))
    except ValueError:
        raise ArgumentValueError(f"--trials {text!r}: expected trial indices like 0-9,12") from None
    return out


def _check_output(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; use --force to replace it")
    if not path.parent.is_dir():
        raise MissingFileError(f"output folder not found: {path.parent}", path.parent)


def read_morphology(path: Path, search: list[str]) -> Any:
    """The morphology in ``path`` (see :data:`MORPHOLOGY_SUFFIXES`)."""
    suffix = path.suffix.lower()
    if suffix not in MORPHOLOGY_SUFFIXES:
        raise FileFormatError(path, None, f"cannot read a morphology from {suffix or 'a file without suffix'}: "
                              f"allowed are {', '.join(MORPHOLOGY_SUFFIXES)}")
    if not path.is_file():
        raise MissingFileError(f"morphology file not found: {path}", path)
    if suffix == ".hoc":
        from isf.dsl.hoc import read_hoc

        return read_hoc(path)
    if suffix == ".swc":
        from isf.dsl.swc import read_swc

        return read_swc(path)
    if suffix in (".nml", ".xml"):
        from isf.dsl.neuroml import read_neuroml

        return read_neuroml(path)
    if suffix == ".param":
        from isf.dsl.cell_param import read_cell_param

        return read_cell_param(path, search_roots=search or [path.parent]).cell.morphology
    from isf.dsl.serialization import load
    from isf.model.cell import Cell
    from isf.model.morphology import Morphology

    value: Any = load(path)
    if isinstance(value, Cell):
        return value.morphology
    if not isinstance(value, Morphology):
        raise FileFormatError(path, None, f"holds a {type(value).__name__}; expected a Morphology or a Cell")
    return value


def _nwb(args: argparse.Namespace) -> list[str]:
    from isf.store.nwb import validate_nwb, write_nwb

    dst = Path(args.output)
    _check_output(dst, args.force)
    sources = [Path(s) for s in args.source]
    source: Any = sources[0]
    if len(sources) > 1 or sources[0].is_dir():
        from isf.store import Database, StudyView

        for path in sources:
            if not path.exists():
                raise MissingFileError(f"no run store or database at {path}", path)
        if len(sources) == 1:
            source = StudyView.of_database(Database(sources[0], create=False))
        elif any(p.is_dir() for p in sources):
            raise ArgumentValueError("give one database folder, or run store files (not both)")
        else:
            source = StudyView.of_stores(sources)
        if not source.runs:
            raise ArgumentValueError(f"{sources[0]}: no labelled runs in the database (label them with "
                                     "isf.backends.study_runs.run_condition or isf db import-simrun)")
    write_nwb(source, dst, trials=parse_trials(args.trials), overwrite=args.force)
    problems = validate_nwb(dst)
    if problems:
        dst.unlink(missing_ok=True)
        raise FileFormatError(dst, None, f"pynwb's validator rejected the file (removed): {problems[0]}")
    return [f"wrote {dst} ({dst.stat().st_size} bytes); pynwb validation: no problems"]


def _input_from_store(store_path: Path, trial: int) -> tuple[Any, Any, float, dict[str, Any]]:
    from isf.model.codec import from_data
    from isf.model.experiment import Experiment
    from isf.model.trial_input import realize_input, trial_rng
    from isf.store import RunStore

    with RunStore.open(store_path, "r") as store:
        if not 0 <= trial < store.n_trials:
            raise ArgumentValueError(f"--trial {trial}: the run has trials 0..{store.n_trials - 1}")
        try:
            experiment = from_data(json.loads(store.experiment_json), Experiment)
        except (ValueError, TypeError) as exc:
            raise FileFormatError(store_path, None, f"the run's experiment cannot be rebuilt ({exc}); use "
                                  "--cell/--network/--seed instead") from None
        if experiment.network is None:
            raise FileFormatError(store_path, None, "the run has no network: nothing to export to SONATA")
        seed = store.run_seed
        stored = store["presynaptic_spikes"]
        stored_times = (np.sort(stored.loc[[trial], "time_ms"].to_numpy(dtype=float))
                        if trial in store.completed_trials() and trial in stored.index else None)
    tstop = experiment.simulation.tstop_ms
    trial_input = realize_input(experiment.network, tstop, trial_rng(seed, trial))
    if stored_times is not None:
        drawn = np.sort(np.concatenate([p.presynaptic_times_ms for p in trial_input.populations]))
        if drawn.shape != stored_times.shape or not np.allclose(drawn, stored_times):
            raise FileFormatError(store_path, None, f"trial {trial}: the re-drawn input differs from the stored "
                                  "presynaptic spikes (run made by another isf version?)")
    facts = {"run_seed": seed, "trial_index": trial, "store": store_path.name}
    return experiment.network, trial_input, tstop, facts


def _input_from_params(args: argparse.Namespace) -> tuple[Any, Any, float, dict[str, Any]]:
    from isf.dsl.cell_param import read_cell_param
    from isf.dsl.network_param import read_network_param
    from isf.model.trial_input import realize_input, trial_rng

    if args.network is None or args.seed is None:
        raise ArgumentValueError("with --cell, give --network and --seed too (or use --store RUN.h5)")
    params = read_cell_param(args.cell, search_roots=args.search)
    network = read_network_param(args.network, params.cell.morphology, search_roots=args.search).network
    tstop = args.tstop if args.tstop is not None else params.simulation.tstop_ms
    facts = {"run_seed": args.seed, "trial_index": args.trial, "cell_param": Path(args.cell).name,
             "network_param": Path(args.network).name}
    return network, realize_input(network, tstop, trial_rng(args.seed, args.trial)), tstop, facts


def _sonata(args: argparse.Namespace) -> list[str]:
    from isf.dsl.sonata import write_sonata

    dst = Path(args.output)
    _check_output(dst, args.force)
    if (args.store is None) == (args.cell is None):
        raise ArgumentValueError("give either --store RUN.h5 or --cell X.param --network Y.param --seed S")
    if args.trial < 0:
        raise ArgumentValueError(f"--trial {args.trial}: a trial index is >= 0")
    if args.store is not None:
        network, trial_input, tstop, facts = _input_from_store(Path(args.store), args.trial)
    else:
        network, trial_input, tstop, facts = _input_from_params(args)
    write_sonata(dst, network, trial_input, cell_name=args.cell_name, tstop_ms=tstop, provenance=facts,
                 overwrite=args.force)
    n_spikes = sum(int(p.presynaptic_counts.sum()) for p in trial_input.populations)
    n_edges = sum(len(p.connectivity) for p in network.populations)
    return [f"wrote {dst}: {len(network.populations)} presynaptic populations, {n_edges} edges, "
            f"{n_spikes} presynaptic spikes, {trial_input.n_active_synapses} active synapses"]


def _morphology(args: argparse.Namespace) -> list[str]:
    dst = Path(args.output)
    _check_output(dst, args.force)
    morphology = read_morphology(Path(args.input), args.search)
    if args.format == "neuroml":
        from isf.dsl.neuroml import read_neuroml, write_neuroml

        write_neuroml(morphology, dst, cell_id=args.cell_id)
        same = read_neuroml(dst) == morphology
    else:
        from isf.dsl.swc import read_swc, write_swc

        write_swc(morphology, dst, generated_axon_as_axon=args.generated_axon_as_axon)
        back = read_swc(dst)
        if back != morphology:  # SWC has no section names and splits sections at branch points only
            return [f"wrote {dst}: {len(morphology)} sections",
                    f"round trip: reading {dst.name} back gives {len(back)} sections, "
                    f"{float(np.sum(back.lengths)):.1f} µm of {float(np.sum(morphology.lengths)):.1f} µm "
                    "(SWC keeps points and tree, not section names)"]
        same = True
    return [f"wrote {dst}: {len(morphology)} sections",
            f"round trip: reading {dst.name} back gives {'an equal' if same else 'a DIFFERENT'} morphology"]


def run(args: argparse.Namespace) -> int:
    """Export as ``args.format`` asks; print the report; exit code 0."""
    report = {"nwb": _nwb, "sonata": _sonata, "neuroml": _morphology, "swc": _morphology}[args.format](args)
    print("\n".join(report))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export`` verb and its formats."""
    export = sub.add_parser(
        "export", help="export runs and models to NWB, SONATA, NeuroML2 or SWC",
        description="Write isf results and models in the community's formats. Outputs are written "
                    "atomically and never overwritten without --force.")
    formats = export.add_subparsers(dest="format", required=True)
    nwb = formats.add_parser("nwb", help="a run's or a whole study's trials as one NWB file (validated with pynwb)",
                             description="Examples: isf export nwb run.h5 run.nwb --trials 0-9; isf export nwb "
                                         "study_db study.nwb (every labelled run of a study database, conditions "
                                         "as columns of the trials table); isf export nwb a.h5 b.h5 ab.nwb")
    nwb.add_argument("source", nargs="+", help="a run store (.h5), a study database folder, or several run stores")
    nwb.add_argument("output", help="NWB file to write (.nwb)")
    nwb.add_argument("--trials", default=None,
                     help="trial indices, e.g. 0-9,12 (default: all stored); of a study: study_trial positions")
    sonata = formats.add_parser(
        "sonata", help="one network trial's input as SONATA nodes, edges and spikes",
        description="Examples: isf export sonata trial3 --store run.h5 --trial 3; isf export sonata trial0 "
                    "--cell 86_C2_center.param --network network.param --seed 1 --trial 0")
    sonata.add_argument("output", help="folder to create")
    sonata.add_argument("--trial", type=int, required=True, help="trial index")
    sonata.add_argument("--store", default=None, help="run store of a network run (its experiment and seed)")
    sonata.add_argument("--cell", default=None, help="legacy cell .param (instead of --store)")
    sonata.add_argument("--network", default=None, help="legacy network .param (with --cell)")
    sonata.add_argument("--seed", type=int, default=None, help="run seed (with --cell)")
    sonata.add_argument("--tstop", type=float, default=None,
                        help="run length, ms (with --cell; default: the cell file's)")
    sonata.add_argument("--cell-name", default="cell", help="node population of the cell (default: cell)")
    for name, text in (("neuroml", "a morphology as NeuroML2"), ("swc", "a morphology as SWC")):
        parser = formats.add_parser(name, help=text,
                                    description=f"Example: isf export {name} 86_C2_center.hoc cell86."
                                                f"{'nml' if name == 'neuroml' else 'swc'}")
        parser.add_argument("input", help="morphology: " + ", ".join(MORPHOLOGY_SUFFIXES))
        parser.add_argument("output", help="file to write")
        if name == "neuroml":
            parser.add_argument("--cell-id", default="cell", help="id of the NeuroML <cell> (default: cell)")
        else:
            parser.add_argument("--generated-axon-as-axon", action="store_true",
                                help="write ais/myelin/node sections as axon (SWC types have no such labels)")
    for parser in (nwb, sonata, *(formats.choices[n] for n in ("neuroml", "swc"))):
        parser.add_argument("--force", action="store_true", help="replace an existing output")
        parser.add_argument("--search", action="append", default=[],
                            help=("folder where files named in .param files are looked for, recursively (the best "
                                  "match of the written path wins; repeatable)"))
        parser.set_defaults(func=run)
