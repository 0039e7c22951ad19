"""The parameter space of Hay et al. (2011)-style fitting: named parameters with bounds.

Names follow ISF's dotted naming (``ephys.<mech>.<region>.<param>``, ``scale_apical.scale`` …; see
:mod:`isf.fitting.legacy_names`), so ``ParameterSpace`` tables, the reference CSVs and saved runs keep
their columns. Conductances are in S/cm², ``CaDynamics*.decay`` in ms, ``gamma`` a fraction, distances
in µm. The typed parameters behind the names are in :mod:`isf.fitting.cell_parameters`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from isf.errors import FittingError

if TYPE_CHECKING:
    from isf.fitting.cell_parameters import CellParameter

#: Hay et al. (2011) parameter bounds (S/cm², ms, fraction) with ``CaDynamics_E2`` named by ``{cad}``.
_HAY_RANGES: tuple[tuple[str, float, float], ...] = (
    ("NaTa_t.soma.gNaTa_tbar", 0.0, 4.0), ("Nap_Et2.soma.gNap_Et2bar", 0.0, 0.01),
    ("K_Pst.soma.gK_Pstbar", 0.0, 1.0), ("K_Tst.soma.gK_Tstbar", 0.0, 0.1),
    ("SK_E2.soma.gSK_E2bar", 0.0, 0.1), ("SKv3_1.soma.gSKv3_1bar", 0.0, 2.0),
    ("Ca_HVA.soma.gCa_HVAbar", 0.0, 0.001), ("Ca_LVAst.soma.gCa_LVAstbar", 0.0, 0.01),
    ("{cad}.soma.gamma", 0.0005, 0.05), ("{cad}.soma.decay", 20.0, 1000.0),
    ("NaTa_t.axon.gNaTa_tbar", 0.0, 4.0), ("Nap_Et2.axon.gNap_Et2bar", 0.0, 0.01),
    ("K_Pst.axon.gK_Pstbar", 0.0, 1.0), ("K_Tst.axon.gK_Tstbar", 0.0, 0.1),
    ("SK_E2.axon.gSK_E2bar", 0.0, 0.1), ("SKv3_1.axon.gSKv3_1bar", 0.0, 2.0),
    ("Ca_HVA.axon.gCa_HVAbar", 0.0, 0.001), ("Ca_LVAst.axon.gCa_LVAstbar", 0.0, 0.01),
    ("{cad}.axon.gamma", 0.0005, 0.05), ("{cad}.axon.decay", 20.0, 1000.0),
    ("none.soma.g_pas", 2e-05, 5.02e-05), ("none.axon.g_pas", 2e-05, 5e-05),
    ("none.dend.g_pas", 3e-05, 0.0001), ("none.apic.g_pas", 3e-05, 0.0001),
    ("Im.apic.gImbar", 0.0, 0.001), ("NaTa_t.apic.gNaTa_tbar", 0.0, 0.04),
    ("SKv3_1.apic.gSKv3_1bar", 0.0, 0.04), ("Ca_HVA.apic.gCa_HVAbar", 0.0, 0.005),
    ("Ca_LVAst.apic.gCa_LVAstbar", 0.0, 0.2), ("SK_E2.apic.gSK_E2bar", 0.0, 0.01),
    ("{cad}.apic.gamma", 0.0005, 0.05), ("{cad}.apic.decay", 20.0, 200.0),
)


def _names(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _floats(value: Iterable[float]) -> NDArray[np.float64]:
    return np.asarray(value, dtype=float)


@attrs.frozen(eq=False)
class ParameterSpace:
    """Named parameters with closed bounds ``[lower, upper]``.

    Attributes:
        names: parameter names (ISF dotted naming).
        lower: lower bounds (units of each parameter).
        upper: upper bounds, each ``>= lower``.
    """

    names: tuple[str, ...] = attrs.field(converter=_names)
    lower: NDArray[np.float64] = attrs.field(converter=_floats)
    upper: NDArray[np.float64] = attrs.field(converter=_floats)

    def __attrs_post_init__(self) -> None:
        n = len(self.names)
        if len(set(self.names)) != n:
            dup = sorted({x for x in self.names if self.names.count(x) > 1})
            raise FittingError(f"ParameterSpace.names: duplicated {dup}; names must be unique")
        if self.lower.shape != (n,) or self.upper.shape != (n,):
            raise FittingError(f"ParameterSpace: {n} names but {self.lower.shape[0]} lower and "
                                  f"{self.upper.shape[0]} upper bounds; one of each per name is required")
        bad = [f"{nm} [{lo}, {hi}]" for nm, lo, hi in zip(self.names, self.lower, self.upper)
               if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi)]
        if bad:
            raise FittingError(f"ParameterSpace: bounds must be finite with min <= max, found {', '.join(bad)}")
        self.lower.flags.writeable = False
        self.upper.flags.writeable = False

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ParameterSpace) and self.names == other.names
                and np.array_equal(self.lower, other.lower) and np.array_equal(self.upper, other.upper))

    def __hash__(self) -> int:
        return hash((self.names, self.lower.tobytes(), self.upper.tobytes()))

    def __len__(self) -> int:
        return len(self.names)

    @classmethod
    def from_table(cls, table: pd.DataFrame) -> ParameterSpace:
        """From a table with index = names and columns ``min``, ``max`` (ISF's ``params`` table)."""
        missing = {"min", "max"} - set(table.columns)
        if missing:
            raise FittingError(f"parameter table needs columns 'min' and 'max', missing {sorted(missing)}")
        return cls(tuple(str(i) for i in table.index), table["min"].to_numpy(float), table["max"].to_numpy(float))

    @classmethod
    def from_parameters(cls, parameters: Iterable[CellParameter]) -> ParameterSpace:
        """The space of typed parameters (:mod:`isf.fitting.cell_parameters`), each with its bounds."""
        params = list(parameters)
        unbounded = [p.name for p in params if p.bounds is None]
        if unbounded:
            raise FittingError(f"parameters without bounds cannot span a space: {', '.join(unbounded)}")
        bounds = [p.bounds for p in params if p.bounds is not None]
        return cls(tuple(p.name for p in params), [b[0] for b in bounds], [b[1] for b in bounds])

    def table(self) -> pd.DataFrame:
        """The ranges as a table: index = names, columns ``min``, ``max``."""
        return pd.DataFrame({"min": self.lower, "max": self.upper}, index=pd.Index(self.names, name="param"))

    def vector(self, params: Mapping[str, float] | pd.Series) -> NDArray[np.float64]:
        """The values of ``params`` in the order of :attr:`names` (every name must be present)."""
        missing = [n for n in self.names if n not in params]
        if missing:
            raise FittingError(f"parameter vector lacks {missing[:5]}{' …' if len(missing) > 5 else ''}")
        return np.array([float(params[n]) for n in self.names])

    def series(self, values: Iterable[float]) -> pd.Series:
        """A parameter Series from values in the order of :attr:`names`."""
        arr = np.asarray(list(values), dtype=float)
        if arr.shape != (len(self),):
            raise FittingError(f"expected {len(self)} values, found {arr.shape}")
        return pd.Series(arr, index=list(self.names))

    def normalize(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """``(p − min)/(max − min)`` (0 for degenerate ranges); works on ``(..., n)`` arrays."""
        span = self.upper - self.lower
        return np.divide(np.asarray(values, float) - self.lower, span, out=np.zeros(np.broadcast_shapes(
            np.shape(values), span.shape)), where=span > 0)

    def denormalize(self, unit: NDArray[np.float64]) -> NDArray[np.float64]:
        """Inverse of :meth:`normalize`."""
        return self.lower + np.asarray(unit, float) * (self.upper - self.lower)

    def contains(self, values: NDArray[np.float64]) -> bool:
        """True iff every value lies within its bounds (inclusive)."""
        v = np.asarray(values, float)
        return bool(np.all((v >= self.lower) & (v <= self.upper)))


def hay_parameter_space(cadynamics: str = "CaDynamics_E2_v2", v2_extras: bool = True) -> ParameterSpace:
    """The Hay et al. (2011) ranges in ``ephys.*`` naming; with ``v2_extras`` also the apical ``SKv3_1``
    ``slope`` ∈ [−3, 0], ``offset`` ∈ [0, 1] and ``scale_apical.scale`` ∈ [0.333, 3] (35 parameters)."""
    rows = [(f"ephys.{n.format(cad=cadynamics)}", lo, hi) for n, lo, hi in _HAY_RANGES]
    if v2_extras:
        rows += [("ephys.SKv3_1.apic.slope", -3.0, 0.0), ("ephys.SKv3_1.apic.offset", 0.0, 1.0),
                 ("scale_apical.scale", 0.333, 3.0)]
    rows.sort(key=lambda r: r[0])
    names, lo, hi = zip(*rows)
    return ParameterSpace(names, lo, hi)
