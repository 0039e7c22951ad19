"""Tests of legacy network parameter files ⇄ typed Network (LEGACY_FORMATS §4)."""

from __future__ import annotations

import copy
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import isf.dsl.network_param as network_param_module
from isf.dsl.param_format import read_param, write_param
from isf.dsl.network_param import (
    NetworkParameterFile,
    network_from_param_dict,
    network_param_dict,
    read_network_param,
    relocate_path,
    write_network_embedding,
    write_network_param,
)
from isf.dsl.syn_file import read_syn
from isf.errors import LegacyFormatError
from isf.model.activity import PSTH, Activity, Poisson
from isf.model.morphology import Morphology, Section
from isf.model.receptor import Receptor, gaba, glutamate
from isf.model.synapse import Connectivity, Synapses

OLD = "/cluster/old/home/embedding/"
GLU = {"threshold": 0.0, "delay": 0.0,
       "parameter": {"tau1": 26.0, "tau2": 2.0, "tau3": 2.0, "tau4": 0.1, "decayampa": 1.0, "decaynmda": 1.0,
                     "facilampa": 0.0, "facilnmda": 0.0},
       "weight": [1.59, 1.59]}
GABA = {"threshold": 0.0, "delay": 0.0,
        "parameter": {"decaytime": 20.0, "risetime": 1.0, "decaygaba": 1.0, "e": -80.0, "facilgaba": 0.0},
        "weight": 1.0}
PSTH_SPEC = {"distribution": "PSTH", "intervals": [(0.0, 1.0), (13.0, 14.0)], "probabilities": [0.02, -0.001],
             "offset": 245.0}


def tiny_morphology() -> Morphology:
    soma = Section("soma", "soma", None, 0.0, [[0, 0, 0], [0, 0, 10]], [10, 10])
    dend = Section("dend_1", "dend", 0, 0.5, [[0, 0, 5], [0, 10, 5], [0, 30, 5]], [1, 1, 1])
    apic = Section("apical_1", "apic", 0, 0.5, [[0, 0, 10], [0, 0, 60], [0, 0, 110]], [2, 2, 2])
    return Morphology((soma, dend, apic))


SYN_TEXT = ("# Synapse distribution file\n# corresponding to cell: tiny\n# Type - section - section.x\n\n"
            "L5tt_C2\t1\t0.0\nL5tt_C2\t2\t0.5\nL1_D1\t2\t1.0\nL5tt_C2\t1\t1.0\nVPM_E1\t0\t0.5\n")
CON_TEXT = ("# Anatomical connectivity realization file; only valid with synapse realization:\n# e.syn\n"
            "# Type - cell ID - synapse ID\n\nL5tt_C2\t0\t2\nL5tt_C2\t1\t0\nL5tt_C2\t0\t1\n")


@pytest.fixture()
def embedding(tmp_path: Path) -> Path:
    folder = tmp_path / "emb"
    folder.mkdir()
    (folder / "e.syn").write_text(SYN_TEXT)
    (folder / "e.con").write_text(CON_TEXT)
    return folder


def make_params(**overrides: Any) -> dict[str, Any]:
    files = {"distributionFile": OLD + "e.syn", "connectionFile": OLD + "e.con"}
    params = {
        "info": {"name": "tiny", "author": "me"},
        "NMODL_mechanisms": {"synapses": "/", "VecStim": "/"},
        "network": {
            "L5tt_C2": {"celltype": "spiketrain", "interval": 283.3,
                        "synapses": {"receptors": {"glutamate_syn": copy.deepcopy(GLU)}, "releaseProb": 0.6, **files},
                        "cellNr": 2},
            "L1_D1": {"celltype": {"spiketrain": {"interval": 909.1}, "pointcell": copy.deepcopy(PSTH_SPEC)},
                      "synapses": {"receptors": {"gaba_syn": copy.deepcopy(GABA)}, **files},
                      "cellNr": 4},
        },
    }
    params["network"].update(overrides)
    return params


def read_tiny(params: dict[str, Any], embedding: Path) -> NetworkParameterFile:
    return network_from_param_dict(params, tiny_morphology(), embedding.parent / "n.param", [embedding])


