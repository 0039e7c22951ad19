"""Fluent construction of cells: every call returns a new builder, ``build()`` returns the :class:`Cell`.

Example (µm, Ω·cm, µF/cm², S/cm², mV)::

    cell = (
        CellBuilder.from_hoc("86_C2_center.hoc")
        .with_hay2013_axon()
        .properties("soma", ra_ohm_cm=100, cm_uF_per_cm2=1, ions={"ek": -85, "ena": 50})
        .insert("soma", "pas", g=3.26e-5, e=-90)
        .insert("apic", "Ih", Exponential(-0.8696, 2.087, 3.6161, 0.0, relative=True), gIhbar=2e-4)
        .modify(ScaleApicalMorph86())
        .build()
    )
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import attrs

from isf.dsl.hoc import read_hoc
from isf.dsl.swc import read_swc
from isf.errors import ModelTypeError
from isf.model.axon import with_hay2013_axon
from isf.model.cell import Cell
from isf.model.discretization import Discretization
from isf.model.distribution import Distribution, Uniform
from isf.model.mechanism import Mechanism
from isf.model.modifier import Modifier
from isf.model.morphology import Morphology, canonical_label
from isf.model.region import Region, Spines


@attrs.frozen
class CellBuilder:
    """An immutable, chainable description of a cell under construction."""

    morphology: Morphology
    regions: dict[str, Region] = attrs.field(factory=dict)
    discretization: Discretization = attrs.field(factory=Discretization)
    modifiers: tuple[Modifier, ...] = ()
    mechanism_globals: dict[str, dict[str, float]] = attrs.field(factory=dict)
    name: str = ""

    @classmethod
    def from_hoc(cls, path: str | os.PathLike[str]) -> CellBuilder:
        """Start from an ISF-style ``.hoc`` morphology."""
        return cls(read_hoc(path))

    @classmethod
    def from_swc(cls, path: str | os.PathLike[str]) -> CellBuilder:
        """Start from an ``.swc`` morphology."""
        return cls(read_swc(path))

    def with_hay2013_axon(self) -> CellBuilder:
        """Append ISF's generated axon (hillock and initial segment ``ais``, then ``myelin``)."""
        return attrs.evolve(self, morphology=with_hay2013_axon(self.morphology))

    def _region(self, label: str) -> tuple[str, Region]:
        key = canonical_label(label)
        return key, self.regions.get(key, Region())

    def _with_region(self, key: str, region: Region) -> CellBuilder:
        return attrs.evolve(self, regions={**self.regions, key: region})

    def properties(
        self,
        label: str,
        *,
        ra_ohm_cm: float | None = None,
        cm_uF_per_cm2: float | None = None,
        ions: Mapping[str, float] | None = None,
        **other: float,
    ) -> CellBuilder:
        """Set passive properties of a region (Ra Ω·cm, cm µF/cm², ion variables in mV, other
        section variables verbatim). Unset arguments keep their current value."""
        key, region = self._region(label)
        changes: dict[str, Any] = {}
        if ra_ohm_cm is not None:
            changes["ra_ohm_cm"] = ra_ohm_cm
        if cm_uF_per_cm2 is not None:
            changes["cm_uF_per_cm2"] = cm_uF_per_cm2
        if ions is not None:
            changes["ions"] = {**region.ions, **ions}
        if other:
            changes["other_properties"] = {**region.other_properties, **other}
        return self._with_region(key, attrs.evolve(region, **changes))

    def insert(self, label: str, mechanism: str | Mechanism, distribution: Distribution | None = None,
               **parameters: float) -> CellBuilder:
        """Insert a density mechanism in a region: by name with its RANGE parameters
        (``insert("soma", "NaTa_t", gNaTa_tbar=2.43)``) or as a :class:`Mechanism` value.
        Inserting a name again replaces it in place."""
        key, region = self._region(label)
        if isinstance(mechanism, Mechanism):
            if parameters or distribution is not None:
                raise ModelTypeError("insert(): pass either a Mechanism or a name with parameters, not both")
            mech = mechanism
        else:
            mech = Mechanism(mechanism, parameters, distribution if distribution is not None else Uniform())
        return self._with_region(key, region.with_mechanism(mech))

    def spines(self, label: str, density_per_um: float, area_um2: float) -> CellBuilder:
        """Fold spine membrane into ``cm`` and ``g_pas`` of a region (needs ``pas``)."""
        key, region = self._region(label)
        return self._with_region(key, attrs.evolve(region, spines=Spines(density_per_um, area_um2)))

    def discretize(self, **rule: Any) -> CellBuilder:
        """Change the nseg rule (fields of :class:`Discretization`)."""
        return attrs.evolve(self, discretization=attrs.evolve(self.discretization, **rule))

    def modify(self, modifier: Modifier) -> CellBuilder:
        """Append a geometry modifier (applied after discretisation)."""
        return attrs.evolve(self, modifiers=(*self.modifiers, modifier))

    def globals(self, mechanism: str, **values: float) -> CellBuilder:
        """Set NMODL GLOBAL values of a mechanism (``globals("Ih", ehcn=-45)``)."""
        merged = {**self.mechanism_globals.get(mechanism, {}), **{k: float(v) for k, v in values.items()}}
        return attrs.evolve(self, mechanism_globals={**self.mechanism_globals, mechanism: merged})

    def named(self, name: str) -> CellBuilder:
        """Give the cell a name."""
        return attrs.evolve(self, name=name)

    def build(self) -> Cell:
        """The validated :class:`Cell`."""
        return Cell(
            morphology=self.morphology,
            regions=dict(self.regions),
            discretization=self.discretization,
            modifiers=self.modifiers,
            mechanism_globals=dict(self.mechanism_globals),
            name=self.name,
        )
