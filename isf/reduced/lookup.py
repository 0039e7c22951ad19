"""The lookup table (nonlinearity) of the reduced LDA model (REDUCED_MODELS §3.6): weighted net input
(WNI) → spike probability.

Built from the WNI and labels of the fitted trials: WNI binned to ``step · round(v / step)`` (numpy's
half-to-even rounding), the spike fraction per occupied bin (no minimum count, no smoothing), then on the
integer grid from ``trunc(b_min − 0.3·D)`` to ``trunc(b_max + 0.3·D) − 1`` (``D = b_max − b_min``): 0 at
the first grid point, the fractions at the occupied bins, linear in between, and the last fraction
to the right. Applying it rounds the WNI to an integer and clips it to the grid (with a warning); ISF
clips to the top of the grid but compares the bottom with a probability instead (a quirk not kept).
"""

from __future__ import annotations

import math
import warnings

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from isf.errors import FittingError

__all__ = ["Lookup", "lookup_from_wni"]


@attrs.frozen(eq=False)
class Lookup:
    """Spike probability on an integer WNI grid.

    Attributes:
        grid_start: the WNI of the first entry.
        p: probability at ``grid_start``, ``grid_start + 1``, …
    """

    grid_start: int
    p: NDArray[np.float64]

    @property
    def grid(self) -> NDArray[np.int64]:
        """The WNI values of the table."""
        return self.grid_start + np.arange(self.p.shape[0], dtype=np.int64)

    def as_dict(self) -> dict[int, float]:
        """``{wni: probability}``."""
        return {int(g): float(p) for g, p in zip(self.grid, self.p)}

    def __call__(self, wni: ArrayLike, *, warn: bool = True) -> NDArray[np.float64]:
        """Probabilities of ``round(wni)`` (half-to-even), clipped to the grid (warns when clipping)."""
        idx = np.round(np.asarray(wni, dtype=np.float64)).astype(np.int64) - self.grid_start
        last = self.p.shape[0] - 1
        if warn and idx.size and (idx.min() < 0 or idx.max() > last):
            warnings.warn(f"WNI outside the lookup table ({self.grid_start} … {self.grid_start + last}): "
                          "clipped to its ends", RuntimeWarning, stacklevel=2)
        return self.p[np.clip(idx, 0, last)]


def lookup_from_wni(wni: ArrayLike, spike: ArrayLike, step: int = 5,
                    exclude: ArrayLike | None = None) -> Lookup:
    """The lookup table of trials with weighted net input ``wni`` and labels ``spike``.

    Args:
        step: width of the WNI bins (ISF's ``lookup_series_stepsize``).
        exclude: trials to leave out (ISF: a spike in the refractory period before the output window).

    Raises:
        FittingError: all trials fall into one WNI bin, or the grid does not reach the last bin.
    """
    v = np.asarray(wni, dtype=np.float64)
    y = np.asarray(spike, dtype=bool)
    if exclude is not None:
        keep = ~np.asarray(exclude, dtype=bool)
        v, y = v[keep], y[keep]
    if not v.shape[0]:
        raise FittingError("no trials to build the lookup table from", field="wni", value=0, allowed="≥ 1 trial")
    keys = (step * np.round(v / step)).astype(np.int64)
    occupied, inverse = np.unique(keys, return_inverse=True)
    p_key = np.bincount(inverse, weights=y.astype(np.float64)) / np.bincount(inverse)
    b_min, b_max = int(occupied[0]), int(occupied[-1])
    span = b_max - b_min
    start, stop = math.trunc(b_min - 0.3 * span), math.trunc(b_max + 0.3 * span)
    if span == 0 or stop - 1 < b_max:
        raise FittingError(f"the WNI of all trials falls in too few bins of width {step} ({occupied.tolist()}) "
                           "to make a lookup table", field="lookup_step", value=step,
                           allowed="a step smaller than the spread of the WNI")
    grid = np.arange(start, stop, dtype=np.int64)
    xs, ps = occupied.astype(np.float64), p_key
    if occupied[0] != start:
        xs, ps = np.concatenate([[float(start)], xs]), np.concatenate([[0.0], ps])
    return Lookup(int(start), np.interp(grid.astype(np.float64), xs, ps))
