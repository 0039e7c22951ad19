"""Tests of the evoked network parameter generator (LEGACY_FORMATS §4.8)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from isf.data import cell86 as cell86_data
from isf.data import network_c2, network_templates
from isf.dsl.connected_cells import read_connected_cells
from isf.dsl.hoc import read_hoc
from isf.dsl.evoked_network import (
    CONNECTED_CELLS_FILE,
    ONGOING_TEMPLATE,
    PSTH_FILES,
    SURROUND_COLUMNS,
    SURROUND_PSTH_WHISKER,
    WHISKERS,
    EmbeddingFiles,
    create_evoked_network,
    default_psth_folder,
    default_template,
    evoked_network,
    evoked_network_param,
    evoked_psth,
)
from isf.dsl.network_param import network_from_param_dict
from isf.dsl.param_format import read_param, write_param
from isf.errors import ArgumentValueError, LegacyFormatError, MissingFileError
from isf.model.cell_types import CELL_TYPES

SYN = "/gpfs/soma_fs/scratch/meulemeester/project_src/in_silico_framework/getting_started/example_data/" \
      "anatomical_constraints/example_embedding_86_C2_center/example_embedding_86_C2_center.syn"
CON = SYN[:-4] + ".con"
L1_IN_3X3 = {f"L1_{c}" for c in SURROUND_COLUMNS["C2"]}


def test_surround_tables() -> None:
    assert len(SURROUND_COLUMNS) == 24
    for whisker, columns in SURROUND_COLUMNS.items():
        assert columns[whisker] == 5
        assert len(set(columns.values())) == len(columns)
    assert SURROUND_COLUMNS["C2"] == {"B1": 1, "B2": 2, "B3": 3, "C1": 4, "C2": 5, "C3": 6, "D1": 7, "D2": 8, "D3": 9}
    # point reflection through C2
    assert [SURROUND_PSTH_WHISKER[SURROUND_COLUMNS["C2"][c]] for c in ("B1", "C2", "D3", "C1")] == \
        ["D3", "C2", "B1", "C3"]
    assert set(PSTH_FILES) == set(CELL_TYPES)


# ---------------------------------------------------------------------------
# Shared data: C2 deflection of cell 86


@pytest.fixture(scope="module")
def shared_inputs(shared_data: Path) -> dict[str, Any]:
    return {
        "template": shared_data / "network" / "ongoing_activity"
        / "ongoing_activity_celltype_template_exc_conductances_fitted.param",
        "connected_cells": shared_data / "embedding" / "86_C2_center" / "NumberOfConnectedCells.csv",
        "syn_path": SYN,
        "con_path": CON,
        "whisker": "C2",
        "psth_folder": shared_data / "network" / "evoked_activity",
    }


@pytest.mark.shared
def test_shared_psth_files(shared_inputs: dict[str, Any]) -> None:
    present = {p.name for p in Path(shared_inputs["psth_folder"]).glob("*.param")}
    assert set(PSTH_FILES.values()) <= present  # every cell type's PSTH file, L1's template included
    assert len(present) == 22


def _psth_copy_without(source: Path, folder: Path, cell_type: str) -> Path:
    folder.mkdir()
    for path in source.glob("*.param"):
        if path.name != PSTH_FILES[cell_type]:
            (folder / path.name).write_text(path.read_text())
    return folder


@pytest.mark.shared
def test_missing_psth_file_is_an_error_by_default(shared_inputs: dict[str, Any], tmp_path: Path) -> None:
    folder = _psth_copy_without(Path(shared_inputs["psth_folder"]), tmp_path / "psth", "L1")
    with pytest.raises(FileNotFoundError, match=r"PSTH file of L1 not found: .*L1_3x3_PSTH_template_PW_0-50_10ms"):
        create_evoked_network(**{**shared_inputs, "psth_folder": folder})


@pytest.mark.shared
def test_shared_network_param_is_reproduced(shared_inputs: dict[str, Any], shared_data: Path) -> None:
    ours = create_evoked_network(**shared_inputs)
    shipped = read_param(shared_data / "network" / "network.param")
    template = read_param(shared_inputs["template"])
    assert ours["info"] == shipped["info"] == template["info"]
    # NMODL_mechanisms come from the template; the shipped file had them replaced by "/"
    assert ours["NMODL_mechanisms"] == template["NMODL_mechanisms"] != shipped["NMODL_mechanisms"]
    assert shipped["NMODL_mechanisms"] == {"synapses": "/", "VecStim": "/"}
    assert len(ours["network"]) == 278
    # every population, L1's included, equals the shipped C2 network (same syn/con paths)
    assert set(ours["network"]) == set(shipped["network"])
    assert ours["network"] == shipped["network"]
    # the L1 PSTHs: one 10-ms bin in C2, nothing elsewhere
    l1 = {name: ours["network"][name]["celltype"]["pointcell"] for name in L1_IN_3X3}
    assert l1.pop("L1_C2") == {"distribution": "PSTH", "intervals": [(10.0, 20.0)], "probabilities": [0.072],
                               "offset": 245.0}
    assert all(p["intervals"] == [] and p["probabilities"] == [] for p in l1.values())
    # evoked populations have pointcell first, as in ISF's files
    for name, population in ours["network"].items():
        if isinstance(population["celltype"], dict):
            assert list(population["celltype"]) == ["pointcell", "spiketrain"]
            assert population["celltype"]["pointcell"]["offset"] == 245.0


@pytest.mark.shared
def test_missing_l1_falls_back_to_ongoing(shared_inputs: dict[str, Any], shared_data: Path, tmp_path: Path) -> None:
    """Without L1's PSTH file, ``missing_psth="ongoing"`` keeps L1 on ongoing activity, with a warning."""
    folder = _psth_copy_without(Path(shared_inputs["psth_folder"]), tmp_path / "psth", "L1")
    with pytest.warns(UserWarning, match="PSTH file of L1 not found"):
        ours = create_evoked_network(**{**shared_inputs, "psth_folder": folder}, missing_psth="ongoing")
    shipped = read_param(shared_data / "network" / "network.param")
    differ = {name for name in shipped["network"] if ours["network"][name] != shipped["network"][name]}
    assert differ == L1_IN_3X3
    for name in differ:
        mine, theirs = ours["network"][name], shipped["network"][name]
        assert mine["celltype"] == "spiketrain"
        assert theirs["celltype"]["spiketrain"] == {"interval": mine["interval"]}


