"""Per-segment recordings of a cell and their reshape into one ``(n_segments, n_samples)`` array.

:func:`segment_recordings` makes one ordinary :class:`~isf.model.recording.Recording` per segment (a
:class:`~isf.model.site.SectionSite` at the segment centre, key :func:`segment_key`), so any backend
records them like any other trace; :func:`segment_traces` turns such a
:class:`~isf.model.result.Result` back into one array in the cell's segment order (section ID, then
segment index), the order every per-segment array of isf uses (``Cell.nseg``, :func:`segment_table`).
Pure functions of model values; running them is
:func:`isf.backends.neuron.segment_recording.simulate_segments`.

Cost: one trace per segment — cell 86 has 1,142 segments, so 30 ms at ``dt`` 0.025 ms is
1,142 × 1,201 samples (≈ 11 MB of float64); keep runs short or restrict ``labels``.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
from numpy.typing import NDArray

from isf.model.cell import Cell
from isf.model.morphology import canonical_label
from isf.model.recording import Recording
from isf.model.result import Result
from isf.model.site import SectionSite
from isf.model.soma_distance import segment_centres

__all__ = ["segment_key", "segment_recordings", "segment_table", "segment_traces"]


def segment_key(section_id: int, index: int, variable: str = "v") -> str:
    """Trace key of segment ``index`` (0-based) of section ``section_id``: ``"v@12/3"``."""
    return f"{variable}@{section_id}/{index}"


def segment_table(cell: Cell) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Section ID and centre ``x`` (0–1) of every segment of ``cell``, in section-ID order."""
    return cell.distances.segment_table(range(len(cell.morphology.sections)))


def segment_recordings(
    cell: Cell, variable: str = "v", labels: Collection[str] | None = None
) -> tuple[Recording, ...]:
    """One recording of ``variable`` at the centre of every segment of ``cell``.

    Args:
        cell: the cell.
        variable: NEURON range variable (``v`` in mV, ``cai`` in mM, ``gIh_Ih`` in S/cm² …).
        labels: only sections with these labels (canonical or ISF spelling); ``None`` = all.
    """
    wanted = None if labels is None else {canonical_label(lab) for lab in labels}
    out = []
    for sid, section in enumerate(cell.morphology.sections):
        if wanted is not None and section.label not in wanted:
            continue
        for j, x in enumerate(segment_centres(cell.nseg[sid]).tolist()):
            out.append(
                Recording(
                    SectionSite(sid, x), variable, name=segment_key(sid, j, variable)
                )
            )
    return tuple(out)


def segment_traces(
    result: Result, cell: Cell, variable: str = "v"
) -> NDArray[np.float64]:
    """The per-segment traces of ``result`` as an array ``(n_segments, n_samples)`` in segment order.

    Rows of segments that were not recorded are NaN (e.g. when ``labels`` restricted the recordings).

    Raises:
        ValueError: ``result`` holds no per-segment trace of ``variable`` for ``cell``.
    """
    n_samples = result.t_ms.shape[0]
    out = np.full((cell.n_segments, n_samples), np.nan)
    row = 0
    found = 0
    for sid, nseg in enumerate(cell.nseg):
        for j in range(nseg):
            trace = result.traces.get(segment_key(sid, j, variable))
            if trace is not None:
                out[row] = trace
                found += 1
            row += 1
    if not found:
        raise ValueError(
            f"the result has no per-segment traces of {variable!r} (keys like {segment_key(0, 0, variable)!r}); "
            "record them with segment_recordings() or run simulate_segments()"
        )
    return out