def test_reads_typed_network(embedding: Path) -> None:
    f = read_tiny(make_params(), embedding)
    morphology = tiny_morphology()
    assert [p.name for p in f.network.populations] == ["L5tt_C2", "L1_D1"]
    l5 = f.network["L5tt_C2"]
    assert l5.cell_count == 2 and l5.release_probability == 0.6
    assert l5.activity == Activity(Poisson(283.3))
    assert l5.receptors == (glutamate(1.59, 1.59, **GLU["parameter"]),)
    # the synapse ID is the rank among rows of the type: rows interleaved with L1_D1 and VPM_E1
    assert l5.synapses == Synapses.on(morphology, [1, 2, 1], [0.0, 0.5, 1.0])
    assert l5.connectivity == Connectivity([0, 1, 0], [2, 0, 1])
    l1 = f.network["L1_D1"]
    # dict form: components in the dict's order (here spiketrain first)
    assert l1.activity == Activity((Poisson(909.1), PSTH([(0.0, 1.0), (13.0, 14.0)], [0.02, -0.001], 245.0)))
    assert l1.receptors == (gaba(1.0, **GABA["parameter"]),)
    assert l1.release_probability is None
    assert l1.synapses == Synapses.on(morphology, [2], [1.0])
    assert l1.connectivity == Connectivity.empty()  # absent from the .con: no connections
    # VPM_E1 of the .syn has no population: ignored
    assert f.network.n_synapses == 4
    assert f.network.n_connected_synapses == 3
    assert f.info == {"name": "tiny", "author": "me"}
    assert f.nmodl_mechanisms == {"synapses": "/", "VecStim": "/"}
    assert f.synapse_files == {"L5tt_C2": OLD + "e.syn", "L1_D1": OLD + "e.syn"}
    assert f.connection_files == {"L5tt_C2": OLD + "e.con", "L1_D1": OLD + "e.con"}
    assert f.located_files == {OLD + "e.syn": str(embedding / "e.syn"), OLD + "e.con": str(embedding / "e.con")}


def test_round_trip_dict(embedding: Path) -> None:
    params = make_params()
    f = read_tiny(params, embedding)
    assert network_param_dict(f) == params
    # the dict form keeps its order; the pointcell-only and spiketrain-only forms are kept
    params = make_params(VPM_E1={"celltype": "pointcell", **PSTH_SPEC, "cellNr": 1,
                                 "synapses": {"receptors": {"glutamate_syn": GLU},
                                              "distributionFile": OLD + "e.syn", "connectionFile": OLD + "e.con"}})
    back = network_param_dict(read_tiny(params, embedding))
    assert back == params
    assert list(back["network"]["L1_D1"]["celltype"]) == ["spiketrain", "pointcell"]
    assert back["network"]["VPM_E1"]["celltype"] == "pointcell"


