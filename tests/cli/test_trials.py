"""``isf trials`` on shipped data writes a run store; bad input gives a one-line error."""

from __future__ import annotations

from pathlib import Path

from conftest import one_line_error

from isf.store import RunStore
from isf.data import cell86, network_c2


def test_trials_on_shipped_files(isf_cli, tmp_path: Path) -> None:
    out = tmp_path / "run.h5"
    code, stdout, _ = isf_cli("trials", "--cell", cell86("86_C2_center.param"), "--network",
                              network_c2("network.param"), "--trials", "1", "--seed", "3", "--tstop", "20",
                              "--backend", "sequential", "--out", out)
    assert code == 0 and f"wrote {out}" in stdout
    with RunStore.open(out) as store:
        assert store.completed_trials() == {0} or list(store.completed_trials()) == [0]


def test_trials_bad_input(isf_cli, tmp_path: Path) -> None:
    code, _, err = isf_cli("trials", "--cell", tmp_path / "missing.param", "--network", network_c2("network.param"),
                           "--trials", "1", "--seed", "1", "--out", tmp_path / "x.h5")
    assert code != 0
    assert "missing.param" in one_line_error(err)
    code, _, err = isf_cli("trials", "--cell", cell86("86_C2_center.param"), "--network", network_c2("network.param"),
                           "--trials", "-2", "--seed", "1", "--out", tmp_path / "y.h5", "--backend", "sequential")
    assert code != 0 and "n_trials" in one_line_error(err)


def test_trials_bad_workers_fail_before_any_file(isf_cli, tmp_path: Path) -> None:
    out = tmp_path / "z.h5"
    code, _, err = isf_cli("trials", "--cell", cell86("86_C2_center.param"), "--network", network_c2("network.param"),
                           "--trials", "1", "--seed", "1", "--out", out, "--workers", "0")
    line = one_line_error(err)
    assert code != 0 and "Parallel.workers = 0" in line and "an integer >= 1" in line
    assert not out.exists()
