"""Fault injection: 30 kills at random instants of a multi-trial run — at random fault points (inside
journal writes, compactions, flushes, the replacing rename) and at random times (SIGKILL) — each
followed by a resume; every resumed store equals the uninterrupted one and keeps every trial
completed before its kill."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
import pandas as pd

from isf.model.network import Network
from isf.model.trial_result import TrialResult
from isf.store import RunStore
from isf.store import writer as writer_module
from isf.store.faults import set_fault_hook
from store_data import EXPERIMENT, N_TRIALS, SEED, fill, frames

KILLS = 30


def _create(path: Path) -> RunStore:
    return RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=N_TRIALS)


def _run(path: Path, network: Network, results: list[TrialResult], die_at: int, out: Connection) -> None:
    """The run (a forked child): resume the store and append the missing trials, compacting every two
    trials; die at the ``die_at``-th fault point (0: never), telling the parent each completed trial."""
    writer_module.COMPACT_MIN_TRIALS, writer_module.COMPACT_RATIO = 2, 0.0
    seen = [0]

    def hook(point: str) -> None:
        seen[0] += 1
        if seen[0] == die_at:
            os._exit(9)

    set_fault_hook(hook)
    with _create(path) as store:
        out.send(("started", sorted(store.completed_trials())))
        for i in range(N_TRIALS):
            if i not in store.completed_trials():
                store.append(results[i], network, wall_s=0.5 + i)
                out.send(("done", i))
    os._exit(0)


def _killed_run(path: Path, network: Network, results: list[TrialResult], rng: np.random.Generator,
                at_point: bool) -> tuple[set[int], bool]:
    """One run killed at a random fault point or a random time; the trials it reported completed, and
    whether it was killed (a run may finish before its fault point or time)."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    die_at = int(rng.integers(1, 30)) if at_point else 0
    child = context.Process(target=_run, args=(path, network, results, die_at, send))
    child.start()
    send.close()
    if not at_point:
        time.sleep(float(rng.uniform(0.0, 0.4)))
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
    child.join(60)
    done: set[int] = set()
    while receive.poll():
        try:
            kind, value = receive.recv()
        except EOFError:
            break
        if kind == "done":
            done.add(value)
    receive.close()
    return done, child.exitcode != 0


def test_thirty_random_kills_each_resume_to_the_uninterrupted_store(tmp_path: Path, network: Network,
                                                                     results: list[TrialResult]) -> None:
    clean = tmp_path / "clean.h5"
    fill(clean, network, results, list(range(N_TRIALS)))
    expected = frames(clean)
    rng = np.random.default_rng(2024)
    kills = 0
    run = 0
    while kills < KILLS:
        path = tmp_path / f"run{run}.h5"
        run += 1
        completed: set[int] = set()
        for _ in range(int(rng.integers(1, 3))):  # one kill, or a second one hitting the resuming run
            done, killed = _killed_run(path, network, results, rng, at_point=bool(kills % 3))
            completed |= done
            kills += int(killed)
            if path.exists():
                with RunStore.open(path) as reader:  # a reader sees every completed trial at once
                    assert completed <= reader.completed_trials()
        if not path.exists():  # killed before the store was created: nothing was completed
            assert not completed
            continue
        with _create(path) as store:  # the resume
            assert completed <= store.completed_trials()
            for i in range(N_TRIALS):
                if i not in store.completed_trials():
                    store.append(results[i], network, wall_s=0.5 + i)
        got = frames(path)
        for key in expected:
            pd.testing.assert_frame_equal(got[key], expected[key], check_exact=True, obj=key)
        assert not list(tmp_path.glob(f".{path.name}.compact-*"))
    assert kills >= KILLS
