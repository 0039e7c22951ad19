"""Terms of the modular model that depend on the cell's own last spike (REDUCED_MODELS §4.4): ISF's
``Strategy_ISIraisedCosine`` and ``Strategy_ISIcutoff``, added to the WNI of the separable filters
(``CombineStrategies_sum``).

With ``ISI_n`` the time of trial ``n``'s last spike before the prediction time minus that time (≤ 0 ms,
NaN without one; :func:`isf.reduced.targets.isi_before`):

* **raised cosine**: ``Δ_n = −ISI_n`` capped at the basis width W (NaN → W), ``k_n = int(Δ_n) − 1``; the
  term is ``(Σ_i x_i f_i)[k_n]``, ``x0 ~ U[−5, 5)``. ISF's quirk is kept: ``Δ`` in [0, 1) gives index −1,
  the last element, i.e. the same as "no recent spike". ISF forces W = 80 (:data:`ISI_BASIS`).
* **cutoff**: one parameter ``c`` (``x0 ~ U[cutoff_range)``); the term is 0 if ``ISI_n ≤ −c`` (the last
  spike at least ``c`` ms ago, or none: NaN counts as −100 ms) and ``penalty`` otherwise: it vetoes
  trials inside a refractory period.
"""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from isf.errors import ArgumentValueError
from isf.reduced.raised_cosine import RaisedCosineBasis

__all__ = ["ISI_BASIS", "IsiTerms"]

#: ISF's ISI basis: the paper's temporal functions on 80 ms, not mirrored.
ISI_BASIS = RaisedCosineBasis(2.0, 1.0, tuple(np.arange(1.0, 11.0, 0.5).tolist()), 80, False)
#: ISI of a trial without a spike, for the cutoff term, ms (ISF's value).
_NO_SPIKE_MS = -100.0


@attrs.frozen(eq=False)
class IsiTerms:
    """The ISI terms of a problem, precomputed for its trials.

    Attributes:
        basis: the raised-cosine basis values ``(n_functions, W)`` (``None``: no raised-cosine term).
        index: per trial ``k_n`` (see the module text).
        cutoff_isi: per trial the ISI the cutoff compares (NaN → −100 ms); ``None``: no cutoff term.
        penalty: the cutoff's score for a vetoed trial.
        cutoff_range: the range of the cutoff's start value, ms.
    """

    basis: NDArray[np.float32] | None
    index: NDArray[np.int64]
    cutoff_isi: NDArray[np.float64] | None
    penalty: float = -1e10
    cutoff_range: tuple[float, float] = (0.0, 4.0)

    @classmethod
    def build(cls, isi_ms: ArrayLike, basis: RaisedCosineBasis | None = ISI_BASIS, cutoff: bool = False,
              penalty: float = -1e10, cutoff_range: tuple[float, float] = (0.0, 4.0)) -> IsiTerms:
        """From the trials' ISI (ms, ≤ 0 or NaN)."""
        isi = np.asarray(isi_ms, dtype=np.float64)
        if isi.ndim != 1 or np.any(isi > 0):
            raise ArgumentValueError("isi_ms must be one value per trial, each <= 0 ms or NaN", field="isi_ms",
                                     value=float(np.nanmax(isi)) if isi.size else None, allowed="<= 0 or NaN")
        if basis is None and not cutoff:
            raise ArgumentValueError("ISI terms need a basis or the cutoff", field="isi", value=None,
                                     allowed="basis=RaisedCosineBasis(...) and/or cutoff=True")
        values = None if basis is None else basis.values()
        width = 0 if values is None else values.shape[1]
        delta = np.where(np.isnan(isi), width, np.minimum(-isi, width))
        index = delta.astype(np.int64) - 1
        cutoff_isi = np.where(np.isnan(isi), _NO_SPIKE_MS, isi) if cutoff else None
        return cls(values, index, cutoff_isi, float(penalty), (float(cutoff_range[0]), float(cutoff_range[1])))

    @property
    def n_parameters(self) -> int:
        """Raised-cosine weights, then the cutoff."""
        return (0 if self.basis is None else self.basis.shape[0]) + (0 if self.cutoff_isi is None else 1)

    def x0(self, rng: np.random.Generator) -> NDArray[np.float64]:
        """Start values: ``U[−5, 5)`` for the weights, ``U[cutoff_range)`` for the cutoff (ISF's)."""
        parts: list[NDArray[np.float64]] = []
        if self.basis is not None:
            parts.append(rng.uniform(-5.0, 5.0, size=int(self.basis.shape[0])))
        if self.cutoff_isi is not None:
            parts.append(rng.uniform(self.cutoff_range[0], self.cutoff_range[1], size=1))
        return np.concatenate(parts)

    def filter(self, x: ArrayLike) -> NDArray[np.float32]:
        """The raised-cosine ISI filter over 0 … W − 1 ms since the last spike (empty without that term)."""
        if self.basis is None:
            return np.zeros(0, dtype=np.float32)
        return np.asarray(x, dtype=np.float32)[:self.basis.shape[0]] @ self.basis

    def cutoff(self, x: ArrayLike) -> float | None:
        """The fitted cutoff, ms (``None`` without that term)."""
        return None if self.cutoff_isi is None else float(np.asarray(x)[-1])

    def score(self, x: ArrayLike) -> NDArray[np.float32]:
        """The terms' sum per trial."""
        out = np.zeros(self.index.shape[0], dtype=np.float32)
        if self.basis is not None:
            out += self.filter(x)[self.index]
        if self.cutoff_isi is not None:
            c = float(np.asarray(x)[-1])
            out += np.where(self.cutoff_isi <= -c, 0.0, self.penalty).astype(np.float32)
        return out

    def scaled(self, x: ArrayLike, factor: float) -> NDArray[np.float32]:
        """Parameters whose terms are ``factor`` (> 0) times these (the cutoff is kept): scaling every
        term of the score by one positive factor leaves the AUROC unchanged."""
        v = np.asarray(x, dtype=np.float32).copy()
        if self.basis is not None:
            v[:self.basis.shape[0]] *= factor
        return v