def test_each_distinct_file_is_read_once(embedding: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    real = network_param_module.read_syn

    def counting(path: Path) -> Any:
        calls.append(path)
        return real(path)

    monkeypatch.setattr(network_param_module, "read_syn", counting)
    params = make_params()
    # the same file under another name (relative to the parameter file) is still read once
    params["network"]["L1_D1"]["synapses"]["distributionFile"] = "emb/e.syn"
    f = read_tiny(params, embedding)
    assert len(calls) == 1
    assert f.synapse_files["L1_D1"] == "emb/e.syn"
    assert network_param_dict(f) == params


def test_relocation(embedding: Path) -> None:
    f = read_tiny(make_params(), embedding)
    moved = network_param_dict(f, {OLD: "/data/", "/cluster/": "/x/"})  # longest prefix wins
    population = moved["network"]["L5tt_C2"]["synapses"]
    assert (population["distributionFile"], population["connectionFile"]) == ("/data/e.syn", "/data/e.con")
    local = network_param_dict(f, f.located_files.get)
    assert local["network"]["L1_D1"]["synapses"]["connectionFile"] == str(embedding / "e.con")
    assert relocate_path("/a/b", {"/c/": "/d/"}) == "/a/b"
    assert relocate_path("/a/b", None) == "/a/b"
    assert relocate_path("/a/b", str.upper) == "/A/B"
    with pytest.raises(TypeError, match="expected a str"):
        relocate_path("/a/b", lambda p: None)  # type: ignore[arg-type,return-value]


def test_write_and_read_file(embedding: Path, tmp_path: Path) -> None:
    params = make_params()
    for population in params["network"].values():
        population["synapses"]["distributionFile"] = "emb/e.syn"  # relative to the parameter file
        population["synapses"]["connectionFile"] = "emb/e.con"
    write_param(params, tmp_path / "n.param")
    f = read_network_param(tmp_path / "n.param", tiny_morphology())
    write_network_param(f, tmp_path / "again.param")
    assert read_param(tmp_path / "again.param") == params
    assert read_network_param(tmp_path / "again.param", tiny_morphology()) == f


def test_write_network_embedding(embedding: Path, tmp_path: Path) -> None:
    f = read_tiny(make_params(), embedding)
    syn_files, con_files = write_network_embedding(f.network, tmp_path / "w.syn", tmp_path / "w.con", "tiny")
    assert read_syn(tmp_path / "w.syn")["L5tt_C2"][0].tolist() == [1, 2, 1]
    g = NetworkParameterFile(f.network, synapse_files=syn_files, connection_files=con_files)
    write_network_param(g, tmp_path / "w.param")
    assert read_network_param(tmp_path / "w.param", tiny_morphology()).network == f.network


def test_writer_needs_file_names(embedding: Path) -> None:
    f = read_tiny(make_params(), embedding)
    with pytest.raises(ValueError, match="L5tt_C2: no file name in synapse_files and connection_files"):
        network_param_dict(NetworkParameterFile(f.network))


def test_writer_rejects_inexpressible_activity(embedding: Path) -> None:
    import attrs

    f = read_tiny(make_params(), embedding)
    pop = attrs.evolve(f.network["L5tt_C2"], activity=Activity((Poisson(10.0), Poisson(20.0))))
    g = attrs.evolve(f, network=attrs.evolve(f.network, populations=(pop,)))
    with pytest.raises(ValueError, match="at most one spiketrain and one pointcell"):
        network_param_dict(g)


def test_poisson_options_round_trip(embedding: Path) -> None:
    params = make_params()
    params["network"]["L5tt_C2"].update(noise=0.5, start=100.0, nspikes=3)
    f = read_tiny(params, embedding)
    assert f.network["L5tt_C2"].activity == Activity(Poisson(283.3, 0.5, 100.0, 3))
    assert network_param_dict(f) == params
    # noise without start: start is 0 (written back with the default start)
    params = make_params()
    params["network"]["L5tt_C2"]["noise"] = 0.0
    assert read_tiny(params, embedding).network["L5tt_C2"].activity == Activity(Poisson(283.3, 0.0, 0.0))


def test_start_without_noise_is_ignored_with_a_warning(embedding: Path) -> None:
    params = make_params()
    params["network"]["L5tt_C2"]["start"] = 100.0
    with pytest.warns(UserWarning, match=r"network\.L5tt_C2: key 'start' ignored because 'noise' is absent"):
        f = read_tiny(params, embedding)
    assert f.network["L5tt_C2"].activity == Activity(Poisson(283.3))


def test_unknown_keys_are_ignored_with_a_warning(embedding: Path) -> None:
    params = make_params()
    params["network"]["L5tt_C2"]["convergence"] = 0.5
    params["network"]["L5tt_C2"]["synapses"]["receptors"]["glutamate_syn"]["colour"] = "red"
    params["network"]["L1_D1"]["celltype"]["pointcell"]["activeFrac"] = 0.1
    with pytest.warns(UserWarning) as record:
        read_tiny(params, embedding)
    messages = [str(w.message) for w in record]
    assert any("network.L5tt_C2: key 'convergence' ignored" in m for m in messages)
    assert any("network.L5tt_C2.synapses.receptors.glutamate_syn: key 'colour' ignored" in m for m in messages)
    assert any("network.L1_D1.celltype.pointcell: key 'activeFrac' ignored" in m for m in messages)


def test_no_warnings_for_a_clean_file(embedding: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_tiny(make_params(), embedding)


def test_network_block_alone_and_empty_modify_functions(embedding: Path) -> None:
    params = make_params()
    params["network"]["network_modify_functions"] = {}
    f = read_tiny(params["network"], embedding)
    assert [p.name for p in f.network.populations] == ["L5tt_C2", "L1_D1"]
    assert f.info == {} and f.nmodl_mechanisms == {}


def _set(params: dict[str, Any], path: str, value: Any) -> None:
    *keys, last = path.split(".")
    node = params["network"]
    for key in keys:
        node = node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "where", "message"),
    [
        ("L1_D1.celltype.pointcell.distribution", "normal", "network.L1_D1.celltype.pointcell",
         "population L1_D1: distribution 'normal' needs key 'activeFrac' (needs: activeFrac, spikeT, spikeWidth)"),
        ("L1_D1.celltype.pointcell.distribution", "PSTH_absolute_number", "network.L1_D1.celltype.pointcell",
         "needs key 'number_active_synapses'"),
        ("L1_D1.celltype.pointcell.distribution", "gamma", "network.L1_D1.celltype.pointcell.distribution",
         "unknown point-cell distribution 'gamma'; allowed are normal, uniform, lognormal, PSTH,"),
        ("L1_D1.celltype.pointcell.distribution", _DELETE, "network.L1_D1.celltype.pointcell",
         "distribution 'normal' needs key 'activeFrac'"),
        ("L1_D1.celltype.pointcell.offset", _DELETE, "network.L1_D1.celltype.pointcell", "needs key 'offset'"),
        ("L1_D1.celltype.pointcell.intervals", [(0.0, 1.0, 2.0)], "network.L1_D1.celltype.pointcell.intervals",
         "pairs"),
        ("L1_D1.celltype.pointcell.probabilities", [0.1], "network.L1_D1.celltype.pointcell", "one per interval"),
        ("L1_D1.celltype.pointcell.probabilities", [0.1, "x"], "network.L1_D1.celltype.pointcell.probabilities[1]",
         "finite number"),
        ("L1_D1.celltype.burst", {}, "network.L1_D1.celltype.burst", "not a spike source"),
        ("L1_D1.celltype.spiketrain", 3, "network.L1_D1.celltype.spiketrain", "expected a dict"),
        ("L5tt_C2.celltype", "burst", "network.L5tt_C2.celltype", "expected 'spiketrain', 'pointcell'"),
        ("L5tt_C2.celltype", _DELETE, "network.L5tt_C2", "missing key 'celltype'"),
        ("L5tt_C2.interval", _DELETE, "network.L5tt_C2", "missing key 'interval'"),
        ("L5tt_C2.interval", -3.0, "network.L5tt_C2", "interval_ms"),
        ("L5tt_C2.noise", 2.0, "network.L5tt_C2", "noise"),
        ("L5tt_C2.nspikes", 1.5, "network.L5tt_C2.nspikes", "integer"),
        ("L5tt_C2.cellNr", 2.0, "network.L5tt_C2.cellNr", "integer >= 0"),
        ("L5tt_C2.cellNr", 1, "network.L5tt_C2.synapses.connectionFile",
         "cell IDs below cell_count = 1"),
        ("L5tt_C2.synapses.releaseProb", "dynamic", "network.L5tt_C2.synapses.releaseProb",
         "receptors with stochastic release: ProbAMPANMDA2, ProbUDFsyn2"),
        ("L5tt_C2.synapses.releaseProb", 1.5, "network.L5tt_C2.synapses.releaseProb", "probability in [0, 1]"),
        ("L5tt_C2.synapses.receptors.glutamate_syn.weight", 1.0,
         "network.L5tt_C2.synapses.receptors.glutamate_syn.weight", "2 weight(s) for glutamate_syn"),
        ("L5tt_C2.synapses.receptors.glutamate_syn.weight", [1.0, "a"],
         "network.L5tt_C2.synapses.receptors.glutamate_syn.weight[1]", "finite number"),
        ("L5tt_C2.synapses.receptors.glutamate_syn.weight", _DELETE,
         "network.L5tt_C2.synapses.receptors.glutamate_syn", "missing key 'weight'"),
        ("L5tt_C2.synapses.receptors.glutamate_syn.delay", _DELETE,
         "network.L5tt_C2.synapses.receptors.glutamate_syn", "missing key 'delay'"),
        ("L5tt_C2.synapses.receptors.glutamate_syn.weightDistribution", "normal",
         "network.L5tt_C2.synapses.receptors.glutamate_syn.weightDistribution", "only 'lognormal'"),
        ("L5tt_C2.synapses.receptors.glutamate_syn.parameter", {"tau9": 1.0},
         "network.L5tt_C2.synapses.receptors.glutamate_syn.parameter", "parameters of glutamate_syn"),
        ("L5tt_C2.synapses.receptors.glutamate_syn.parameter", {"tau1": "26"},
         "network.L5tt_C2.synapses.receptors.glutamate_syn.parameter.tau1", "finite number"),
        ("L5tt_C2.synapses.receptors", _DELETE, "network.L5tt_C2.synapses", "missing key 'receptors'"),
        ("L5tt_C2.synapses.distributionFile", _DELETE, "network.L5tt_C2.synapses", "missing key 'distributionFile'"),
        ("L5tt_C2.synapses.connectionFile", 5, "network.L5tt_C2.synapses.connectionFile", "file name"),
        ("L5tt_C2.synapses.distributionFile", OLD + "nowhere.syn", "network.L5tt_C2.synapses.distributionFile",
         "'/cluster/old/home/embedding/nowhere.syn' not found as written nor by its name in"),
        ("L5tt_C2.synapses", _DELETE, "network.L5tt_C2", "missing key 'synapses'"),
        ("L5tt", {"cellNr": 1, "celltype": "spiketrain", "interval": 1.0,
                  "synapses": {"receptors": {}, "distributionFile": OLD + "e.syn", "connectionFile": OLD + "e.con"}},
         "network.L5tt", "'<celltype>_<column>'"),
        ("network_modify_functions", {"silence_synapses_by_somadist": {}},
         "network.network_modify_functions.silence_synapses_by_somadist", "needs argument 'soma_dist_ranges'"),
        ("network_modify_functions", {"silence_everything": {}},
         "network.network_modify_functions.silence_everything", "unknown function 'silence_everything': allowed"),
        ("network_param_modify_functions", {"change_ongoing_interval": {"factor": 2, "popp": ["L5tt"]}},
         "network.network_param_modify_functions.change_ongoing_interval.popp", "allowed are factor, pop"),
        ("L5tt_C2", [1], "network.L5tt_C2", "expected a dict"),
        ("L5tt_C2.interval", float("inf"), "network.L5tt_C2.interval", "found inf: allowed is a finite number"),
        ("L5tt_C2.synapses.receptors.glutamate_syn.delay", float("nan"),
         "network.L5tt_C2.synapses.receptors.glutamate_syn.delay", "found nan: allowed is a finite number"),
        ("L1_D1.celltype.pointcell.intervals", [(0.0, float("inf"))], "network.L1_D1.celltype.pointcell.intervals",
         "pairs of numbers"),
    ],
)
def test_errors_name_the_key_path(embedding: Path, path: str, value: Any, where: str, message: str) -> None:
    params = make_params()
    _set(params, path, value)
    with pytest.raises(LegacyFormatError) as info:
        read_tiny(params, embedding)
    assert info.value.filename == str(embedding.parent / "n.param")
    assert info.value.reason.startswith(where + ": "), info.value.reason
    assert message in info.value.reason


