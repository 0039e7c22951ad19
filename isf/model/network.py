"""Presynaptic populations and the network of input they form onto one cell."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from isf.model.activity import Activity
from isf.model.network_modifier import PARAMETER_MODIFIERS, WIRING_MODIFIERS, NetworkModifier
from isf.model.receptor import DYNAMIC_RELEASE_MECHANISMS, Receptor
from isf.model.summary import network_html, network_text
from isf.model.synapse import Connectivity, Synapses
from isf.model.validation import fail, non_negative_int, to_optional_float, unique_items


def _check_release(instance: Population, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and not 0.0 <= value <= 1.0:
        fail(instance, attribute, value, "None (every spike releases) or a probability in [0, 1]")


def _check_name(instance: Population, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or "_" not in value or value.startswith("_") or value.endswith("_"):
        fail(instance, attribute, value, "'<celltype>_<column>', e.g. 'L5tt_C2'")


def _check_connectivity(instance: Population, attribute: attrs.Attribute[Any], value: Connectivity) -> None:
    if len(value):
        if int(value.cell_id.max()) >= instance.cell_count:
            fail(instance, attribute, f"presynaptic cell {int(value.cell_id.max())}",
                 f"cell IDs below cell_count = {instance.cell_count}")
        if int(value.synapse_id.max()) >= len(instance.synapses):
            fail(instance, attribute, f"synapse {int(value.synapse_id.max())}",
                 f"synapse IDs below the {len(instance.synapses)} synapses of {instance.name}")


def _as_activity(value: Any) -> Activity:
    return value if isinstance(value, Activity) else Activity(value)


@attrs.frozen
class Population:
    """Presynaptic cells of one type in one anatomical area, and their synapses on the cell.

    Attributes:
        name: ``<celltype>_<column>`` (``L5tt_C2``), as in legacy ``.syn``/``.con`` files.
        cell_count: number of presynaptic cells (legacy ``cellNr``).
        activity: how each presynaptic cell spikes (a single generator is wrapped in an :class:`Activity`).
        receptors: point processes each release activates.
        synapses: anatomical synapses (row = synapse ID).
        connectivity: which presynaptic cell owns which synapse; synapses without a row never fire.
        release_probability: chance that a presynaptic spike releases at a synapse (independent per
            synapse and spike); ``None`` = always.
        dynamic_release: legacy ``releaseProb: "dynamic"``: every spike reaches the synapse and the
            receptors (stochastic Tsodyks–Markram, ``ProbAMPANMDA2``/``ProbUDFsyn2``) decide about
            release themselves, each seeded per synapse from the trial's generator.
    """

    name: str = attrs.field(validator=_check_name)
    cell_count: int = attrs.field(validator=non_negative_int)
    activity: Activity = attrs.field(converter=_as_activity)
    receptors: tuple[Receptor, ...] = attrs.field(
        converter=tuple[Receptor, ...],
        validator=unique_items(Receptor, lambda r: r.mechanism, "receptor mechanisms"))
    synapses: Synapses = attrs.field(factory=Synapses.empty)
    connectivity: Connectivity = attrs.field(factory=Connectivity.empty, validator=_check_connectivity)
    release_probability: float | None = attrs.field(default=None, converter=to_optional_float,
                                                    validator=_check_release)
    dynamic_release: bool = attrs.field(default=False)

    @dynamic_release.validator
    def _check_dynamic(self, attribute: attrs.Attribute[bool], value: bool) -> None:
        if not isinstance(value, bool):
            fail(self, attribute, value, "True or False")
        if value and self.release_probability is not None:
            fail(self, attribute, value, "False when release_probability is set (dynamic release replaces it)")
        if value:
            other = [r.mechanism for r in self.receptors if r.mechanism not in DYNAMIC_RELEASE_MECHANISMS]
            if other:
                fail(self, attribute, f"receptors {other}",
                     "receptors with stochastic release: " + ", ".join(DYNAMIC_RELEASE_MECHANISMS))

    @property
    def cell_type(self) -> str:
        """Part of the name before the first ``_``."""
        return self.name.split("_", 1)[0]

    @property
    def column(self) -> str:
        """Part of the name after the first ``_``."""
        return self.name.split("_", 1)[1]


def _check_modifiers(instance: Network, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
    for item in value:
        if not isinstance(item, (*WIRING_MODIFIERS, *PARAMETER_MODIFIERS)):
            fail(instance, attribute, item, "network modifiers: " + ", ".join(
                c.__name__ for c in (*WIRING_MODIFIERS, *PARAMETER_MODIFIERS)))


@attrs.frozen
class Network:
    """All presynaptic populations of a simulation, in order.

    Attributes:
        populations: the populations.
        modifiers: network modifiers (LEGACY_FORMATS §4.7), in order: parameter modifiers are
            applied to the populations before each trial is drawn (:meth:`prepared`), wiring
            modifiers (silencing) to each drawn trial.
    """

    populations: tuple[Population, ...] = attrs.field(
        converter=tuple[Population, ...], validator=unique_items(Population, lambda p: p.name, "population names"))
    modifiers: tuple[NetworkModifier, ...] = attrs.field(default=(), converter=tuple, validator=_check_modifiers)

    def prepared(self) -> Network:
        """The network the trials draw from: every parameter modifier applied (in order) to every
        population; wiring modifiers are kept. The same network when there is none."""
        changes: list[Any] = [m for m in self.modifiers if isinstance(m, PARAMETER_MODIFIERS)]
        if not changes:
            return self
        populations = []
        for pop in self.populations:
            for modifier in changes:
                pop = modifier.apply(pop)
            populations.append(pop)
        wiring: tuple[Any, ...] = tuple(m for m in self.modifiers if isinstance(m, WIRING_MODIFIERS))
        return Network(tuple(populations), wiring)

    def __getitem__(self, name: str) -> Population:
        for pop in self.populations:
            if pop.name == name:
                return pop
        raise KeyError(f"no population {name!r}")

    @property
    def n_synapses(self) -> int:
        """Number of anatomical synapses over all populations."""
        return sum(len(p.synapses) for p in self.populations)

    @property
    def n_connected_synapses(self) -> int:
        """Number of synapses owned by a presynaptic cell."""
        return sum(int(np.unique(p.connectivity.synapse_id).size) for p in self.populations)

    def __repr__(self) -> str:
        return network_text(self)

    def _repr_html_(self) -> str:
        return network_html(self)