@pytest.mark.shared
def test_shared_output_reads_as_network(shared_inputs: dict[str, Any], shared_data: Path, morph86: Any) -> None:
    embedding = shared_data / "embedding" / "86_C2_center"
    params = create_evoked_network(**{**shared_inputs, "syn_path": embedding / "example_embedding_86_C2_center.syn",
                                      "con_path": embedding / "example_embedding_86_C2_center.con"})
    network = network_from_param_dict(params, morph86).network
    assert network.n_synapses == 24780
    components = network["L1_C2"].activity.components
    # the evoked L1 PSTH (one 10-ms bin at 245 ms + 10 ms) and the ongoing activity
    assert sorted(type(c).__name__ for c in components) == ["PSTH", "Poisson"]
    assert [c.interval_ms for c in components if type(c).__name__ == "Poisson"] == [909.1]


@pytest.mark.shared
def test_shared_write_all_celltypes(shared_inputs: dict[str, Any]) -> None:
    params = create_evoked_network(**shared_inputs, write_all_celltypes=True)
    assert len(params["network"]) == 22 * 24
    assert params["network"]["L45Peak_A1"]["cellNr"] == 0


# ---------------------------------------------------------------------------
# Synthetic inputs


def _template() -> dict[str, Any]:
    syn = {"receptors": {"gaba_syn": {"threshold": 0.0, "delay": 0.0, "parameter": {}, "weight": 1.0}},
           "releaseProb": 0.25}
    return {
        "info": {"name": "t"},
        "NMODL_mechanisms": {"synapses": "/x"},
        "network": {
            "L5tt": {"celltype": "spiketrain", "interval": 283.3, "synapses": copy.deepcopy(syn)},
            "Foo": {"celltype": "spiketrain", "interval": 10.0, "synapses": copy.deepcopy(syn)},
            "Bar": {"celltype": "spiketrain", "interval": 20.0, "synapses": copy.deepcopy(syn)},
        },
    }


def _psth(tag: float) -> dict[str, Any]:
    return {"distribution": "PSTH", "intervals": [(0.0, 1.0)], "probabilities": [tag]}


