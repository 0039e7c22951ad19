"""Legacy ISF network parameter files (``.param``, LEGACY_FORMATS §4) ⇄ typed :class:`~isf.model.network.Network`.

:func:`read_network_param` turns a file into a :class:`NetworkParameterFile`: the typed
network (every population with its activity, receptors, release probability, anatomical
synapses mapped onto the given morphology from the ``.syn`` file and connectivity from the
``.con`` file), the ``info`` and ``NMODL_mechanisms`` blocks, and the ``.syn``/``.con`` names as
written, so :func:`network_param_dict` / :func:`write_network_param` can write the legacy dict
back (optionally relocating those paths).

Supported, as ISF's simrun reads them (``create_saved_network2``), key by key in
``docs/legacy_files.md``:

* ``celltype`` in all its forms and every point-cell ``distribution`` of §4.4
  (:mod:`isf.dsl.network_activity`);
* ``synapses.releaseProb`` (a probability; ``"dynamic"`` = the receptors' stochastic
  Tsodyks–Markram release, :attr:`~isf.model.network.Population.dynamic_release`; absent = every
  spike releases), ``synapses.receptors`` → :class:`~isf.model.receptor.Receptor` (``weight``
  scalar or list, ``parameter``, ``threshold``, ``delay``, ``weightDistribution: "lognormal"``);
* ``network_modify_functions`` and ``network_param_modify_functions`` → the network's modifiers
  (:mod:`isf.dsl.network_modifiers`);
* ``synapses.distributionFile`` / ``connectionFile``: read once per distinct file; absolute
  paths from other machines are looked up next to the parameter file and in ``search_roots``
  (:func:`~isf.dsl.paths.resolve_legacy_path`). A population absent from the ``.con`` has no
  connections; ``.syn`` types without a population are ignored.

Keys ISF ignores (``start`` without ``noise``, ``convergence``) are ignored with a warning; a
:class:`~isf.errors.LegacyFormatError` names the key path (and, for files, the line) of anything
missing, malformed or unknown, with the allowed names.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Union

import attrs
import numpy as np

from isf.dsl.con_file import read_con, write_con
from isf.dsl.network_activity import POINTCELL_DISTRIBUTIONS, activity_dict, read_activity
from isf.dsl.network_modifiers import MODIFIER_BLOCKS, modifier_blocks, read_modifiers
from isf.dsl.param_format import ParamContext, read_param, write_param
from isf.dsl.param_lines import with_line
from isf.dsl.paths import resolve_legacy_path
from isf.dsl.syn_file import SynPopulations, read_syn, syn_row_line, write_syn
from isf.errors import LegacyFormatError, ModelValueError
from isf.model.morphology import Morphology
from isf.model.network import Network, Population
from isf.model.receptor import Receptor
from isf.model.synapse import Connectivity, Synapses

__all__ = [
    "POINTCELL_DISTRIBUTIONS",
    "SUPPORTED_POINTCELL_DISTRIBUTIONS",
    "NetworkParameterFile",
    "Relocation",
    "network_from_param_dict",
    "network_param_dict",
    "read_network_param",
    "relocate_path",
    "write_network_embedding",
    "write_network_param",
]

#: The point-cell distributions isf models: all of ISF's.
SUPPORTED_POINTCELL_DISTRIBUTIONS: tuple[str, ...] = POINTCELL_DISTRIBUTIONS

#: A path relocation: ``{old_prefix: new_prefix}`` (longest matching prefix wins) or a function.
Relocation = Union[Mapping[str, str], Callable[[str], str]]

_POPULATION_KEYS = ("cellNr", "celltype", "synapses")
_SYNAPSE_KEYS = ("distributionFile", "connectionFile", "releaseProb", "receptors")
_RECEPTOR_KEYS = ("threshold", "delay", "weight", "weightDistribution", "parameter")
_RECEPTOR_FIELDS = {"mechanism": "", "weights_nS": ".weight", "parameters": ".parameter", "delay_ms": ".delay",
                    "threshold": ".threshold", "weight_distribution": ".weightDistribution"}
_POPULATION_FIELDS = {"name": "", "cell_count": ".cellNr", "activity": ".celltype", "receptors": ".synapses.receptors",
                      "synapses": ".synapses.distributionFile", "connectivity": ".synapses.connectionFile",
                      "release_probability": ".synapses.releaseProb", "dynamic_release": ".synapses.releaseProb"}


@attrs.frozen
class NetworkParameterFile:
    """Everything a legacy network parameter file says, as typed values.

    Attributes:
        network: the populations, in file order.
        info: the free-text ``info`` block.
        nmodl_mechanisms: the ``NMODL_mechanisms`` block (isf compiles its own mechanisms).
        synapse_files: population → ``synapses.distributionFile`` as written in the file.
        connection_files: population → ``synapses.connectionFile`` as written in the file.
        located_files: each distinct ``.syn``/``.con`` name as written → the file actually read
            (e.g. ``relocate=parameters.located_files.get`` writes the local paths).
    """

    network: Network
    info: dict[str, Any] = attrs.field(factory=dict)
    nmodl_mechanisms: dict[str, Any] = attrs.field(factory=dict)
    synapse_files: dict[str, str] = attrs.field(factory=dict)
    connection_files: dict[str, str] = attrs.field(factory=dict)
    located_files: dict[str, str] = attrs.field(factory=dict)


class _Files:
    """Reads each distinct ``.syn``/``.con`` once."""

    def __init__(self, ctx: ParamContext, here: Path | None, search_roots: Sequence[str | os.PathLike[str]]) -> None:
        self.ctx = ctx
        self.here = here
        self.search_roots = search_roots
        self.located: dict[str, str] = {}
        self._resolved: dict[str, Path] = {}
        self._syn: dict[Path, SynPopulations] = {}
        self._con: dict[Path, dict[str, Connectivity]] = {}

    def _locate(self, written: str, path: str, what: str) -> Path:
        if written not in self._resolved:
            try:
                found = resolve_legacy_path(written, self.here, self.search_roots, what=what)
            except FileNotFoundError as exc:
                raise self.ctx.error(path, str(exc)) from None
            self.located[written] = str(found)
            self._resolved[written] = found.resolve()
        return self._resolved[written]

    def syn(self, written: str, path: str) -> tuple[Path, SynPopulations]:
        found = self._locate(written, path, "synapse location file")
        if found not in self._syn:
            self._syn[found] = read_syn(found)
        return found, self._syn[found]

    def con(self, written: str, path: str) -> tuple[Path, dict[str, Connectivity]]:
        found = self._locate(written, path, "connectivity file")
        if found not in self._con:
            self._con[found] = read_con(found)[1]
        return found, self._con[found]


def _receptor(ctx: ParamContext, mechanism: str, spec: Mapping[str, Any], path: str) -> Receptor:
    weight = ctx.required(spec, "weight", path, " (nS; a number or a list)")
    if isinstance(weight, (list, tuple)):
        weights: Any = tuple(ctx.number(w, f"{path}.weight[{i}]") for i, w in enumerate(weight))
    else:
        weights = ctx.number(weight, f"{path}.weight")
    threshold = ctx.number(ctx.required(spec, "threshold", path, " (NetCon threshold)"), f"{path}.threshold")
    delay = ctx.number(ctx.required(spec, "delay", path, " (NetCon delay, ms)"), f"{path}.delay")
    params = ctx.mapping(spec.get("parameter", {}), f"{path}.parameter")
    parameters = {k: ctx.number(v, f"{path}.parameter.{k}") for k, v in params.items()}
    distribution = spec.get("weightDistribution")
    if distribution is not None and distribution != "lognormal":
        raise ctx.error(f"{path}.weightDistribution",
                        f"{distribution!r} is not supported (ISF knows only 'lognormal'; omit the key for fixed weights)")
    ctx.warn_ignored(path, [k for k in spec if k not in _RECEPTOR_KEYS])
    try:
        return Receptor(mechanism, weights, parameters, delay, threshold, distribution)
    except ModelValueError as exc:
        raise ctx.error(path + _RECEPTOR_FIELDS.get(exc.field or "", ""), str(exc)) from None


def _population(
    ctx: ParamContext, name: str, spec: Mapping[str, Any], morphology: Morphology, files: _Files
) -> tuple[Population, str, str]:
    path = f"network.{name}"
    spec = ctx.mapping(spec, path)
    cell_count = ctx.count(ctx.required(spec, "cellNr", path, " (number of presynaptic cells)"), f"{path}.cellNr")
    activity, activity_keys = read_activity(ctx, spec, path, name)
    ctx.warn_ignored(path, [k for k in spec if k not in _POPULATION_KEYS and k not in activity_keys])
    syn_spec = ctx.mapping(ctx.required(spec, "synapses", path), f"{path}.synapses")
    ctx.warn_ignored(f"{path}.synapses", [k for k in syn_spec if k not in _SYNAPSE_KEYS])
    release = syn_spec.get("releaseProb")
    dynamic = release == "dynamic"
    if dynamic:
        release = None
    elif release is not None:
        release = ctx.number(release, f"{path}.synapses.releaseProb")
    receptors_spec = ctx.mapping(ctx.required(syn_spec, "receptors", f"{path}.synapses"), f"{path}.synapses.receptors")
    receptors = tuple(
        _receptor(ctx, mech, ctx.mapping(r, f"{path}.synapses.receptors.{mech}"), f"{path}.synapses.receptors.{mech}")
        for mech, r in receptors_spec.items())
    syn_name = ctx.file_name(ctx.required(syn_spec, "distributionFile", f"{path}.synapses", " (the .syn file)"),
                        f"{path}.synapses.distributionFile")
    con_name = ctx.file_name(ctx.required(syn_spec, "connectionFile", f"{path}.synapses", " (the .con file)"),
                        f"{path}.synapses.connectionFile")
    syn_path, syn = files.syn(syn_name, f"{path}.synapses.distributionFile")
    con_path, con = files.con(con_name, f"{path}.synapses.connectionFile")
    synapses = Synapses.empty()
    if name in syn:
        section_ids, x = syn[name]
        n_sections = len(morphology.sections)
        off_cell = np.flatnonzero(section_ids >= n_sections)
        if off_cell.size:
            # checked here rather than left to Synapses.on so that the message points at the .syn line
            row = int(off_cell[0])
            line = syn_row_line(syn_path, name, row)
            raise ctx.error(f"{path}.synapses.distributionFile",
                            f"{syn_path}{'' if line is None else f':{line}'}: synapse {row} of {name} is on "
                            f"section {int(section_ids[row])}, but the cell has sections 0..{n_sections - 1} "
                            f"({off_cell.size} synapses of {name} are off the cell)")
        try:
            synapses = Synapses.on(morphology, section_ids, x)
        except (ValueError, ModelValueError) as exc:
            raise ctx.error(f"{path}.synapses.distributionFile", f"{syn_path}: {exc}") from None
    connectivity = con.get(name, Connectivity.empty())
    try:
        population = Population(name, cell_count, activity, receptors, synapses, connectivity, release, dynamic)
    except ModelValueError as exc:
        where = path + _POPULATION_FIELDS.get(exc.field or "", "")
        detail = f" ({con_path} with {syn_path})" if exc.field == "connectivity" else ""
        raise ctx.error(where, f"{exc}{detail}") from None
    return population, syn_name, con_name


def network_from_param_dict(
    params: Mapping[str, Any],
    morphology: Morphology,
    filename: str | os.PathLike[str] = "<dict>",
    search_roots: Sequence[str | os.PathLike[str]] = (),
) -> NetworkParameterFile:
    """Typed values of a parsed network parameter dict.

    Args:
        params: the parsed file (top level with a ``network`` block, or just the ``network`` block).
        morphology: the postsynaptic cell; ``.syn`` section IDs are its section IDs (hoc order; a
            generated axon appended after the hoc sections does not change them).
        filename: the file it came from (messages; relative and foreign paths are looked up in its folder).
        search_roots: further folders where the ``.syn``/``.con`` files are looked for.

    Raises:
        LegacyFormatError: naming the key path (``network.L5tt_C2.synapses.receptors.glutamate_syn.weight``)
            of anything missing, malformed or unsupported; ``.syn``/``.con`` errors name file and line.
    """
    filename = os.fspath(filename)
    ctx = ParamContext(filename)
    params = ctx.mapping(params, "<top level>")
    network_spec = ctx.mapping(params["network"] if "network" in params else params, "network")
    here = Path(filename).parent if filename != "<dict>" else None
    files = _Files(ctx, here, search_roots)
    populations: list[Population] = []
    syn_files: dict[str, str] = {}
    con_files: dict[str, str] = {}
    modifiers: list[Any] = []
    for name, spec in network_spec.items():
        if name in MODIFIER_BLOCKS:
            modifiers.extend(read_modifiers(ctx, str(name), spec if spec is not None else {}))
            continue
        if not isinstance(name, str):
            raise ctx.error(f"network[{name!r}]", "population names must be strings '<celltype>_<column>'")
        population, syn_files[name], con_files[name] = _population(ctx, name, spec, morphology, files)
        populations.append(population)
    try:
        network = Network(tuple(populations), tuple(modifiers))
    except ModelValueError as exc:
        raise ctx.error("network", str(exc)) from None
    top = params if "network" in params else {}
    return NetworkParameterFile(
        network=network,
        info=copy.deepcopy(dict(ctx.mapping(top.get("info", {}), "info"))),
        nmodl_mechanisms=copy.deepcopy(dict(ctx.mapping(top.get("NMODL_mechanisms", {}), "NMODL_mechanisms"))),
        synapse_files=syn_files,
        connection_files=con_files,
        located_files=dict(files.located),
    )


def read_network_param(
    path: str | os.PathLike[str],
    morphology: Morphology,
    search_roots: Sequence[str | os.PathLike[str]] = (),
) -> NetworkParameterFile:
    """Read a legacy network parameter file for the cell ``morphology``.

    The ``.syn``/``.con`` files it names (often by absolute paths from another machine) are
    looked up as written, then next to the parameter file and in ``search_roots`` (see
    :func:`~isf.dsl.paths.resolve_legacy_path`); each distinct file is read once.
    """
    try:
        return network_from_param_dict(read_param(path), morphology, os.fspath(path), search_roots)
    except LegacyFormatError as exc:
        raise with_line(exc, path) from None


# --------------------------------------------------------------------------
# Writing


def relocate_path(path: str, relocate: Relocation | None) -> str:
    """``path`` rewritten by ``relocate``: a function, or ``{old_prefix: new_prefix}`` where the
    longest prefix that ``path`` starts with is replaced (plain string prefixes; no match = unchanged)."""
    if relocate is None:
        return path
    if callable(relocate) and not isinstance(relocate, Mapping):
        new = relocate(path)
        if not isinstance(new, str):
            raise TypeError(f"relocate({path!r}) returned {new!r}, expected a str")
        return new
    for prefix in sorted(relocate, key=len, reverse=True):
        if path.startswith(prefix):
            return relocate[prefix] + path[len(prefix):]
    return path


def _receptor_dict(receptor: Receptor) -> dict[str, Any]:
    out: dict[str, Any] = {
        "threshold": receptor.threshold,
        "delay": receptor.delay_ms,
        "parameter": dict(receptor.parameters),
        "weight": receptor.weights_nS[0] if len(receptor.weights_nS) == 1 else list(receptor.weights_nS),
    }
    if receptor.weight_distribution is not None:
        out["weightDistribution"] = receptor.weight_distribution
    return out


def network_param_dict(parameters: NetworkParameterFile, relocate: Relocation | None = None) -> dict[str, Any]:
    """The legacy nested dict of ``parameters`` (what ISF's ``build_parameters`` returns).

    Activities are written in the legacy forms (``"spiketrain"`` / ``"pointcell"`` with top-level
    keys, or the ``celltype`` dict in component order); a single receptor weight as a number
    (``gaba_syn``), several as a list (``glutamate_syn``); ``releaseProb`` when set.

    Args:
        parameters: the typed file content; ``synapse_files``/``connection_files`` must name the
            files of every population.
        relocate: rewrites the ``distributionFile``/``connectionFile`` paths (see :func:`relocate_path`),
            e.g. ``{"/gpfs/old/place/": "/data/"}`` or ``parameters.located_files.get``.
    """
    network: dict[str, Any] = {}
    for pop in parameters.network.populations:
        missing = [what for what, files in (("synapse_files", parameters.synapse_files),
                                             ("connection_files", parameters.connection_files))
                   if pop.name not in files]
        if missing:
            raise ValueError(f"population {pop.name}: no file name in {' and '.join(missing)} "
                             "(write the files with write_network_embedding and name them there)")
        synapses: dict[str, Any] = {"receptors": {r.mechanism: _receptor_dict(r) for r in pop.receptors}}
        if pop.dynamic_release:
            synapses["releaseProb"] = "dynamic"
        elif pop.release_probability is not None:
            synapses["releaseProb"] = pop.release_probability
        synapses["distributionFile"] = relocate_path(parameters.synapse_files[pop.name], relocate)
        synapses["connectionFile"] = relocate_path(parameters.connection_files[pop.name], relocate)
        network[pop.name] = {**activity_dict(pop.name, pop.activity), "synapses": synapses,
                             "cellNr": pop.cell_count}
    network.update(modifier_blocks(parameters.network.modifiers))
    return {
        "info": copy.deepcopy(parameters.info),
        "NMODL_mechanisms": copy.deepcopy(parameters.nmodl_mechanisms),
        "network": network,
    }


def write_network_param(
    parameters: NetworkParameterFile, path: str | os.PathLike[str], relocate: Relocation | None = None
) -> None:
    """Write a legacy network parameter file (atomically; see :func:`network_param_dict`)."""
    write_param(network_param_dict(parameters, relocate), path)


def write_network_embedding(
    network: Network, syn_path: str | os.PathLike[str], con_path: str | os.PathLike[str], cell_name: str
) -> tuple[dict[str, str], dict[str, str]]:
    """Write the synapses (``.syn``) and connectivity (``.con``) of every population of ``network``.

    Returns:
        ``(synapse_files, connection_files)`` naming the written files for every population, ready
        for :class:`NetworkParameterFile`.
    """
    write_syn(syn_path, {p.name: (p.synapses.section_id, p.synapses.x) for p in network.populations}, cell_name)
    write_con(con_path, {p.name: p.connectivity for p in network.populations}, Path(syn_path).name)
    names = [p.name for p in network.populations]
    return dict.fromkeys(names, os.fspath(syn_path)), dict.fromkeys(names, os.fspath(con_path))
