"""An experiment: a cell, what is injected, what is recorded, and how it is run."""

from __future__ import annotations

from typing import Any

import attrs

from isf.model.cell import Cell
from isf.model.network import Network
from isf.model.recording import Recording
from isf.model.simulation import Simulation
from isf.model.stimulus import CurrentStep, EPSPCurrent, Stimulus
from isf.model.validation import fail, unique_items


def _check_items(kinds: tuple[type, ...]):  # type: ignore[no-untyped-def]
    def check(instance: Any, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
        for item in value:
            if not isinstance(item, kinds):
                fail(instance, attribute, item, "values of type " + ", ".join(k.__name__ for k in kinds))

    return check


@attrs.frozen
class Experiment:
    """Everything a backend needs to run one simulation.

    Attributes:
        cell: the neuron.
        stimuli: current injections.
        recordings: recorded variables (the soma voltage by default).
        simulation: run settings.
        network: presynaptic populations providing stochastic synaptic input (``None``: none).
    """

    cell: Cell
    simulation: Simulation
    stimuli: tuple[Stimulus, ...] = attrs.field(default=(), converter=tuple,
                                                validator=_check_items((CurrentStep, EPSPCurrent)))
    recordings: tuple[Recording, ...] = attrs.field(factory=lambda: (Recording(),), converter=tuple,
                                                    validator=unique_items(Recording, lambda r: r.key,
                                                                           "recording names (set Recording.name)"))
    network: Network | None = attrs.field(default=None)

    @network.validator
    def _check_network(self, attribute: attrs.Attribute[Any], value: Network | None) -> None:
        if value is None:
            return
        n = len(self.cell.morphology.sections)
        for pop in value.populations:
            if len(pop.synapses) and int(pop.synapses.section_id.max()) >= n:
                fail(self, attribute, f"{pop.name}: synapse on section {int(pop.synapses.section_id.max())}",
                     f"synapses on the cell's sections 0..{n - 1}")