@pytest.fixture()
def psth_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "psth"
    folder.mkdir()
    table = {f"L5tt_{w}": _psth(i / 100) for i, w in SURROUND_PSTH_WHISKER.items()}
    write_param(table, folder / PSTH_FILES["L5tt"])
    return folder


def test_synthetic_deflection(psth_folder: Path) -> None:
    counts = {"L5tt": {"C1": 3, "E4": 2, "B2": 0, "D3": 1}, "Foo": {"C2": 5}}
    out = create_evoked_network(_template(), counts, "a.syn", Path("b.con"), "D2", psth_folder, offset_ms=100.0)
    assert out["info"] == {"name": "t"} and out["NMODL_mechanisms"] == {"synapses": "/x"}
    # template order, then the counts' column order; zero counts skipped; Bar has no counts
    assert list(out["network"]) == ["L5tt_C1", "L5tt_E4", "L5tt_D3", "Foo_C2"]
    c1 = out["network"]["L5tt_C1"]
    # D2 deflection: C1 is position 1 of D2's neighbourhood → the PSTH recorded in C2 for D3
    assert c1 == {
        "celltype": {"pointcell": {**_psth(0.01), "offset": 100.0}, "spiketrain": {"interval": 283.3}},
        "synapses": {**_template()["network"]["L5tt"]["synapses"], "distributionFile": "a.syn",
                     "connectionFile": "b.con"},
        "cellNr": 3,
    }
    assert list(c1["celltype"]) == ["pointcell", "spiketrain"]
    assert out["network"]["L5tt_D3"]["celltype"]["pointcell"]["probabilities"] == [0.06]  # position 6 → C1
    # outside the 3x3 neighbourhood: ongoing only
    assert out["network"]["L5tt_E4"]["celltype"] == "spiketrain"
    assert out["network"]["L5tt_E4"]["interval"] == 283.3
    # a cell type without a PSTH file name: ongoing only
    assert out["network"]["Foo_C2"]["celltype"] == "spiketrain"
    # the template is not modified, and populations do not share objects
    template = _template()
    out = create_evoked_network(template, counts, "a.syn", "b.con", "D2", psth_folder)
    assert template == _template()
    out["network"]["L5tt_C1"]["synapses"]["receptors"]["gaba_syn"]["weight"] = 9.0
    assert out["network"]["L5tt_D3"]["synapses"]["receptors"]["gaba_syn"]["weight"] == 1.0


def test_write_all_celltypes_keeps_zero_counts(psth_folder: Path) -> None:
    out = create_evoked_network(_template(), {"L5tt": {"B2": 0}}, "a.syn", "b.con", "C2", psth_folder,
                                write_all_celltypes=True)
    assert out["network"]["L5tt_B2"]["cellNr"] == 0
    assert out["network"]["L5tt_B2"]["celltype"]["pointcell"]["probabilities"] == [0.02]


def test_template_and_counts_from_files(psth_folder: Path, tmp_path: Path) -> None:
    write_param(_template(), tmp_path / "t.param")
    (tmp_path / "N.csv").write_text("header\nC2\tL5tt\t4\n")
    out = create_evoked_network(tmp_path / "t.param", tmp_path / "N.csv", "a.syn", "b.con", "C2", psth_folder)
    assert out["network"]["L5tt_C2"]["cellNr"] == 4
    assert out["network"]["L5tt_C2"]["celltype"]["pointcell"]["probabilities"] == [0.05]


