"""Short-term plasticity over a list of train frequencies."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from tqdm import tqdm

from isf.backends.neuron.synapse_bench import Measure
from isf.errors import ArgumentValueError
from isf.synapse_tuner.settings import TrainSettings
from isf.synapse_tuner.train import TRAIN_METRICS, TrainMetrics
from isf.synapse_tuner.tuner import SynapseTuner


@attrs.frozen(eq=False)
class FrequencyResponse:
    """Train metrics at each frequency.

    Attributes:
        frequencies_Hz: the train frequencies, Hz.
        metrics: :class:`~isf.synapse_tuner.train.TrainMetrics` per frequency.
        protocol: the train protocol (its ``frequency_Hz`` is replaced by each frequency).
        measure: ``"response"`` or ``"conductance"``.
    """

    frequencies_Hz: tuple[float, ...]
    metrics: tuple[TrainMetrics, ...]
    protocol: TrainSettings
    measure: Measure

    @property
    def amplitudes(self) -> NDArray[np.float64]:
        """Per-pulse amplitudes, shape (frequencies, pulses)."""
        return np.array([m.amplitudes for m in self.metrics])

    def metric(self, name: str) -> NDArray[np.float64]:
        """One metric (``ppr``, ``simple_ppr``, ``induction``, ``recovery``) over the frequencies."""
        if name not in TRAIN_METRICS:
            raise ArgumentValueError(
                f"unknown metric {name!r}: allowed are {', '.join(TRAIN_METRICS)}",
                field="name",
                value=name,
                allowed=", ".join(TRAIN_METRICS),
            )
        return np.array([getattr(m, name) for m in self.metrics])

    def to_frame(self) -> pd.DataFrame:
        """Table: one row per frequency, the metrics and the normaliser as columns."""
        rows = [
            {"frequency_Hz": f, **m.as_dict(), "normaliser": m.normaliser}
            for f, m in zip(self.frequencies_Hz, self.metrics)
        ]
        return pd.DataFrame(rows).set_index("frequency_Hz")


def frequency_response(
    tuner: SynapseTuner,
    frequencies_Hz: Sequence[float],
    protocol: TrainSettings | None = None,
    measure: Measure = "response",
    progress: bool = True,
) -> FrequencyResponse:
    """Run ``protocol`` (default 8 + 4 pulses after 250 ms) at every frequency on the same built cell."""
    protocol = protocol if protocol is not None else TrainSettings()
    freqs = tuple(float(f) for f in frequencies_Hz)
    if not freqs or any(not f > 0 for f in freqs):
        raise ArgumentValueError(
            f"frequencies_Hz must be a non-empty list of numbers > 0, got {list(frequencies_Hz)}",
            field="frequencies_Hz",
            value=list(frequencies_Hz),
            allowed="a non-empty list of numbers > 0",
        )
    metrics = []
    for f in tqdm(freqs, desc="frequency response", unit="train", disable=not progress):
        metrics.append(tuner.train(attrs.evolve(protocol, frequency_Hz=f), measure=measure).metrics)
    return FrequencyResponse(freqs, tuple(metrics), protocol, measure)
