"""Network trials: the C2 stimulus on cell 86, determinism across workers and backends, resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import isf
from isf.backends.parallel import Parallel
from isf.backends.runner import run_trials
from isf.store import RunStore
from isf.dsl.network_param import read_network_param

pytestmark = pytest.mark.shared

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def c2_experiment(shared_data: Path) -> isf.Experiment:
    params = isf.read_cell_param(shared_data / "cell_params" / "86_C2_center.param",
                                 [shared_data / "morphologies", shared_data / "recording_sites"])
    network = read_network_param(shared_data / "network" / "network.param", params.cell.morphology,
                                 [shared_data / "embedding" / "86_C2_center"]).network
    return isf.Experiment(params.cell, isf.Simulation(300.0, dt_ms=0.025), network=network)


def short(experiment: isf.Experiment, tstop_ms: float = 40.0) -> isf.Experiment:
    import attrs

    return attrs.evolve(experiment, simulation=attrs.evolve(experiment.simulation, tstop_ms=tstop_ms))


def frames(path: Path) -> dict[str, pd.DataFrame]:
    with RunStore.open(path) as store:
        return {k: store[k] for k in ("spike_times", "synapse_activations", "presynaptic_spikes", "voltage_traces")}


def assert_same_run(a: Path, b: Path) -> None:
    fa, fb = frames(a), frames(b)
    for key in fa:
        pd.testing.assert_frame_equal(fa[key], fb[key], check_exact=True, obj=key)


def test_one_c2_trial_activates_the_legacy_number_of_synapses(c2_experiment: isf.Experiment) -> None:
    from isf.backends.neuron.trials import TrialSimulator

    assert c2_experiment.network is not None
    assert c2_experiment.network.n_synapses == 24780
    with TrialSimulator(c2_experiment) as sim:
        result = sim.run(run_seed=3, trial_index=0)
    active = result.input.n_active_synapses
    # ISF: ~3,900 active synapses in a 300 ms trial (4,428 in its 345 ms example trial).
    assert 3500 < active < 4400
    assert result.t_ms[-1] >= 300.0
    assert np.all(np.isfinite(result.traces["soma"]))
    # The whisker deflection at 245 ms triples the synaptic input (legacy trials: 1095 vs 407, 1112 vs 337
    # releases in 245-275 vs 150-180 ms).
    from isf.model.trial_result import activation_columns

    times = activation_columns(c2_experiment.network, result.input)["time_ms"]
    evoked = np.sum((times >= 245) & (times < 275))
    ongoing = np.sum((times >= 150) & (times < 180))
    assert 950 < evoked < 1250 and 280 < ongoing < 450


def test_same_seed_same_trial_in_one_process(c2_experiment: isf.Experiment) -> None:
    from isf.backends.neuron.trials import TrialSimulator

    exp = short(c2_experiment)
    with TrialSimulator(exp) as sim:
        first = sim.run(5, 1)
        sim.run(5, 0)
        again = sim.run(5, 1)
    assert np.array_equal(first.traces["soma"], again.traces["soma"])
    assert all(np.array_equal(a, b) for a, b in zip(first.input.populations[0].release_times_ms,
                                                    again.input.populations[0].release_times_ms))


def test_bit_identical_across_workers_and_backends(c2_experiment: isf.Experiment, tmp_path: Path) -> None:
    exp = short(c2_experiment)
    seq = run_trials(exp, 4, tmp_path / "seq.h5", run_seed=11, parallel=Parallel(backend="sequential", progress=False))
    loky = run_trials(exp, 4, tmp_path / "loky.h5", run_seed=11,
                      parallel=Parallel(backend="loky", workers=2, batch_size=1, progress=False))
    assert_same_run(seq, loky)
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        dask = run_trials(exp, 4, tmp_path / "dask.h5", run_seed=11,
                          parallel=Parallel(backend="dask", dask_client=client, batch_size=1, progress=False))
    assert_same_run(seq, dask)


def test_bit_identical_under_two_mpi_ranks(c2_experiment: isf.Experiment, tmp_path: Path, shared_data: Path) -> None:
    mpiexec = Path(sys.executable).parent / "mpiexec"
    if not mpiexec.exists():
        pytest.skip("mpiexec not installed in this environment")
    seq = run_trials(short(c2_experiment), 4, tmp_path / "seq.h5", run_seed=11,
                     parallel=Parallel(backend="sequential", progress=False))
    args = ["--cell", str(shared_data / "cell_params" / "86_C2_center.param"),
            "--network", str(shared_data / "network" / "network.param"),
            "--search", str(shared_data / "morphologies"), "--search", str(shared_data / "recording_sites"),
            "--search", str(shared_data / "embedding" / "86_C2_center"),
            "--trials", "4", "--seed", "11", "--tstop", "40", "--out", str(tmp_path / "mpi.h5")]
    proc = subprocess.run([str(mpiexec), "-n", "2", sys.executable, "-m", "isf", "trials", *args, "--backend", "mpi"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # The CLI records the landmark site too; compare what both runs share.
    fa, fb = frames(seq), frames(tmp_path / "mpi.h5")
    for key in fa:
        pd.testing.assert_frame_equal(fa[key], fb[key], check_exact=True, obj=key)


def test_interrupted_run_resumes_to_the_same_file(c2_experiment: isf.Experiment, tmp_path: Path,
                                                  shared_data: Path) -> None:
    args = [sys.executable, "-m", "isf", "trials",
            "--cell", str(shared_data / "cell_params" / "86_C2_center.param"),
            "--network", str(shared_data / "network" / "network.param"),
            "--search", str(shared_data / "morphologies"), "--search", str(shared_data / "recording_sites"),
            "--search", str(shared_data / "embedding" / "86_C2_center"),
            "--trials", "10", "--seed", "4", "--tstop", "40", "--backend", "sequential"]
    whole = tmp_path / "whole.h5"
    assert subprocess.run([*args, "--out", str(whole)], capture_output=True, timeout=600).returncode == 0
    cut = tmp_path / "cut.h5"
    proc = subprocess.Popen([*args, "--out", str(cut)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    seen = b""
    deadline = time.time() + 300
    # The progress bar reports finished trials; kill the run once two are stored.
    while time.time() < deadline and b" 2/10" not in seen and proc.poll() is None:
        seen += proc.stderr.read(1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with RunStore.open(cut) as store:
        done = store.completed_trials()
    assert 1 <= len(done) < 10
    assert subprocess.run([*args, "--out", str(cut)], capture_output=True, timeout=600).returncode == 0
    assert_same_run(whole, cut)


def test_runaway_trials_are_recorded_as_failed_and_not_run_again(c2_experiment: isf.Experiment,
                                                                 tmp_path: Path) -> None:
    from isf.errors import ArgumentValueError

    exp = short(c2_experiment)
    path = tmp_path / "run.h5"
    with pytest.raises(ArgumentValueError, match="trial_timeout_s = 0"):
        run_trials(exp, 2, path, run_seed=3, trial_timeout_s=0, parallel=Parallel(progress=False))
    assert not path.exists()
    run_trials(exp, 3, path, run_seed=3, trial_timeout_s=1e-6,
               parallel=Parallel(backend="loky", workers=2, batch_size=1, progress=False))
    with RunStore.open(path) as store:
        failed = store.failed_trials()
        assert store.completed_trials() == set() and failed.index.tolist() == [0, 1, 2]
        assert failed["reason"].str.startswith("runaway trial: simulation stopped at t = ").all()
        assert (failed["wall_s"] > 0).all()
    run_trials(exp, 3, path, run_seed=3, trial_timeout_s=1e-6, parallel=Parallel(backend="sequential", progress=False))
    with RunStore.open(path) as store:  # resuming did not run them again
        assert store.failed_trials()["finished_at"].tolist() == failed["finished_at"].tolist()


class _CountingItems(Sequence[int]):
    """A long list of items that remembers the highest position read."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.highest = -1

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: Any) -> Any:
        assert isinstance(index, int)
        self.highest = max(self.highest, index)
        return index


def _square(shared: int, item: int) -> int:
    return shared * item * item


def test_the_coordinator_reads_items_as_it_hands_them_out() -> None:
    from isf.backends.parallel import map_unordered

    items = _CountingItems(20_000)
    stream = map_unordered(_square, 1, items, Parallel(backend="loky", workers=2, batch_size=10, progress=False))
    first = next(stream)
    assert first[1] == first[0] ** 2
    assert items.highest < 1000  # a few batches per worker ahead, not the whole list
    total = sum(value for _, value in stream) + first[1]
    assert total == sum(i * i for i in range(20_000)) and items.highest == 19_999