def test_errors(psth_folder: Path) -> None:
    with pytest.raises(ValueError, match="unknown whisker 'Z9'"):
        create_evoked_network(_template(), {}, "a", "b", "Z9", psth_folder)
    with pytest.raises(ValueError, match="missing_psth"):
        create_evoked_network(_template(), {}, "a", "b", "C2", psth_folder, missing_psth="skip")  # type: ignore[arg-type]
    with pytest.raises(LegacyFormatError, match="needs a 'network' dict"):
        create_evoked_network({"info": {}}, {}, "a", "b", "C2", psth_folder)
    template = _template()
    del template["network"]["L5tt"]["interval"]
    with pytest.raises(LegacyFormatError, match="network.L5tt: no 'interval'"):
        create_evoked_network(template, {"L5tt": {"C2": 1}}, "a", "b", "C2", psth_folder)
    write_param({"L5tt_C2": _psth(0.5)}, psth_folder / PSTH_FILES["L5tt"])
    with pytest.raises(LegacyFormatError, match="no PSTH entry 'L5tt_D3' .*L5tt in B1 when C2 is deflected"):
        create_evoked_network(_template(), {"L5tt": {"B1": 1}}, "a", "b", "C2", psth_folder)
    (psth_folder / PSTH_FILES["L5tt"]).unlink()
    with pytest.raises(FileNotFoundError, match="PSTH file of L5tt"):
        create_evoked_network(_template(), {"L5tt": {"C2": 1}}, "a", "b", "C2", psth_folder)
    # no PSTH is needed outside the neighbourhood: the absent file is not looked at
    out = create_evoked_network(_template(), {"L5tt": {"E4": 1}}, "a", "b", "C2", psth_folder)
    assert out["network"]["L5tt_E4"]["celltype"] == "spiketrain"


def test_evoked_psth_lookup() -> None:
    table = {"VPM_B1": _psth(0.3)}
    assert evoked_psth("VPM", "D3", "C2", table) == _psth(0.3)
    assert evoked_psth("VPM", "E4", "C2", table) is None
    entry = evoked_psth("VPM", "D3", "C2", table)
    assert entry is not None
    entry["offset"] = 1.0
    assert "offset" not in table["VPM_B1"]  # a copy


# ---------------------------------------------------------------------------
# Shipped templates: the network of any whisker from a cell's embedding


