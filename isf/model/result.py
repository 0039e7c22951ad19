"""Results of a simulation: plain numpy arrays, no simulator objects."""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.spikes import spike_times
from isf.model.summary import result_html, result_text


def _frozen(value: NDArray[np.float64]) -> NDArray[np.float64]:
    array = np.asarray(value, dtype=float)
    array.setflags(write=False)
    return array


def _frozen_traces(value: Mapping[str, NDArray[np.float64]]) -> dict[str, NDArray[np.float64]]:
    return {k: _frozen(v) for k, v in value.items()}


@attrs.frozen(eq=False)
class Result:
    """Recorded traces on a common time base.

    Attributes:
        t_ms: sample times, ms (irregular under CVode).
        traces: recording key → values (mV for voltages).
        sites: recording key → (section ID, x) where it was recorded.
    """

    t_ms: NDArray[np.float64] = attrs.field(converter=_frozen)
    traces: dict[str, NDArray[np.float64]] = attrs.field(converter=_frozen_traces)
    sites: dict[str, tuple[int, float]] = attrs.field(factory=dict)

    def __getitem__(self, key: str) -> NDArray[np.float64]:
        try:
            return self.traces[key]
        except KeyError:
            raise KeyError(f"no trace {key!r}; recorded: {', '.join(self.traces)}") from None

    def spike_times(self, key: str = "soma", threshold_mV: float = 0.0) -> NDArray[np.float64]:
        """Times (ms) of upward threshold crossings of trace ``key``: the first sample at or above
        ``threshold_mV`` after a sample below it (no interpolation, as ISF)."""
        return spike_times(self.t_ms, self[key], threshold_mV)

    def __repr__(self) -> str:
        return result_text(self)

    def _repr_html_(self) -> str:
        return result_html(self)
