"""Run an experiment recording a range variable at every segment centre (for voltage maps and animations).

No new simulation loop: the experiment's own recordings plus one
:func:`~isf.model.segment_table.segment_recordings` per segment go to
:func:`~isf.backends.neuron.simulate.simulate`; :func:`~isf.model.segment_table.segment_traces`
reads them back as one ``(n_segments, n_samples)`` array.

Example::

    from isf.backends.neuron.segment_recording import simulate_segments
    from isf.model.segment_table import segment_traces
    result = simulate_segments(experiment)               # experiment's recordings + every segment
    v = segment_traces(result, experiment.cell)           # (1142, n_samples), mV
"""

from __future__ import annotations

from collections.abc import Collection

import attrs

from isf.model.experiment import Experiment
from isf.model.result import Result
from isf.model.segment_table import segment_recordings

__all__ = ["simulate_segments"]


def simulate_segments(
    experiment: Experiment, variable: str = "v", labels: Collection[str] | None = None
) -> Result:
    """Run ``experiment`` with its own recordings plus ``variable`` at every segment centre.

    Returns the :class:`~isf.model.result.Result` of :func:`~isf.backends.neuron.simulate.simulate`;
    read the per-segment part with :func:`~isf.model.segment_table.segment_traces`. Use a fixed time
    step (``Simulation(cvode=False)``) to get evenly spaced samples for animations. See
    :mod:`isf.model.segment_table` for the memory cost.
    """
    from isf.backends.neuron.simulate import simulate

    extra = segment_recordings(experiment.cell, variable, labels)
    return simulate(attrs.evolve(experiment, recordings=experiment.recordings + extra))
