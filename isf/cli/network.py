"""``isf network evoked``: the network of a whisker deflection, built from a cell's embedding and the
shipped (or given) ongoing template and evoked PSTH library (LEGACY_FORMATS §4.8)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from isf.model.morphology import Morphology

_TYPED_SUFFIXES = (".json", ".yaml", ".yml")


def evoked(args: argparse.Namespace) -> int:
    """Write the network of ``--whisker``: a legacy ``.param`` (paths of the embedding written absolute), or
    the typed network as ``.json``/``.yaml`` (needs the cell's morphology); exit code 0."""
    from isf.dsl.evoked_network import EmbeddingFiles, evoked_network_param
    from isf.dsl.network_param import network_from_param_dict
    from isf.dsl.param_format import write_param
    from isf.dsl.serialization import save
    from isf.errors import ArgumentValueError, MissingFileError

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".param", *_TYPED_SUFFIXES):
        raise ArgumentValueError(f"--out {out}: unknown output type {suffix or '(no suffix)'!r}: allowed are .param "
                                 "(legacy), .json, .yaml, .yml (typed network)", field="--out", value=str(out),
                                 allowed=".param, .json, .yaml, .yml")
    if not out.parent.is_dir():
        raise MissingFileError(f"output folder not found: {out.parent}", out.parent)
    if args.syn or args.con or args.counts:
        if not (args.syn and args.con and args.counts):
            raise ArgumentValueError("--syn, --con and --counts go together (or give --cell-dir)", field="--syn")
        embedding: EmbeddingFiles | Path = EmbeddingFiles(args.counts, args.syn, args.con)
    elif args.cell_dir:
        embedding = Path(args.cell_dir)
    else:
        raise ArgumentValueError("name the cell's embedding: --cell-dir DIR (NumberOfConnectedCells.csv, .syn, .con) "
                                 "or --counts, --syn and --con", field="--cell-dir")
    params = evoked_network_param(args.whisker, embedding, template=args.template, psth_folder=args.psth_dir,
                                  offset_ms=args.offset, write_all_celltypes=args.all_celltypes)
    if suffix == ".param":
        write_param(params, out)
        print(f"wrote {out}: {len(params['network'])} populations, {args.whisker} deflected")
        return 0
    network = network_from_param_dict(params, _morphology(args)).network
    save(network, out)
    print(f"wrote {out}: {len(network.populations)} populations, {network.n_synapses} synapses, "
          f"{args.whisker} deflected")
    return 0


def _morphology(args: argparse.Namespace) -> Morphology:
    from isf.dsl.cell_param import read_cell_param
    from isf.dsl.hoc import read_hoc
    from isf.dsl.swc import read_swc
    from isf.errors import ArgumentValueError

    if args.morphology:
        path = Path(args.morphology)
        return read_swc(path) if path.suffix.lower() == ".swc" else read_hoc(path)
    if args.cell:
        return read_cell_param(args.cell, search_roots=args.search).cell.morphology
    raise ArgumentValueError("a typed network (.json/.yaml) needs the cell's morphology: pass --morphology X.hoc "
                             "or --cell X.param (or write a .param)", field="--morphology")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``network`` verb."""
    network = sub.add_parser("network", help="build network parameter files (evoked activity of a whisker)",
                             description="Networks of a cell embedded in the barrel cortex (docs/multi_scale.md).")
    verbs = network.add_subparsers(dest="network_command", required=True)
    evoked_ = verbs.add_parser(
        "evoked", help="the network of a whisker deflection",
        description="Build the network of a deflection of one whisker from the cell's embedding and isf's shipped "
                    "ongoing template and evoked PSTH library (ISF's create_evoked_network_parameter). Example: isf "
                    "network evoked --whisker B1 --cell-dir embedding/86_C2_center --out network_B1.param. "
                    "Any whisker of rows A-E, arcs 1-4 and Alpha-Delta; an unknown one is refused with the list.")
    evoked_.add_argument("--whisker", required=True, help="the deflected whisker (C2, B1, …, E2)")
    evoked_.add_argument("--cell-dir", help="folder with the cell's NumberOfConnectedCells.csv, .syn and .con")
    evoked_.add_argument("--counts", help="NumberOfConnectedCells.csv (with --syn and --con, instead of --cell-dir)")
    evoked_.add_argument("--syn", help="the cell's .syn file")
    evoked_.add_argument("--con", help="the cell's .con file")
    evoked_.add_argument("--out", required=True,
                         help="output: .param (legacy network file) or .json/.yaml (typed network)")
    evoked_.add_argument("--template", help="ongoing-activity template .param (default: the shipped one)")
    evoked_.add_argument("--psth-dir", help="folder of evoked PSTH files (default: the shipped library)")
    evoked_.add_argument("--offset", type=float, default=245.0, help="stimulus onset in ms (default 245, as ISF)")
    evoked_.add_argument("--all-celltypes", action="store_true", help="also write populations with 0 connected cells")
    evoked_.add_argument("--morphology", help="the cell's .hoc/.swc (for .json/.yaml output)")
    evoked_.add_argument("--cell", help="the cell's .param (for .json/.yaml output, instead of --morphology)")
    evoked_.add_argument("--search", action="append", default=[],
                         help="folder where files named in --cell are looked for (repeatable)")
    evoked_.set_defaults(func=evoked)
