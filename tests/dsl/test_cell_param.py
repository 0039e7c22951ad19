"""Legacy cell ``.param`` files ⇄ typed values (LEGACY_FORMATS §3)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from isf.dsl.cell_param import (
    CellParameterFile,
    cell_from_param_dict,
    cell_param_dict,
    read_cell_param,
    write_cell_param,
)
from isf.dsl.hoc import read_hoc
from isf.dsl.param_format import format_param, parse_param, read_param
from isf.errors import LegacyFormatError
from isf.model.distribution import Exponential, Uniform, UniformRange
from isf.model.modifier import ScaleApical, ScaleApicalMorph86

pytestmark = pytest.mark.shared

SIMRUN_PARAM = ("legacy_simrun/C2_evoked_UpState_INH_PW_1.0_SuW_0.5_C2center/20150815-1530_20240/"
                "20240_neuron_model.param")


def _diff(written: Any, legacy: Any, path: str = "") -> list[str]:
    """Key paths where two parsed dicts differ (values compared with their types)."""
    if isinstance(written, dict) and isinstance(legacy, dict):
        out = []
        for key in sorted(set(written) | set(legacy)):
            sub = f"{path}.{key}" if path else key
            if key not in written:
                out.append(f"-{sub}")
            elif key not in legacy:
                out.append(f"+{sub}")
            else:
                out.extend(_diff(written[key], legacy[key], sub))
        return out
    if type(written) is not type(legacy) or written != legacy:
        return [path]
    return []


def _int_to_float(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _int_to_float(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_int_to_float(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


# ----------------------------------------------------------------------------- the real files


def test_86_param_loads(cell86_param: CellParameterFile) -> None:
    p = cell86_param
    cell = p.cell
    assert len(cell.morphology) == 170
    assert sum(cell.nseg) == 1142
    assert set(cell.regions) == {"soma", "dend", "apic", "ais", "myelin"}
    assert list(cell.regions) == ["soma", "dend", "apic", "ais", "myelin"]  # file order = insertion order
    assert cell.modifiers == (ScaleApicalMorph86(),)
    assert cell.name == "hay_2011_dend_test"
    soma = cell.regions["soma"]
    assert (soma.ra_ohm_cm, soma.cm_uF_per_cm2) == (100.0, 1.0)
    assert soma.ions == {"ek": -85.0, "ena": 50.0}
    assert [m.name for m in soma.mechanisms] == ["pas", "Ca_LVAst", "Ca_HVA", "SKv3_1", "SK_E2", "K_Tst", "K_Pst",
                                                 "Nap_Et2", "NaTa_t", "CaDynamics_E2", "Ih"]
    assert soma.mechanism("pas").parameters == {"g": 0.0000326, "e": -90.0}
    assert soma.mechanism("CaDynamics_E2").parameters == {"decay": 770.0, "gamma": 0.000616}
    apic = cell.regions["apic"]
    assert apic.mechanism("Ih").distribution == Exponential(-0.8696, 2.087, 3.6161, 0.0, relative=True)
    assert apic.mechanism("Ih").parameters == {"gIhbar": 0.0002}
    assert apic.mechanism("Ca_LVAst").distribution == UniformRange(900.0, 1100.0, 0.01)
    assert apic.mechanism("Ca_HVA").distribution == UniformRange(900.0, 1100.0, 0.1)
    assert apic.mechanism("pas").distribution == Uniform()
    assert cell.regions["myelin"].cm_uF_per_cm2 == 0.02
    assert cell.regions["dend"].ions == {}
    sim = p.simulation
    assert (sim.v_init_mV, sim.t_start_ms, sim.tstop_ms, sim.dt_ms, sim.celsius_degC) == (-75.0, 0.0, 250.0, 0.025, 34.0)
    assert sim.cvode is False
    assert len(p.recording_sites) == 1 and p.recording_sites[0].name == "apical_proximal_distal_rec_sites"
    assert p.recording_site_files[0].startswith("/gpfs/soma_fs/")
    assert p.info == {"name": "hay_2011_dend_test", "author": "regger", "date": "15Oct2014"}
    assert p.nmodl_mechanisms == {"channels": "/"}
    assert cell.mechanism_globals == {}


def test_simrun_param_loads(shared_data: Path, search_roots: list[Path], cell86_param: CellParameterFile) -> None:
    p = read_cell_param(shared_data / SIMRUN_PARAM, search_roots)
    # the same file as 86_C2_center.param without cell_modify_functions
    assert p.cell.modifiers == ()
    assert p.cell.regions == cell86_param.cell.regions
    assert p.cell.morphology == cell86_param.cell.morphology
    assert p.simulation == cell86_param.simulation
    assert p.recording_sites == cell86_param.recording_sites


def test_neuron_model_param_morphology_from_other_machine(shared_data: Path, search_roots: list[Path]) -> None:
    path = shared_data / "cell_params" / "neuron_model.param"
    written = read_param(path)["neuron"]["filename"]
    assert written.endswith("86_L5_CDK20041214_nr3L5B_dend_PC_neuron_transform_registered_C2.hoc")
    assert not list(shared_data.rglob("86_L5_CDK20041214*"))
    with pytest.raises(LegacyFormatError) as info:
        read_cell_param(path, search_roots)
    err = info.value
    assert err.filename == str(path)
    assert err.reason.startswith("neuron.filename:")
    assert "86_L5_CDK20041214_nr3L5B_dend_PC_neuron_transform_registered_C2.hoc" in err.reason
    for folder in (path.parent, *search_roots):
        assert str(folder) in err.reason


def test_neuron_model_param_with_stand_in_morphology(shared_data: Path, search_roots: list[Path],
                                                     hoc86_path: Path) -> None:
    path = shared_data / "cell_params" / "neuron_model.param"
    raw = read_param(path)
    p = cell_from_param_dict(raw, str(path), search_roots, morphology=read_hoc(hoc86_path))
    cell = p.cell
    # AIS present → the generated axon; Myelin has no block and keeps NEURON defaults
    assert len(cell.morphology) == 170
    assert set(cell.regions) == {"soma", "dend", "apic", "ais"}
    assert cell.passive(169) == (35.4, 1.0)
    assert cell.nseg[167:] == (5, 7, 21)
    apic = cell.regions["apic"]
    assert apic.mechanism("Ca_HVA").distribution == UniformRange(685.0, 885.0, 0.1)
    assert apic.mechanism("Ca_LVAst").parameters == {"gCa_LVAstbar": 0.0628}
    assert cell.regions["ais"].mechanism("pas").parameters == {"g": 4.02e-05, "e": -80.0}
    assert cell.regions["dend"].ions == {}
    assert p.simulation.tstop_ms == 150.0 and p.simulation.celsius_degC == 37.0
    assert p.recording_sites == () and p.recording_site_files == ()
    assert p.nmodl_mechanisms == {"channels": "/nas1/Data_regger/AXON_SAGA/Axon4/PassiveTouch/L5tt/first_testing/mechanisms"}
    # the written dict differs from the file only in ints→floats, the filename and the (empty) recordingSites
    written = cell_param_dict(p, morphology_filename=raw["neuron"]["filename"])
    assert sorted(_diff(written, raw)) == [
        "+sim.recordingSites",
        "neuron.AIS.mechanisms.range.pas.e",
        "neuron.ApicalDendrite.mechanisms.range.pas.e",
        "neuron.Dendrite.mechanisms.range.pas.e",
        "neuron.Soma.mechanisms.range.pas.e",
    ]
    assert written["sim"]["recordingSites"] == []
    assert _diff(written, _int_to_float(raw)) == ["+sim.recordingSites"]
    again = cell_from_param_dict(written, str(path), search_roots, morphology=read_hoc(hoc86_path))
    assert again == p


@pytest.mark.parametrize("name", ["cell_params/86_C2_center.param", SIMRUN_PARAM])
def test_round_trip(shared_data: Path, search_roots: list[Path], name: str) -> None:
    path = shared_data / name
    p = read_cell_param(path, search_roots)
    written = cell_param_dict(p)
    assert cell_from_param_dict(written, str(path), search_roots) == p
    raw = read_param(path)
    diff = _diff(written, raw)
    # ints→floats (pas e = -90) and the resolved morphology path; nothing else
    assert sorted(diff) == [
        "neuron.AIS.mechanisms.range.pas.e",
        "neuron.ApicalDendrite.mechanisms.range.pas.e",
        "neuron.Soma.mechanisms.range.pas.e",
        "neuron.filename",
    ]
    assert written["neuron"]["filename"] == str(shared_data / "morphologies" / "86_C2_center.hoc")
    assert written["sim"]["recordingSites"] == raw["sim"]["recordingSites"]
    assert _diff(written, _int_to_float(raw)) == ["neuron.filename"]
    # with the written morphology name, only ints→floats remain
    written = cell_param_dict(p, morphology_filename=raw["neuron"]["filename"])
    assert written == raw  # -90 == -90.0 in Python
    assert _diff(written, _int_to_float(raw)) == []


def test_round_trip_through_text(tmp_path: Path, cell86_param: CellParameterFile, search_roots: list[Path]) -> None:
    path = tmp_path / "copy.param"
    write_cell_param(cell86_param, path)
    assert read_cell_param(path, search_roots) == cell86_param
    assert parse_param(format_param(cell_param_dict(cell86_param))) == cell_param_dict(cell86_param)


def test_round_trip_other_values(cell86_param: CellParameterFile, search_roots: list[Path], shared_data: Path) -> None:
    import attrs

    from isf.model.discretization import Discretization
    from isf.model.distribution import CappedExponential, ExponentialByZDist, Linear, LinearCapped, Sigmoid
    from isf.model.mechanism import Mechanism

    cell = cell86_param.cell
    dend = cell.regions["dend"]
    for m in (
        Mechanism("Ih", {"gIhbar": 2e-4}, Linear(0.01, 0.5)),
        Mechanism("Ih", {"gIhbar": 2e-4}, LinearCapped("gIhbar", 1e-4, 2e-4, 0.5, relative=True)),
        Mechanism("Ih", {"gIhbar": 2e-4}, ExponentialByZDist(0, 1, 2, 0.1)),
        Mechanism("Ih", {"gIhbar": 2e-4}, CappedExponential(0, 1, 0.01, 0, 1e-3)),
        Mechanism("Ih", {"gIhbar": 2e-4}, Sigmoid(0, 1, 100, 20, relative=False)),
        Mechanism("Ih", {"gIhbar": 2e-4}, UniformRange(10, 200, 0.5, outside_sections=(3, 4))),
    ):
        variant = attrs.evolve(
            cell86_param,
            cell=attrs.evolve(cell, regions={**cell.regions, "dend": dend.with_mechanism(m)},
                              modifiers=(ScaleApical(2.0, "trunk"),),
                              discretization=Discretization(frequency_hz=50.0, max_segment_length_um=20.0),
                              mechanism_globals={"Ih": {"ehcn": -45.0}}),
        )
        written = cell_param_dict(variant)
        assert cell_from_param_dict(written, str(shared_data / "cell_params" / "x.param"), search_roots) == variant
        spec = written["neuron"]["Dendrite"]["mechanisms"]["range"]["Ih"]
        assert spec["spatial"] == m.distribution.legacy_name
        if hasattr(m.distribution, "relative"):
            assert spec["distance"] == ("relative" if m.distribution.relative else "absolute")


def test_absolute_distance_spelling(tmp_path: Path, shared_data: Path, search_roots: list[Path]) -> None:
    raw = read_param(shared_data / "cell_params" / "86_C2_center.param")
    raw["neuron"]["ApicalDendrite"]["mechanisms"]["range"]["Ih"]["distance"] = "absolute"
    raw["neuron"]["ApicalDendrite"]["mechanisms"]["range"]["Ih"]["_lambda"] = 0.003
    path = tmp_path / "abs.param"
    path.write_text(format_param(raw))
    p = read_cell_param(path, search_roots)
    assert p.cell.regions["apic"].mechanism("Ih").distribution == Exponential(-0.8696, 2.087, 0.003, 0.0)
    written = cell_param_dict(p, morphology_filename=raw["neuron"]["filename"])
    assert written["neuron"]["ApicalDendrite"]["mechanisms"]["range"]["Ih"]["distance"] == "absolute"
    assert _diff(written, _int_to_float(raw)) == []


# ----------------------------------------------------------------------------- errors


def _write_modified(tmp_path: Path, shared_data: Path, change: Callable[[dict], None]) -> Path:
    raw = parse_param((shared_data / "cell_params" / "86_C2_center.param").read_text())
    change(raw)
    path = tmp_path / "modified.param"
    path.write_text(format_param(raw))
    return path


def _error(tmp_path: Path, shared_data: Path, search_roots: list[Path], change: Callable[[dict], None]) -> str:
    path = _write_modified(tmp_path, shared_data, change)
    with pytest.raises(LegacyFormatError) as info:
        read_cell_param(path, search_roots)
    assert info.value.filename == str(path)
    return info.value.reason


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def change(raw: dict) -> None:
        *parents, last = path.split(".")
        node = raw
        for key in parents:
            node = node[key]
        node[last] = value

    return change


def _delete(path: str) -> Callable[[dict], None]:
    def change(raw: dict) -> None:
        *parents, last = path.split(".")
        node = raw
        for key in parents:
            node = node[key]
        del node[last]

    return change


IH = "neuron.ApicalDendrite.mechanisms.range.Ih"
CA = "neuron.ApicalDendrite.mechanisms.range.Ca_LVAst"


@pytest.mark.parametrize(
    ("change", "where", "what"),
    [
        (_set("neuron.Soma.properties.Ra", "100"), "neuron.Soma.properties.Ra:", "expected a number, found '100'"),
        (_set("neuron.Soma.properties.ions.ek", None), "neuron.Soma.properties.ions.ek:", "found None"),
        (_set(f"{IH}.gIhbar", "0.0002"), f"{IH}.gIhbar:", "expected a number"),
        (_set(f"{IH}.offset", [1]), f"{IH}.offset:", "expected a number"),
        (_set(f"{IH}.spatial", "gaussian"), f"{IH}.spatial:", "'gaussian' is not a distribution"),
        (_delete(f"{IH}.spatial"), f"{IH}.spatial:", "None is not a distribution"),
        (_delete(f"{IH}.distance"), f"{IH}:", "needs key 'distance'"),
        (_delete(f"{IH}._lambda"), f"{IH}:", "needs key '_lambda'"),
        (_delete("neuron.ApicalDendrite.mechanisms.range.Ca_LVAst.end"),
         "neuron.ApicalDendrite.mechanisms.range.Ca_LVAst:", "needs key 'end'"),
        (_set("neuron.Axon", {"properties": {"Ra": 100.0}}), "neuron.Axon:",
         "the cell has: Soma, Dendrite, ApicalDendrite, AIS, Myelin"),
        (_set("neuron.Trunk", {}), "neuron.Trunk:", "no section of the cell has this label"),
        (_set("neuron.cell_modify_functions", {"soma_current_injection": {"amplitude": 1.0}}),
         "neuron.cell_modify_functions.soma_current_injection:", "needs argument 'delay'"),
        (_set("neuron.cell_modify_functions", {"shrink_soma": {}}),
         "neuron.cell_modify_functions.shrink_soma:", "unknown cell modify function 'shrink_soma': allowed are "
         "scale_apical, scale_apical_morph_86, soma_current_injection"),
        (_set("neuron.cell_modify_functions", {"apical_epsp_injection": {"dist": 800, "amplitude": 0.5,
                                                                          "delay": 10, "rize": 1}}),
         "neuron.cell_modify_functions.apical_epsp_injection.rize:", "allowed are dist, amplitude, delay, rise"),
        (_set("neuron.cell_modify_functions", {"scale_apical": {"scale": "2"}}),
         "neuron.cell_modify_functions.scale_apical.scale:", "expected a number"),
        (_set("neuron.cell_modify_functions", {"scale_apical": {"scale": 2.0, "compartment": "Tuft"}}),
         "neuron.cell_modify_functions.scale_apical.compartment:", "'Tuft'"),
        (_set("neuron.cell_modify_functions", {"scale_apical_morph_86": {"scale": 3.0}}),
         "neuron.cell_modify_functions.scale_apical_morph_86:", "takes no arguments"),
        (_set("neuron.spatialgraph_modify_functions", {"rieke_spines": {}}),
         "neuron.spatialgraph_modify_functions:", "not supported"),
        (_set("neuron.discretization", {"f": 100.0}), "neuron.discretization:", "'max_seg_length'"),
        (_set("neuron.Soma.properties", [1, 2]), "neuron.Soma.properties:", "expected a dict"),
        (_set("sim.tStop", "250"), "sim.tStop:", "expected a number"),
        (_set("mech_globals", {"Ih": {"ehcn": "x"}}), "mech_globals.Ih.ehcn:", "expected a number"),
        (_set("neuron.Soma.properties.Ra", -100.0), "neuron.Soma:", "Region.ra_ohm_cm = -100.0"),
        (_set(f"{IH}.linScale", 1e999), f"{IH}.linScale:", "found inf: allowed is a finite number"),
        (_set(f"{CA}.outsidescale_sections", 5), f"{CA}.outsidescale_sections:", "expected a list of section IDs"),
        (_set(f"{CA}.outsidescale_sections", ["a"]), f"{CA}.outsidescale_sections:", "found ['a']"),
        (_set(f"{CA}.outsidescale_sections", [1.7]), f"{CA}.outsidescale_sections:", "integers >= 0"),
        (_set(f"{CA}.outsidescale_sections", [-1]), f"{CA}.outsidescale_sections:", "integers >= 0"),
        (_set("neuron.ApicalDendrite.mechanisms.range.Ca-HVA", {"spatial": "uniform"}),
         "neuron.ApicalDendrite.mechanisms.range.Ca-HVA:", "Mechanism.name = 'Ca-HVA'"),
        (_set("neuron.ApicalDendrite.mechanisms.range.SK_E2",
              {"spatial": "linear_capped", "distance": "relative", "param_name": 5, "prox_value": 1.0,
               "dist_value": 0.5, "dist_value_distance": 1.0}),
         "neuron.ApicalDendrite.mechanisms.range.SK_E2.param_name:", "expected a RANGE parameter name"),
        (_set("neuron.Soma.properties.spines", {"density": 0, "area": 1.0}), "neuron.Soma.properties.spines:",
         "Spines.density_per_um = 0.0"),
        (_set("neuron.discretization", {"f": 0, "max_seg_length": None}), "neuron.discretization:",
         "Discretization.frequency_hz = 0.0"),
        (_set("sim.tStop", -5), "sim:", "Simulation.tstop_ms = -5.0"),
        (_set("sim.recordingSites", "sites.landmarkAscii"), "sim.recordingSites:", "expected a list"),
        (_set("sim.recordingSites", None), "sim.recordingSites:", "expected a list"),
        (_set("NMODL_mechanisms", None), "NMODL_mechanisms:", "expected a dict"),
    ],
)
def test_bad_values_name_the_key_path(tmp_path: Path, shared_data: Path, search_roots: list[Path],
                                      change: Callable[[dict], None], where: str, what: str) -> None:
    reason = _error(tmp_path, shared_data, search_roots, change)
    assert reason.startswith(where), reason
    assert what in reason, reason


def test_outside_sections_read(tmp_path: Path, shared_data: Path, search_roots: list[Path]) -> None:
    path = _write_modified(tmp_path, shared_data, _set(f"{CA}.outsidescale_sections", [38, 39.0]))
    p = read_cell_param(path, search_roots)
    assert p.cell.regions["apic"].mechanism("Ca_LVAst").distribution == UniformRange(900, 1100, 0.01, (38, 39))
    written = cell_param_dict(p)
    assert written["neuron"]["ApicalDendrite"]["mechanisms"]["range"]["Ca_LVAst"]["outsidescale_sections"] == [38, 39]


def test_unresolvable_filename(tmp_path: Path, shared_data: Path, search_roots: list[Path]) -> None:
    reason = _error(tmp_path, shared_data, search_roots, _set("neuron.filename", "/elsewhere/cells/no_such_cell.hoc"))
    assert reason.startswith("neuron.filename:")
    assert "'/elsewhere/cells/no_such_cell.hoc'" in reason
    assert str(tmp_path) in reason
    for root in search_roots:
        assert str(root) in reason


def test_unresolvable_recording_site(tmp_path: Path, shared_data: Path, search_roots: list[Path]) -> None:
    reason = _error(tmp_path, shared_data, search_roots, _set("sim.recordingSites", ["/x/a.landmarkAscii",
                                                                                     "/x/b.landmarkAscii"]))
    assert reason.startswith("sim.recordingSites[0]:")
    assert "a.landmarkAscii" in reason


def test_relative_filename_next_to_param_file(tmp_path: Path, shared_data: Path) -> None:
    (tmp_path / "morph").mkdir()
    (tmp_path / "morph" / "cell.hoc").write_text((shared_data / "morphologies" / "85.hoc").read_text())
    (tmp_path / "sites.landmarkAscii").write_text("@1\n0 0 0\n")

    def change(raw: dict) -> None:
        raw["neuron"]["filename"] = "morph/cell.hoc"
        raw["neuron"]["cell_modify_functions"] = {}
        raw["sim"]["recordingSites"] = ["sites.landmarkAscii"]

    path = _write_modified(tmp_path, shared_data, change)
    p = read_cell_param(path)  # no search roots: relative to the file
    assert len(p.cell.morphology) == 148 + 3
    assert p.recording_sites[0].name == "sites"


def test_hoc_errors_pass_through(tmp_path: Path, shared_data: Path) -> None:
    (tmp_path / "bad.hoc").write_text("{create soma}\n{pt3dadd(1,2,3)}\n")
    path = _write_modified(tmp_path, shared_data, _set("neuron.filename", "bad.hoc"))
    with pytest.raises(LegacyFormatError) as info:
        read_cell_param(path)
    assert info.value.filename == str(tmp_path / "bad.hoc")
    assert info.value.line == 2


def test_ignored_global_block_warns(tmp_path: Path, shared_data: Path, search_roots: list[Path]) -> None:
    path = _write_modified(tmp_path, shared_data, _set("neuron.Soma.mechanisms.global", {"celsius": 30.0}))
    with pytest.warns(UserWarning, match="neuron.Soma.mechanisms.global is ignored"):
        read_cell_param(path, search_roots)


def test_dict_is_not_modified(shared_data: Path, search_roots: list[Path]) -> None:
    raw = read_param(shared_data / "cell_params" / "86_C2_center.param")
    before = copy.deepcopy(raw)
    cell_from_param_dict(raw, str(shared_data / "cell_params" / "86_C2_center.param"), search_roots)
    assert raw == before
