"""Keeping a fitted model: JSON file and study-database item round trips, and failed writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from isf.errors import FileFormatError, ModelTypeError
from isf.model.codec import envelope
from isf.reduced import LdaSettings, apply_static, fit_lda, load_model, model_from_data, model_to_data, save_model
from isf.store import Database


@pytest.fixture(scope="module")
def model_and_data():  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(2)
    exc, inh = rng.poisson(2.0, (800, 60)), rng.poisson(1.0, (800, 60))
    drive = exc[:, 40:50].sum(1) - inh[:, 45:50].sum(1) + rng.normal(0, 2, 800)
    spikes = [[52.0] if d > np.quantile(drive, 0.7) else ([47.0] if i % 50 == 0 else []) for i, d in enumerate(drive)]
    settings = LdaSettings(window_width_ms=20, output_window_min_ms=50, output_window_max_ms=55,
                           refractory_period_ms=5, lookup_step=2, n_fits=3, regularize=True)
    model = fit_lda({"EXC": exc, "INH": inh}, spikes, settings, trials=range(800))
    assert model.spike_before().sum() == sum(s == [47.0] for s in spikes) > 0  # in the refractory period
    return model, {"EXC": exc, "INH": inh}


def assert_same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.settings == b.settings and a.labels == b.labels and a.block_lengths == b.block_lengths
    for name in ("kernels", "intercepts", "wni", "spike_times"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert np.array_equal(a.scores.auroc, b.scores.auroc, equal_nan=True)
    assert [lut.as_dict() for lut in a.lookups] == [lut.as_dict() for lut in b.lookups]
    assert a.trials == b.trials


def test_file_round_trip(model_and_data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model, data = model_and_data
    path = tmp_path / "m" / "model.json"
    save_model(model, path)
    loaded = load_model(path)
    assert_same(model, loaded)
    assert np.array_equal(apply_static(loaded, data, 1).p_spike, apply_static(model, data, 1).p_spike)
    assert json.loads(path.read_text())["type"] == "LdaModel"
    assert_same(model_from_data(json.loads(json.dumps(model_to_data(model)))), model)


def test_database_round_trip(model_and_data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model, _ = model_and_data
    db = Database(tmp_path / "db")
    save_model(model, db, ("reduced", "lda"))
    assert db.metadata(("reduced", "lda"))["format"] == "json"
    assert_same(load_model(db, ("reduced", "lda")), model)


def test_other_refractory_period_rebuilds_the_lookup(model_and_data) -> None:  # type: ignore[no-untyped-def]
    model, _ = model_and_data
    assert model.lookup_for(None).as_dict() == model.lookups[0].as_dict()
    assert model.lookup_for(0.0).as_dict() != model.lookups[0].as_dict()


def test_failed_write_leaves_nothing(model_and_data, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    model, _ = model_and_data
    path = tmp_path / "model.json"
    save_model(model, path)
    before = path.read_bytes()

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        save_model(model, path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(FileFormatError, match="not JSON"):
        load_model(bad)
    bad.write_text(json.dumps(envelope("LdaModel", {"labels": []})))
    with pytest.raises(FileFormatError, match="not a reduced-model file"):
        load_model(bad)
    with pytest.raises(ModelTypeError, match="not a LdaModel"):
        model_from_data(envelope("Cell", {}))


def test_a_model_file_without_regularize_is_unregularized(model_and_data) -> None:  # type: ignore[no-untyped-def]
    model, _ = model_and_data
    data = model_to_data(model)
    del data["value"]["settings"]["regularize"]  # as written before the setting existed
    assert model_from_data(data).settings.regularize is False
