"""``isf sweep``: whiskers (or labelled network files) x trials into a study database or a folder of stores."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import one_line_error

from isf.data import network_c2
from isf.store import Database, RunStore, StudyView


def test_sweep_whiskers_into_a_database_and_resume(isf_cli, tmp_path: Path) -> None:
    db = tmp_path / "study"
    argv = ("sweep", "--whiskers", "C2", "E2", "--trials", "1", "--seed", "4", "--tstop", "10", "--backend",
            "sequential", "--db", db)
    code, stdout, _ = isf_cli(*argv)
    assert code == 0 and "whisker=E2: runs/E2" in stdout and f"isf study summary {db}" in stdout
    view = StudyView.of_database(Database(db, create=False))
    assert view.condition_names == ("whisker",) and view.runs_table().trials.tolist() == [1, 1]
    with RunStore.open(Database(db, create=False).item_path(("runs", "C2"))) as store:
        stamp = store["trials"].finished_at.tolist()
    assert isf_cli(*argv)[0] == 0  # finished: nothing re-run
    with RunStore.open(Database(db, create=False).item_path(("runs", "C2"))) as store:
        assert store["trials"].finished_at.tolist() == stamp


def test_sweep_labelled_networks_into_stores(isf_cli, tmp_path: Path) -> None:
    code, stdout, _ = isf_cli("sweep", "--networks", f"shipped={network_c2('network.param')}", "--name", "net",
                              "--trials", "1", "--seed", "4", "--tstop", "5", "--backend", "sequential",
                              "--stores", tmp_path / "runs")
    assert code == 0 and "net=shipped" in stdout
    view = StudyView.of_stores([tmp_path / "runs" / "shipped.h5"])
    assert view.condition_names == ("net",) and len(view.trials) == 1


def test_sweep_errors(isf_cli, tmp_path: Path) -> None:
    base = ("sweep", "--trials", "1", "--seed", "1", "--backend", "sequential")
    code, _, err = isf_cli(*base, "--whiskers", "C2", "Q4", "--db", tmp_path / "a")
    line = one_line_error(err)
    assert code == 1 and "unknown: Q4" in line and "B1" in line
    code, _, err = isf_cli(*base, "--db", tmp_path / "b")
    assert code == 1 and "--whiskers" in one_line_error(err)
    code, _, err = isf_cli(*base, "--whiskers", "C2", "--db", tmp_path / "c", "--stores", tmp_path / "d")
    assert code == 1 and "--db DATABASE or --stores FOLDER" in one_line_error(err)
    code, _, err = isf_cli(*base, "--networks", "nolabel", "--db", tmp_path / "e")
    assert code == 1 and "LABEL=FILE" in one_line_error(err)
    code, _, err = isf_cli(*base, "--whiskers", "C2", "--db", tmp_path / "f", "--workers", "0")
    assert code == 1 and "Parallel.workers = 0" in one_line_error(err)
    assert not (tmp_path / "d").exists() and not (tmp_path / "f").exists()


def test_sweep_under_two_mpi_ranks_equals_sequential(tmp_path: Path) -> None:
    mpiexec = Path(sys.executable).parent / "mpiexec"
    if not mpiexec.exists():
        pytest.skip("mpiexec not installed in this environment")
    common = ["sweep", "--whiskers", "C2", "B1", "--trials", "2", "--seed", "4", "--tstop", "10"]
    for backend, db in (("mpi", "mpi_db"), ("sequential", "seq_db")):
        launcher = [str(mpiexec), "-n", "2"] if backend == "mpi" else []
        proc = subprocess.run([*launcher, sys.executable, "-m", "isf", *common, "--backend", backend, "--db",
                               str(tmp_path / db)], capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert proc.stdout.count("whisker=B1: runs/B1") == 1  # rank 0 reports
    for whisker in ("C2", "B1"):
        with Database(tmp_path / "mpi_db", create=False)["runs", whisker] as a, \
                Database(tmp_path / "seq_db", create=False)["runs", whisker] as b:
            np.testing.assert_array_equal(a["voltage_traces"].to_numpy(), b["voltage_traces"].to_numpy())
            assert sorted(a.completed_trials()) == [0, 1]


def test_killed_sweep_resumes_to_the_same_runs(tmp_path: Path) -> None:
    args = [sys.executable, "-m", "isf", "sweep", "--whiskers", "C2", "D2", "--trials", "3", "--seed", "6", "--tstop",
            "10", "--backend", "sequential"]
    assert subprocess.run([*args, "--db", str(tmp_path / "whole")], capture_output=True, timeout=600).returncode == 0
    proc = subprocess.Popen([*args, "--db", str(tmp_path / "cut")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    seen = b""
    deadline = time.time() + 300
    # the sweep's one bar counts the trials of both whiskers: kill the run once two are stored
    while time.time() < deadline and b" 2/6" not in seen and proc.poll() is None:
        seen += proc.stderr.read(1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    cut = Database(tmp_path / "cut", create=False)
    done = []
    for whisker in ("C2", "D2"):
        with cut["runs", whisker] as store:
            done.append(len(store.completed_trials()))
    assert 2 <= sum(done) < 6
    assert subprocess.run([*args, "--db", str(tmp_path / "cut")], capture_output=True, timeout=600).returncode == 0
    whole = Database(tmp_path / "whole", create=False)
    for whisker in ("C2", "D2"):
        with whole["runs", whisker] as a, cut["runs", whisker] as b:
            assert sorted(b.completed_trials()) == [0, 1, 2]
            pd.testing.assert_frame_equal(a["voltage_traces"].sort_index(), b["voltage_traces"].sort_index(),
                                          check_exact=True)
