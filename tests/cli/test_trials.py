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


def test_runaway_trials_are_recorded_as_failed_and_the_run_goes_on(isf_cli, tmp_path: Path) -> None:
    out = tmp_path / "run.h5"
    args = ("trials", "--cell", cell86("86_C2_center.param"), "--network", network_c2("network.param"),
            "--trials", "2", "--seed", "3", "--tstop", "60", "--backend", "sequential", "--out", out)
    code, stdout, _ = isf_cli(*args, "--trial-timeout", "1e-6")
    assert code == 0 and f"wrote {out}" in stdout
    with RunStore.open(out) as store:
        failed = store.failed_trials()
        assert store.completed_trials() == set()
        assert failed.index.tolist() == [0, 1]
        assert all("wall-clock limit of 1e-06 s exceeded" in reason for reason in failed["reason"])
    code, stdout, _ = isf_cli("inspect", out)
    assert code == 0 and "2 failed" in stdout and "failed trial 0: runaway trial" in stdout
    code, _, err = isf_cli(*args[:-2], "--out", tmp_path / "w.h5", "--trial-timeout", "0")
    assert code != 0 and "--trial-timeout 0: allowed is a number of seconds > 0" in one_line_error(err)
    assert not (tmp_path / "w.h5").exists()
