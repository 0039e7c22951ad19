"""Crash-proof run stores: kills at random instants, live reading, and what the journal costs.

Three measurements, side by side in one run:

* **append overhead** — appending the same synthetic C2-sized trials (≈ 3,000 presynaptic spikes,
  4,000 synaptic activations, a 300 ms soma trace and two dendrite traces at 0.025 ms) with today's
  crash-proof append (a journal record per trial, compacted copy-on-write, close included) and with
  the direct append of earlier isf versions (the same rows appended to the HDF5 file in place, one
  flush per trial), alternately, median of the rounds;
* **kills** — a run (a forked process appending trials, compacting every few) killed ``--kills``
  times at random fault points (inside journal writes, compactions, flushes, the replacing rename)
  and at random times (SIGKILL); each kill is followed by a resume that must give a store equal to
  the uninterrupted one and keep every trial completed before the kill; ``trials_lost_max`` is the
  largest number of trials a kill cost (begun but not kept: at most the trials in flight, one
  writer here);
* **live reading** — a reader polling a store while another process appends: every read consistent,
  the trials only growing, all of them at the end.

Usage: ``python benchmarks/store_faults.py [--trials 60] [--kills 30] [--rounds 3]``; ends with one line
``RESULT {json}`` (``kills``, ``kills_recovered``, ``trials_lost_max``, ``workers``,
``append_overhead_ratio``, ``live_read_ok`` …).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tables
from _common import median

from isf.store import RunStore
from isf.store import writer as writer_module
from isf.store.compaction import append_record
from isf.store.faults import set_fault_hook
from isf.store.journal import Record

EXPERIMENT = json.dumps({"what": "store fault benchmark"})
SEED = 5
N_SYNAPSES = 24780
POPULATIONS = [f"L{i}_C2" for i in range(40)]


def synthetic_trial(trial: int) -> dict[str, Any]:
    """The columns of one C2-sized trial (deterministic in ``trial``)."""
    rng = np.random.default_rng(trial)
    n_pre, n_act = 3000, 4000
    t = np.arange(12001) * 0.025
    soma = -70.0 + 3.0 * np.sin(t / 9.0 + trial) + rng.normal(0, 0.05, t.shape[0])
    pre_time = np.sort(rng.uniform(0, 300, n_pre))
    syn = rng.integers(0, N_SYNAPSES, n_act)
    linked = rng.random(n_act) < 0.8
    act_time = np.where(linked, pre_time[rng.integers(0, n_pre, n_act)], rng.uniform(0, 300, n_act))
    order = np.argsort(syn, kind="stable")
    syn, act_time = syn[order], act_time[order]
    return {
        "t_ms": t,
        "traces": {"soma": soma, "dend1": soma - 2.0, "dend2": soma - 4.0},
        "spike_times_ms": np.array([50.0, 120.0, 250.0])[: trial % 4],
        "synapse_activations": {
            "population": [POPULATIONS[s % 40] for s in syn.tolist()], "synapse_id": syn // 40,
            "soma_distance_um": (syn % 997) * 1.5, "section_id": syn % 170, "section_pt_id": syn % 7,
            "label": ["apical" if s % 3 else "basal" for s in syn.tolist()], "time_ms": act_time},
        "presynaptic_spikes": {"population": [POPULATIONS[i % 40] for i in range(n_pre)],
                               "cell_id": np.arange(n_pre) // 3, "time_ms": pre_time},
    }


def create(path: Path, n_trials: int) -> RunStore:
    return RunStore.create(path, experiment_json=EXPERIMENT, run_seed=SEED, n_trials=n_trials)


def frames(path: Path) -> dict[str, pd.DataFrame]:
    with RunStore.open(path) as store:
        out = {k: store[k] for k in ("spike_times", "synapse_activations", "presynaptic_spikes", "voltage_traces")}
        out["dend1"] = store.traces("dend1")
        return out


# ------------------------------------------------------------------------------------------ append overhead


class _DirectJournal:
    """Stands in for the journal: appends each record's rows and bytes to the HDF5 file in place and
    flushes, as isf did before the journal (the old direct append)."""

    def __init__(self, h5: tables.File, store_id: str) -> None:
        self.h5 = h5
        self.store_id = store_id

    def write(self, seq: int, base: int, rows: dict[str, Any], payload: bytes, *, durable: bool) -> Record:
        record = Record(seq, base, len(payload), 0, rows["trial"], rows["names"], rows["synapses"], rows["traces"],
                        rows["keys"], Path(), 0)
        append_record(self.h5, record, payload)
        self.h5.flush()
        return record

    def read(self, record: Record, start: int = 0, stop: int | None = None) -> bytes:
        stop = record.size if stop is None else stop
        return self.h5.root.blobs[record.base + start:record.base + stop].tobytes()


def time_appends(folder: Path, trials: list[dict[str, Any]], direct: bool) -> float:
    """Seconds per trial to append ``trials`` (and close the store)."""
    path = folder / ("direct.h5" if direct else "journal.h5")
    for old in folder.glob(path.name + "*"):
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    store = create(path, len(trials))
    h5 = None
    if direct:
        shutil.copyfile(path, folder / "direct_target.h5")
        h5 = tables.open_file(str(folder / "direct_target.h5"), "a")
        direct_journal = _DirectJournal(h5, "")
        store._writer.journal = direct_journal  # type: ignore[union-attr,assignment]
        store._index.journal = direct_journal  # type: ignore[assignment]
    start = time.perf_counter()
    for i, columns in enumerate(trials):
        store.append_trial(i, wall_s=1.0, **columns)
    if direct:
        assert h5 is not None
        h5.close()
        store._index.records.clear()  # nothing to compact: the rows went to the file directly
    store.close()
    seconds = (time.perf_counter() - start) / len(trials)
    if direct:
        with tables.open_file(str(folder / "direct_target.h5")) as check:
            assert check.root.trials.nrows == len(trials)
    else:
        with RunStore.open(path) as check:
            assert len(check.completed_trials()) == len(trials)
    return seconds


# ------------------------------------------------------------------------------------------ kills


def _run(path: Path, trials: list[dict[str, Any]], die_at: int, send: Any) -> None:  # forked child
    writer_module.COMPACT_MIN_TRIALS, writer_module.COMPACT_RATIO = 3, 0.0
    seen = [0]

    def hook(point: str) -> None:
        seen[0] += 1
        if seen[0] == die_at:
            os._exit(9)

    set_fault_hook(hook)
    with create(path, len(trials)) as store:
        for i, columns in enumerate(trials):
            if i not in store.completed_trials():
                send.send(("begin", i))
                store.append_trial(i, wall_s=1.0, **columns)
                send.send(("done", i))
    os._exit(0)


def one_kill(path: Path, trials: list[dict[str, Any]], rng: np.random.Generator, at_point: bool
             ) -> tuple[set[int], set[int], bool]:
    """Run until killed; (trials begun, trials reported completed, whether it was killed)."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_run, args=(path, trials, int(rng.integers(1, 40)) if at_point else 0, send))
    child.start()
    send.close()
    if not at_point:
        time.sleep(float(rng.uniform(0.0, 0.6)))
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
    child.join(120)
    begun: set[int] = set()
    done: set[int] = set()
    while receive.poll():
        try:
            kind, trial = receive.recv()
        except EOFError:
            break
        (begun if kind == "begin" else done).add(trial)
    receive.close()
    return begun, done, child.exitcode != 0


