"""Spiking activity of presynaptic cells, and how to sample it.

Every sampler takes an explicit :class:`numpy.random.Generator`; nothing uses
global random state. Times are in ms.
"""

from __future__ import annotations

from typing import Any, ClassVar, Union

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.validation import fail, finite, non_negative_int, positive, to_float


@attrs.frozen
class Poisson:
    """Ongoing activity (legacy ``spiketrain``): intervals ``(1−noise)·I + noise·I·E``, ``E ~ Exp(1)``;
    with ``noise = 1`` a Poisson process of rate ``1000/interval_ms`` Hz after ``start_ms``.

    Attributes:
        interval_ms: mean inter-spike interval, ms.
        noise: 0 (regular) … 1 (Poisson).
        start_ms: start of the train, ms.
        n_spikes: if set, exactly this many spikes (no stop time).
    """

    legacy_name: ClassVar[str] = "spiketrain"
    interval_ms: float = attrs.field(converter=to_float, validator=positive)
    noise: float = attrs.field(default=1.0, converter=to_float)
    start_ms: float = attrs.field(default=0.0, converter=to_float, validator=finite)
    n_spikes: int | None = attrs.field(default=None, validator=attrs.validators.optional(non_negative_int))

    @noise.validator
    def _check_noise(self, attribute: attrs.Attribute[float], value: float) -> None:
        if not 0.0 <= value <= 1.0:
            fail(self, attribute, value, "a number in [0, 1]")

    def _intervals(self, shape: tuple[int, int], rng: np.random.Generator) -> NDArray[np.float64]:
        if self.noise == 0:
            return np.full(shape, self.interval_ms)
        return (1.0 - self.noise) * self.interval_ms + self.noise * self.interval_ms * rng.exponential(1.0, shape)

    def _trains(self, n_cells: int, k: int, rng: np.random.Generator) -> NDArray[np.float64]:
        """(n_cells, k) spike times: ISF's first spike ``max(0, start + ISI − I·(1−noise))``, then ISIs."""
        steps = self._intervals((n_cells, k), rng)
        first = np.maximum(0.0, self.start_ms + steps[:, :1] - self.interval_ms * (1.0 - self.noise))
        steps[:, :1] = first
        return np.cumsum(steps, axis=1)

    def sample(self, n_cells: int, tstop_ms: float, rng: np.random.Generator) -> list[NDArray[np.float64]]:
        """Spike times of each of ``n_cells`` cells in (start, ``tstop_ms``] (exactly ``n_spikes`` if set)."""
        if self.n_spikes is not None:
            if self.n_spikes == 0 or n_cells == 0:
                return [np.zeros(0) for _ in range(n_cells)]
            return list(self._trains(n_cells, self.n_spikes, rng))
        if n_cells == 0:
            return []
        expected = max(0.0, (tstop_ms - self.start_ms) / self.interval_ms)
        # Enough intervals for all but a vanishing fraction of trains; those few are extended below.
        k = int(expected + 6.0 * np.sqrt(expected) + 10)
        times = self._trains(n_cells, k, rng)
        out = []
        for row in times:
            while row[-1] <= tstop_ms:
                row = np.concatenate([row, row[-1] + np.cumsum(self._intervals((1, k), rng)[0])])
            out.append(row[: np.searchsorted(row, tstop_ms, side="right")])
        return out


def _pairs(value: Any) -> tuple[tuple[float, float], ...]:
    return tuple((float(a), float(b)) for a, b in value)


def _floats(value: Any) -> tuple[float, ...]:
    return tuple(float(p) for p in value)


@attrs.frozen
class PSTH:
    """Evoked activity (legacy ``pointcell`` with ``distribution: PSTH``): for each bin
    ``(t0, t1)`` every cell independently spikes once with probability ``p`` at a uniform time in
    ``offset + [t0, t1)``; ``p ≤ 0`` never fires.

    Attributes:
        intervals_ms: bins (t0, t1), ms relative to ``offset_ms``.
        probabilities: spike probability per cell and bin.
        offset_ms: stimulus onset, ms.
    """

    legacy_name: ClassVar[str] = "PSTH"
    intervals_ms: tuple[tuple[float, float], ...] = attrs.field(converter=_pairs)
    probabilities: tuple[float, ...] = attrs.field(converter=_floats)
    offset_ms: float = attrs.field(default=0.0, converter=to_float, validator=finite)

    @probabilities.validator
    def _check(self, attribute: attrs.Attribute[Any], value: tuple[float, ...]) -> None:
        if len(value) != len(self.intervals_ms):
            fail(self, attribute, f"{len(value)} probabilities", f"one per interval ({len(self.intervals_ms)})")
        for t0, t1 in self.intervals_ms:
            if not t1 >= t0:
                fail(self, attribute, (t0, t1), "intervals with t1 >= t0")

    def sample(self, n_cells: int, tstop_ms: float, rng: np.random.Generator) -> list[NDArray[np.float64]]:
        """Spike times of each of ``n_cells`` cells."""
        if not self.intervals_ms or n_cells == 0:
            return [np.zeros(0) for _ in range(n_cells)]
        bins = np.array(self.intervals_ms)
        p = np.array(self.probabilities)
        fire = rng.random((len(p), n_cells)) < p[:, None]
        where = rng.random((len(p), n_cells))
        times = self.offset_ms + bins[:, :1] + (bins[:, 1:] - bins[:, :1]) * where
        return [np.sort(times[fire[:, c], c]) for c in range(n_cells)]


ActivityComponent = Union[Poisson, PSTH]


def _components(value: Any) -> tuple[Any, ...]:
    return (value,) if isinstance(value, (Poisson, PSTH)) else tuple(value)


@attrs.frozen
class Activity:
    """One or more generators applied to the same presynaptic cells; spikes are merged and sorted
    (legacy ``celltype: {"pointcell": …, "spiketrain": …}``)."""

    components: tuple[ActivityComponent, ...] = attrs.field(converter=_components)

    @components.validator
    def _check(self, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
        for item in value:
            if not isinstance(item, (Poisson, PSTH)):
                fail(self, attribute, item, "Poisson or PSTH values")

    def sample(self, n_cells: int, tstop_ms: float, rng: np.random.Generator) -> list[NDArray[np.float64]]:
        """Merged, sorted spike times of each cell."""
        parts = [c.sample(n_cells, tstop_ms, rng) for c in self.components]
        return [np.sort(np.concatenate([p[i] for p in parts])) if parts else np.zeros(0) for i in range(n_cells)]

