"""An experiment: a cell, what is injected, what is recorded, and how it is run."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

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
    stimuli: tuple[Stimulus, ...] = attrs.field(default=(), converter=tuple[Stimulus, ...],
                                                validator=_check_items((CurrentStep, EPSPCurrent)))
    recordings: tuple[Recording, ...] = attrs.field(
        factory=lambda: (Recording(),), converter=tuple[Recording, ...],
        validator=unique_items(Recording, lambda r: r.key, "recording names (set Recording.name)"))
    network: Network | None = attrs.field(default=None)

    @network.validator
    def _check_network(self, attribute: attrs.Attribute[Any], value: Network | None) -> None:
        if value is None:
            return
        # the network is built for one morphology; combined with another cell, every synapse must still
        # sit on a section of this cell (x in [0, 1] is checked by Synapses itself)
        n = len(self.cell.morphology.sections)
        for pop in value.populations:
            outside = np.flatnonzero(pop.synapses.section_id >= n)
            if outside.size:
                row = int(outside[0])
                fail(self, attribute,
                     f"{pop.name}: synapse {row} on section {int(pop.synapses.section_id[row])} "
                     f"({outside.size} synapses off the cell)",
                     f"synapses on the cell's sections 0..{n - 1}")
