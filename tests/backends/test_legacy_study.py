"""A tree of legacy simrun folders into one study database: labels, counts, resume, clear errors."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from isf.backends.legacy_import import import_legacy_simrun
from isf.backends.legacy_study import DEFAULT_CONDITION_PATTERN, _labels, import_simrun_tree, parse_conditions
from isf.backends.parallel import Parallel
from isf.errors import LegacyFormatError
from isf.store import Database, RunStore, StudyView

CONDITION = "C2_evoked_UpState_INH_PW_1.0_SuW_0.5_C2center"
RUN = "20150815-1530_20240"
PARALLEL = Parallel(workers=2, progress=False)


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, copy_function=os.link)  # hard links: the tree costs no space
    return target


@pytest.fixture
def tree(shared_data: Path, tmp_path: Path) -> Path:
    """Three runs of two conditions (copies of the shared folder), and an unfinished one."""
    source = shared_data / "legacy_simrun" / CONDITION / RUN
    root = tmp_path / "tree"
    _copy(source, root / CONDITION / RUN)
    _copy(source, root / CONDITION / "20150815-1645_20299")
    _copy(source, root / "D2_evoked_UpState_INH_PW_1.0_SuW_0.5_D2border" / "results" / RUN)
    _copy(source, root / "D2_evoked_UpState_INH_PW_1.0_SuW_0.5_D2border" / "results" / "20150815-1700_1_running")
    return root


def test_the_default_rule_reads_legacy_folder_names() -> None:
    assert parse_conditions(f"{CONDITION}/{RUN}", DEFAULT_CONDITION_PATTERN) == {
        "whisker": "C2", "state": "UpState_INH", "PW": "1.0", "SuW": "0.5", "position": "C2center"}
    assert parse_conditions("B1_evoked_UpState_PW_2_SuW_0_L5/results/x", DEFAULT_CONDITION_PATTERN) == {
        "whisker": "B1", "state": "UpState", "PW": "2", "SuW": "0", "position": "L5"}
    assert parse_conditions("spontaneous/x", DEFAULT_CONDITION_PATTERN) is None
    assert parse_conditions("a/b", lambda p: {"first": p.split("/")[0], "n": 3}) == {"first": "a", "n": "3"}


_WORD = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-", min_size=1, max_size=8)


@given(whisker=_WORD, state=st.lists(_WORD, min_size=1, max_size=3), pw=_WORD, suw=_WORD,
       position=st.lists(_WORD, min_size=1, max_size=2), parent=st.lists(_WORD, max_size=2))
def test_legacy_names_round_trip(whisker: str, state: list[str], pw: str, suw: str, position: list[str],
                                 parent: list[str]) -> None:
    name = f"{whisker}_evoked_{'_'.join(state)}_PW_{pw}_SuW_{suw}_{'_'.join(position)}"
    found = parse_conditions("/".join([*parent, name, "20150815-1530_1"]), DEFAULT_CONDITION_PATTERN)
    if "PW" in state or "SuW" in state or "evoked" in state:
        return  # names that repeat the keywords are ambiguous
    assert found == {"whisker": whisker, "state": "_".join(state), "PW": pw, "SuW": suw,
                     "position": "_".join(position)}


@pytest.mark.shared
def test_a_tree_imports_into_one_labelled_study(tree: Path, shared_data: Path, tmp_path: Path) -> None:
    done = import_simrun_tree(tree, tmp_path / "db", parallel=PARALLEL)
    assert [d.status for d in done] == ["imported"] * 3  # the _running folder is skipped
    assert [d.key for d in done] == [("runs", CONDITION, "20150815-1530_20240"),
                                     ("runs", CONDITION, "20150815-1645_20299"),
                                     ("runs", "D2_evoked_UpState_INH_PW_1.0_SuW_0.5_D2border", "results", RUN)]
    view = StudyView.of_database(Database(tmp_path / "db", create=False))
    assert view.condition_names == ("PW", "SuW", "position", "state", "whisker")
    assert view.n_trials == 18
    counts = view.trials.groupby(["whisker", "position"], observed=True).size()
    assert counts.to_dict() == {("C2", "C2center"): 12, ("D2", "D2border"): 6}
    single = import_legacy_simrun(shared_data / "legacy_simrun" / CONDITION / RUN, tmp_path / "single.h5")
    with RunStore.open(single) as store:
        expected = store["spikes"]
        expected_acts = store["synapse_activations"]
    for run in view.runs:
        with RunStore.open(run.path) as store:
            pd.testing.assert_frame_equal(store["spikes"], expected, check_exact=True)
            pd.testing.assert_frame_equal(store["synapse_activations"], expected_acts, check_exact=True)
    spikes = view.spike_times.compute()
    assert len(spikes) == 3 * len(expected)

    again = import_simrun_tree(tree, tmp_path / "db", parallel=PARALLEL)  # resumes: nothing to do
    assert [d.status for d in again] == ["skipped"] * 3
    db = Database(tmp_path / "db", create=False)
    del db[done[1].key]
    third = import_simrun_tree(tree, db, parallel=Parallel(backend="sequential", progress=False))
    assert [d.status for d in third] == ["skipped", "imported", "skipped"]


@pytest.mark.shared
def test_a_bad_folder_is_named_and_the_others_are_imported(tree: Path, tmp_path: Path) -> None:
    bad = tree / CONDITION / "20150815-1800_7"
    bad.mkdir()
    shutil.copy(tree / CONDITION / RUN / "20240_vm_all_traces.csv", bad / "7_vm_all_traces.csv")
    shutil.copy(tree / CONDITION / RUN / "20240_vm_all_traces.csv", bad / "8_vm_all_traces.csv")  # two soma files
    with pytest.raises(LegacyFormatError, match=r"1 of 4 simrun folders could not be imported.*20150815-1800_7.*"
                                                r"expected one"):
        import_simrun_tree(tree, tmp_path / "db", parallel=PARALLEL)
    db = Database(tmp_path / "db", create=False)
    assert len(StudyView.of_database(db).runs) == 3
    assert ("runs", CONDITION, "20150815-1800_7") not in db  # no empty item left for it


@pytest.mark.shared
def test_labels_must_parse_for_every_folder(tree: Path, tmp_path: Path) -> None:
    odd = _copy(tree / CONDITION / RUN, tree / "spontaneous" / RUN)
    with pytest.raises(LegacyFormatError, match=f"{odd}.*cannot read condition labels.*'spontaneous/{RUN}'"):
        import_simrun_tree(tree, tmp_path / "db", parallel=PARALLEL)
    assert not (tmp_path / "db").exists() or not Database(tmp_path / "db").keys()  # nothing imported


@pytest.mark.shared
def test_without_legacy_names_the_parent_folder_is_the_condition(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "legacy_simrun" / CONDITION / RUN
    root = tmp_path / "tree"
    folders = [_copy(source, root / "baseline" / RUN), _copy(source, root / "silenced_L4" / RUN)]
    assert _labels(root, folders, None) == [{"condition": "baseline"}, {"condition": "silenced_L4"}]
    with pytest.raises(LegacyFormatError, match="differ from the other folders'"):
        _labels(root, folders, lambda path: {"a": 1} if path.startswith("b") else {"b": 2})
    done = import_simrun_tree(root, tmp_path / "db", parser=r"^(?P<group>[a-z]+)(?:_(?P<layer>L\d))?/",
                              parallel=Parallel(backend="sequential", progress=False))
    assert [d.conditions for d in done] == [{"group": "baseline", "layer": ""}, {"group": "silenced", "layer": "L4"}]


def test_an_empty_tree_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LegacyFormatError, match="no simrun folders"):
        import_simrun_tree(tmp_path, tmp_path / "db")
    with pytest.raises(FileNotFoundError, match="no folder"):
        import_simrun_tree(tmp_path / "none", tmp_path / "db")
