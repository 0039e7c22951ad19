"""Building typed cells in NEURON: geometry, nseg, mechanism values, errors, no leaked sections."""

from __future__ import annotations

import gc

import attrs
import numpy as np
import pytest

neuron = pytest.importorskip("neuron")
from neuron import h  # noqa: E402

from isf.backends.neuron.build import BuiltCell, NeuronBuildError, build_cell, section_count, segment_values  # noqa: E402
from isf.backends.neuron.simulate import simulate  # noqa: E402
from isf.model.cell import Cell  # noqa: E402
from isf.model.experiment import Experiment  # noqa: E402
from isf.model.mechanism import Mechanism  # noqa: E402
from isf.model.morphology import Morphology, Section  # noqa: E402
from isf.model.recording import Recording  # noqa: E402
from isf.model.region import Region, Spines  # noqa: E402
from isf.model.simulation import Simulation  # noqa: E402
from isf.model.site import ApicalTrunk, SectionSite, Soma  # noqa: E402
from isf.model.stimulus import CurrentStep  # noqa: E402


def _small_cell(**regions: Region) -> Cell:
    soma = Section("soma", "soma", None, 0.0, np.array([[0, -10, 0], [0, 0, 0], [0, 10, 0]], float),
                   np.array([20.0, 20.0, 20.0]))
    dend = Section("dend_1", "dend", 0, 0.5, np.array([[0, -10, 0], [0, -210, 0]], float), np.array([2.0, 1.0]))
    apic = Section("apical_1", "apic", 0, 0.5, np.array([[0, 10, 0], [0, 410, 0]], float), np.array([3.0, 2.0]))
    return Cell(Morphology((soma, dend, apic)), regions)


def _baseline() -> int:
    gc.collect()
    return section_count()


# ----------------------------------------------------------------------------- leaks


def test_no_leak_after_dropping_built_cells() -> None:
    before = _baseline()
    cell = _small_cell(soma=Region(mechanisms=(Mechanism("pas", {"g": 1e-4, "e": -70.0}),)))
    for _ in range(3):
        built = build_cell(cell)
        assert section_count() == before + 3
        del built
        assert section_count() == before


@pytest.mark.shared
def test_no_leak_cell86_after_simulate_and_drop(cell86: Cell) -> None:
    before = _baseline()
    built = build_cell(cell86)
    assert section_count() == before + 170
    built2 = build_cell(cell86)  # a second cell next to the first
    assert section_count() == before + 340
    del built, built2
    assert section_count() == before
    result = simulate(Experiment(cell86, Simulation(5.0), stimuli=(CurrentStep(1.0, 1.0, 2.0),)))
    assert section_count() == before
    # fixed step 0.025 ms, "while t < tstop: fadvance()": ends at 5 ms or one step beyond
    assert len(result.t_ms) in (201, 202) and result.t_ms[-1] >= 5.0 - 1e-9
    np.testing.assert_allclose(np.diff(result.t_ms), 0.025, rtol=1e-9)
    result = simulate(Experiment(cell86, Simulation(5.0)))
    assert section_count() == before


def test_no_leak_after_build_error() -> None:
    before = _baseline()
    cell = _small_cell(apic=Region(mechanisms=(Mechanism("pas"), Mechanism("NoSuchChannel", {"gbar": 1.0}))))
    with pytest.raises(NeuronBuildError):
        build_cell(cell)
    assert _baseline() == before


def test_no_leak_after_simulate_error() -> None:
    before = _baseline()
    cell = _small_cell(soma=Region(mechanisms=(Mechanism("pas"),)))
    with pytest.raises(NeuronBuildError):
        simulate(Experiment(cell, Simulation(1.0), recordings=(Recording(Soma(), "gIh_Ih"),)))
    assert _baseline() == before


# ----------------------------------------------------------------------------- geometry, nseg, values


@pytest.fixture(scope="module")
def built86(cell86: Cell) -> BuiltCell:
    built = build_cell(cell86)
    yield built
    built.sections.clear()


