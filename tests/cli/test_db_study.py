"""``isf db ls|info|rm|import-simrun`` and ``isf study summary`` on small study databases."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from isf.store import Database, RunStore
from isf.store.study_view import write_conditions

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))
from study_data import write_store  # noqa: E402


def _study(tmp_path: Path) -> Path:
    db = Database(tmp_path / "db")
    for seed, whisker in ((1, "B1"), (2, "C2")):
        path = db.run_store_path(("runs", whisker))
        path.write_bytes(write_store(tmp_path / f"{whisker}.h5", seed, 4).read_bytes())
        with RunStore.open(path, "a") as store:
            write_conditions(store, {"whisker": whisker})
    db["settings"] = {"tstop_ms": 50}
    return db.path


def test_db_verbs(isf_cli, one_line_error, tmp_path: Path) -> None:
    folder = _study(tmp_path)
    code, out, _ = isf_cli("db", "ls", folder)
    assert code == 0 and out.split() == ["runs/B1", "runs/C2", "settings"]
    code, out, _ = isf_cli("db", "ls", "-l", folder)
    assert code == 0 and "run-store" in out and "3 items" in out
    code, out, _ = isf_cli("db", "info", folder, "settings")
    assert code == 0 and json.loads(out)["format"] == "json"
    code, out, _ = isf_cli("db", "info", folder)
    assert code == 0 and json.loads(out)["items"] == 3
    code, out, _ = isf_cli("db", "rm", folder, "settings", "nope")
    assert code == 1 and "nothing deleted" in out
    code, out, _ = isf_cli("db", "rm", folder, "settings")
    assert code == 0 and Database(folder).keys() == [("runs", "B1"), ("runs", "C2")]
    code, _, err = isf_cli("db", "ls", tmp_path / "missing")
    assert code != 0 and "missing" in one_line_error(err)


def test_study_summary(isf_cli, tmp_path: Path) -> None:
    folder = _study(tmp_path)
    code, out, _ = isf_cli("study", "summary", folder, "--window", "10", "30")
    assert code == 0
    lines = out.splitlines()
    assert "p_spike_10_30_ms" in lines[0] and "rate_hz" in lines[0]
    assert lines[-2].split()[:2] == ["B1", "4"] and lines[-1].split()[:2] == ["C2", "4"]


def test_import_simrun_tree(isf_cli, one_line_error, shared_data: Path, tmp_path: Path) -> None:
    import os
    import shutil

    import pytest

    if not shared_data.is_dir():
        pytest.skip("no shared data")
    source = shared_data / "legacy_simrun" / "C2_evoked_UpState_INH_PW_1.0_SuW_0.5_C2center"
    shutil.copytree(source, tmp_path / "tree" / source.name, copy_function=os.link)
    code, out, _ = isf_cli("db", "import-simrun", tmp_path / "tree", tmp_path / "db", "--quiet", "--workers", "1")
    assert code == 0 and "1 simrun folders imported, 0 skipped" in out
    assert "whisker=C2" in out and "SuW=0.5" in out
    code, out, _ = isf_cli("db", "import-simrun", tmp_path / "tree", tmp_path / "db", "--quiet", "--workers", "1")
    assert code == 0 and "0 simrun folders imported, 1 skipped" in out
    code, out, _ = isf_cli("study", "summary", tmp_path / "db")
    assert code == 0 and "C2center" in out
    code, _, err = isf_cli("db", "import-simrun", tmp_path / "tree", tmp_path / "db2", "--quiet", "--pattern",
                           "(?P<x>nomatch)")
    assert code == 1 and "cannot read condition labels" in one_line_error(err)
