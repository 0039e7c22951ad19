"""Spiking activity of presynaptic cells, and how to sample it (LEGACY_FORMATS §4.2–4.4).

An :class:`Activity` is one or more generators applied to the same presynaptic cells: ongoing
:class:`Poisson` trains, :class:`PSTH` responses, and the other point-cell distributions of
:mod:`isf.model.pointcell`. Every sampler takes an explicit :class:`numpy.random.Generator`;
nothing uses global random state. Times are in ms. Each spike keeps the tag of the generator
that made it (:data:`SPIKE_SOURCES`), as ISF stores it.
"""

from __future__ import annotations

from typing import Any, Union

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.pointcell import (
    POINTCELL_CLASSES,
    LogNormalSpike,
    NormalSpike,
    PoissonTrainModulated,
    PSTHAbsoluteNumber,
    PSTHPoissonTrain,
    PSTHPoissonTrainV2,
    UniformSpike,
)
from isf.model.spike_trains import PSTH, SPIKE_SOURCES, Poisson, sample_from_rates, source_code
from isf.model.validation import fail

__all__ = [
    "ACTIVITY_CLASSES", "COMPONENT_BY_LEGACY_NAME", "PSTH", "SPIKE_SOURCES", "Activity", "ActivityComponent",
    "LogNormalSpike", "NormalSpike", "PSTHAbsoluteNumber", "PSTHPoissonTrain", "PSTHPoissonTrainV2", "Poisson",
    "PoissonTrainModulated", "UniformSpike", "sample_from_rates", "source_code",
]

ActivityComponent = Union[Poisson, PSTH, NormalSpike, UniformSpike, LogNormalSpike, PSTHAbsoluteNumber,
                          PSTHPoissonTrain, PSTHPoissonTrainV2, PoissonTrainModulated]
#: Every generator class: Poisson (``spiketrain``), then the point-cell distributions.
ACTIVITY_CLASSES: tuple[type, ...] = (Poisson, PSTH, *POINTCELL_CLASSES)
#: Point-cell classes by their legacy ``distribution`` name.
COMPONENT_BY_LEGACY_NAME: dict[str, type] = {getattr(c, "legacy_name"): c for c in ACTIVITY_CLASSES if c is not Poisson}


def _components(value: Any) -> tuple[Any, ...]:
    return (value,) if isinstance(value, ACTIVITY_CLASSES) else tuple(value)


@attrs.frozen
class Activity:
    """One or more generators applied to the same presynaptic cells; spikes are merged and sorted
    (legacy ``celltype: {"pointcell": …, "spiketrain": …}``). No component: the cells are silent."""

    components: tuple[ActivityComponent, ...] = attrs.field(converter=_components)

    @components.validator
    def _check(self, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
        for item in value:
            if not isinstance(item, ACTIVITY_CLASSES):
                fail(self, attribute, item, "values of " + ", ".join(c.__name__ for c in ACTIVITY_CLASSES))

    def sample_tagged(self, n_cells: int, tstop_ms: float, rng: np.random.Generator
                      ) -> tuple[list[NDArray[np.float64]], list[NDArray[np.int8]]]:
        """Merged, sorted spike times of each cell and the source code of each spike
        (index into :data:`SPIKE_SOURCES`; equal times keep component order)."""
        parts = [c.sample(n_cells, tstop_ms, rng) for c in self.components]
        if not parts:
            return [np.zeros(0) for _ in range(n_cells)], [np.zeros(0, np.int8) for _ in range(n_cells)]
        codes = [source_code(c.source) for c in self.components]
        if len(parts) == 1:
            code = np.int8(codes[0])
            return parts[0], [np.full(t.shape[0], code, np.int8) for t in parts[0]]
        times, tags = [], []
        for i in range(n_cells):
            t = np.concatenate([p[i] for p in parts])
            tag = np.concatenate([np.full(p[i].shape[0], code, np.int8) for p, code in zip(parts, codes)])
            order = np.argsort(t, kind="stable")
            times.append(t[order])
            tags.append(tag[order])
        return times, tags

    def sample(self, n_cells: int, tstop_ms: float, rng: np.random.Generator) -> list[NDArray[np.float64]]:
        """Merged, sorted spike times of each cell."""
        return self.sample_tagged(n_cells, tstop_ms, rng)[0]
