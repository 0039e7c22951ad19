"""Raised-cosine bases on a log-stretched axis (REDUCED_MODELS §4.3), the building blocks of the modular
model's filters: the paper's temporal and spatial bases."""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.validation import to_tuple

__all__ = ["SPATIAL_BASIS", "TEMPORAL_BASIS", "RaisedCosineBasis"]


@attrs.frozen
class RaisedCosineBasis:
    """Raised cosines on a log-stretched axis: ``f_i(τ) = ½ cos(a·ln(τ + c) − φ_i) + ½`` where the
    argument lies in ``(−π, π)``, else 0, for ``τ = 0 … width − 1``; ``reversed`` mirrors the domain
    (``f_i(width − 1 − τ)``: the fine resolution at the end). Values are float32."""

    a: float = 2.0
    c: float = 1.0
    phis: tuple[float, ...] = attrs.field(default=tuple(np.arange(1.0, 11.0, 0.5).tolist()), converter=to_tuple)
    width: int = 80
    reversed: bool = False

    def values(self, width: int | None = None) -> NDArray[np.float32]:
        """The basis ``(n_functions, width)`` (the given width, else :attr:`width`)."""
        w = self.width if width is None else int(width)
        tau = np.arange(w, dtype=np.float64)
        arg = self.a * np.log(tau + self.c)[None, :] - np.asarray(self.phis, dtype=np.float64)[:, None]
        f = np.where((arg > -np.pi) & (arg < np.pi), 0.5 * np.cos(arg) + 0.5, 0.0)
        return (f[:, ::-1] if self.reversed else f).astype(np.float32)


#: The paper's temporal basis: 20 functions (φ = 1 … 10.5), 80 bins, fine near the most recent bin.
TEMPORAL_BASIS = RaisedCosineBasis(2.0, 1.0, tuple(np.arange(1.0, 11.0, 0.5).tolist()), 80, True)
#: The paper's spatial basis: 6 functions (φ = 3 … 10.5), fine near the soma (width = the distance bins).
SPATIAL_BASIS = RaisedCosineBasis(3.0, 5.0, tuple(np.arange(3.0, 11.0, 1.5).tolist()), 30, False)
