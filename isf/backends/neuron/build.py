"""Compile a typed :class:`~isf.model.cell.Cell` into NEURON sections.

The order of operations follows ISF's ``create_cell`` (LEGACY_FORMATS §3.2):
geometry and connections, passive properties, nseg, then per region the
mechanisms (values per segment from their distributions), ion reversal
potentials and spine correction; modifiers act on the diameters, which are
given to NEURON already rescaled while nseg comes from the unscaled cell.
Nothing built here leaves this package: :class:`BuiltCell` is internal.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from neuron import h

from isf.errors import SimulationError
from isf.backends.neuron.mechanisms import load_mechanisms
from isf.model.cell import Cell
from isf.model.distribution import Uniform


class NeuronBuildError(SimulationError):
    """NEURON refused a value of the model (unknown mechanism, parameter or ion)."""


class BuiltCell:
    """NEURON sections of one cell; dropping the object frees them."""

    def __init__(self, cell: Cell, sections: list[Any]) -> None:
        self.cell = cell
        self.sections = sections

    def segment(self, section_id: int, x: float) -> Any:
        """The NEURON segment at ``x`` of a section."""
        return self.sections[section_id](x)


def _set(target: Any, name: str, value: float, where: str) -> None:
    try:
        setattr(target, name, value)
    except (AttributeError, LookupError, ValueError, RuntimeError) as exc:
        raise NeuronBuildError(f"{where}: cannot set {name} = {value!r}: {exc}") from None


def _geometry(cell: Cell) -> list[Any]:
    morph = cell.final_morphology
    sections = []
    for section in morph.sections:
        sec = h.Section(name=section.name)
        pts = section.points
        # One vectorised pt3dadd per section: the per-point call dominates build time.
        h.pt3dadd(h.Vector(pts[:, 0]), h.Vector(pts[:, 1]), h.Vector(pts[:, 2]), h.Vector(section.diameters),
                  sec=sec)
        sections.append(sec)
    for sid, section in enumerate(morph.sections):
        if section.parent is not None:
            sections[sid].connect(sections[section.parent](section.parent_x), 0)
    return sections


def _passive(cell: Cell, sections: list[Any]) -> None:
    for sid, sec in enumerate(sections):
        region = cell.regions.get(cell.morphology.sections[sid].label)
        if region is None:
            continue
        if region.ra_ohm_cm is not None:
            sec.Ra = region.ra_ohm_cm
        if region.cm_uF_per_cm2 is not None:
            sec.cm = region.cm_uF_per_cm2
        for name, value in region.other_properties.items():
            _set(sec, name, value, f"region {cell.morphology.sections[sid].label!r}")


def _mechanisms(cell: Cell, sections: list[Any]) -> None:
    morph = cell.morphology
    for label, region in cell.regions.items():
        ids = morph.ids_with_label(label)
        for mech in region.mechanisms:
            where = f"region {label!r}, mechanism {mech.name!r}"
            for sid in ids:
                try:
                    sections[sid].insert(mech.name)
                except ValueError as exc:
                    raise NeuronBuildError(f"{where}: NEURON does not know this mechanism ({exc})") from None
            if isinstance(mech.distribution, Uniform):
                for param, value in mech.parameters.items():
                    for sid in ids:
                        _set(sections[sid], f"{param}_{mech.name}", value, where)
                continue
            ctx = cell.segment_context(label)
            for param, values in mech.segment_values(ctx).items():
                name = f"{param}_{mech.name}"
                start = 0
                for sid in ids:
                    sec = sections[sid]
                    for seg, value in zip(sec, values[start : start + sec.nseg].tolist()):
                        _set(seg, name, value, where)
                    start += sec.nseg
        for name, value in region.ions.items():
            for sid in ids:
                _set(sections[sid], name, value, f"region {label!r} ions (insert a mechanism that uses this ion)")
        if region.spines is not None:
            _spines(cell, label, sections)


def _spines(cell: Cell, label: str, sections: list[Any]) -> None:
    spines = cell.regions[label].spines
    assert spines is not None
    if "pas" not in {m.name for m in cell.regions[label].mechanisms}:
        raise NeuronBuildError(f"region {label!r}: spine correction needs the 'pas' mechanism")
    for sid in cell.morphology.ids_with_label(label):
        sec = sections[sid]
        area = sum(seg.area() for seg in sec)
        factor = 1.0 + spines.area_um2 * spines.density_per_um * sec.L / area
        sec.cm = sec.cm * factor
        for seg in sec:
            seg.pas.g = seg.pas.g * factor


def build_cell(cell: Cell) -> BuiltCell:
    """NEURON sections for ``cell`` (mechanisms are compiled and loaded if needed)."""
    load_mechanisms()
    sections = _geometry(cell)
    _passive(cell, sections)
    for sec, nseg in zip(sections, cell.nseg):
        sec.nseg = nseg
    _mechanisms(cell, sections)
    for mech, values in cell.mechanism_globals.items():
        for name, value in values.items():
            _set(h, f"{name}_{mech}", value, f"mechanism_globals[{mech!r}]")
    return BuiltCell(cell, sections)


def section_count() -> int:
    """Number of sections currently alive in NEURON (for leak checks)."""
    return int(sum(1 for _ in h.allsec()))


def segment_values(built: BuiltCell, name: str) -> np.ndarray:
    """A range variable (hoc name, e.g. ``gIhbar_Ih``) at every segment centre, section order."""
    return np.array([getattr(seg, name) for sec in built.sections for seg in sec])
