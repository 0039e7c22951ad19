"""``isf reduce fit|apply`` on run stores whose spikes follow their excitatory input: the fitted EXC
kernel is positive where the input drives the spike, the model round-trips through its file and a
database, and apply writes one prediction per trial."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from isf.cli.main import main
from isf.reduced import load_model
from isf.store import Database, RunStore

EXPERIMENT = json.dumps({"isf_format": 1, "type": "Experiment", "value": {"simulation": {"tstop_ms": 40.0}}})


def write_driven_store(path: Path, seed: int, n_trials: int) -> Path:
    """Trials of Poisson EXC/INH releases (0–40 ms); a spike at 32 ms when EXC in 25–30 ms is high."""
    rng = np.random.default_rng(seed)
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=seed, n_trials=n_trials) as store:
        for trial in range(n_trials):
            n_exc, n_inh = rng.poisson(120), rng.poisson(60)
            exc_t, inh_t = rng.uniform(0, 40, n_exc), rng.uniform(0, 40, n_inh)
            drive = np.sum((exc_t >= 25) & (exc_t < 30)) + rng.normal(0, 2)
            n = n_exc + n_inh
            synapse = np.arange(n)
            act = {"population": np.array(["L5tt_C2"] * n_exc + ["SymLocal1_C2"] * n_inh, dtype=object),
                   "synapse_id": synapse, "soma_distance_um": rng.uniform(0, 900, n), "section_id": synapse % 7,
                   "section_pt_id": synapse % 3, "label": np.array(["Dendrite"] * n, dtype=object),
                   "time_ms": np.concatenate([exc_t, inh_t])}
            t = np.arange(0, 40.25, 0.25)
            store.append_trial(trial, t_ms=t, traces={"soma": np.full(t.shape, -70.0)},
                               spike_times_ms=[32.0] if drive > 16 else [], synapse_activations=act)
    return path


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("reduce")
    return [write_driven_store(folder / "a.h5", 1, 90), write_driven_store(folder / "b.h5", 2, 90)]


ARGS = ["--maxtime", "40", "--window-width", "10", "--output-window", "30", "35", "--lookup-step", "1"]


def test_fit_then_apply(stores: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model_path = tmp_path / "model.json"
    assert main(["reduce", "fit", *map(str, stores), *ARGS, "--out", str(model_path)]) == 0
    out = capsys.readouterr().out
    assert "180 trials" in out and "held-out AUROC" in out and "kernel EXC" in out
    model = load_model(model_path)
    assert model.labels == ("EXC", "INH") and model.window == (25, 35)
    assert model.kernel("EXC")[:5].mean() > model.kernel("EXC")[5:].mean()  # bins 25–29 drive the spike
    assert model.auroc > 0.7
    csv = tmp_path / "p.csv"
    assert main(["reduce", "apply", *map(str, stores), "--maxtime", "40", "--model", str(model_path),
                 "--out", str(csv)]) == 0
    table = pd.read_csv(csv, index_col=0)
    assert len(table) == 180 and table.index[0] == "a/0" and table.p_spike.between(0, 1).all()
    assert "rolling PSTH" in capsys.readouterr().out


def test_errors_are_one_line(stores: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reduce", "fit"]) == 1
    assert "give run-store files or --db" in capsys.readouterr().err
    assert main(["reduce", "apply", str(stores[0])]) == 1
    assert "give --model" in capsys.readouterr().err


def test_model_in_a_database(stores: list[Path], tmp_path: Path) -> None:
    db = Database(tmp_path / "db")
    from isf.store.study_view import write_conditions

    for i, path in enumerate(stores):
        with RunStore.open(path, "a") as store:
            write_conditions(store, {"part": i})
        db[("runs", str(i))] = path
    assert main(["reduce", "fit", "--db", str(db.path), *ARGS, "--key", "models/lda"]) == 0
    model = load_model(Database(tmp_path / "db", create=False), ("models", "lda"))
    assert len(model.trials) == 180