@pytest.mark.shared
def test_nseg_and_topology_in_neuron(cell86: Cell, built86: BuiltCell) -> None:
    secs = built86.sections
    assert [s.nseg for s in secs] == list(cell86.nseg)
    assert sum(s.nseg for s in secs) == 1142
    morph = cell86.morphology
    for sid, sec in enumerate(secs):
        parent = sec.parentseg()
        if morph.sections[sid].parent is None:
            assert parent is None
            continue
        assert parent.sec == secs[morph.sections[sid].parent]
        assert parent.x == morph.sections[sid].parent_x
        assert sec.orientation() == 0.0  # attached by the 0-end
    assert secs[1].parentseg().x == 0.5  # file says soma(0.187136)


@pytest.mark.shared
def test_passive_and_ions(cell86: Cell, built86: BuiltCell) -> None:
    secs = built86.sections
    expected = {"soma": (100.0, 1.0), "dend": (100.0, 2.0), "apic": (100.0, 2.0), "ais": (100.0, 1.0),
                "myelin": (100.0, 0.02)}
    for sid, sec in enumerate(secs):
        assert (sec.Ra, sec.cm) == expected[cell86.morphology.labels[sid]]
    for sid in (0, 6, 38, 167, 168):
        assert secs[sid].ek == -85.0 and secs[sid].ena == 50.0
    # sections without an ion-using mechanism have no ek to set
    assert not h.ismembrane("k_ion", sec=secs[169])


@pytest.mark.shared
def test_mechanism_values_in_neuron(cell86: Cell, built86: BuiltCell) -> None:
    secs = built86.sections
    morph = cell86.morphology
    for label, region in cell86.regions.items():
        ids = morph.ids_with_label(label)
        for mech in region.mechanisms:
            for param, values in cell86.mechanism_values(label, mech).items():
                got = [getattr(seg, f"{param}_{mech.name}") for sid in ids for seg in secs[sid]]
                np.testing.assert_array_equal(got, values, err_msg=f"{label} {mech.name} {param}")
    # the soma has no Im, the dendrites no NaTa_t
    assert not h.ismembrane("Im", sec=secs[0])
    assert not h.ismembrane("NaTa_t", sec=secs[1])


@pytest.mark.shared
def test_ih_exponential_and_hot_zone(cell86: Cell, built86: BuiltCell) -> None:
    secs = built86.sections
    dist = cell86.distances
    apic = cell86.morphology.ids_with_label("apic")
    root, top = dist.label_root("apic"), dist.max_root_distance("apic")
    ih, ca, hva, d = [], [], [], []
    for sid in apic:
        for seg in secs[sid]:
            droot = h.distance(secs[root](0), seg)
            d.append(droot)
            ih.append(seg.gIhbar_Ih)
            ca.append(seg.gCa_LVAstbar_Ca_LVAst)
            hva.append(seg.gCa_HVAbar_Ca_HVA)
    d = np.array(d)
    np.testing.assert_allclose(ih, 0.0002 * (-0.8696 + 2.087 * np.exp(3.6161 * d / top)), rtol=1e-9)
    ca, hva = np.array(ca), np.array(hva)
    inside = (d >= 900.0) & (d <= 1100.0)
    assert int(inside.sum()) == 39
    assert int(np.sum(ca == 0.104)) == 39
    np.testing.assert_array_equal(ca, np.where(inside, 0.104, 0.00104))
    np.testing.assert_array_equal(hva, np.where(inside, 0.00452, 0.000452))
    # the soma and AIS get their own uniform values
    assert secs[0](0.5).gCa_LVAstbar_Ca_LVAst == 0.00462
    assert secs[168](0.5).gCa_LVAstbar_Ca_LVAst == 0.00858