def test_connectivity_beyond_the_synapses_is_an_error(embedding: Path) -> None:
    (embedding / "e.con").write_text(CON_TEXT + "L1_D1\t0\t1\n")  # L1_D1 has one synapse (ID 0)
    with pytest.raises(LegacyFormatError) as info:
        read_tiny(make_params(), embedding)
    assert info.value.reason.startswith("network.L1_D1.synapses.connectionFile: ")
    assert "synapse IDs below the 1 synapses of L1_D1" in info.value.reason
    assert str(embedding / "e.con") in info.value.reason


def test_synapse_on_missing_section_is_an_error(embedding: Path) -> None:
    (embedding / "e.syn").write_text(SYN_TEXT + "L1_D1\t7\t0.5\n")
    n_rows = SYN_TEXT.count("L1_D1\t")
    line = len(SYN_TEXT.splitlines()) + 1
    with pytest.raises(LegacyFormatError, match=rf"network\.L1_D1\.synapses\.distributionFile: .*e\.syn:{line}: "
                                                rf"synapse {n_rows} of L1_D1 is on section 7, but the cell has "
                                                r"sections 0\.\.2"):
        read_tiny(make_params(), embedding)


def test_syn_file_errors_keep_file_and_line(embedding: Path) -> None:
    (embedding / "e.syn").write_text(SYN_TEXT + "L1_D1\tx\t0.5\n")
    with pytest.raises(LegacyFormatError) as info:
        read_tiny(make_params(), embedding)
    assert info.value.filename == str((embedding / "e.syn").resolve())
    assert info.value.line == 10


