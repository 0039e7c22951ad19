"""The study database: round trips of every supported type with metadata, keys, nested databases and
folders, relocation (``db://``), the ``mdb://`` registry and the errors."""

from __future__ import annotations

import json
import os
import shutil
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import isf
from isf.errors import IsfError, MissingFileError, StoreError, UnknownNameError
from isf.store import Database, RunStore, register_database, registered_databases
from isf.store.database import resolve_url

EXPERIMENT = json.dumps({"isf_format": 1, "type": "Experiment", "value": {}})
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private registry for every test (never the user's)."""
    folder = tmp_path / "config"
    monkeypatch.setenv("ISF_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return Database(tmp_path / "db")


def _run_store(path: Path) -> Path:
    with RunStore.create(path, experiment_json=EXPERIMENT, run_seed=3, n_trials=2) as store:
        store.append_trial(0, t_ms=[0.0, 1.0], traces={"soma": [-70.0, -69.0]}, spike_times_ms=[0.5])
    return path


FRAMES = {
    "numbers": pd.DataFrame({"a": [1, 2, 3], "b": [0.5, np.nan, 2.5], "c": [True, False, True],
                             "d": np.array([1, 2, 3], dtype=np.int8)}),
    "strings": pd.DataFrame({"s": ["x", "é", "z"]}, index=pd.Index(["r1", "r2", "r3"], name="row")),
    "categorical": pd.DataFrame({"cell_type": pd.Categorical(["L5tt", "L4ss", "L5tt"]),
                                 "ordered": pd.Categorical(["lo", "hi", "lo"], categories=["lo", "hi"], ordered=True)}),
    "multiindex": pd.DataFrame({"v": [1.0, 2.0, 3.0]},
                               index=pd.MultiIndex.from_tuples([("B1", 0), ("B1", 1), ("C2", 0)],
                                                               names=["whisker", "trial"])),
    "multicolumns": pd.DataFrame([[1.0, 2.0]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("b", "y")])),
    "times": pd.DataFrame({"t": pd.to_datetime(["2024-01-01", "2024-06-01"]).tz_localize("UTC"),
                           "dt": pd.to_timedelta([1, 2], unit="s")}),
    "empty": pd.DataFrame({"a": []}, dtype=float),
}


@pytest.mark.parametrize("name", sorted(FRAMES))
def test_pandas_frames_round_trip_with_dtypes_and_index(db: Database, name: str) -> None:
    frame = FRAMES[name]
    db["frames", name] = frame
    pd.testing.assert_frame_equal(db["frames", name], frame)
    meta = db.metadata(("frames", name))
    assert meta["format"] == "pandas-hdf5" and meta["python_type"] == "pandas.DataFrame"
    assert meta["size_bytes"] == db.item_path(("frames", name)).stat().st_size > 0


def test_series_round_trip_and_chunked_reading(db: Database) -> None:
    series = pd.Series(np.arange(1000.0), name="v_mV")
    db["series"] = series
    pd.testing.assert_series_equal(db["series"], series)
    chunk = pd.read_hdf(db.item_path("series"), "data", start=10, stop=20)
    pd.testing.assert_series_equal(chunk, series.iloc[10:20])


def test_unsupported_pandas_dtypes_are_refused_clearly(db: Database) -> None:
    with pytest.raises(StoreError, match="nullable"):
        db["nullable"] = pd.DataFrame({"a": [1, None]}, dtype="Int64")
    assert "nullable" not in db
    db.set("nullable", pd.DataFrame({"a": [1, None]}, dtype="Int64"), allow_pickle=True)
    assert db.get("nullable", allow_pickle=True)["a"].dtype == "Int64"


def test_numpy_arrays_come_back_memory_mapped(db: Database) -> None:
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    db["array"] = array
    back = db["array"]
    assert isinstance(back, np.memmap) and back.dtype == np.float32 and not back.flags.writeable
    np.testing.assert_array_equal(back, array)
    db["empty"] = np.zeros((0, 3))
    assert db["empty"].shape == (0, 3)
    assert db.metadata("array")["format"] == "npy"
    with pytest.raises(StoreError, match="objects"):
        db["objects"] = np.array([{}, []], dtype=object)


def test_model_values_are_kept_as_their_json_envelope(db: Database) -> None:
    simulation = isf.Simulation(250.0, cvode=True)
    db["simulation"] = simulation
    assert db["simulation"] == simulation
    assert json.loads(db.item_path("simulation").read_text())["type"] == "Simulation"
    assert db.metadata("simulation")["format"] == "isf-json"


def test_run_stores_are_copied_in_and_opened_read_only(db: Database, tmp_path: Path) -> None:
    source = _run_store(tmp_path / "run.h5")
    db["runs", "file"] = source
    with RunStore.open(source, "r") as store:
        db["runs", "store"] = store
    for key in (("runs", "file"), ("runs", "store")):
        with db[key] as back:
            assert back.mode == "r" and back.completed_trials() == {0} and back.run_seed == 3
        assert db.metadata(key)["format"] == "run-store"
    with pytest.raises(StoreError, match="not an isf run store"):
        (tmp_path / "other.txt").write_text("x")
        db["runs", "bad"] = tmp_path / "other.txt"


def test_run_store_path_is_where_a_run_writes(db: Database) -> None:
    path = db.run_store_path(("runs", "B1"))
    assert db.run_store_path(("runs", "B1")) == path
    with pytest.raises(StoreError, match="no run has been written"):
        db["runs", "B1"]
    _run_store(path)
    with db["runs", "B1"] as store:
        assert store.completed_trials() == {0}
    assert db.metadata(("runs", "B1"))["size_bytes"] == path.stat().st_size


def test_metadata_records_versions_time_and_git_state(db: Database) -> None:
    db["x"] = {"a": 1}
    meta = db.metadata("x")
    assert meta["format"] == "json" and meta["key"] == ["x"]
    assert meta["isf_version"] == isf.__version__ and meta["python_version"].count(".") == 2
    assert meta["created_at"].endswith("+00:00")
    assert meta["size_bytes"] == db.item_path("x").stat().st_size
    assert isinstance(meta["neuron_version"], str)
    if (REPO / ".git").exists() and shutil.which("git"):  # this test file is in the repository's work tree
        assert len(meta["git_commit"]) == 40 and isinstance(meta["git_dirty"], bool)


def test_pickle_only_when_asked_for_writing_and_reading(db: Database) -> None:
    with pytest.raises(StoreError, match="allow_pickle"):
        db["set"] = {1, 2}
    with pytest.raises(StoreError, match="not a string"):
        db["intkeys"] = {1: "a"}
    with pytest.raises(StoreError, match="tuple"):
        db["tuple"] = [(1, 2)]
    db.set("set", {1, 2}, allow_pickle=True)
    assert db.metadata("set")["format"] == "pickle" and db.metadata("set")["pickle_protocol"] >= 4
    with pytest.raises(StoreError, match="pickled"):
        db["set"]
    assert db.get("set", allow_pickle=True) == {1, 2}


_PART = st.text(alphabet=string.ascii_letters + string.digits + "-_ +=,;@#~()[]{}'!$%&éßΩ", min_size=1,
                max_size=12).filter(lambda p: not p.startswith(".") and not p.endswith(" "))
_KEY = st.one_of(_PART, st.tuples(_PART), st.tuples(_PART, _PART), st.tuples(_PART, _PART, _PART))
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                                 max_size=4), max_leaves=12)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=_KEY, value=_JSON)
def test_any_valid_key_and_json_value_round_trip(db: Database, key: str | tuple[str, ...], value: object) -> None:
    db[key] = value
    assert key in db and db[key] == value
    shown = key[0] if isinstance(key, tuple) and len(key) == 1 else key
    assert shown in db.keys() and db.metadata(key)["format"] == "json"
    del db[key]
    assert key not in db