def kill_runs(folder: Path, trials: list[dict[str, Any]], n_kills: int) -> dict[str, int]:
    clean = folder / "clean.h5"
    with create(clean, len(trials)) as store:
        for i, columns in enumerate(trials):
            store.append_trial(i, wall_s=1.0, **columns)
    expected = frames(clean)
    rng = np.random.default_rng(11)
    recovered = lost_max = 0
    for kill in range(n_kills):
        path = folder / f"kill{kill}.h5"
        killed = False
        while not killed:  # a run that finished before its fault point is no kill: run it again
            shutil.rmtree(folder / f"kill{kill}.h5.journal", ignore_errors=True)
            path.unlink(missing_ok=True)
            begun, done, killed = one_kill(path, trials, rng, at_point=bool(kill % 3))
        ok = True
        kept: set[int] = set()
        if path.exists():
            with RunStore.open(path) as reader:
                kept = reader.completed_trials()
            with create(path, len(trials)) as store:  # resume
                kept = store.completed_trials()
                for i, columns in enumerate(trials):
                    if i not in store.completed_trials():
                        store.append_trial(i, wall_s=1.0, **columns)
            got = frames(path)
            for key, frame in expected.items():
                try:
                    pd.testing.assert_frame_equal(got[key], frame, check_exact=True)
                except AssertionError:
                    ok = False
        ok = ok and done <= kept
        lost_max = max(lost_max, len(begun - kept))
        recovered += int(ok)
        print(f"  kill {kill + 1:2d} ({'fault point' if kill % 3 else 'SIGKILL    '}): "
              f"{len(kept)} trials kept, {len(begun - kept)} in flight lost, resume {'ok' if ok else 'DIFFERS'}")
    return {"kills": n_kills, "kills_recovered": recovered, "trials_lost_max": lost_max}