_numbers = st.floats(0.01, 1e4, allow_nan=False)
_psth = st.integers(0, 4).flatmap(lambda n: st.fixed_dictionaries({
    "distribution": st.just("PSTH"),
    "intervals": st.lists(st.tuples(st.floats(0, 50), st.floats(0, 10)).map(lambda t: (t[0], t[0] + t[1])),
                          min_size=n, max_size=n),
    "probabilities": st.lists(st.floats(-0.1, 1.0), min_size=n, max_size=n),
    "offset": st.floats(0, 1000),
}))
_poisson = st.fixed_dictionaries({"interval": _numbers}, optional={"nspikes": st.integers(0, 50)})
_activity = st.one_of(
    _poisson.map(lambda d: {"celltype": "spiketrain", **d}),
    _psth.map(lambda d: {"celltype": "pointcell", **d}),
    st.tuples(_poisson, _psth, st.booleans()).map(
        lambda t: {"celltype": {"pointcell": t[1], "spiketrain": t[0]} if t[2]
                   else {"spiketrain": t[0], "pointcell": t[1]}}),
)
_receptors = st.one_of(
    st.tuples(_numbers, _numbers, st.floats(0, 100)).map(lambda w: {"glutamate_syn": {
        "threshold": 0.0, "delay": w[2], "parameter": {"tau1": w[0]}, "weight": [w[0], w[1]]}}),
    st.tuples(_numbers, st.booleans()).map(lambda w: {"gaba_syn": {
        "threshold": -10.0, "delay": 0.0, "parameter": {"e": -80.0, "decaytime": w[0]}, "weight": w[0],
        **({"weightDistribution": "lognormal"} if w[1] else {})}}),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["L5tt_C2", "L1_D1", "VPM_E1", "L2_A1"]), _activity, _receptors,
                          st.one_of(st.none(), st.floats(0, 1)), st.integers(2, 100)),
                max_size=4, unique_by=lambda t: t[0]))
