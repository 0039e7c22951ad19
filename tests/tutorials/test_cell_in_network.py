"""Tutorial 02 (cell 86 in the C2 network) runs from shipped files only, prints its summary, writes
its figures, and resumes from its store."""

from __future__ import annotations

import re
from pathlib import Path

from tutorial_run import assert_picture, run_tutorial

from isf.store import RunStore

ARGS = ["--trials", "2", "--tstop", "60", "--workers", "1"]


def test_cell_in_network_tutorial(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_tutorial("02_cell_in_network.py", [*ARGS, "--out", str(out)], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = proc.stdout
    assert "network: 278 populations, 24,780 synapses" in text
    # the per-cell-type table: 22 cell types, L1 grouped as EXC (ISF), totals
    table = re.findall(r"^(\w+)\s+(EXC|INH)\s+\d+", text, flags=re.MULTILINE)
    assert len(table) == 22 and ("L1", "EXC") in table and ("L56Trans", "INH") in table
    assert re.search(r"^L5tt\s+EXC\s+14\s+807\s+700\s+807\s+234\.8\s", text, flags=re.MULTILINE)
    assert "total: 24,780 synapses" in text
    assert "0 of 2 trials already stored" in text
    assert "summary over 2 trials (tstop 60 ms, seed 1):" in text
    spikes = re.search(r"spikes/trial: (\d+\.\d\d)", text)
    assert spikes is not None and 0.0 <= float(spikes.group(1)) < 20.0
    assert "P(spike 245-265 ms): n/a (needs --tstop >= 265)" in text
    assert "ongoing rate 100-245 ms: n/a" in text
    activations = re.search(r"synapse activations/trial: (\d+) \(EXC (\d+), INH (\d+)\)", text)
    assert activations is not None
    total, exc, inh = map(int, activations.groups())
    assert 500 < total < 1100 and exc > inh > 0 and abs(exc + inh - total) <= 1

    store = out / "c2_trials.h5"
    with RunStore.open(store) as s:
        assert sorted(s.completed_trials()) == [0, 1]
        assert s["voltage_traces"].shape == (2, 2401)
    assert_picture(out / "c2_soma.png", 800, 50, min_height=500)
    assert_picture(out / "c2_synapse_activations.png", 1000, 100, min_height=500)

    # Same command again: everything is stored, nothing is re-run, same summary.
    again = run_tutorial("02_cell_in_network.py", [*ARGS, "--out", str(out)], tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "2 of 2 trials already stored" in again.stdout
    assert again.stdout.split("summary over")[1] == text.split("summary over")[1]