@pytest.mark.parametrize("key", ["", (), ("a", ""), "a/b", "..", ".hidden", "a\\b", "tab\t", 3, ("a", 1), "x ",
                                 "isf_database.json", "a" * 300])
def test_bad_keys_are_refused_saying_what_is_allowed(db: Database, key: object) -> None:
    with pytest.raises(StoreError, match="a key is a non-empty string or tuple of strings") as info:
        db[key] = 1  # type: ignore[index]
    assert info.value.allowed
    assert key not in db


def test_keys_iteration_and_deleting(db: Database) -> None:
    db["b"] = 1
    db["a", "x"] = 2
    db["a"] = 3
    assert db.keys() == ["a", ("a", "x"), "b"] and list(db) == db.keys() and len(db) == 3
    del db["a"]
    assert db.keys() == [("a", "x"), "b"] and db["a", "x"] == 2
    del db["a", "x"]
    assert not (db.path / "a").exists()
    with pytest.raises(UnknownNameError, match="no item 'zz'.*'b'"):
        db["zz"]
    with pytest.raises(KeyError):
        del db["zz"]


def test_sub_databases_and_folders(db: Database) -> None:
    inner = db.sub("fits")
    inner["best", "params"] = [1.0, 2.0]
    assert db.sub("fits").id == inner.id and db["fits"]["best", "params"] == [1.0, 2.0]
    folder = db.folder(("cells", "morphologies"))
    (folder / "86.hoc").write_text("create soma\n")
    assert db.folder(("cells", "morphologies")) == folder and db["cells", "morphologies"] == folder
    assert db.metadata(("cells", "morphologies"))["size_bytes"] == len("create soma\n")
    with pytest.raises(StoreError, match="not a database"):
        db.sub(("cells", "morphologies"))
    db["fits"] = 1  # replacing a nested database removes it
    assert db["fits"] == 1 and not inner.path.exists()


