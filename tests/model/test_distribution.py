"""Spatial distributions (LEGACY_FORMATS §3.4) on the real morphology of cell 86.

Every expected value is computed here with numpy from the distances of
:class:`SomaDistances` (checked against NEURON in test_soma_distance.py) or
from the 3D points, independently of the distribution classes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import attrs
import numpy as np
import pytest

from isf.errors import ModelValueError
from isf.model.cell import Cell
from isf.model.distribution import (
    DISTRIBUTIONS,
    CappedExponential,
    Exponential,
    ExponentialByZDist,
    Linear,
    LinearCapped,
    Sigmoid,
    Uniform,
    UniformRange,
)
from isf.model.mechanism import Mechanism

pytestmark = pytest.mark.shared

G = 0.0002


class Segs:
    """Segments of one region of cell 86 and their distances, enumerated here."""

    def __init__(self, cell: Cell, label: str) -> None:
        dist = cell.distances
        morph = cell.morphology
        self.label = label
        pairs = [(sid, (j + 0.5) / cell.nseg[sid]) for sid in morph.ids_with_label(label)
                 for j in range(cell.nseg[sid])]
        self.sid = np.array([p[0] for p in pairs])
        self.x = np.array([p[1] for p in pairs])
        self.soma0 = np.array([dist.soma0(s, x) for s, x in pairs])
        root = dist.label_root(label)
        self.root = self.soma0 - dist.soma0(root, 0.0)
        # max D_root over terminal sections below the soma children with this label
        leaves = [s for c in morph.children[0] if morph.labels[c] == label
                  for s in morph.subtree(c) if not morph.children[s]]
        self.max = max(dist.soma0(s, 1.0) - dist.soma0(root, 0.0) for s in leaves)
        soma = morph.sections[0]
        z0 = soma.points[soma.n_points // 2, 2]
        z = []
        for s, x in pairs:
            pts = morph.sections[s].points
            arc = np.concatenate([[0.0], np.cumsum(np.sqrt(np.sum(np.diff(pts, axis=0) ** 2, axis=1)))])
            rel = arc / arc[-1]
            k = int(np.searchsorted(rel, x, side="right"))  # rel[k-1] <= x < rel[k]
            f = (x - rel[k - 1]) / (rel[k] - rel[k - 1])
            z.append(pts[k - 1, 2] + f * (pts[k, 2] - pts[k - 1, 2]) - z0)
        self.z = np.array(z)


@pytest.fixture(scope="module")
def apic(cell86: Cell) -> Segs:
    return Segs(cell86, "apic")


@pytest.fixture(scope="module")
def dend(cell86: Cell) -> Segs:
    return Segs(cell86, "dend")


def _values(cell: Cell, label: str, distribution: object, nominal: float = G) -> np.ndarray:
    ctx = cell.segment_context(label)
    return distribution.scale(nominal, ctx)  # type: ignore[attr-defined]


def test_segment_enumeration(cell86: Cell, apic: Segs, dend: Segs) -> None:
    ctx = cell86.segment_context("apic")
    np.testing.assert_array_equal(ctx.section_ids, apic.sid)
    np.testing.assert_allclose(ctx.x, apic.x, rtol=1e-15)
    assert len(ctx) == len(apic.x) == sum(cell86.nseg[s] for s in cell86.morphology.ids_with_label("apic"))
    np.testing.assert_allclose(ctx.root_um, apic.root, rtol=1e-12)
    np.testing.assert_allclose(ctx.soma0_um, apic.soma0, rtol=1e-12)
    np.testing.assert_allclose(ctx.z_um, apic.z, rtol=1e-9, atol=1e-9)
    assert ctx.max_distance_um == pytest.approx(apic.max, rel=1e-12)
    assert len(cell86.segment_context("dend")) == len(dend.x)
    # apical z grows towards the pia: the tuft is ~1 mm above the soma
    assert apic.z.max() > 1000.0 and apic.z.min() > -50.0


def test_uniform(cell86: Cell, apic: Segs) -> None:
    np.testing.assert_array_equal(_values(cell86, "apic", Uniform()), np.full(len(apic.x), G))


def test_uniform_range(cell86: Cell, apic: Segs) -> None:
    dist = UniformRange(900.0, 1100.0, 0.01)
    expected = np.where((apic.root >= 900.0) & (apic.root <= 1100.0), G, G * 0.01)
    got = _values(cell86, "apic", dist)
    np.testing.assert_array_equal(got, expected)
    assert int(np.sum(got == G)) == 39


def test_uniform_range_inclusive_bounds_and_never_relative(cell86: Cell, apic: Segs) -> None:
    ctx = cell86.segment_context("apic")
    d = ctx.root_um
    lo, hi = float(d[10]), float(d[20])
    lo, hi = min(lo, hi), max(lo, hi)
    got = UniformRange(lo, hi, 0.5).scale(1.0, ctx)
    inside = (apic.root >= lo) & (apic.root <= hi)
    np.testing.assert_array_equal(got, np.where(inside, 1.0, 0.5))
    assert got[10] == 1.0 and got[20] == 1.0
    # moving a bound past a segment excludes it
    got = UniformRange(np.nextafter(lo, math.inf), hi, 0.5).scale(1.0, ctx)
    assert got[int(np.argmin(np.abs(d - lo)))] == 0.5
    # bounds are µm even below 1 (no relative distance)
    assert np.all(UniformRange(0.0, 1.0, 0.0).scale(1.0, ctx)[apic.root > 1.0] == 0.0)


def test_uniform_range_outside_sections(cell86: Cell, apic: Segs) -> None:
    inside = (apic.root >= 900.0) & (apic.root <= 1100.0)
    hot_sections = sorted(set(apic.sid[inside].tolist()))
    assert len(hot_sections) >= 2
    forced = hot_sections[:1]
    got = _values(cell86, "apic", UniformRange(900, 1100, 0.1, outside_sections=forced))
    expected = np.where(inside & ~np.isin(apic.sid, forced), G, 0.1 * G)
    np.testing.assert_array_equal(got, expected)
    assert np.all(got[apic.sid == forced[0]] == 0.1 * G)
    # a listed section outside the range stays outside; an unlisted ID changes nothing
    assert np.array_equal(_values(cell86, "apic", UniformRange(900, 1100, 0.1, outside_sections=(0, 500))),
                          np.where(inside, G, 0.1 * G))


@pytest.mark.parametrize("relative", [False, True])
def test_linear(cell86: Cell, apic: Segs, relative: bool) -> None:
    slope, offset = (0.003, 0.5) if not relative else (-1.2, 0.25)
    d = apic.soma0 / apic.max if relative else apic.soma0  # D_soma0, divided by the D_root-based max
    expected = np.maximum(G * (1 + slope * d), G * offset)
    got = _values(cell86, "apic", Linear(slope, offset, relative))
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    if relative:
        assert np.any(got == G * offset) and np.any(got > G * offset)


def test_linear_uses_soma0_not_root(cell86: Cell, dend: Segs) -> None:
    got = _values(cell86, "dend", Linear(1.0, 0.0), nominal=1.0)
    np.testing.assert_allclose(got, 1.0 + dend.soma0, rtol=1e-12)
    assert not np.allclose(got, 1.0 + dend.root)


@pytest.mark.parametrize("relative", [False, True])
def test_linear_capped(cell86: Cell, apic: Segs, relative: bool) -> None:
    prox, distal, at = (1e-4, 5e-3, 700.0) if not relative else (2e-3, 1e-4, 0.6)
    d = apic.soma0 / apic.max if relative else apic.soma0
    expected = np.where(d < at, prox + (distal - prox) * d / at, distal)
    mech = Mechanism("SK_E2", {"gSK_E2bar": 99.0}, LinearCapped("gSK_E2bar", prox, distal, at, relative))
    values = mech.segment_values(cell86.segment_context("apic"))
    assert list(values) == ["gSK_E2bar"]
    np.testing.assert_allclose(values["gSK_E2bar"], expected, rtol=1e-12)
    assert np.any(d >= at) and np.any(d < at)


@pytest.mark.parametrize("relative", [False, True])
def test_exponential(cell86: Cell, apic: Segs, relative: bool) -> None:
    if relative:  # Hay 2011 Ih
        offset, scale, rate, x0 = -0.8696, 2.087, 3.6161, 0.0
        d = apic.root / apic.max
    else:
        offset, scale, rate, x0 = 0.1, 0.5, 1 / 323.0, 100.0
        d = apic.root
    expected = G * (offset + scale * np.exp(rate * (d - x0)))
    got = _values(cell86, "apic", Exponential(offset, scale, rate, x0, relative))
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    if relative:
        # bounded by the value at the far end, 0.0002·(−0.8696 + 2.087·e^3.6161) ≈ 0.0155 S/cm²
        assert got.max() < G * (offset + scale * math.exp(rate))
        assert got.max() == pytest.approx(0.0151065, abs=1e-6)  # last segment centre


@pytest.mark.parametrize("relative", [False, True])
def test_exponential_by_z_dist_apical(cell86: Cell, apic: Segs, relative: bool) -> None:
    offset, scale, rate, x0 = 0.2, 0.8, (2.0 if relative else 1.5), 0.1
    d = apic.z / apic.max if relative else apic.z / 1000.0  # mm when absolute
    expected = G * (offset + scale * np.exp(rate * (d - x0)))
    got = _values(cell86, "apic", ExponentialByZDist(offset, scale, rate, x0, relative))
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    # it is not the path distance
    assert not np.allclose(got, G * (offset + scale * np.exp(rate * (apic.root / 1000.0 - x0))))


@pytest.mark.parametrize("relative", [False, True])
def test_exponential_by_z_dist_non_apical(cell86: Cell, dend: Segs, relative: bool) -> None:
    offset, scale, rate, x0 = 0.2, 0.8, 1.5, 0.1
    d = dend.root / dend.max if relative else dend.root / 1000.0
    expected = G * (offset + scale * np.exp(rate * (d - x0)))
    got = _values(cell86, "dend", ExponentialByZDist(offset, scale, rate, x0, relative))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("relative", [False, True])
def test_capped_exponential(cell86: Cell, apic: Segs, relative: bool) -> None:
    offset, scale, rate, x0, cap = 0.0, 1.0, (3.0 if relative else 0.003), 0.0, 5 * G
    d = apic.root / apic.max if relative else apic.root
    expected = np.minimum(G * (offset + scale * np.exp(rate * (d - x0))), cap)
    got = _values(cell86, "apic", CappedExponential(offset, scale, rate, x0, cap, relative))
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert np.any(got == cap) and np.any(got < cap)


@pytest.mark.parametrize("relative", [False, True])
def test_sigmoid(cell86: Cell, apic: Segs, relative: bool) -> None:
    offset, scale, x0, width = (0.1, 2.0, 600.0, 50.0) if not relative else (0.1, 2.0, 0.4, -0.1)
    d = apic.root / apic.max if relative else apic.root
    expected = G * (offset + scale / (1 + np.exp((d - x0) / width)))
    got = _values(cell86, "apic", Sigmoid(offset, scale, x0, width, relative))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_every_kind_is_tested() -> None:
    assert set(DISTRIBUTIONS) == {"uniform", "uniform_range", "linear", "linear_capped", "exponential",
                                  "exponential_by_z_dist", "capped_exponential", "sigmoid"}


def test_param_file_distributions(cell86: Cell, apic: Segs) -> None:
    """Ih and the hot zone of 86_C2_center.param."""
    ih = cell86.mechanism_values("apic", "Ih")["gIhbar"]
    np.testing.assert_allclose(ih, 0.0002 * (-0.8696 + 2.087 * np.exp(3.6161 * apic.root / apic.max)), rtol=1e-12)
    ca = cell86.mechanism_values("apic", "Ca_LVAst")["gCa_LVAstbar"]
    inside = (apic.root >= 900.0) & (apic.root <= 1100.0)
    np.testing.assert_array_equal(ca, np.where(inside, 0.104, 0.104 * 0.01))
    hva = cell86.mechanism_values("apic", "Ca_HVA")["gCa_HVAbar"]
    np.testing.assert_array_equal(hva, np.where(inside, 0.00452, 0.00452 * 0.1))


def test_non_uniform_pas_scales_every_parameter(cell86: Cell, dend: Segs) -> None:
    mech = Mechanism("pas", {"g": 1e-4, "e": -90.0}, Linear(0.001, 0.0))
    values = mech.segment_values(cell86.segment_context("dend"))
    np.testing.assert_allclose(values["g"], 1e-4 * np.maximum(1 + 0.001 * dend.soma0, 0.0), rtol=1e-12)
    # max(ḡ(1 + slope·d), ḡ·offset) with a negative ḡ: ISF's formula gives ḡ·offset = 0 everywhere
    np.testing.assert_array_equal(values["e"], np.zeros(len(dend.x)))


# ----------------------------------------------------------------------------- NEURON receives these values


@pytest.fixture(scope="module")
def built_variant(cell86: Cell) -> Iterator[tuple[Cell, object]]:
    pytest.importorskip("neuron")
    from isf.backends.neuron.build import build_cell

    apic_region = cell86.regions["apic"]
    apic_region = apic_region.with_mechanism(
        Mechanism("SK_E2", {"gSK_E2bar": 0.0034}, LinearCapped("gSK_E2bar", 1e-3, 1e-4, 0.5, relative=True)))
    apic_region = apic_region.with_mechanism(
        Mechanism("Im", {"gImbar": 0.000179}, ExponentialByZDist(0.1, 1.0, 1.2, 0.0)))
    dend_region = cell86.regions["dend"].with_mechanism(
        Mechanism("Ih", {"gIhbar": 0.0002}, Sigmoid(0.5, 1.0, 150.0, 30.0)))
    variant = attrs.evolve(cell86, regions={**cell86.regions, "apic": apic_region, "dend": dend_region})
    built = build_cell(variant)
    yield variant, built
    built.sections.clear()


def _neuron_values(built: object, sids: np.ndarray, name: str) -> np.ndarray:
    secs = built.sections  # type: ignore[attr-defined]
    out = []
    for sid in sorted(set(sids.tolist())):
        out.extend(getattr(seg, name) for seg in secs[sid])
    return np.array(out)


def test_neuron_gets_exponential_ih(built_variant: tuple[Cell, object], apic: Segs) -> None:
    from isf.backends.neuron.build import segment_values

    cell, built = built_variant
    expected = 0.0002 * (-0.8696 + 2.087 * np.exp(3.6161 * apic.root / apic.max))
    np.testing.assert_allclose(_neuron_values(built, apic.sid, "gIhbar_Ih"), expected, rtol=1e-12)
    # segment_values lists every segment in section order (pas is everywhere, also in the myelin)
    allv = segment_values(built, "g_pas")  # type: ignore[arg-type]
    assert len(allv) == 1142
    assert allv[0] == 0.0000326 and allv[-1] == 0.00004
    np.testing.assert_array_equal(_neuron_values(built, apic.sid, "gIhbar_Ih"),
                                  cell.mechanism_values("apic", "Ih")["gIhbar"])


def test_neuron_gets_sigmoid_linear_capped_and_z(built_variant: tuple[Cell, object], apic: Segs, dend: Segs) -> None:
    cell, built = built_variant
    ih = _neuron_values(built, dend.sid, "gIhbar_Ih")
    np.testing.assert_allclose(ih, 0.0002 * (0.5 + 1.0 / (1 + np.exp((dend.root - 150.0) / 30.0))), rtol=1e-12)
    np.testing.assert_array_equal(ih, cell.mechanism_values("dend", "Ih")["gIhbar"])

    d = apic.soma0 / apic.max
    sk = _neuron_values(built, apic.sid, "gSK_E2bar_SK_E2")
    np.testing.assert_allclose(sk, np.where(d < 0.5, 1e-3 + (1e-4 - 1e-3) * d / 0.5, 1e-4), rtol=1e-12)

    im = _neuron_values(built, apic.sid, "gImbar_Im")
    np.testing.assert_allclose(im, 0.000179 * (0.1 + np.exp(1.2 * apic.z / 1000.0)), rtol=1e-9)


def test_neuron_hot_zone(built_variant: tuple[Cell, object], apic: Segs) -> None:
    _, built = built_variant
    ca = _neuron_values(built, apic.sid, "gCa_LVAstbar_Ca_LVAst")
    assert int(np.sum(ca == 0.104)) == 39
    np.testing.assert_array_equal(ca, np.where((apic.root >= 900) & (apic.root <= 1100), 0.104, 0.104 * 0.01))


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("make", "owner", "field", "shown"),
    [
        (lambda: Sigmoid(0.0, 1.0, 0.0, 0), "Sigmoid", "width", "0.0"),
        (lambda: Sigmoid(0.0, 1.0, 0.0, math.inf), "Sigmoid", "width", "inf"),
        (lambda: UniformRange(math.nan, 1.0, 0.1), "UniformRange", "begin_um", "nan"),
        (lambda: UniformRange(0.0, "far", 0.1), "UniformRange", "end_um", "'far'"),
        (lambda: UniformRange(0.0, 1.0, 0.1, outside_sections=(1, -2)), "UniformRange", "outside_sections", "-2"),
        (lambda: Exponential(0.0, 1.0, math.inf, 0.0), "Exponential", "rate", "inf"),
        (lambda: Linear(None, 0.0), "Linear", "slope", "None"),
        (lambda: LinearCapped("g", 0.0, 1.0, 0.0), "LinearCapped", "distal_distance", "0.0"),
        (lambda: CappedExponential(0, 1, 1, 0, math.nan), "CappedExponential", "max_value", "nan"),
        (lambda: ExponentialByZDist(True, 1, 1, 0), "ExponentialByZDist", "offset", "True"),
    ],
)
def test_validation_errors(make, owner: str, field: str, shown: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelValueError) as info:
        make()
    err = info.value
    assert err.owner == owner and err.field == field
    assert f"{owner}.{field} = {shown}" in str(err)
    assert "allowed is" in str(err)


def test_mechanism_rejects_unknown_distribution() -> None:
    with pytest.raises(ModelValueError, match="Mechanism.distribution"):
        Mechanism("Ih", {"gIhbar": 1.0}, "exponential")  # type: ignore[arg-type]


def test_ints_become_floats() -> None:
    assert Exponential(0, 1, 2, 0) == Exponential(0.0, 1.0, 2.0, 0.0)
    assert isinstance(UniformRange(900, 1100, 1).begin_um, float)
