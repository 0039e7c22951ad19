"""Legacy ISF cell parameter files (``.param``, LEGACY_FORMATS §3) ⇄ typed values.

:func:`read_cell_param` turns a file into a :class:`CellParameterFile` — the
typed :class:`~isf.model.cell.Cell`, its run settings, recording sites and the
stimuli of stimulus-type ``cell_modify_functions`` (:mod:`isf.dsl.cell_stimuli`) —
and :func:`cell_param_dict` turns it back into the nested dict ISF reads.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from isf.dsl.cell_stimuli import STIMULUS_FUNCTIONS, read_stimulus, stimulus_functions
from isf.dsl.hoc import read_hoc
from isf.dsl.landmark import landmark_sites
from isf.dsl.param_format import ParamContext, read_param, write_param
from isf.dsl.param_lines import with_line
from isf.dsl.paths import resolve_legacy_path
from isf.dsl.swc import read_swc
from isf.errors import LegacyFormatError, ModelValueError
from isf.model.axon import HAY2013_AXON, with_hay2013_axon
from isf.model.cell import Cell
from isf.model.discretization import Discretization
from isf.model.distribution import (
    DISTRIBUTIONS,
    Distribution,
)
from isf.model.mechanism import Mechanism
from isf.model.modifier import ScaleApical, ScaleApicalMorph86
from isf.model.morphology import LEGACY_TO_LABEL, Morphology, legacy_label
from isf.model.region import Region, Spines
from isf.model.simulation import Simulation
from isf.model.site import Landmark
from isf.model.stimulus import CurrentStep, EPSPCurrent, SynapticInput

#: Legacy distribution keys → field names of each distribution class ('distance' is handled apart).
DISTRIBUTION_KEYS: Mapping[str, Mapping[str, str]] = {
    "uniform": {},
    "uniform_range": {"begin": "begin_um", "end": "end_um", "outsidescale": "outside_scale",
                      "outsidescale_sections": "outside_sections"},
    "linear": {"slope": "slope", "offset": "offset"},
    "linear_capped": {"param_name": "parameter", "prox_value": "proximal_value", "dist_value": "distal_value",
                      "dist_value_distance": "distal_distance"},
    "exponential": {"offset": "offset", "linScale": "lin_scale", "_lambda": "rate", "xOffset": "x_offset"},
    "exponential_by_z_dist": {"offset": "offset", "linScale": "lin_scale", "_lambda": "rate", "xOffset": "x_offset"},
    "capped_exponential": {"offset": "offset", "linScale": "lin_scale", "_lambda": "rate", "xOffset": "x_offset",
                           "max_g": "max_value"},
    "sigmoid": {"offset": "offset", "linScale": "lin_scale", "xOffset": "x_offset", "width": "width"},
}
_OPTIONAL_KEYS = {"outsidescale_sections"}
_NEURON_META_KEYS = ("filename", "cell_modify_functions", "spatialgraph_modify_functions", "discretization")


@attrs.frozen
class CellParameterFile:
    """Everything a legacy cell parameter file says, as typed values.

    Attributes:
        cell: the neuron model (``neuron`` block).
        simulation: run settings (``sim`` block; ``cvode`` is off, as in ISF's simrun).
        recording_sites: landmark recording sites (``sim.recordingSites``), in file order.
        recording_site_files: the landmark files as written in the file.
        info: the free-text ``info`` block.
        nmodl_mechanisms: the ``NMODL_mechanisms`` block (isf compiles its own mechanisms).
        stimuli: current injections of stimulus-type ``cell_modify_functions``, in file order
            (``soma_current_injection``, ``apical_current_injection``, ``apical_epsp_injection``,
            ``BAC_injection``), ready for :class:`~isf.model.experiment.Experiment`.
        synaptic_inputs: ``synaptic_input`` calls, kept as written.
    """

    cell: Cell
    simulation: Simulation
    recording_sites: tuple[Landmark, ...] = ()
    recording_site_files: tuple[str, ...] = ()
    info: dict[str, Any] = attrs.field(factory=dict)
    nmodl_mechanisms: dict[str, Any] = attrs.field(factory=dict)
    stimuli: tuple[CurrentStep | EPSPCurrent, ...] = ()
    synaptic_inputs: tuple[SynapticInput, ...] = ()


#: Every ``cell_modify_functions`` name isf reads.
CELL_MODIFY_FUNCTIONS: tuple[str, ...] = ("scale_apical", "scale_apical_morph_86", *STIMULUS_FUNCTIONS)


def _distribution(ctx: ParamContext, spec: Mapping[str, Any], path: str) -> tuple[Distribution, dict[str, float]]:
    spatial: Any = spec.get("spatial")
    if not isinstance(spatial, str) or spatial not in DISTRIBUTIONS:
        raise ctx.error(f"{path}.spatial", f"{spatial!r} is not a distribution: allowed are {', '.join(DISTRIBUTIONS)}")
    keys = DISTRIBUTION_KEYS[spatial]
    kwargs: dict[str, Any] = {}
    for legacy_key, field in keys.items():
        if legacy_key not in spec:
            if legacy_key in _OPTIONAL_KEYS:
                continue
            raise ctx.error(path, f"distribution {spatial!r} needs key {legacy_key!r} (needs: {', '.join(keys)})")
        value = spec[legacy_key]
        if legacy_key == "outsidescale_sections":
            kwargs[field] = ctx.section_ids(value, f"{path}.{legacy_key}")
        elif legacy_key == "param_name":
            if not isinstance(value, str) or not value.isidentifier():
                raise ctx.error(f"{path}.{legacy_key}", f"expected a RANGE parameter name, found {value!r}")
            kwargs[field] = value
        else:
            kwargs[field] = ctx.number(value, f"{path}.{legacy_key}")
    if spatial not in ("uniform", "uniform_range"):
        if "distance" not in spec:
            raise ctx.error(path, f"distribution {spatial!r} needs key 'distance' ('relative' or 'absolute')")
        kwargs["relative"] = spec["distance"] == "relative"
        if spec["distance"] not in ("relative", "absolute"):
            # ISF treats every spelling but 'relative' as absolute; a typo would silently change units.
            warnings.warn(f"{ctx.filename}: {path}.distance = {spec['distance']!r} is read as 'absolute' "
                          "(as ISF does); write 'relative' or 'absolute'", stacklevel=3)
    try:
        distribution = DISTRIBUTIONS[spatial](**kwargs)
    except ModelValueError as exc:
        raise ctx.error(path, str(exc)) from None
    skip = {"spatial", "distance", *keys}
    params = {k: ctx.number(v, f"{path}.{k}") for k, v in spec.items() if k not in skip}
    return distribution, params


def _region(ctx: ParamContext, block: Mapping[str, Any], path: str) -> Region:
    props = dict(ctx.mapping(block.get("properties", {}), f"{path}.properties"))
    ions = ctx.mapping(props.pop("ions", {}), f"{path}.properties.ions")
    spines_spec = props.pop("spines", None)
    spines = None
    if spines_spec is not None:
        spines_spec = ctx.mapping(spines_spec, f"{path}.properties.spines")
        try:
            spines = Spines(ctx.number(spines_spec.get("density"), f"{path}.properties.spines.density"),
                            ctx.number(spines_spec.get("area"), f"{path}.properties.spines.area"))
        except ModelValueError as exc:
            raise ctx.error(f"{path}.properties.spines", str(exc)) from None
    ra = props.pop("Ra", None)
    cm = props.pop("cm", None)
    mechs_block = ctx.mapping(block.get("mechanisms", {}), f"{path}.mechanisms")
    if mechs_block.get("global"):
        warnings.warn(f"{ctx.filename}: {path}.mechanisms.global is ignored (as by ISF); use mech_globals",
                      stacklevel=4)
    mechanisms = []
    for name, spec in ctx.mapping(mechs_block.get("range", {}), f"{path}.mechanisms.range").items():
        mpath = f"{path}.mechanisms.range.{name}"
        distribution, params = _distribution(ctx, ctx.mapping(spec, mpath), mpath)
        try:
            mechanisms.append(Mechanism(name, params, distribution))
        except ModelValueError as exc:
            raise ctx.error(mpath, str(exc)) from None
    try:
        return Region(
            ra_ohm_cm=None if ra is None else ctx.number(ra, f"{path}.properties.Ra"),
            cm_uF_per_cm2=None if cm is None else ctx.number(cm, f"{path}.properties.cm"),
            ions={k: ctx.number(v, f"{path}.properties.ions.{k}") for k, v in ions.items()},
            mechanisms=tuple(mechanisms),
            other_properties={k: ctx.number(v, f"{path}.properties.{k}") for k, v in props.items()},
            spines=spines,
        )
    except ModelValueError as exc:
        raise ctx.error(path, str(exc)) from None


def _modifiers(ctx: ParamContext, block: Mapping[str, Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Geometry modifiers and stimuli (with synaptic inputs) of ``cell_modify_functions``."""
    out: list[Any] = []
    stimuli: list[Any] = []
    for name, kwargs in block.items():
        path = f"neuron.cell_modify_functions.{name}"
        kwargs = ctx.mapping(kwargs if kwargs is not None else {}, path)
        if name in STIMULUS_FUNCTIONS:
            stimuli.extend(read_stimulus(ctx, name, kwargs, path))
        elif name == "scale_apical":
            given = kwargs.get("compartment", "ApicalDendrite")
            compartment = {"ApicalDendrite": "apic", "Trunk": "trunk"}.get(given) if isinstance(given, str) else None
            if compartment is None:
                raise ctx.error(f"{path}.compartment", f"{kwargs['compartment']!r}: allowed are 'ApicalDendrite', 'Trunk'")
            out.append(ScaleApical(ctx.number(kwargs.get("scale"), f"{path}.scale"), compartment))
        elif name == "scale_apical_morph_86":
            if kwargs:
                raise ctx.error(path, f"takes no arguments, found {', '.join(kwargs)}")
            out.append(ScaleApicalMorph86())
        elif name == "scale_morphology":
            raise ctx.error(path, "ISF's scale_morphology is unfinished (in development, no defined effect) and "
                            "cannot be converted; remove it", value=name, allowed=", ".join(CELL_MODIFY_FUNCTIONS))
        else:
            raise ctx.error(path, f"unknown cell modify function {name!r}: allowed are "
                            f"{', '.join(CELL_MODIFY_FUNCTIONS)}", value=name, allowed=", ".join(CELL_MODIFY_FUNCTIONS))
    return tuple(out), tuple(stimuli)


def _read_morphology(path: Path) -> Morphology:
    return read_swc(path) if path.suffix.lower() == ".swc" else read_hoc(path)


def cell_from_param_dict(
    params: Mapping[str, Any],
    filename: str = "<dict>",
    search_roots: Sequence[str | os.PathLike[str]] = (),
    morphology: Morphology | None = None,
) -> CellParameterFile:
    """Typed values of a parsed cell parameter dict.

    Args:
        params: the parsed file (top level with ``neuron`` and ``sim`` blocks, or just the ``neuron`` block).
        filename: the file it came from (for messages and relative paths).
        search_roots: folders where files named by absolute paths are looked for.
        morphology: use this morphology instead of reading ``neuron.filename``.
    """
    ctx = ParamContext(filename)
    params = ctx.mapping(params, "<top level>")
    neuron = ctx.mapping(params["neuron"] if "neuron" in params else params, "neuron")
    here = Path(filename).parent if filename != "<dict>" else None
    if morphology is None:
        if "filename" not in neuron:
            raise ctx.error("neuron", "missing 'filename' of the morphology")
        try:
            morphology = _read_morphology(
                resolve_legacy_path(str(neuron["filename"]), here, search_roots, what="morphology"))
        except FileNotFoundError as exc:
            raise LegacyFormatError(filename, None, f"neuron.filename: {exc}") from None
    if neuron.get("spatialgraph_modify_functions"):
        raise ctx.error("neuron.spatialgraph_modify_functions", "deprecated in ISF and not supported")
    labels = [k for k in neuron if k not in _NEURON_META_KEYS]
    if "AIS" in labels:
        morphology = with_hay2013_axon(morphology)
    present = set(morphology.labels)
    regions: dict[str, Region] = {}
    for key in labels:
        label = LEGACY_TO_LABEL.get(key)
        if label is None or label not in present:
            have = ", ".join(legacy_label(lab) for lab in dict.fromkeys(morphology.labels))
            raise ctx.error(f"neuron.{key}", f"no section of the cell has this label (the cell has: {have})")
        regions[label] = _region(ctx, ctx.mapping(neuron[key], f"neuron.{key}"), f"neuron.{key}")
    disc = Discretization()
    if "discretization" in neuron:
        d = ctx.mapping(neuron["discretization"], "neuron.discretization")
        if "f" not in d or "max_seg_length" not in d:
            raise ctx.error("neuron.discretization", "needs both keys 'f' and 'max_seg_length'")
        try:
            disc = Discretization(
                frequency_hz=ctx.number(d["f"], "neuron.discretization.f"),
                max_segment_length_um=None if d["max_seg_length"] is None
                else ctx.number(d["max_seg_length"], "neuron.discretization.max_seg_length"),
            )
        except ModelValueError as exc:
            raise ctx.error("neuron.discretization", str(exc)) from None
    globals_ = {
        mech: {k: ctx.number(v, f"mech_globals.{mech}.{k}") for k, v in ctx.mapping(vals, f"mech_globals.{mech}").items()}
        for mech, vals in ctx.mapping(params.get("mech_globals", {}), "mech_globals").items()
    }
    info = dict(ctx.mapping(params.get("info", {}), "info"))
    modifiers, stimuli = _modifiers(
        ctx, ctx.mapping(neuron.get("cell_modify_functions") or {}, "neuron.cell_modify_functions"))
    try:
        cell = Cell(
            morphology=morphology,
            regions=regions,
            discretization=disc,
            modifiers=modifiers,
            mechanism_globals=globals_,
            name=str(info.get("name", "")),
        )
    except ModelValueError as exc:
        raise ctx.error("neuron", str(exc)) from None
    sim = ctx.mapping(params.get("sim", {}), "sim")
    try:
        simulation = Simulation(
            tstop_ms=ctx.number(sim.get("tStop", 250.0), "sim.tStop"),
            dt_ms=ctx.number(sim.get("dt", 0.025), "sim.dt"),
            v_init_mV=ctx.number(sim.get("Vinit", -75.0), "sim.Vinit"),
            celsius_degC=ctx.number(sim.get("T", 34.0), "sim.T"),
            t_start_ms=ctx.number(sim.get("tStart", 0.0), "sim.tStart"),
        )
    except ModelValueError as exc:
        raise ctx.error("sim", str(exc)) from None
    site_files = sim.get("recordingSites", ())
    if not isinstance(site_files, (list, tuple)) or not all(isinstance(f, str) for f in site_files):
        raise ctx.error("sim.recordingSites", f"expected a list of .landmarkAscii file names, found {site_files!r}")
    files = tuple(site_files)
    sites: list[Landmark] = []
    for i, name in enumerate(files):
        try:
            sites.extend(landmark_sites(resolve_legacy_path(name, here, search_roots, what="recording-site file")))
        except FileNotFoundError as exc:
            raise LegacyFormatError(filename, None, f"sim.recordingSites[{i}]: {exc}") from None
    return CellParameterFile(cell, simulation, tuple(sites), files, info,
                             dict(ctx.mapping(params.get("NMODL_mechanisms", {}), "NMODL_mechanisms")),
                             tuple(s for s in stimuli if not isinstance(s, SynapticInput)),
                             tuple(s for s in stimuli if isinstance(s, SynapticInput)))


def read_cell_param(
    path: str | os.PathLike[str], search_roots: Sequence[str | os.PathLike[str]] = ()
) -> CellParameterFile:
    """Read a legacy cell parameter file.

    Files it names by absolute paths from another machine (``neuron.filename``,
    ``sim.recordingSites``) are looked up next to the file and in ``search_roots``.
    """
    try:
        return cell_from_param_dict(read_param(path), str(path), search_roots)
    except LegacyFormatError as exc:
        raise with_line(exc, path) from None


def _distribution_dict(distribution: Distribution) -> dict[str, Any]:
    out: dict[str, Any] = {"spatial": distribution.legacy_name}
    if hasattr(distribution, "relative"):
        out["distance"] = "relative" if distribution.relative else "absolute"
    for legacy_key, field in DISTRIBUTION_KEYS[distribution.legacy_name].items():
        value = getattr(distribution, field)
        if legacy_key == "outsidescale_sections":
            if value:
                out[legacy_key] = list(value)
        else:
            out[legacy_key] = value
    return out


def _region_dict(region: Region) -> dict[str, Any]:
    props: dict[str, Any] = {}
    if region.ra_ohm_cm is not None:
        props["Ra"] = region.ra_ohm_cm
    if region.cm_uF_per_cm2 is not None:
        props["cm"] = region.cm_uF_per_cm2
    props.update(region.other_properties)
    if region.ions:
        props["ions"] = dict(region.ions)
    if region.spines is not None:
        props["spines"] = {"density": region.spines.density_per_um, "area": region.spines.area_um2}
    mechs = {m.name: {**_distribution_dict(m.distribution), **m.parameters} for m in region.mechanisms}
    return {"properties": props, "mechanisms": {"global": {}, "range": mechs}}


def cell_param_dict(parameters: CellParameterFile, morphology_filename: str | None = None) -> dict[str, Any]:
    """The legacy nested dict of ``parameters`` (what ISF's ``build_parameters`` returns).

    Args:
        parameters: the typed file content.
        morphology_filename: value for ``neuron.filename`` (default: the morphology's source).
    """
    cell = parameters.cell
    neuron: dict[str, Any] = {"filename": morphology_filename or cell.morphology.source or ""}
    stimuli = stimulus_functions(parameters.stimuli, parameters.synaptic_inputs)
    if cell.modifiers or stimuli:
        mods: dict[str, Any] = {}
        for mod in cell.modifiers:
            if isinstance(mod, ScaleApical):
                mods["scale_apical"] = {"scale": mod.scale,
                                        "compartment": "Trunk" if mod.compartment == "trunk" else "ApicalDendrite"}
            else:
                if mod != ScaleApicalMorph86():
                    raise ValueError(f"{mod!r} has non-default values that legacy scale_apical_morph_86 cannot express")
                mods["scale_apical_morph_86"] = {}
        mods.update(stimuli)
        neuron["cell_modify_functions"] = mods
    if cell.discretization != Discretization():
        d = cell.discretization
        if d.d_lambda != 0.1 or d.all_points:
            raise ValueError("legacy files express only discretization f and max_seg_length")
        neuron["discretization"] = {"f": d.frequency_hz, "max_seg_length": d.max_segment_length_um}
    generated = {name for name, *_ in HAY2013_AXON}
    if any(s.name in generated and s.label in ("ais", "myelin") for s in cell.morphology.sections) and "ais" not in cell.regions:
        neuron["AIS"] = _region_dict(Region())
    for label, region in cell.regions.items():
        neuron[legacy_label(label)] = _region_dict(region)
    sim = parameters.simulation
    return {
        "info": dict(parameters.info),
        "NMODL_mechanisms": dict(parameters.nmodl_mechanisms),
        "mech_globals": {k: dict(v) for k, v in cell.mechanism_globals.items()},
        "neuron": neuron,
        "sim": {
            "Vinit": sim.v_init_mV,
            "tStart": sim.t_start_ms,
            "tStop": sim.tstop_ms,
            "dt": sim.dt_ms,
            "T": sim.celsius_degC,
            "recordingSites": list(parameters.recording_site_files),
        },
    }


def write_cell_param(parameters: CellParameterFile, path: str | os.PathLike[str],
                     morphology_filename: str | None = None) -> None:
    """Write a legacy cell parameter file (atomically)."""
    write_param(cell_param_dict(parameters, morphology_filename), path)
