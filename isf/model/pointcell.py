"""Point-cell spike distributions besides the PSTH (legacy ``celltype: "pointcell"``, LEGACY_FORMATS §4.4).

Each value draws the spike times of ``n_cells`` presynaptic cells of one trial from an explicit
:class:`numpy.random.Generator`, with the legacy algorithm (the draws are vectorised, so the
random numbers differ from ISF's global-RNG sequence, but the distributions are the same).
Times are in ms, rates in Hz; ``legacy_name`` is the ``distribution`` key, ``source`` the
spike-source tag ISF stores with each spike.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.spike_trains import Poisson, floats, pairs, sample_from_rates
from isf.model.validation import fail, finite, non_negative, positive, to_float, unit_interval

#: Lower clip of single-spike point cells, ms (ISF moves earlier spikes to 0.1 ms).
MIN_SPIKE_MS = 0.1


def _one_spike(n_cells: int, active_fraction: float, times: Any, rng: np.random.Generator) -> list[NDArray[np.float64]]:
    """Cells with ``U < active_fraction`` get one spike ``times(n_active)`` (clipped at 0.1 ms)."""
    active = np.flatnonzero(rng.random(n_cells) < active_fraction)
    spikes = np.maximum(times(active.size), MIN_SPIKE_MS)
    out = [np.zeros(0) for _ in range(n_cells)]
    for cell, t in zip(active.tolist(), spikes.tolist()):
        out[cell] = np.array([t])
    return out


@attrs.frozen
class NormalSpike:
    """Legacy ``normal``: a fraction of the cells spikes once at ``offset + spike_time + width·N(0, 1)``.

    Attributes:
        active_fraction: chance that a cell spikes (``activeFrac``).
        spike_time_ms: mean spike time after the offset (``spikeT``), ms.
        spike_width_ms: standard deviation (``spikeWidth``), ms.
        offset_ms: onset (``offset``, ISF's default 10 ms), ms.
    """

    legacy_name: ClassVar[str] = "normal"
    source: ClassVar[str] = "pointcell_normal"
    active_fraction: float = attrs.field(converter=to_float, validator=unit_interval)
    spike_time_ms: float = attrs.field(converter=to_float, validator=finite)
    spike_width_ms: float = attrs.field(converter=to_float, validator=non_negative)
    offset_ms: float = attrs.field(default=10.0, converter=to_float, validator=finite)

    def sample(self, n_cells: int, tstop_ms: float, rng: np.random.Generator) -> list[NDArray[np.float64]]:
        """One spike or none per cell."""
        return _one_spike(n_cells, self.active_fraction, lambda n: self.offset_ms + self.spike_time_ms
                          + self.spike_width_ms * rng.standard_normal(n), rng)


@attrs.frozen
class UniformSpike:
    """Legacy ``uniform``: a fraction of the cells spikes once, uniformly in ``offset + [0, window)``.

    Attributes:
        active_fraction: chance that a cell spikes (``activeFrac``).
        window_ms: width of the window (``window``), ms.
        offset_ms: window start (``offset``), ms.
    """

    legacy_name: ClassVar[str] = "uniform"
    source: ClassVar[str] = "pointcell_uniform"
    active_fraction: float = attrs.field(converter=to_float, validator=unit_interval)
    window_ms: float = attrs.field(converter=to_float, validator=non_negative)
    offset_ms: float = attrs.field(converter=to_float, validator=finite)

    def sample(self, n_cells: int, tstop_ms: float, rng: np.random.Generator) -> list[NDArray[np.float64]]:
        """One spike or none per cell."""
        return _one_spike(n_cells, self.active_fraction,
                          lambda n: self.offset_ms + self.window_ms * rng.random(n), rng)


@attrs.frozen
class LogNormalSpike:
    """Legacy ``lognormal``: a fraction of the cells spikes once at ``offset + LogNormal(mu, sigma)``.

    Attributes:
        active_fraction: chance that a cell spikes (``activeFrac``).
        mu: mean of the underlying normal (of ln(t / 1 ms)).
        sigma: its standard deviation.
        offset_ms: onset (``offset``), ms.
    """

    legacy_name: ClassVar[str] = "lognormal"
    source: ClassVar[str] = "pointcell_lognormal"
    active_fraction: float = attrs.field(converter=to_float, validator=unit_interval)
    mu: float = attrs.field(converter=to_float, validator=finite)
    sigma: float = attrs.field(converter=to_float, validator=non_negative)
    offset_ms: float = attrs.field(converter=to_float, validator=finite)

    def sample(self, n_cells: int, tstop_ms: float, rng: np.random.Generator) -> list[NDArray[np.float64]]:
        """One spike or none per cell."""
        return _one_spike(n_cells, self.active_fraction,
                          lambda n: self.offset_ms + rng.lognormal(self.mu, self.sigma, n), rng)


def _check_bins(instance: Any, attribute: attrs.Attribute[Any], value: tuple[tuple[float, float], ...]) -> None:
    for t0, t1 in value:
        if not (math.isfinite(t0) and math.isfinite(t1) and t1 >= t0):
            fail(instance, attribute, (t0, t1), "bins (t0, t1) of finite times with t1 >= t0, ms")


def _counts(value: Any) -> tuple[int, ...]:
    out = []
    for v in value:
        if isinstance(v, bool) or not float(v).is_integer() or v < 0:
            out.append(-1)  # rejected by the validator with the offending list
        else:
            out.append(int(v))
    return tuple(out)


@attrs.frozen
class PSTHAbsoluteNumber:
    """Legacy ``PSTH_absolute_number``: in every bin exactly ``k`` distinct cells spike once (drawn with
    replacement when ``k`` exceeds the cells, as ISF does), uniformly in ``offset + [t0, t1)``.

    Attributes:
        intervals_ms: bins (t0, t1) relative to the offset, ms.
        numbers: cells that spike in each bin (``number_active_synapses``).
        offset_ms: onset, ms.
    """

    legacy_name: ClassVar[str] = "PSTH_absolute_number"
    source: ClassVar[str] = "pointcell_PSTH_absolute_number"
    intervals_ms: tuple[tuple[float, float], ...] = attrs.field(converter=pairs, validator=_check_bins)
    numbers: tuple[int, ...] = attrs.field(converter=_counts)
    offset_ms: float = attrs.field(default=0.0, converter=to_float, validator=finite)

    @numbers.validator
    def _check(self, attribute: attrs.Attribute[Any], value: tuple[int, ...]) -> None:
        if len(value) != len(self.intervals_ms) or min(value, default=0) < 0:
            fail(self, attribute, value, f"one count >= 0 per bin ({len(self.intervals_ms)} bins)")

    def sample(self, n_cells: int, tstop_ms: float, rng: np.random.Generator) -> list[NDArray[np.float64]]:
        """Spike times of each cell."""
        cells, times = [], []
        for (t0, t1), k in zip(self.intervals_ms, self.numbers):
            if k == 0 or n_cells == 0:
                continue
            chosen = rng.choice(n_cells, k, replace=k > n_cells)
            cells.append(chosen)
            times.append(self.offset_ms + t0 + (t1 - t0) * rng.random(k))
        out = [np.zeros(0) for _ in range(n_cells)]
        if cells:
            cell, time = np.concatenate(cells), np.concatenate(times)
            order = np.lexsort((time, cell))
            cell, time = cell[order], time[order]
            bounds = np.searchsorted(cell, np.arange(n_cells + 1))
            out = [time[bounds[c]:bounds[c + 1]] for c in range(n_cells)]
        return out


@attrs.frozen
class PSTHPoissonTrain:
    """Legacy ``PSTH_poissontrain`` (deprecated in ISF): in every bin with a rate > 0 each cell fires a
    Poisson train of that rate on ``(t0, t1]``. ISF reads ``offset`` but does not add it (kept for the
    file, unused).

    Attributes:
        intervals_ms: bins (t0, t1), absolute times, ms.
        rates_hz: rate per bin, Hz.
        offset_ms: as written in the file (unused, as by ISF), ms.
    """

    legacy_name: ClassVar[str] = "PSTH_poissontrain"
    source: ClassVar[str] = "pointcell_PSTH_poissontrain"
    intervals_ms: tuple[tuple[float, float], ...] = attrs.field(converter=pairs, validator=_check_bins)
    rates_hz: tuple[float, ...] = attrs.field(converter=floats)
    offset_ms: float = attrs.field(default=0.0, converter=to_float, validator=finite)

    @rates_hz.validator
    def _check(self, attribute: attrs.Attribute[Any], value: tuple[float, ...]) -> None:
        if len(value) != len(self.intervals_ms) or not all(math.isfinite(r) for r in value):
            fail(self, attribute, value, f"one finite rate per bin ({len(self.intervals_ms)} bins), Hz")

    def sample(self, n_cells: int, tstop_ms: float, rng: np.random.Generator) -> list[NDArray[np.float64]]:
        """Spike times of each cell (sorted)."""
        parts = [Poisson(1000.0 / rate, 1.0, t0).sample(n_cells, t1, rng)
                 for (t0, t1), rate in zip(self.intervals_ms, self.rates_hz) if rate > 0]
        if not parts:
            return [np.zeros(0) for _ in range(n_cells)]
        return [np.sort(np.concatenate([p[c] for p in parts])) for c in range(n_cells)]


def _edges(value: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in value)


@attrs.frozen
class PSTHPoissonTrainV2:
    """Legacy ``PSTH_poissontrain_v2``: an inhomogeneous Poisson train per cell with a piecewise-constant
    rate, sampled by time rescaling. ISF reads ``offset`` but does not add it (kept, unused).

    Attributes:
        bins_ms: bin edges, absolute times, one more than the rates, ms.
        rates_hz: rate per bin, Hz.
        offset_ms: as written in the file (unused, as by ISF), ms.
    """

    legacy_name: ClassVar[str] = "PSTH_poissontrain_v2"
    source: ClassVar[str] = "PSTH_poissontrain_v2"
    bins_ms: tuple[float, ...] = attrs.field(converter=_edges)
    rates_hz: tuple[float, ...] = attrs.field(converter=floats)
    offset_ms: float = attrs.field(default=0.0, converter=to_float, validator=finite)

    @bins_ms.validator
    def _check_bins(self, attribute: attrs.Attribute[Any], value: tuple[float, ...]) -> None:
        if not all(math.isfinite(v) for v in value) or any(b < a for a, b in zip(value, value[1:])):
            fail(self, attribute, value, "finite, non-decreasing bin edges, ms")

    @rates_hz.validator
    def _check_rates(self, attribute: attrs.Attribute[Any], value: tuple[float, ...]) -> None:
        if len(value) + 1 != len(self.bins_ms) or not all(math.isfinite(r) and r >= 0 for r in value):
            fail(self, attribute, value, f"one rate >= 0 per bin ({len(self.bins_ms) - 1} bins), Hz")

    def sample(self, n_cells: int, tstop_ms: float, rng: np.random.Generator) -> list[NDArray[np.float64]]:
        """Spike times of each cell."""
        if not self.rates_hz:
            return [np.zeros(0) for _ in range(n_cells)]
        rates = np.broadcast_to(np.asarray(self.rates_hz), (n_cells, len(self.rates_hz)))
        return sample_from_rates(np.asarray(self.bins_ms), rates, rng)


@attrs.frozen
class PoissonTrainModulated:
    """Legacy ``poissontrain_modulated``: before ``offset`` a constant rate, then
    ``mean·(1 + M·sin(2π·f·t' + φ))`` sampled on bins of ``bin_size`` (t' runs over the bins by
    ``linspace``, as in ISF), with a phase φ per cell; sampled by time rescaling up to ``tstop``.

    Attributes:
        rate_before_offset_hz: rate of the first bin [0, offset + bin_size), Hz (``rate_before_t_offset``).
        mean_rate_hz: mean rate (``mean_rate``), Hz.
        max_modulation: M (``max_modulation``); rates below 0 count as 0.
        modulation_frequency_hz: f (``modulation_frequency``), Hz.
        bin_size_ms: rate bin width (``bin_size``), ms.
        phase_distribution: ``"uniform"`` (φ ~ U[0, 2π)), ``"normal"`` (φ ~ N(mean, std)); any other
            name (kept as written) means φ = 0, as in ISF.
        mean_phase: mean of the normal phase distribution, rad.
        std_phase: its standard deviation, rad.
        offset_ms: modulation onset, ms.
    """

    legacy_name: ClassVar[str] = "poissontrain_modulated"
    source: ClassVar[str] = "poissontrain_modulated"
    rate_before_offset_hz: float = attrs.field(converter=to_float, validator=non_negative)
    mean_rate_hz: float = attrs.field(converter=to_float, validator=non_negative)
    max_modulation: float = attrs.field(converter=to_float, validator=finite)
    modulation_frequency_hz: float = attrs.field(converter=to_float, validator=positive)
    bin_size_ms: float = attrs.field(converter=to_float, validator=positive)
    phase_distribution: str = attrs.field(default="uniform")
    mean_phase: float = attrs.field(default=0.0, converter=to_float, validator=finite)
    std_phase: float = attrs.field(default=0.0, converter=to_float, validator=non_negative)
    offset_ms: float = attrs.field(default=0.0, converter=to_float, validator=finite)

    @phase_distribution.validator
    def _check_phase(self, attribute: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str):
            fail(self, attribute, value, "'uniform', 'normal', or another name (phase 0)")

    def bins_and_rates(self, tstop_ms: float, phases: NDArray[np.float64]) -> tuple[NDArray[np.float64],
                                                                                    NDArray[np.float64]]:
        """Bin edges (ms) and the rates (Hz, one row per phase) ISF builds for a run of ``tstop_ms``."""
        duration = tstop_ms - self.offset_ms
        n_bins = max(1, math.ceil(duration / self.bin_size_ms))
        edges = self.offset_ms + self.bin_size_ms * np.arange(n_bins + 1, dtype=float)
        edges[0], edges[-1] = 0.0, tstop_ms
        cycles = duration * self.modulation_frequency_hz / 1000.0
        angle = np.linspace(0.0, 2.0 * np.pi * cycles, n_bins)[None, :] + phases[:, None]
        rates = self.mean_rate_hz * (1.0 + self.max_modulation * np.sin(angle))
        rates[:, 0] = self.rate_before_offset_hz
        return edges, rates

    def sample(self, n_cells: int, tstop_ms: float, rng: np.random.Generator) -> list[NDArray[np.float64]]:
        """Spike times of each cell in [0, ``tstop_ms``]."""
        if n_cells == 0:
            return []
        if self.phase_distribution == "uniform":
            phases = rng.uniform(0.0, 2.0 * np.pi, n_cells)
        elif self.phase_distribution == "normal":
            phases = rng.normal(self.mean_phase, self.std_phase, n_cells)
        else:
            phases = np.zeros(n_cells)
        if tstop_ms <= self.offset_ms:
            return [np.zeros(0) for _ in range(n_cells)]
        edges, rates = self.bins_and_rates(tstop_ms, phases)
        return sample_from_rates(edges, rates, rng)


#: Point-cell distribution classes in the order of LEGACY_FORMATS §4.4 (PSTH lives in spike_trains).
POINTCELL_CLASSES: tuple[type, ...] = (NormalSpike, UniformSpike, LogNormalSpike, PSTHAbsoluteNumber,
                                       PSTHPoissonTrain, PSTHPoissonTrainV2, PoissonTrainModulated)
