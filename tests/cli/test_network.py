"""``isf network evoked``: the network of any whisker from a cell's embedding, as .param or typed JSON/YAML."""

from __future__ import annotations

from pathlib import Path

from conftest import one_line_error

import isf
from isf.data import cell86, network_c2
from isf.dsl.evoked_network import evoked_network, evoked_network_param
from isf.dsl.param_format import read_param


def test_evoked_param_of_a_surround_whisker(isf_cli, tmp_path: Path) -> None:
    out = tmp_path / "network_B1.param"
    code, stdout, _ = isf_cli("network", "evoked", "--whisker", "B1", "--cell-dir", network_c2(), "--out", out)
    assert code == 0 and f"wrote {out}: 278 populations, B1 deflected" in stdout
    assert read_param(out) == evoked_network_param("B1", network_c2())
    # the file reads as a network wherever it is (absolute .syn/.con paths)
    network = isf.read_network_param(out, isf.read_cell_param(cell86("86_C2_center.param")).cell.morphology).network
    assert network.n_synapses == 24780


def test_evoked_typed_output(isf_cli, tmp_path: Path) -> None:
    out = tmp_path / "network_C2.json"
    code, _, err = isf_cli("network", "evoked", "--whisker", "C2", "--cell-dir", network_c2(), "--out", out)
    assert code == 1 and "needs the cell's morphology" in one_line_error(err) and not out.exists()
    code, stdout, _ = isf_cli("network", "evoked", "--whisker", "C2", "--counts",
                              network_c2("NumberOfConnectedCells.csv"), "--syn",
                              network_c2("example_embedding_86_C2_center.syn"), "--con",
                              network_c2("example_embedding_86_C2_center.con"), "--out", out,
                              "--morphology", cell86("86_C2_center.hoc"))
    assert code == 0 and "24780 synapses" in stdout
    morphology = isf.read_cell_param(cell86("86_C2_center.param")).cell.morphology
    assert isf.load(out) == evoked_network("C2", morphology, network_c2())


def test_evoked_errors(isf_cli, tmp_path: Path) -> None:
    code, _, err = isf_cli("network", "evoked", "--whisker", "Z9", "--cell-dir", network_c2(), "--out",
                           tmp_path / "n.param")
    line = one_line_error(err)
    assert code == 1 and "unknown whisker 'Z9'" in line and "B1" in line and "E2" in line
    code, _, err = isf_cli("network", "evoked", "--whisker", "C2", "--cell-dir", tmp_path, "--out",
                           tmp_path / "n.param")
    assert code == 1 and "NumberOfConnectedCells.csv" in one_line_error(err)
    code, _, err = isf_cli("network", "evoked", "--whisker", "C2", "--cell-dir", network_c2(), "--out",
                           tmp_path / "n.txt")
    assert code == 1 and "allowed are .param" in one_line_error(err)
    code, _, err = isf_cli("network", "evoked", "--whisker", "C2", "--syn", "a.syn", "--out", tmp_path / "n.param")
    assert code == 1 and "go together" in one_line_error(err)
    assert not list(tmp_path.glob("n.*"))
