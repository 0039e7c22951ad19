"""Parameter space of Hay et al. (2011)-style fitting and its mapping onto a typed cell (LEGACY_FORMATS §8.6).

A parameter vector is a :class:`pandas.Series` with ISF's dotted names:

* ``ephys.<mech>.<region>.<param>`` — region ``soma``/``axon``/``dend``/``apic`` (``axon`` is the AIS);
  mechanism ``none`` addresses ``pas`` (``none.soma.g_pas`` → ``pas.g``). Distribution keys work the same
  way (``ephys.SKv3_1.apic.slope``).
* ``scale_apical.scale`` — factor on every apical diameter (``cell_modify_functions.scale_apical``).
* ``hot_zone.min_`` / ``hot_zone.max_`` / ``hot_zone.outsidescale_sections`` — the apical Ca hot zone
  (``uniform_range`` of ``Ca_LVAst`` and ``Ca_HVA``), µm of ``D_root``.
* ``morphology.filename``, ``params.<dotted path>``, ``many_params.<key>`` (+ ``many_params.<key>.<path>``).
* protocol keyword arguments (``bAP.hay_measure.recSite1`` …) are read by :mod:`isf.fitting.protocols`.

Conductances are in S/cm², ``CaDynamics*.decay`` in ms, ``gamma`` a fraction, distances in µm.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from isf.fitting.errors import FittingError

REGION_LABELS: dict[str, str] = {"soma": "Soma", "axon": "AIS", "apic": "ApicalDendrite", "dend": "Dendrite"}

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


@attrs.frozen(eq=False)
class ParameterSpace:
    """Named parameters with closed bounds ``[lower, upper]``.

    Attributes:
        names: parameter names (ISF dotted naming).
        lower: lower bounds (units of each parameter).
        upper: upper bounds, each ``>= lower``.
    """

    names: tuple[str, ...] = attrs.field(converter=tuple)
    lower: NDArray[np.float64] = attrs.field(converter=lambda v: np.asarray(v, dtype=float))
    upper: NDArray[np.float64] = attrs.field(converter=lambda v: np.asarray(v, dtype=float))

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


def _uniform(**values: float) -> dict[str, Any]:
    return {"spatial": "uniform", **values}


def _channels(cadynamics: str) -> dict[str, Any]:
    # conductances are filled in by the parameter vector (None = must be set)
    return {
        "pas": _uniform(g=None, e=-90.0),
        "Ca_LVAst": _uniform(gCa_LVAstbar=None), "Ca_HVA": _uniform(gCa_HVAbar=None),
        "SKv3_1": _uniform(gSKv3_1bar=None), "SK_E2": _uniform(gSK_E2bar=None),
        "K_Tst": _uniform(gK_Tstbar=None), "K_Pst": _uniform(gK_Pstbar=None),
        "Nap_Et2": _uniform(gNap_Et2bar=None), "NaTa_t": _uniform(gNaTa_tbar=None),
        cadynamics: _uniform(decay=None, gamma=None), "Ih": _uniform(gIhbar=8e-05),
    }


def l5tt_template(v2: bool = True) -> dict[str, Any]:
    """ISF's L5tt neuron-parameter template (the ``neuron`` block of a cell ``.param``), unset values ``None``.

    ``v2`` (``get_L5tt_template_v2``): ``CaDynamics_E2_v2``, apical ``SKv3_1`` ``linear`` relative with
    ``slope``/``offset``, and the ``scale_apical`` cell modifier. Ih: 8e-5 S/cm² soma/AIS, 2e-4 basal,
    Hay's exponential on the apical dendrite; hot zone ``uniform_range`` with outside scale 0.01 (Ca_LVAst)
    and 0.1 (Ca_HVA).
    """
    cad = "CaDynamics_E2_v2" if v2 else "CaDynamics_E2"
    ions = {"ek": -85.0, "ena": 50.0}
    apical_skv3 = ({"spatial": "linear", "distance": "relative", "gSKv3_1bar": None, "slope": None, "offset": None}
                   if v2 else _uniform(gSKv3_1bar=None))
    template: dict[str, Any] = {
        "filename": None,
        "Soma": {"properties": {"Ra": 100.0, "cm": 1.0, "ions": dict(ions)},
                 "mechanisms": {"global": {}, "range": _channels(cad)}},
        "Dendrite": {"properties": {"Ra": 100.0, "cm": 2.0},
                     "mechanisms": {"global": {}, "range": {"pas": _uniform(g=None, e=-90.0),
                                                            "Ih": _uniform(gIhbar=2e-04)}}},
        "ApicalDendrite": {
            "properties": {"Ra": 100.0, "cm": 2.0, "ions": dict(ions)},
            "mechanisms": {"global": {}, "range": {
                "pas": _uniform(g=None, e=-90.0),
                "Ih": {"spatial": "exponential", "distance": "relative", "gIhbar": 2e-04, "offset": -0.8696,
                       "linScale": 2.087, "_lambda": 3.6161, "xOffset": 0.0},
                "Im": _uniform(gImbar=None), "NaTa_t": _uniform(gNaTa_tbar=None), "SKv3_1": apical_skv3,
                "Ca_HVA": {"spatial": "uniform_range", "gCa_HVAbar": None, "begin": None, "end": None,
                           "outsidescale": 0.1},
                "Ca_LVAst": {"spatial": "uniform_range", "gCa_LVAstbar": None, "begin": None, "end": None,
                             "outsidescale": 0.01},
                "SK_E2": _uniform(gSK_E2bar=None), cad: _uniform(decay=None, gamma=None)}}},
        "AIS": {"properties": {"Ra": 100.0, "cm": 1.0, "ions": dict(ions)},
                "mechanisms": {"global": {}, "range": _channels(cad)}},
        "Myelin": {"properties": {"Ra": 100.0, "cm": 0.02},
                   "mechanisms": {"global": {}, "range": {"pas": _uniform(g=4e-05, e=-90.0)}}},
    }
    if v2:
        template["cell_modify_functions"] = {"scale_apical": {"scale": None}}
    return template


#: first components of names that address the cell (everything else in a row is ignored by
#: :func:`parameter_items`)
PARAMETER_STAGES: tuple[str, ...] = ("ephys", "scale_apical", "hot_zone", "morphology", "params", "many_params")


def parameter_items(row: Mapping[str, Any] | pd.Series) -> dict[str, Any]:
    """The cell parameters of a row that may also hold evaluation columns (objectives, checks, run
    bookkeeping): the names whose first component is one of :data:`PARAMETER_STAGES`."""
    items = row.items() if isinstance(row, (pd.Series, Mapping)) else dict(row).items()
    return {str(k): v for k, v in items if str(k).partition(".")[0] in PARAMETER_STAGES and "." in str(k)}


def _set_path(tree: dict[str, Any], path: list[str], value: Any, name: str) -> None:
    node = tree
    for i, key in enumerate(path[:-1]):
        if not isinstance(node.get(key), dict):
            raise FittingError(f"parameter {name!r}: no block {'.'.join(path[:i + 1])!r} in the template")
        node = node[key]
    node[path[-1]] = value


def _section_ids(value: Any, name: str) -> list[int]:
    if isinstance(value, str):
        value = value.split()
    try:
        ids = [int(v) for v in value]
    except (TypeError, ValueError):
        raise FittingError(f"parameter {name!r}: expected section IDs, found {value!r}") from None
    return ids


def apply_parameters(template: Mapping[str, Any], params: Mapping[str, Any] | pd.Series) -> dict[str, Any]:
    """A copy of the neuron-parameter ``template`` with ``params`` applied as ISF's L5tt set-up does (§8.6).

    Names of other stages (``bAP.*``, ``BAC.*``, ``Step*.*``) are ignored here. Unknown stages and
    mechanism parameters absent from the template raise :class:`ModelValueError`.
    """
    neuron = copy.deepcopy(dict(template))
    items = dict(params.items()) if isinstance(params, pd.Series) else dict(params)
    many = {k.split(".", 2)[1]: v for k, v in items.items() if k.startswith("many_params.") and k.count(".") == 1}
    for name, value in items.items():
        stage, _, rest = name.partition(".")
        if stage == "ephys":
            parts = rest.split(".")
            if len(parts) != 3:
                raise FittingError(f"parameter {name!r}: expected ephys.<mech>.<region>.<param>")
            mech, region, key = parts
            if region not in REGION_LABELS:
                raise FittingError(f"parameter {name!r}: region {region!r}; allowed are {', '.join(REGION_LABELS)}")
            if mech == "none":
                mech, key = key.split("_", 1)[1], key.split("_", 1)[0]  # g_pas → pas.g
            block = neuron.get(REGION_LABELS[region], {}).get("mechanisms", {}).get("range", {})
            if mech not in block or key not in block[mech]:
                raise FittingError(f"parameter {name!r}: the template has no {REGION_LABELS[region]} "
                                      f"mechanism {mech!r} with key {key!r}")
            block[mech][key] = float(value)
        elif stage == "scale_apical" and rest == "scale":
            neuron.setdefault("cell_modify_functions", {})["scale_apical"] = {"scale": float(value)}
        elif stage == "hot_zone":
            apical = neuron["ApicalDendrite"]["mechanisms"]["range"]
            for mech in ("Ca_LVAst", "Ca_HVA"):
                if rest == "min_":
                    apical[mech]["begin"] = float(value)
                elif rest == "max_":
                    apical[mech]["end"] = float(value)
                elif rest == "outsidescale_sections":
                    apical[mech]["outsidescale_sections"] = _section_ids(value, name)
                else:
                    raise FittingError(f"parameter {name!r}: allowed are hot_zone.min_, hot_zone.max_, "
                                          "hot_zone.outsidescale_sections")
        elif stage == "morphology" and rest == "filename":
            neuron["filename"] = str(value)
        elif stage == "params":
            _set_path(neuron, rest.split("."), value, name)
        elif stage == "many_params":
            key, _, path = rest.partition(".")
            if path:
                if key not in many:
                    raise FittingError(f"parameter {name!r}: no value many_params.{key}")
                _set_path(neuron, path.split("."), many[key], name)
        elif stage not in ("bAP", "BAC", "StepOne", "StepTwo", "StepThree") and not stage.endswith("BAC"):
            raise FittingError(f"parameter {name!r}: unknown stage {stage!r}")
    return neuron


def unset_values(neuron: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of every ``None`` left in a neuron-parameter tree (values a vector must still set)."""
    out: list[str] = []
    for key, value in neuron.items():
        path = f"{prefix}{key}"
        if value is None:
            out.append(path)
        elif isinstance(value, Mapping):
            out.extend(unset_values(value, f"{path}."))
    return out
