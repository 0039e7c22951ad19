"""A neuron: morphology, per-region properties, discretisation and modifiers."""

from __future__ import annotations

import functools
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.discretization import NEURON_DEFAULT_CM, NEURON_DEFAULT_RA, Discretization, isf_nseg
from isf.model.distribution import SegmentContext
from isf.model.mechanism import Mechanism
from isf.model.modifier import MODIFIERS, Modifier
from isf.model.morphology import LEGACY_TO_LABEL, Morphology, canonical_label
from isf.model.region import Region
from isf.model.soma_distance import SomaDistances
from isf.model.summary import cell_html, cell_text
from isf.model.validation import fail, finite


def _canonical_regions(value: Any) -> Any:
    if isinstance(value, dict):
        return {LEGACY_TO_LABEL.get(k, k): v for k, v in value.items()}
    return value


def _check_regions(instance: Cell, attribute: attrs.Attribute[Any], value: dict[str, Region]) -> None:
    if not isinstance(value, dict):
        fail(instance, attribute, value, "a dict of label → Region")
    present = set(instance.morphology.labels)
    for label, region in value.items():
        if label not in present:
            fail(instance, attribute, label,
                 "labels present in the morphology: " + ", ".join(sorted(present)))
        if not isinstance(region, Region):
            fail(instance, attribute, region, f"a Region for label {label!r}")


def _check_modifiers(instance: Cell, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
    for item in value:
        if not isinstance(item, tuple(MODIFIERS.values())):
            fail(instance, attribute, item, "one of " + ", ".join(c.__name__ for c in MODIFIERS.values()))


def _check_globals(instance: Cell, attribute: attrs.Attribute[Any], value: dict[str, dict[str, float]]) -> None:
    for mech, params in value.items():
        for name, number in params.items():
            finite(instance, attribute, number)


@attrs.frozen
class Cell:
    """A biophysically detailed neuron model.

    Attributes:
        morphology: the sections (incl. a generated axon, if any).
        regions: canonical label (``soma``, ``dend``, ``apic``, ``ais``, ``myelin`` …) → Region;
            labels without a region keep NEURON defaults and no mechanisms.
            Mechanisms are inserted region by region in this order.
        discretization: the nseg rule.
        modifiers: geometry changes applied after discretisation, in order.
        mechanism_globals: NMODL GLOBAL values, mechanism → {name: value}
            (e.g. ``{"Ih": {"ehcn": -45.0}}`` sets hoc ``ehcn_Ih``).
        name: a free-text name.
    """

    morphology: Morphology
    regions: dict[str, Region] = attrs.field(factory=dict, converter=_canonical_regions, validator=_check_regions)
    discretization: Discretization = attrs.field(factory=Discretization)
    modifiers: tuple[Modifier, ...] = attrs.field(default=(), converter=tuple[Modifier, ...],
                                                  validator=_check_modifiers)
    mechanism_globals: dict[str, dict[str, float]] = attrs.field(factory=dict, validator=_check_globals)
    name: str = ""

    def region(self, label: str) -> Region:
        """The region of ``label`` (empty Region if none was set)."""
        return self.regions.get(canonical_label(label), Region())

    def passive(self, section_id: int) -> tuple[float, float]:
        """(Ra Ω·cm, cm µF/cm²) of a section at discretisation time (NEURON defaults if unset)."""
        region = self.regions.get(self.morphology.sections[section_id].label)
        ra = region.ra_ohm_cm if region and region.ra_ohm_cm is not None else NEURON_DEFAULT_RA
        cm = region.cm_uF_per_cm2 if region and region.cm_uF_per_cm2 is not None else NEURON_DEFAULT_CM
        return ra, cm

    @functools.cached_property
    def nseg(self) -> tuple[int, ...]:
        """Number of segments of every section (ISF rule on the unmodified morphology)."""
        out = []
        for sid, section in enumerate(self.morphology.sections):
            if section.nseg is not None:
                out.append(section.nseg)
                continue
            ra, cm = self.passive(sid)
            out.append(isf_nseg(section.length, section.mid_diameter, ra, cm, self.discretization, section.n_points))
        return tuple(out)

    @functools.cached_property
    def distances(self) -> SomaDistances:
        """Soma-distance calculator of the discretised cell."""
        return SomaDistances(self.morphology, self.nseg)

    @functools.cached_property
    def final_morphology(self) -> Morphology:
        """The morphology after all modifiers (diameters rescaled; nseg unchanged)."""
        morph = self.morphology
        for modifier in self.modifiers:
            morph = morph.with_diameters(modifier.diameters(SomaDistances(morph, self.nseg)))
        return morph

    def segment_context(self, label: str) -> SegmentContext:
        """The segments of region ``label`` with their distances."""
        return SegmentContext(self.distances, canonical_label(label))

    def mechanism_values(self, label: str, mechanism: Mechanism | str) -> dict[str, NDArray[np.float64]]:
        """Per-segment values of a mechanism's parameters in region ``label``
        (segments ordered as :meth:`segment_context`)."""
        region = self.region(label)
        mech = region.mechanism(mechanism) if isinstance(mechanism, str) else mechanism
        return mech.segment_values(self.segment_context(label))

    @property
    def n_segments(self) -> int:
        """Total number of segments."""
        return int(sum(self.nseg))

    def __repr__(self) -> str:
        return cell_text(self)

    def _repr_html_(self) -> str:
        return cell_html(self)