def test_a_copied_database_opens_with_all_items_and_db_urls(db: Database, tmp_path: Path) -> None:
    db["frame"] = FRAMES["multiindex"]
    db["array"] = np.arange(5)
    db["json", "x"] = {"a": [1]}
    db["simulation"] = isf.Simulation(100.0)
    _run_store(db.run_store_path("run"))
    (db.folder("morphologies") / "a.hoc").write_text("soma")
    db.sub("nested")["deep"] = "yes"
    urls = [db.url("morphologies", "a.hoc"), "db://nested/deep", db.url("run")]
    db["params"] = {"morphology": urls[0]}
    copy = Database(shutil.copytree(db.path, tmp_path / "elsewhere" / "db"), create=False)
    shutil.rmtree(db.path)
    assert copy.id == db.id and copy.keys() == ["array", "frame", ("json", "x"), "morphologies", "nested",
                                                "params", "run", "simulation"]
    pd.testing.assert_frame_equal(copy["frame"], FRAMES["multiindex"])
    assert copy["array"].tolist() == [0, 1, 2, 3, 4] and copy["json", "x"] == {"a": [1]}
    assert copy["simulation"] == isf.Simulation(100.0) and copy["nested"]["deep"] == "yes"
    assert copy.resolve(copy["params"]["morphology"]).read_text() == "soma"
    assert json.loads(copy.resolve(urls[1]).read_text()) == "yes"
    with RunStore.open(copy.resolve(urls[2])) as store:
        assert store.completed_trials() == {0}
    assert copy.resolve("/abs/path.txt") == Path("/abs/path.txt")
    with pytest.raises(UnknownNameError):
        copy.resolve("db://nothing/here")
    with pytest.raises(StoreError, match=r"\.\."):
        copy.resolve("db://morphologies/../x")
    with pytest.raises(StoreError, match="is a file"):
        copy.resolve("db://array/x")


def test_legacy_mdb_urls_resolve_through_the_registry(db: Database, tmp_path: Path, config_dir: Path) -> None:
    (db.folder("morphology") / "cell.hoc").write_text("soma")
    db.register("2017-03-01_legacy_id")
    db.register()
    legacy = tmp_path / "legacy_folder"
    (legacy / "syn").mkdir(parents=True)
    register_database("plain_id", legacy)
    assert registered_databases() == {"2017-03-01_legacy_id": db.path, db.id: db.path, "plain_id": legacy}
    assert (config_dir / "databases.json").is_file()
    assert resolve_url("mdb://2017-03-01_legacy_id/morphology/cell.hoc").read_text() == "soma"
    assert db.resolve(f"mdb://{db.id}/morphology/cell.hoc").read_text() == "soma"
    assert resolve_url("mdb://plain_id/syn/x.syn") == legacy / "syn" / "x.syn"
    with pytest.raises(UnknownNameError, match="unknown_id.*register_database"):
        resolve_url("mdb://unknown_id/a")
    with pytest.raises(StoreError):
        register_database("a/b", legacy)


def test_opening_errors(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError):
        Database(tmp_path / "missing", create=False)
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.txt").write_text("x")
    with pytest.raises(StoreError, match="not an isf database"):
        Database(tmp_path / "plain")
    with pytest.raises(StoreError, match="not an isf database"):
        Database(tmp_path / "plain", create=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        Database(tmp_path / "file")
    newer = Database(tmp_path / "newer")
    info = json.loads((newer.path / "isf_database.json").read_text())
    (newer.path / "isf_database.json").write_text(json.dumps({**info, "format_version": 99}))
    with pytest.raises(StoreError, match="newer isf"):
        Database(newer.path)
    assert issubclass(StoreError, IsfError)


def test_database_is_exported_lazily_from_isf() -> None:
    assert isf.Database is Database and "Database" in isf.__all__


def test_a_database_on_read_only_media_can_be_read(tmp_path: Path) -> None:
    db = Database(tmp_path / "db")
    db["x", "y"] = [1]
    copy = tmp_path / "copy"
    shutil.copytree(db.path, copy, ignore=shutil.ignore_patterns(".isf"))  # also: no internal folders
    for here, dirs, files in os.walk(copy):
        for name in files:
            os.chmod(os.path.join(here, name), 0o444)
        os.chmod(here, 0o555)
    try:
        if os.access(copy, os.W_OK):
            pytest.skip("permissions are not enforced (running as root)")
        read_only = Database(copy, create=False)
        assert read_only["x", "y"] == [1] and read_only.keys() == [("x", "y")]
    finally:
        for here, dirs, files in os.walk(copy):
            os.chmod(here, 0o755)