def _strip_paths(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with the .syn/.con paths cut to their file names (they are machine-specific)."""
    out = copy.deepcopy(params)
    for population in out["network"].values():
        for field in ("distributionFile", "connectionFile"):
            population["synapses"][field] = Path(population["synapses"][field]).name
    return out


@pytest.fixture(scope="module")
def c2_from_shipped() -> dict[str, Any]:
    return evoked_network_param("C2", network_c2())


def test_shipped_c2_equals_shipped_network_param_up_to_paths(c2_from_shipped: dict[str, Any]) -> None:
    shipped = read_param(network_c2("network.param"))
    ours = _strip_paths(c2_from_shipped)
    assert ours["network"] == _strip_paths(shipped)["network"] and ours["info"] == shipped["info"]
    # the embedding's files, written absolute so the dict reads from anywhere
    syn = Path(c2_from_shipped["network"]["L5tt_C2"]["synapses"]["distributionFile"])
    assert syn.is_absolute() and syn == network_c2("example_embedding_86_C2_center.syn")


@pytest.mark.shared
def test_shipped_c2_equals_shared_network_param_up_to_paths(c2_from_shipped: dict[str, Any],
                                                            shared_data: Path) -> None:
    shared = read_param(shared_data / "network" / "network.param")
    assert _strip_paths(c2_from_shipped)["network"] == _strip_paths(shared)["network"]


@pytest.mark.shared
def test_shipped_templates_are_the_shared_files(shared_data: Path) -> None:
    for kind in ("ongoing_activity", "evoked_activity"):
        shared = sorted((shared_data / "network" / kind).glob("*.param"))
        assert [p.name for p in shared] == sorted(p.name for p in network_templates(kind).glob("*.param"))
        for path in shared:
            assert (network_templates(kind) / path.name).read_bytes() == path.read_bytes()
    assert default_template().read_bytes() == (shared_data / "network" / ONGOING_TEMPLATE).read_bytes()
    assert {p.name for p in default_psth_folder().glob("*.param")} >= set(PSTH_FILES.values())


def test_surround_whisker_takes_the_psths_of_its_files() -> None:
    """B1 deflected: every population in B1's 3x3 neighbourhood gets, from its cell type's PSTH file, the
    entry of the point-reflected whisker (B1's own column: the C2 entry); the others stay ongoing."""
    params = evoked_network_param("B1", network_c2())
    tables = {t: read_param(default_psth_folder() / name) for t, name in PSTH_FILES.items()}
    evoked = set()
    for name, population in params["network"].items():
        cell_type, column = name.rsplit("_", 1)
        position = SURROUND_COLUMNS["B1"].get(column)
        if position is None:
            assert population["celltype"] == "spiketrain"
            continue
        entry = tables[cell_type][f"{cell_type}_{SURROUND_PSTH_WHISKER[position]}"]
        assert population["celltype"]["pointcell"] == {**entry, "offset": 245.0}
        evoked.add(name)
    assert {"L5tt_B1", "VPM_B1", "L1_B1", "L4ss_C2", "L5tt_A1"} <= evoked
    assert params["network"]["VPM_B1"]["celltype"]["pointcell"]["probabilities"] == \
        tables["VPM"]["VPM_C2"]["probabilities"]  # B1's own column: the principal-whisker PSTH
    assert params["network"]["L5tt_C2"]["celltype"]["pointcell"]["intervals"] == \
        tables["L5tt"]["L5tt_B1"]["intervals"]  # C2 seen from B1 is B1 seen from C2
    assert "L4ss_C3" not in evoked and params["network"]["L4ss_C3"]["celltype"] == "spiketrain"


def test_every_tuning_whisker_builds_and_differs() -> None:
    networks = {w: evoked_network_param(w, network_c2()) for w in ("B1", "B2", "B3", "C1", "C3", "D1", "D2", "D3", "E2")}
    assert set(WHISKERS) >= set(networks) and len(WHISKERS) == 24
    for whisker, params in networks.items():
        assert len(params["network"]) == 278
        evoked = {n for n, p in params["network"].items() if isinstance(p["celltype"], dict)}
        assert evoked == {n for n in params["network"] if n.rsplit("_", 1)[1] in SURROUND_COLUMNS[whisker]}, whisker
    # E2 is outside C2's neighbourhood: no population of the cell's own column is evoked
    assert not any(n.endswith("_C2") and isinstance(p["celltype"], dict) for n, p in networks["E2"]["network"].items())


def test_evoked_network_is_typed() -> None:
    network = evoked_network("D2", read_hoc(cell86_data("86_C2_center.hoc")), network_c2())
    assert network.n_synapses == 24780
    kinds = sorted(type(c).__name__ for c in network["VPM_D2"].activity.components)
    assert kinds == ["PSTH", "Poisson"]
    assert [type(c).__name__ for c in network["VPM_A3"].activity.components] == ["Poisson"]  # outside D2 3x3


def test_unknown_whisker_lists_the_allowed_ones() -> None:
    with pytest.raises(ArgumentValueError, match=r"unknown whisker 'F7': allowed are A1, .*C2, .*E2"):
        evoked_network_param("F7", network_c2())


def test_embedding_files_of_a_folder(tmp_path: Path) -> None:
    files = EmbeddingFiles.of_folder(network_c2())
    assert files == EmbeddingFiles(network_c2(CONNECTED_CELLS_FILE), network_c2("example_embedding_86_C2_center.syn"),
                                   network_c2("example_embedding_86_C2_center.con"))
    with pytest.raises(MissingFileError, match="no embedding folder"):
        EmbeddingFiles.of_folder(tmp_path / "absent")
    with pytest.raises(MissingFileError, match="no NumberOfConnectedCells.csv"):
        EmbeddingFiles.of_folder(tmp_path)
    (tmp_path / CONNECTED_CELLS_FILE).write_text("header\n")
    for name in ("a.syn", "b.syn", "a.con", "c.con"):
        (tmp_path / name).write_text("")
    with pytest.raises(MissingFileError, match=r"exactly one \*.syn file .*found a.syn, b.syn"):
        EmbeddingFiles.of_folder(tmp_path)
    (tmp_path / "b.syn").unlink()
    assert EmbeddingFiles.of_folder(tmp_path).con.name == "a.con"  # the .con of the .syn's name


def test_embedding_files_named_one_by_one_and_other_templates(psth_folder: Path) -> None:
    files = EmbeddingFiles(network_c2(CONNECTED_CELLS_FILE), network_c2("example_embedding_86_C2_center.syn"),
                           network_c2("example_embedding_86_C2_center.con"))
    out = evoked_network_param("C2", files, template=_template(), psth_folder=psth_folder, offset_ms=100.0)
    columns = [c for c, n in read_connected_cells(files.connected_cells)["L5tt"].items() if n > 0]
    assert list(out["network"]) == [f"L5tt_{c}" for c in columns]  # the template's cell types only
    assert out["network"]["L5tt_C2"]["celltype"]["pointcell"] == {**_psth(0.05), "offset": 100.0}
