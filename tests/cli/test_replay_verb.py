"""``isf replay``: a stored trial simulated again (bit for bit), its traces and animation written; bad input
gives a one-line error before any simulation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import one_line_error
from PIL import Image

from isf.cli.replay import parse_record, parse_synapses
from isf.data import cell86, network_c2
from isf.model.site import ApicalTrunk, SectionSite, Soma
from isf.store import RunStore


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from isf.cli.main import main

    out = tmp_path_factory.mktemp("replay_cli") / "run.h5"
    assert main(["trials", "--cell", str(cell86("86_C2_center.param")), "--network", str(network_c2("network.param")),
                 "--trials", "1", "--seed", "4", "--tstop", "20", "--backend", "sequential", "--out", str(out)]) == 0
    return out


def test_replay_writes_traces_and_animation(isf_cli, store: Path, tmp_path: Path) -> None:
    traces, gif = tmp_path / "trial0.npz", tmp_path / "trial0.gif"
    code, stdout, _ = isf_cli("replay", store, "--trial", "0", "--record", "ica", "--record", "v@trunk:500",
                              "--synapses", "g_ampa", "--synapses", "gaba_syn.g", "--out", traces,
                              "--animate", gif, "--t-start", "5", "--t-stop", "20", "--t-step", "1", "--quiet")
    assert code == 0, stdout
    assert "soma trace: identical (bit for bit)" in stdout and f"wrote {gif}" in stdout
    with RunStore.open(store) as run:
        t, soma = run.trace("soma", 0)
    data = np.load(traces)
    assert np.array_equal(data["t_ms"], t) and np.array_equal(data["soma"], soma)
    assert {"soma.ica", "trunk_500um.v", "L5tt_C2.glutamate_syn.g_ampa", "L1_C2.gaba_syn.g", "v@0/0"} <= set(data.files)
    with Image.open(gif) as im:
        assert im.n_frames == 16
    code, _, err = isf_cli("replay", store, "--trial", "0", "--out", traces)
    assert code != 0 and "exists; use --force" in one_line_error(err)


def test_replay_bad_input(isf_cli, store: Path, tmp_path: Path) -> None:
    code, _, err = isf_cli("replay", store, "--trial", "5")
    assert code != 0 and "has no trial 5" in one_line_error(err)
    code, _, err = isf_cli("replay", store, "--trial", "0", "--record", "v@trunk:far")
    assert code != 0 and "--record 'v@trunk:far'" in one_line_error(err)
    code, _, err = isf_cli("replay", store, "--trial", "0", "--synapses", "gmax")
    assert code != 0 and "--synapses 'gmax'" in one_line_error(err)
    code, _, err = isf_cli("replay", store, "--trial", "0", "--animate", tmp_path / "a.avi")
    assert code != 0 and "allowed suffixes are .gif, .mp4" in one_line_error(err)
    code, _, err = isf_cli("replay", tmp_path / "missing.h5", "--trial", "0")
    assert code != 0 and "missing.h5" in one_line_error(err)


def test_record_and_synapse_specs() -> None:
    assert parse_record("ica").site == Soma() and parse_record("ica").variable == "ica"
    assert parse_record("v@trunk:600").site == ApicalTrunk(600.0)
    rec = parse_record("cai@38:0.5")
    assert rec.site == SectionSite(38, 0.5) and rec.key == "38:0.5.cai"
    syn = parse_synapses("g_nmda:each")
    assert (syn.receptor, syn.variable, syn.combine) == ("glutamate_syn", "g_nmda", "each")
    assert parse_synapses("gaba_syn.i").receptor == "gaba_syn"