def test_round_trip_random_populations(embedding: Path, populations: list[Any]) -> None:
    network: dict[str, Any] = {}
    for name, activity, receptors, release, cells in populations:
        synapses: dict[str, Any] = {"receptors": receptors}
        if release is not None:
            synapses["releaseProb"] = release
        synapses.update(distributionFile=OLD + "e.syn", connectionFile=OLD + "e.con")
        network[name] = {**activity, "synapses": synapses, "cellNr": cells}
    params = {"info": {}, "NMODL_mechanisms": {}, "network": network}
    f = read_tiny(params, embedding)
    back = network_param_dict(f)
    assert back == params
    assert read_tiny(back, embedding) == f


# ---------------------------------------------------------------------------
# The shared network.param (C2 deflection of cell 86)


@pytest.fixture(scope="module")
def shared_network(shared_data: Path, morph86: Morphology) -> NetworkParameterFile:
    return read_network_param(shared_data / "network" / "network.param", morph86,
                              [shared_data / "embedding" / "86_C2_center"])


@pytest.mark.shared
def test_shared_network(shared_network: NetworkParameterFile, shared_data: Path) -> None:
    network = shared_network.network
    assert len(network.populations) == 278
    syn = read_syn(shared_data / "embedding" / "86_C2_center" / "example_embedding_86_C2_center.syn")
    # the .syn has 278 types, exactly the populations of network.param: all 24,780 synapses are mapped
    assert set(syn) == {p.name for p in network.populations}
    assert sum(len(ids) for ids, _ in syn.values()) == 24780
    assert network.n_synapses == 24780
    assert network.n_connected_synapses == 24780
    kinds = [tuple(type(c).__name__ for c in p.activity.components) for p in network.populations]
    assert kinds.count(("PSTH", "Poisson")) == 168 and kinds.count(("Poisson",)) == 110
    l5 = network["L5tt_C2"]
    assert l5.cell_count == 379 and l5.release_probability == 0.6 and len(l5.synapses) == 379
    assert l5.receptors == (glutamate(1.59, 1.59, tau1=26.0, tau2=2.0, tau3=2.0, tau4=0.1, decayampa=1.0,
                                      decaynmda=1.0, facilampa=0.0, facilnmda=0.0),)
    assert l5.activity.components[1] == Poisson(283.3)
    assert l5.activity.components[0].offset_ms == 245.0
    assert network["L45Peak_D1"].receptors[0] == Receptor("gaba_syn", (1.0,), {
        "decaytime": 20.0, "risetime": 1.0, "decaygaba": 1.0, "e": -80.0, "facilgaba": 0.0})
    first = network["VPM_E1"].synapses[0]
    assert (first.section_id, first.x, first.label) == (112, 0.138046479525, "Dendrite")
    assert shared_network.nmodl_mechanisms == {"synapses": "/", "VecStim": "/"}
    assert len(set(shared_network.located_files.values())) == 2


