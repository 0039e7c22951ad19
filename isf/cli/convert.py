"""``isf convert IN OUT``: legacy files ⇄ typed JSON/YAML, with a validation report.

Legacy → typed (the output's suffix ``.json``/``.yaml``/``.yml`` picks the format):

* cell ``.param`` → :class:`~isf.model.cell.Cell` (an :class:`~isf.model.experiment.Experiment` with its
  ``sim`` settings when the file's ``cell_modify_functions`` hold stimuli);
* network ``.param`` (needs the cell's morphology: ``--morphology X.hoc`` or ``--cell X.param``) →
  :class:`~isf.model.network.Network`;
* ``.hoc``/``.swc`` → :class:`~isf.model.morphology.Morphology`;
* ``.syn`` → ``SynapseLocations`` (population → section IDs and x), ``.con`` → ``ConnectionTable``
  (population → presynaptic cell and synapse IDs): plain tables in the same envelope as model values
  (:func:`~isf.dsl.serialization.save_envelope`).

Typed → legacy (the output's suffix picks the writer): Cell → cell ``.param`` (with a ``sim`` block
from ``--tstop-ms``), Experiment → cell ``.param`` (stimuli as ``cell_modify_functions``), Network → network ``.param`` plus ``<out>.syn``/``<out>.con`` beside it,
Morphology → ``.hoc``/``.swc``, SynapseLocations → ``.syn``, ConnectionTable → ``.con``.

The report says, key by key, what each legacy file mapped to (``mapped: <key> → <typed value>``),
counts what was converted and reads the output back: a typed file must load to an equal
value; a legacy file is read back and compared (differences are reported, e.g. rounding in ``.hoc``).
An existing output is never overwritten without ``--force``; outputs are written atomically.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from isf.dsl.atomic import atomic_write_text
from isf.dsl.serialization import load, read_envelope, save, save_envelope
from isf.errors import IsfError

TYPED_SUFFIXES = (".json", ".yaml", ".yml")


class ConvertError(IsfError, ValueError):
    """A conversion that cannot be done (unsupported pair of file types, missing option)."""


# ----------------------------------------------------------------------------- legacy tables


def syn_table(path: Path) -> dict[str, Any]:
    """A ``.syn`` file as plain data: the value of a ``SynapseLocations`` envelope."""
    from isf.dsl.syn_file import read_syn_file

    syn = read_syn_file(path)
    pops = {
        name: {"section_id": ids.tolist(), "x": xs.tolist()}
        for name, (ids, xs) in syn.populations.items()
    }
    return {"cell_name": syn.cell_name, "populations": pops}


def con_table(path: Path) -> dict[str, Any]:
    """A ``.con`` file as plain data: the value of a ``ConnectionTable`` envelope."""
    from isf.dsl.con_file import read_con

    syn_name, pops = read_con(path)
    rows = {
        name: {"cell_id": c.cell_id.tolist(), "synapse_id": c.synapse_id.tolist()}
        for name, c in pops.items()
    }
    return {"syn_file": syn_name, "populations": rows}


# ----------------------------------------------------------------------------- mapping reports


def _counted(names: list[str]) -> str:
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(f"{k} ×{v}" for k, v in counts.items())


def cell_mapping(params: Any) -> list[str]:
    """``mapped: …`` lines of a read :class:`~isf.dsl.cell_param.CellParameterFile`."""
    from isf.model.morphology import legacy_label

    cell = params.cell
    lines = [f"mapped: neuron.filename → Morphology ({len(cell.morphology.sections)} sections)"]
    for label, region in cell.regions.items():
        kinds = _counted([type(m.distribution).__name__ for m in region.mechanisms])
        lines.append(f"mapped: neuron.{legacy_label(label)} → Region {label!r} ({len(region.mechanisms)} "
                     f"mechanisms: {kinds or 'none'})")
    for modifier in cell.modifiers:
        lines.append(f"mapped: neuron.cell_modify_functions.{modifier.legacy_name} → {type(modifier).__name__}")
    for stimulus in params.stimuli:
        lines.append(f"mapped: neuron.cell_modify_functions → {type(stimulus).__name__} at "
                     f"{stimulus.site.label} (experiment stimulus)")
    for synaptic in params.synaptic_inputs:
        lines.append(f"mapped: neuron.cell_modify_functions.synaptic_input → SynapticInput "
                     f"({synaptic.network_param})")
    if cell.mechanism_globals:
        lines.append(f"mapped: mech_globals → Cell.mechanism_globals ({', '.join(cell.mechanism_globals)})")
    lines.append(f"mapped: sim → Simulation (tstop {params.simulation.tstop_ms:g} ms, dt {params.simulation.dt_ms:g} ms)")
    if params.recording_sites:
        lines.append(f"mapped: sim.recordingSites → {len(params.recording_sites)} Landmark sites")
    return lines


def network_mapping(params: Any) -> list[str]:
    """``mapped: …`` lines of a read :class:`~isf.dsl.network_param.NetworkParameterFile`."""
    pops = params.network.populations
    lines = [f"mapped: network.<population> → Population ×{len(pops)}"]
    activities = _counted([f"{getattr(c, 'legacy_name', '?')}→{type(c).__name__}"
                           for p in pops for c in p.activity.components])
    lines.append(f"mapped: celltype → {activities or 'no activity'}")
    release = _counted(["dynamic (stochastic TM receptors)" if p.dynamic_release else
                        "every spike" if p.release_probability is None else "Bernoulli probability" for p in pops])
    lines.append(f"mapped: synapses.releaseProb → {release or 'none'}")
    receptors = _counted([r.mechanism + (" (lognormal weights)" if r.weight_distribution else "")
                          for p in pops for r in p.receptors])
    lines.append(f"mapped: synapses.receptors → Receptor: {receptors or 'none'}")
    lines.append(f"mapped: synapses.distributionFile/connectionFile → {params.network.n_synapses} synapses from "
                 f"{len(params.located_files)} files")
    for modifier in params.network.modifiers:
        lines.append(f"mapped: network.*modify_functions.{modifier.legacy_name} → {type(modifier).__name__}")
    return lines


# ----------------------------------------------------------------------------- conversions


def _param_kind(path: Path) -> str:
    from isf.dsl.param_format import read_param

    data = read_param(path)
    if isinstance(data, dict) and "neuron" in data:
        return "cell"
    if isinstance(data, dict) and "network" in data:
        return "network"
    raise ConvertError(
        f"{path}: neither a cell .param (no 'neuron' block) nor a network .param (no 'network' block)"
    )


def _morphology_for(args: argparse.Namespace) -> Any:
    from isf.dsl.cell_param import read_cell_param
    from isf.dsl.hoc import read_hoc
    from isf.dsl.swc import read_swc

    if args.morphology:
        path = Path(args.morphology)
        return (
            read_swc(path) if path.suffix.lower() == ".swc" else read_hoc(path)
        )
    if args.cell:
        return read_cell_param(args.cell, search_roots=args.search).cell.morphology
    raise ConvertError(
        "a network .param needs the cell's morphology: pass --morphology X.hoc or --cell X.param"
    )


def legacy_to_typed(src: Path, dst: Path, args: argparse.Namespace) -> list[str]:
    """Convert a legacy file to a typed one; return the report lines."""
    from isf.dsl.cell_param import read_cell_param
    from isf.dsl.hoc import read_hoc
    from isf.dsl.network_param import read_network_param
    from isf.dsl.swc import read_swc
    from isf.model.summary import cell_text, morphology_text, network_text

    suffix = src.suffix.lower()
    if suffix == ".param":
        kind = _param_kind(src)
        if kind == "cell":
            cell_file = read_cell_param(src, search_roots=args.search)
            value: Any = cell_file.cell
            report = [f"read cell {src}: {cell_text(value)}", *cell_mapping(cell_file)]
            if cell_file.stimuli:
                from isf.model.experiment import Experiment

                value = Experiment(value, cell_file.simulation, stimuli=cell_file.stimuli)
        else:
            network_file = read_network_param(
                src, _morphology_for(args), search_roots=[*args.search, src.parent]
            )
            value = network_file.network
            report = [f"read network {src}: {network_text(value)}", *network_mapping(network_file)]
    elif suffix in (".hoc", ".swc"):
        value = read_swc(src) if suffix == ".swc" else read_hoc(src)
        report = [f"read morphology {src}: {morphology_text(value)}"]
    elif suffix in (".syn", ".con"):
        kind = "SynapseLocations" if suffix == ".syn" else "ConnectionTable"
        table = syn_table(src) if suffix == ".syn" else con_table(src)
        save_envelope(kind, table, dst)
        pops = table["populations"]
        rows = sum(len(next(iter(p.values()))) for p in pops.values())
        back = read_envelope(dst)
        same = "equal" if back == (kind, json.loads(json.dumps(table))) else "DIFFERENT"
        return [
            f"read {src}: {len(pops)} populations, {rows} rows",
            f"wrote {dst} ({kind})",
            f"round trip: reading {dst.name} back gives an {same} table",
        ]
    else:
        raise ConvertError(
            f"{src}: cannot convert {suffix!r} files: allowed are .param, .hoc, .swc, .syn, .con, "
            ".json, .yaml, .yml"
        )
    save(value, dst)
    same = load(dst) == value
    report += [
        f"wrote {dst} ({type(value).__name__})",
        f"round trip: loading {dst.name} gives an {'equal' if same else 'DIFFERENT'} value",
    ]
    if not same:
        raise ConvertError(
            f"round trip of {dst} gives a different value (please report this)"
        )
    return report


def typed_to_legacy(src: Path, dst: Path, args: argparse.Namespace) -> list[str]:
    """Convert a typed file to a legacy one; return the report lines."""
    from isf.dsl.cell_param import CellParameterFile, read_cell_param, write_cell_param
    from isf.dsl.hoc import read_hoc
    from isf.dsl.network_param import read_network_param
    from isf.dsl.swc import read_swc
    from isf.model.codec import TOP_LEVEL
    from isf.model.simulation import Simulation

    kind, table = read_envelope(src)
    suffix = dst.suffix.lower()
    if kind == "SynapseLocations" and suffix == ".syn":
        from isf.dsl.syn_file import read_syn_file, write_syn

        pops = {
            n: (
                np.asarray(p["section_id"], dtype=np.int64),
                np.asarray(p["x"], dtype=float),
            )
            for n, p in table["populations"].items()
        }
        write_syn(dst, pops, table.get("cell_name") or src.stem)
        back_pops = read_syn_file(dst).populations
        same = list(back_pops) == list(pops) and all(
            np.array_equal(back_pops[n][0], pops[n][0])
            and np.array_equal(back_pops[n][1], pops[n][1])
            for n in pops
        )
        return [
            f"wrote {dst}: {len(pops)} populations",
            f"round trip: reading {dst.name} back gives {'equal' if same else 'DIFFERENT'} synapses",
        ]
    if kind == "ConnectionTable" and suffix == ".con":
        from isf.dsl.con_file import read_con, write_con
        from isf.model.synapse import Connectivity

        rows = {
            n: Connectivity(p["cell_id"], p["synapse_id"])
            for n, p in table["populations"].items()
        }
        write_con(dst, rows, table.get("syn_file") or f"{dst.stem}.syn")
        same = read_con(dst)[1] == rows
        return [
            f"wrote {dst}: {len(rows)} populations",
            f"round trip: reading {dst.name} back gives {'equal' if same else 'DIFFERENT'} rows",
        ]
    if kind not in TOP_LEVEL:
        raise ConvertError(f"{src}: unknown type {kind!r}")
    value: Any = load(src)
    if kind == "Cell" and suffix == ".param":
        # ISF keeps the cell's name in the info block
        info = {"name": value.name} if value.name else {}
        params = CellParameterFile(value, Simulation(args.tstop_ms), info=info)
        write_cell_param(params, dst)
        same = read_cell_param(dst, search_roots=args.search).cell == value
        return [
            f"wrote {dst} (cell, sim block: tstop {args.tstop_ms:g} ms)",
            f"round trip: reading {dst.name} back gives {'an equal' if same else 'a DIFFERENT'} cell",
        ]
    if kind == "Experiment" and suffix == ".param":
        params = CellParameterFile(value.cell, value.simulation, info={"name": value.cell.name} if value.cell.name
                                   else {}, stimuli=value.stimuli)
        write_cell_param(params, dst)
        again = read_cell_param(dst, search_roots=args.search)
        same = again.cell == value.cell and again.stimuli == value.stimuli and again.simulation == value.simulation
        return [
            f"wrote {dst} (cell, {len(value.stimuli)} stimuli as cell_modify_functions, sim block)",
            f"round trip: reading {dst.name} back gives {'an equal' if same else 'a DIFFERENT'} experiment",
        ]
    if kind == "Network" and suffix == ".param":
        from isf.dsl.network_param import (
            NetworkParameterFile,
            write_network_embedding,
            write_network_param,
        )

        syn_path, con_path = dst.with_suffix(".syn"), dst.with_suffix(".con")
        for extra in (syn_path, con_path):
            if extra.exists() and not args.force:
                raise ConvertError(
                    f"{extra} exists (written beside the network .param); use --force to replace it"
                )
        syn_files, con_files = write_network_embedding(
            value, syn_path, con_path, dst.stem
        )
        write_network_param(
            NetworkParameterFile(
                value, synapse_files=syn_files, connection_files=con_files
            ),
            dst,
        )
        same_network: bool | None = (
            read_network_param(
                dst, _morphology_for(args), search_roots=[dst.parent]
            ).network
            == value
            if (args.morphology or args.cell)
            else None
        )
        check = (
            "not checked (pass --morphology or --cell to read it back)"
            if same_network is None
            else f"reading {dst.name} back gives {'an equal' if same_network else 'a DIFFERENT'} network"
        )
        return [
            f"wrote {dst}, {syn_path.name}, {con_path.name}",
            f"round trip: {check}",
        ]
    if kind == "Morphology" and suffix in (".hoc", ".swc"):
        from isf.dsl.hoc import format_hoc
        from isf.dsl.swc import format_swc

        atomic_write_text(
            dst, format_hoc(value) if suffix == ".hoc" else format_swc(value)
        )
        back = read_hoc(dst) if suffix == ".hoc" else read_swc(dst)
        return [
            f"wrote {dst}: {len(value.sections)} sections",
            f"round trip: reading {dst.name} back gives {'an equal' if back == value else 'a DIFFERENT'} morphology",
        ]
    raise ConvertError(
        f"no legacy writer for {kind} → {suffix!r}: allowed are Cell → .param, Experiment → .param, "
        "Network → .param, "
        "Morphology → .hoc/.swc, SynapseLocations → .syn, ConnectionTable → .con"
    )


def run(args: argparse.Namespace) -> int:
    """Convert ``args.input`` to ``args.output``, print the report; exit code 0."""
    src, dst = Path(args.input), Path(args.output)
    if not src.is_file():
        raise FileNotFoundError(f"input file not found: {src}")
    if dst.exists() and not args.force:
        raise FileExistsError(f"{dst} exists; use --force to replace it")
    if not dst.parent.is_dir():
        raise FileNotFoundError(f"output folder not found: {dst.parent}")
    if src.suffix.lower() in TYPED_SUFFIXES:
        if dst.suffix.lower() in TYPED_SUFFIXES:
            raise ConvertError(
                "both files are typed JSON/YAML: use isf.load/isf.save to change the format"
            )
        report = typed_to_legacy(src, dst, args)
    else:
        if dst.suffix.lower() not in TYPED_SUFFIXES:
            raise ConvertError(f"{dst}: a legacy file converts to .json, .yaml or .yml")
        report = legacy_to_typed(src, dst, args)
    print("\n".join(report))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``convert`` verb."""
    conv = sub.add_parser(
        "convert",
        help="convert legacy .param/.hoc/.swc/.syn/.con files to typed JSON/YAML and back",
        description="Convert a legacy ISF file to a typed JSON/YAML file (or back), and report what was read "
        "and whether the output reads back to the same value.",
        epilog="examples:\n"
        "  isf convert 86_C2_center.param cell86.json\n"
        "  isf convert network.param network.yaml --morphology 86_C2_center.hoc\n"
        "  isf convert example_embedding_86_C2_center.syn synapses.json\n"
        "  isf convert cell86.json copy.param --tstop-ms 300",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    conv.add_argument(
        "input", help="file to convert (.param, .hoc, .swc, .syn, .con, .json, .yaml)"
    )
    conv.add_argument("output", help="file to write; its suffix picks the format")
    conv.add_argument(
        "--force", action="store_true", help="replace an existing output file"
    )
    conv.add_argument(
        "--morphology", help=".hoc/.swc of the cell (network .param only)"
    )
    conv.add_argument(
        "--cell", help="cell .param whose morphology a network .param refers to"
    )
    conv.add_argument(
        "--search",
        action="append",
        default=[],
        type=os.fspath,
        help=("folder where files named in .param files are looked for, recursively (the best "
              "match of the written path wins; repeatable)"),
    )
    conv.add_argument(
        "--tstop-ms",
        type=float,
        default=250.0,
        help="run length written into the sim block of a cell .param (default 250 ms)",
    )
    conv.set_defaults(func=run)