@pytest.mark.shared
def test_segment_values(cell86: Cell, built86: BuiltCell) -> None:
    g = segment_values(built86, "g_pas")
    assert g.shape == (1142,)
    labels = [cell86.morphology.labels[sid] for sid, n in enumerate(cell86.nseg) for _ in range(n)]
    expected = {"soma": 0.0000326, "dend": 0.0000631, "apic": 0.0000882, "ais": 0.0000256, "myelin": 0.00004}
    np.testing.assert_array_equal(g, [expected[lab] for lab in labels])


# ----------------------------------------------------------------------------- small cells


def test_small_cell_values() -> None:
    cell = _small_cell(
        soma=Region(ra_ohm_cm=80.0, cm_uF_per_cm2=1.5, ions={"ek": -90.0},
                    mechanisms=(Mechanism("pas", {"g": 1e-4, "e": -70.0}), Mechanism("SKv3_1", {"gSKv3_1bar": 0.5}))),
        apic=Region(mechanisms=(Mechanism("pas", {"g": 2e-4, "e": -75.0}),), other_properties={"Ra": 150.0}),
    )
    built = build_cell(cell)
    soma, dend, apic = built.sections
    assert (soma.Ra, soma.cm, soma.ek) == (80.0, 1.5, -90.0)
    assert soma(0.5).pas.g == 1e-4 and soma(0.5).e_pas == -70.0
    assert soma(0.5).gSKv3_1bar_SKv3_1 == 0.5
    assert (dend.Ra, dend.cm) == (35.4, 1.0)  # no region: NEURON defaults, no mechanisms
    assert not h.ismembrane("pas", sec=dend)
    assert apic.Ra == 150.0
    assert [s.nseg for s in built.sections] == list(cell.nseg)
    assert built.segment(2, 0.01).sec == apic


def test_unknown_mechanism_names_region_and_mechanism() -> None:
    cell = _small_cell(apic=Region(mechanisms=(Mechanism("pas"), Mechanism("NoSuchChannel", {"gbar": 1.0}))))
    with pytest.raises(NeuronBuildError) as info:
        build_cell(cell)
    text = str(info.value)
    assert "region 'apic'" in text and "mechanism 'NoSuchChannel'" in text
    assert "does not know" in text


def test_unknown_parameter_names_region_and_mechanism() -> None:
    cell = _small_cell(dend=Region(mechanisms=(Mechanism("pas", {"gbar": 1.0}),)))
    with pytest.raises(NeuronBuildError, match=r"region 'dend', mechanism 'pas'.*gbar_pas"):
        build_cell(cell)


def test_ion_without_mechanism() -> None:
    cell = _small_cell(dend=Region(ions={"ena": 50.0}, mechanisms=(Mechanism("pas"),)))
    with pytest.raises(NeuronBuildError, match=r"region 'dend' ions.*ena"):
        build_cell(cell)


def test_unknown_global() -> None:
    cell = attrs.evolve(_small_cell(), mechanism_globals={"Ih": {"nosuch": 1.0}})
    with pytest.raises(NeuronBuildError, match=r"mechanism_globals\['Ih'\].*nosuch_Ih"):
        build_cell(cell)


def test_mechanism_globals_set() -> None:
    cell = attrs.evolve(_small_cell(apic=Region(mechanisms=(Mechanism("Ih", {"gIhbar": 1e-4}),))),
                        mechanism_globals={"Ih": {"ehcn": -40.0}})
    old = h.ehcn_Ih
    try:
        build_cell(cell)
        assert h.ehcn_Ih == -40.0
    finally:
        h.ehcn_Ih = old


def test_spine_correction() -> None:
    cell = _small_cell(dend=Region(cm_uF_per_cm2=1.0, spines=Spines(1.5, 1.2),
                                   mechanisms=(Mechanism("pas", {"g": 1e-4}),)))
    built = build_cell(cell)
    dend = built.sections[1]
    area = sum(seg.area() for seg in dend)
    factor = 1 + 1.2 * 1.5 * dend.L / area
    assert dend.cm == pytest.approx(factor)
    for seg in dend:
        assert seg.g_pas == pytest.approx(1e-4 * factor)
    with pytest.raises(NeuronBuildError, match="pas"):
        build_cell(_small_cell(dend=Region(spines=Spines(1.5, 1.2))))


