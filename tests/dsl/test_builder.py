"""The fluent builder produces the same value as the legacy cell parameter file."""

from __future__ import annotations

from pathlib import Path

import pytest

from isf import (
    CellBuilder,
    Exponential,
    Mechanism,
    ScaleApicalMorph86,
    Uniform,
    UniformRange,
    read_cell_param,
)
from isf.data import cell86

HOC = cell86("86_C2_center.hoc")


def _hay_cell86(hoc: Path = HOC):  # type: ignore[no-untyped-def]
    """Cell 86 of ``86_C2_center.param`` written fluently (S/cm², mV, ms)."""
    ions = {"ek": -85.0, "ena": 50.0}
    return (
        CellBuilder.from_hoc(hoc)
        .with_hay2013_axon()
        .named("hay_2011_dend_test")
        .modify(ScaleApicalMorph86())
        .properties("soma", ra_ohm_cm=100, cm_uF_per_cm2=1, ions=ions)
        .insert("soma", "pas", g=3.26e-5, e=-90)
        .insert("soma", "Ca_LVAst", gCa_LVAstbar=0.00462)
        .insert("soma", "Ca_HVA", gCa_HVAbar=0.000642)
        .insert("soma", "SKv3_1", gSKv3_1bar=0.983)
        .insert("soma", "SK_E2", gSK_E2bar=0.0492)
        .insert("soma", "K_Tst", gK_Tstbar=0.0471)
        .insert("soma", "K_Pst", gK_Pstbar=0.0)
        .insert("soma", "Nap_Et2", gNap_Et2bar=0.00499)
        .insert("soma", "NaTa_t", gNaTa_tbar=2.43)
        .insert("soma", "CaDynamics_E2", decay=770.0, gamma=0.000616)
        .insert("soma", "Ih", gIhbar=0.00008)
        .properties("dend", ra_ohm_cm=100, cm_uF_per_cm2=2)
        .insert("dend", "pas", g=6.31e-5, e=-90)
        .insert("dend", "Ih", gIhbar=0.0002)
        .properties("apic", ra_ohm_cm=100, cm_uF_per_cm2=2, ions=ions)
        .insert("apic", "pas", g=8.82e-5, e=-90)
        .insert("apic", "SK_E2", gSK_E2bar=0.0034)
        .insert("apic", "Ca_LVAst", UniformRange(900, 1100, 0.01), gCa_LVAstbar=0.104)
        .insert("apic", "Ca_HVA", UniformRange(900, 1100, 0.1), gCa_HVAbar=0.00452)
        .insert("apic", "CaDynamics_E2", decay=133.0, gamma=0.0005)
        .insert("apic", "SKv3_1", gSKv3_1bar=0.0112)
        .insert("apic", "NaTa_t", gNaTa_tbar=0.0252)
        .insert("apic", "Im", gImbar=0.000179)
        .insert("apic", Mechanism("Ih", {"gIhbar": 0.0002},
                                  Exponential(offset=-0.8696, lin_scale=2.087, rate=3.6161, x_offset=0.0,
                                              relative=True)))
        .properties("ais", ra_ohm_cm=100, cm_uF_per_cm2=1, ions=ions)
        .insert("ais", "pas", g=2.56e-5, e=-90)
        .insert("ais", "Ca_LVAst", gCa_LVAstbar=0.00858)
        .insert("ais", "Ca_HVA", gCa_HVAbar=0.000692)
        .insert("ais", "SKv3_1", gSKv3_1bar=0.958)
        .insert("ais", "SK_E2", gSK_E2bar=0.0000577)
        .insert("ais", "K_Tst", gK_Tstbar=0.0841)
        .insert("ais", "K_Pst", gK_Pstbar=0.773)
        .insert("ais", "Nap_Et2", gNap_Et2bar=0.00146)
        .insert("ais", "NaTa_t", gNaTa_tbar=0.088)
        .insert("ais", "CaDynamics_E2", decay=507.0, gamma=0.0175)
        .insert("ais", "Ih", gIhbar=0.00008)
        .properties("myelin", ra_ohm_cm=100, cm_uF_per_cm2=0.02)
        .insert("myelin", "pas", g=0.00004, e=-90)
        .build()
    )


def test_fluent_cell86_equals_legacy_param() -> None:
    loaded = read_cell_param(cell86("86_C2_center.param")).cell
    built = _hay_cell86()
    assert built == loaded
    assert built.nseg == loaded.nseg


def test_builder_returns_new_values_and_replaces_by_name() -> None:
    base = CellBuilder.from_hoc(HOC)
    one = base.insert("soma", "pas", g=1e-5, e=-70)
    two = one.insert("soma", "pas", g=2e-5, e=-70)
    assert "soma" not in base.regions
    assert one.regions["soma"].mechanism("pas").parameters["g"] == 1e-5
    assert two.regions["soma"].mechanism("pas").parameters["g"] == 2e-5
    assert len(two.regions["soma"].mechanisms) == 1
    assert two.regions["soma"].mechanism("pas").distribution == Uniform()


def test_builder_accepts_legacy_label_names() -> None:
    cell = CellBuilder.from_hoc(HOC).properties("ApicalDendrite", ra_ohm_cm=80).build()
    assert cell.regions["apic"].ra_ohm_cm == 80.0


def test_insert_mechanism_value_with_parameters_is_an_error() -> None:
    with pytest.raises(TypeError, match="either a Mechanism"):
        CellBuilder.from_hoc(HOC).insert("soma", Mechanism("pas"), g=1.0)


def test_globals_and_discretization() -> None:
    cell = CellBuilder.from_hoc(HOC).globals("Ih", ehcn=-45).discretize(max_segment_length_um=5.0).build()
    assert cell.mechanism_globals == {"Ih": {"ehcn": -45.0}}
    assert max(L / n for L, n in zip(cell.morphology.lengths, cell.nseg)) <= 5.0 + 1e-9