# ------------------------------------------------------------------------------------------ live reading


def _slow_writer(path: Path, trials: list[dict[str, Any]]) -> None:  # forked child
    writer_module.COMPACT_MIN_TRIALS, writer_module.COMPACT_RATIO = 3, 0.0
    with create(path, len(trials)) as store:
        for i, columns in enumerate(trials):
            store.append_trial(i, wall_s=1.0, **columns)
            time.sleep(0.05)
    os._exit(0)


def live_read(folder: Path, trials: list[dict[str, Any]]) -> tuple[bool, int, int]:
    """(ok, reads, distinct states seen) of a reader polling while a process appends."""
    path = folder / "live.h5"
    child = multiprocessing.get_context("fork").Process(target=_slow_writer, args=(path, trials))
    child.start()
    deadline = time.time() + 600
    while not path.exists() and time.time() < deadline:
        time.sleep(0.01)
    ok, reads, states = True, 0, set()
    previous: set[int] = set()
    with RunStore.open(path) as store:
        while time.time() < deadline:
            done = store.completed_trials()
            spikes = store["spike_times"]
            traces = store.traces("soma") if "soma" in store.trace_keys() else None
            reads += 1
            states.add(len(done))
            if not done >= previous or not set(spikes.index) >= done:
                ok = False
            if traces is not None:
                for trial in traces.index[-2:]:
                    ok = ok and np.array_equal(traces.loc[trial].to_numpy(), trials[trial]["traces"]["soma"])
            previous = done
            if len(done) == len(trials):
                break
    child.join(120)
    return ok and previous == set(range(len(trials))) and len(states) > 2, reads, len(states)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=60, help="trials per append timing")
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3, help="alternating timing rounds (median)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    trials = [synthetic_trial(i) for i in range(args.trials)]
    with tempfile.TemporaryDirectory(prefix="isf-store-faults-") as tmp:
        folder = Path(tmp)
        direct, journal = [], []
        for _ in range(args.rounds):
            direct.append(time_appends(folder, trials, direct=True))
            journal.append(time_appends(folder, trials, direct=False))
        ratio = median(journal) / median(direct)
        print(f"append of {args.trials} C2-sized trials, median of {args.rounds} alternating rounds:")
        print(f"  {'direct (old, in place)':<28}{median(direct) * 1e3:8.2f} ms/trial")
        print(f"  {'journal + compaction (new)':<28}{median(journal) * 1e3:8.2f} ms/trial")
        print(f"  {'append_overhead_ratio':<28}{ratio:8.3f}  (target <= 1.1)")
        print(f"kills at random instants ({args.kills}; every third a SIGKILL at a random time):")
        kills = kill_runs(folder, trials[:8], args.kills)
        ok, reads, states = live_read(folder, trials[:12])
        print(f"live reading: {reads} reads while appending, {states} distinct states, "
              f"{'consistent and growing' if ok else 'INCONSISTENT'}")
    load_after = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    if max(load_before, load_after) > cores:
        print(f"note: other load disturbed the timings (load average {load_before:.1f} -> {load_after:.1f} on "
              f"{cores} cores); the ratio compares rounds run alternately under the same load")
    table = [("kills", kills["kills"]), ("kills_recovered", kills["kills_recovered"]),
             ("trials_lost_max", kills["trials_lost_max"]), ("workers (writer processes)", 1)]
    for name, value in table:
        print(f"  {name:<28}{value:>8}")
    result = {**kills, "workers": 1, "append_overhead_ratio": round(ratio, 4),
              "append_direct_ms": round(median(direct) * 1e3, 3), "append_journal_ms": round(median(journal) * 1e3, 3),
              "live_read_ok": ok, "live_reads": reads, "trials": args.trials}
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