def test_record_cai_and_gih() -> None:
    cell = _small_cell(
        soma=Region(mechanisms=(Mechanism("pas", {"g": 1e-4, "e": -70.0}), Mechanism("Ca_HVA", {"gCa_HVAbar": 1e-3}),
                                Mechanism("CaDynamics_E2", {"gamma": 0.0005, "decay": 80.0}))),
        apic=Region(mechanisms=(Mechanism("pas", {"g": 1e-4, "e": -70.0}), Mechanism("Ih", {"gIhbar": 2e-4}))),
    )
    exp = Experiment(
        cell, Simulation(20.0),
        stimuli=(CurrentStep(2.0, 5.0, 10.0),),
        recordings=(Recording(), Recording(Soma(), "cai"), Recording(SectionSite(2, 0.9), "gIh_Ih"),
                    Recording(SectionSite(2, 0.9), "v", name="apic_v")),
    )
    result = simulate(exp)
    assert set(result.traces) == {"soma", "soma.cai", "sec_002_x_0.900.gIh_Ih", "apic_v"}
    n = len(result.t_ms)
    assert n in (801, 802) and result.t_ms[-1] >= 20.0 - 1e-9
    assert all(len(v) == n for v in result.traces.values())
    cai = result["soma.cai"]
    assert cai[0] == pytest.approx(5e-5)  # NEURON's default cai0
    assert cai.max() > 1.5 * cai[0]  # calcium enters with the depolarisation
    gih = result["sec_002_x_0.900.gIh_Ih"]
    assert np.all(gih > 0) and np.all(gih < 2e-4)
    assert np.ptp(gih) > 0
    assert result.sites["apic_v"] == (2, pytest.approx(1 - 0.5 / cell.nseg[2]))
    assert result["soma"].max() > result["soma"][0] + 10


def test_recording_unknown_variable() -> None:
    cell = _small_cell(soma=Region(mechanisms=(Mechanism("pas"),)))
    with pytest.raises(NeuronBuildError, match=r"recording 'soma.gIh_Ih'.*gIh_Ih"):
        simulate(Experiment(cell, Simulation(1.0), recordings=(Recording(Soma(), "gIh_Ih"),)))


@pytest.mark.shared
def test_apical_injection_site(cell86: Cell) -> None:
    exp = Experiment(cell86, Simulation(2.0), recordings=(Recording(ApicalTrunk(620.0)),))
    result = simulate(exp)
    assert result.sites["apical_trunk_620um"] == (38, 0.5)


def test_run_does_not_inherit_cvode_tolerances() -> None:
    """Tolerances left in the process by other code must not change an isf run."""
    cell = _small_cell(soma=Region(mechanisms=(Mechanism("pas", {"g": 1e-4, "e": -70.0}),
                                               Mechanism("NaTa_t", {"gNaTa_tbar": 2.0}),
                                               Mechanism("SKv3_1", {"gSKv3_1bar": 0.5}))))
    exp = Experiment(cell, Simulation(30.0, cvode=True), stimuli=(CurrentStep(1.0, 5.0, 20.0),))
    cvode = h.CVode()
    old = (cvode.atol(), cvode.rtol())
    try:
        first = simulate(exp)
        assert (cvode.atol(), cvode.rtol()) == (1e-3, 0.0)
        cvode.atol(1e-9)
        cvode.rtol(1e-7)
        second = simulate(exp)
        np.testing.assert_array_equal(second.t_ms, first.t_ms)
        np.testing.assert_array_equal(second["soma"], first["soma"])
        simulate(attrs.evolve(exp, simulation=Simulation(1.0, cvode=True, cvode_atol=1e-5)))
        assert cvode.atol() == 1e-5
    finally:
        cvode.atol(old[0])
        cvode.rtol(old[1])
        cvode.active(0)
