"""``isf convert``: legacy files of the shipped data → typed JSON/YAML and back, with round-trip reports."""

from __future__ import annotations

from pathlib import Path

import isf
from isf.data import cell86, network_c2
from isf.dsl.con_file import read_con
from isf.dsl.syn_file import read_syn

CELL_PARAM = cell86("86_C2_center.param")


def test_cell_param_to_json_and_back(isf_cli, tmp_path: Path) -> None:
    out = tmp_path / "cell.json"
    code, stdout, _ = isf_cli("convert", CELL_PARAM, out)
    assert code == 0
    assert "1142 segments" in stdout and "gives an equal value" in stdout
    cell = isf.load(out)
    assert cell == isf.read_cell_param(CELL_PARAM).cell
    back = tmp_path / "back.param"
    code, stdout, _ = isf_cli("convert", out, back, "--tstop-ms", "300")
    assert code == 0 and "equal cell" in stdout
    params = isf.read_cell_param(back)
    assert params.cell == cell
    assert params.simulation.tstop_ms == 300


def test_network_param_to_yaml_needs_the_morphology(
    isf_cli, one_line_error, tmp_path: Path
) -> None:
    out = tmp_path / "network.yaml"
    code, _, err = isf_cli("convert", network_c2("network.param"), out)
    assert code == 1 and "--morphology" in one_line_error(err)
    assert not out.exists()
    code, stdout, _ = isf_cli(
        "convert",
        network_c2("network.param"),
        out,
        "--morphology",
        cell86("86_C2_center.hoc"),
    )
    assert code == 0 and "278 populations" in stdout
    network = isf.load(out)
    assert len(network.populations) == 278 and network.n_synapses == 24780


def test_syn_and_con_round_trip_through_json(isf_cli, tmp_path: Path) -> None:
    syn, con = (
        network_c2("example_embedding_86_C2_center.syn"),
        network_c2("example_embedding_86_C2_center.con"),
    )
    assert isf_cli("convert", syn, tmp_path / "syn.json")[0] == 0
    assert isf_cli("convert", con, tmp_path / "con.yaml")[0] == 0
    assert isf_cli("convert", tmp_path / "syn.json", tmp_path / "back.syn")[0] == 0
    assert isf_cli("convert", tmp_path / "con.yaml", tmp_path / "back.con")[0] == 0
    original, back = read_syn(syn), read_syn(tmp_path / "back.syn")
    assert list(back) == list(original)
    assert all(
        (back[k][0] == original[k][0]).all() and (back[k][1] == original[k][1]).all()
        for k in original
    )
    assert read_con(tmp_path / "back.con")[1] == read_con(con)[1]


def test_hoc_to_json_to_hoc(isf_cli, tmp_path: Path) -> None:
    assert isf_cli("convert", cell86("86_C2_center.hoc"), tmp_path / "m.json")[0] == 0
    code, stdout, _ = isf_cli("convert", tmp_path / "m.json", tmp_path / "m.hoc")
    assert code == 0 and "equal morphology" in stdout
    assert isf.read_hoc(tmp_path / "m.hoc") == isf.read_hoc(cell86("86_C2_center.hoc"))


def test_refuses_to_overwrite_without_force(
    isf_cli, one_line_error, tmp_path: Path
) -> None:
    out = tmp_path / "cell.json"
    out.write_text("keep me")
    code, _, err = isf_cli("convert", CELL_PARAM, out)
    assert code == 1 and "--force" in one_line_error(err)
    assert out.read_text() == "keep me"
    assert isf_cli("convert", CELL_PARAM, out, "--force")[0] == 0
    assert isf.load(out).n_segments == 1142


def test_bad_input_gives_one_line_and_nonzero_exit(
    isf_cli, one_line_error, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.param"
    bad.write_text('{"neuron": {"filename": "x.hoc",\n  "Soma": {\n')
    out = tmp_path / "out.json"
    code, _, err = isf_cli("convert", bad, out)
    assert code != 0
    assert "broken.param" in one_line_error(err)
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]
    code, _, err = isf_cli("convert", tmp_path / "missing.syn", out)
    assert code != 0 and "not found" in one_line_error(err)
    code, _, err = isf_cli("convert", CELL_PARAM, tmp_path / "out.txt")
    assert code != 0 and ".json" in one_line_error(err)


def _corpus_files(tmp_path: Path) -> tuple[Path, Path]:
    """A synthetic network file using every modifier and a cell file with every stimulus function."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "dsl"))
    from legacy_corpus import cell_corpus, network_corpus, write_embedding

    from isf.dsl.param_format import write_param

    write_embedding(tmp_path)
    network, cell = tmp_path / "network.param", tmp_path / "cell.param"
    write_param(network_corpus()["modifiers"], network)
    write_param(cell_corpus(str(cell86("86_C2_center.hoc")))["all_keys"], cell)
    return network, cell


def test_reports_what_every_key_mapped_to(isf_cli, tmp_path: Path) -> None:
    network, cell = _corpus_files(tmp_path)
    out = tmp_path / "network.json"
    code, stdout, _ = isf_cli("convert", network, out, "--morphology", cell86("86_C2_center.hoc"))
    assert code == 0, stdout
    assert "mapped: synapses.releaseProb → Bernoulli probability ×4" in stdout
    assert "mapped: network.*modify_functions.silence_synapses_by_somadist → SilenceBySomaDistance" in stdout
    assert "mapped: network.*modify_functions.multi_stimulus_trial → MultiStimulusTrial" in stdout
    assert "PSTH→PSTH ×2" in stdout and "gives an equal value" in stdout
    assert len(isf.load(out).modifiers) == 9
    code, stdout, _ = isf_cli("convert", cell, tmp_path / "experiment.yaml")
    assert code == 0, stdout
    assert "mapped: neuron.cell_modify_functions → EPSPCurrent at apical_trunk_400um (experiment stimulus)" in stdout
    assert "wrote " in stdout and "(Experiment)" in stdout and "gives an equal value" in stdout
    experiment = isf.load(tmp_path / "experiment.yaml")
    assert len(experiment.stimuli) == 5
    code, stdout, _ = isf_cli("convert", tmp_path / "experiment.yaml", tmp_path / "back.param")
    assert code == 0 and "equal experiment" in stdout


def test_refuses_only_unknown_keys_naming_file_line_and_allowed(isf_cli, one_line_error, tmp_path: Path) -> None:
    network, _ = _corpus_files(tmp_path)
    text = network.read_text().replace('"set_stim_onset"', '"set_stim_offset"')
    network.write_text(text)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "set_stim_offset" in s)
    code, _, err = isf_cli("convert", network, tmp_path / "n.json", "--morphology", cell86("86_C2_center.hoc"))
    message = one_line_error(err)
    assert code != 0 and f"network.param:{line}: network.network_param_modify_functions.set_stim_offset" in message
    assert "unknown function 'set_stim_offset': allowed in network_param_modify_functions are " \
           "change_ongoing_interval, set_stim_onset" in message