@pytest.mark.shared
def test_shared_round_trip(shared_network: NetworkParameterFile, shared_data: Path) -> None:
    original = read_param(shared_data / "network" / "network.param")
    assert network_param_dict(shared_network) == original  # exact: no int/float changes either
    relocated = network_param_dict(shared_network, shared_network.located_files.get)
    changed = [(name, key) for name, population in original["network"].items()
               for key in population["synapses"]
               if relocated["network"][name]["synapses"][key] != population["synapses"][key]]
    assert len(changed) == 2 * 278
    assert {key for _, key in changed} == {"distributionFile", "connectionFile"}
    for name, key in changed:
        assert Path(relocated["network"][name]["synapses"][key]).is_file()
        relocated["network"][name]["synapses"][key] = original["network"][name]["synapses"][key]
    assert relocated == original
    # types are kept too (int stays int, tuple stays tuple)
    assert _typed(network_param_dict(shared_network)) == _typed(original)


def _typed(value: Any) -> Any:
    """``value`` with every leaf paired with its type (dict order ignored)."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return (type(value), [_typed(v) for v in value])
    return (type(value), value)


@pytest.mark.shared
def test_shared_synapses_match_legacy_simulation_output(shared_network: NetworkParameterFile,
                                                         shared_data: Path) -> None:
    """Every active synapse the legacy simulator wrote (type, synapse ID → section, point, label,
    soma distance) is the synapse of that ID here."""
    folder = next((shared_data / "legacy_simrun").glob("*/*"))
    mismatched_points = set()
    rows = 0
    for path in sorted(folder.glob("simulation_run*_synapses.csv")):
        for line in path.read_text().splitlines():
            if line.startswith("#") or not line.strip():
                continue
            name, syn_id, distance, section_id, pt_id, label, _ = line.split("\t")
            synapse = shared_network.network[name].synapses[int(syn_id)]
            rows += 1
            assert (synapse.section_id, synapse.label) == (int(section_id), label)
            assert synapse.soma_distance_um == pytest.approx(float(distance), rel=2e-6)
            if synapse.section_pt_id != int(pt_id):
                mismatched_points.add((name, int(syn_id), synapse.section_pt_id, int(pt_id)))
    assert rows == 4428 + 4296
    # One location differs in its point ID: x = 1 on section 94, whose last two 3D points coincide
    # (relative position 1 both); legacy picked the second, isf the first (see the report).
    assert mismatched_points == {("L4ss_C1", 45, 37, 38), ("SymLocal4_C2", 110, 37, 38)}
    rel = shared_network.network["L4ss_C1"].synapses
    assert rel.section_id[45] == 94 and rel.x[45] == 1.0


@pytest.mark.shared
def test_shared_synapse_ids_with_generated_axon(shared_network: NetworkParameterFile, cell86: Any,
                                                shared_data: Path) -> None:
    # the simulated cell has the generated axon after the 167 hoc sections: same synapses
    assert len(cell86.morphology.sections) == 170
    with_axon = read_network_param(shared_data / "network" / "network.param", cell86.morphology,
                                   [shared_data / "embedding" / "86_C2_center"])
    assert with_axon.network == shared_network.network
    np.testing.assert_array_equal(with_axon.network["L5tt_C2"].synapses.soma_distance_um,
                                  shared_network.network["L5tt_C2"].synapses.soma_distance_um)
