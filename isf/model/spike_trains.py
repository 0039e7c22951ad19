"""Spike trains of presynaptic cells: ongoing (Poisson) and PSTH-evoked activity, the time-rescaling
sampler of inhomogeneous Poisson trains, and the spike-source tags (LEGACY_FORMATS §4.3–4.4).

Every sampler takes an explicit :class:`numpy.random.Generator`; nothing uses global random state.
Times are in ms, rates in Hz.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.validation import fail, finite, non_negative_int, positive, to_float

#: Spike-source tags ISF stores with every presynaptic spike (§4.3–4.4); a spike's code is its index.
SPIKE_SOURCES: tuple[str, ...] = (
    "poissontrain", "pointcell_normal", "pointcell_uniform", "pointcell_lognormal", "pointcell_PSTH",
    "pointcell_PSTH_absolute_number", "pointcell_PSTH_poissontrain", "PSTH_poissontrain_v2",
    "poissontrain_modulated",
)


def source_code(tag: str) -> int:
    """Index of a spike-source tag in :data:`SPIKE_SOURCES`."""
    return SPIKE_SOURCES.index(tag)


def sample_from_rates(bins_ms: NDArray[np.float64], rates_hz: NDArray[np.float64],
                      rng: np.random.Generator) -> list[NDArray[np.float64]]:
    """Inhomogeneous Poisson trains by time rescaling (ISF's ``sample_times_from_rates``), one per row.

    Args:
        bins_ms: bin edges, shape ``(n_bins + 1,)`` (shared) or ``(n_cells, n_bins + 1)``, ms.
        rates_hz: rate per bin, shape ``(n_cells, n_bins)``, Hz (negative rates count as 0).

    Unit-rate Poisson times on ``[0, Λ_max]`` (Λ in ms·Hz, mean ISI 1000) are mapped through the
    piecewise-linear inverse of the cumulative intensity Λ(t); times beyond the last bin are dropped.
    """
    rates = np.maximum(np.atleast_2d(np.asarray(rates_hz, dtype=float)), 0.0)
    n_cells, n_bins = rates.shape
    if n_cells == 0:
        return []
    edges = np.broadcast_to(np.asarray(bins_ms, dtype=float), (n_cells, n_bins + 1))
    lam = np.concatenate([np.zeros((n_cells, 1)), np.cumsum(np.diff(edges, axis=1) * rates, axis=1)], axis=1)
    total = lam[:, -1]
    # Enough unit-rate events for all but a vanishing fraction of cells; those few get more below.
    mean = total / 1000.0
    k = int(np.max(mean + 6.0 * np.sqrt(mean)) + 10)
    unit = np.cumsum(rng.exponential(1000.0, (n_cells, k)), axis=1)
    short = np.flatnonzero(unit[:, -1] <= total)
    rows = [unit[c] for c in range(n_cells)] if short.size else None
    for c in short.tolist():
        assert rows is not None
        row = rows[c]
        while row[-1] <= total[c]:
            row = np.concatenate([row, row[-1] + np.cumsum(rng.exponential(1000.0, k))])
        rows[c] = row
    if rows is not None:
        width = max(r.shape[0] for r in rows)
        unit = np.full((n_cells, width), np.inf)
        for c, r in enumerate(rows):
            unit[c, : r.shape[0]] = r
    keep = unit <= total[:, None]
    counts = keep.sum(axis=1)
    # All cells in one np.interp: row c is shifted by c·(max Λ + 1000) so the abscissae stay sorted
    # across rows. Zero-rate bins repeat a Λ value; np.interp takes the last of equal abscissae as
    # the left end of an interval, which maps times into the right bin.
    shift = np.arange(n_cells, dtype=float)[:, None] * (float(total.max()) + 1000.0)
    mapped = np.interp((unit + shift)[keep], (lam + shift).ravel(), edges.ravel())
    return list(np.split(mapped, np.cumsum(counts)[:-1]))


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
    source: ClassVar[str] = "poissontrain"
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


def pairs(value: Any) -> tuple[tuple[float, float], ...]:
    """Converter: ``[(t0, t1), ...]`` as a tuple of float pairs."""
    return tuple((float(a), float(b)) for a, b in value)


def floats(value: Any) -> tuple[float, ...]:
    """Converter: numbers as a tuple of floats."""
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
    source: ClassVar[str] = "pointcell_PSTH"
    intervals_ms: tuple[tuple[float, float], ...] = attrs.field(converter=pairs)
    probabilities: tuple[float, ...] = attrs.field(converter=floats)
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
