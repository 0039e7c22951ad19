"""The error family (isf.errors): every member is an IsfError and its built-in, errors survive the
trip from a worker process with their fields, and real raises of isf are caught as IsfError."""

from __future__ import annotations

import inspect
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import isf.errors as errors
from isf.errors import (
    ArgumentValueError,
    FileFormatError,
    FittingError,
    IsfError,
    LegacyFormatError,
    MechanismError,
    MissingFileError,
    ModelTypeError,
    ModelValueError,
    SimulationError,
    StoreError,
    UnknownNameError,
)

#: member → the built-in a caller catches it as
BUILTIN: dict[type[IsfError], type[Exception]] = {
    ArgumentValueError: ValueError,
    FileFormatError: ValueError,
    FittingError: ValueError,
    LegacyFormatError: ValueError,
    MechanismError: RuntimeError,
    MissingFileError: FileNotFoundError,
    ModelTypeError: TypeError,
    ModelValueError: ValueError,
    SimulationError: RuntimeError,
    StoreError: ValueError,
    UnknownNameError: KeyError,
}


def test_every_member_is_an_isf_error_and_its_builtin() -> None:
    members = {
        obj
        for name, obj in vars(errors).items()
        if inspect.isclass(obj) and issubclass(obj, IsfError) and obj is not IsfError
    }
    assert members == set(BUILTIN), "a new family member needs its built-in listed here"
    assert sorted(errors.__all__) == errors.__all__
    assert {getattr(errors, n) for n in errors.__all__} == members | {IsfError}
    for member, builtin in BUILTIN.items():
        assert issubclass(member, IsfError) and issubclass(member, builtin), member


def _examples() -> list[tuple[IsfError, dict[str, object]]]:
    """One instance of every member with the fields it must keep."""
    return [
        (
            ModelValueError("Simulation", "dt_ms", -1.0, "a number > 0", "simulation.dt_ms"),
            {"owner": "Simulation", "field": "dt_ms", "value": -1.0, "allowed": "a number > 0",
             "path": "simulation.dt_ms"},
        ),
        (FileFormatError("a.json", 3, "bad key"), {"filename": "a.json", "line": 3, "reason": "bad key"}),
        (LegacyFormatError(Path("c.hoc"), None, "no soma"), {"filename": "c.hoc", "line": None}),
        (
            ArgumentValueError("bin_ms must be > 0, got 0", field="bin_ms", value=0.0, allowed="> 0"),
            {"field": "bin_ms", "value": 0.0, "allowed": "> 0"},
        ),
        (MissingFileError("morphology file not found: x.hoc", "x.hoc"), {"filename": "x.hoc"}),
        (UnknownNameError("no column 'n' in the table", field="value", value="n"), {"field": "value", "value": "n"}),
        (ModelTypeError("expected a Bound", field="bounds"), {"field": "bounds"}),
        (FittingError("n_starts = 0 is invalid", field="n_starts", value=0), {"field": "n_starts", "value": 0}),
        (StoreError("no such run"), {"field": None}),
        (SimulationError("SynapseTuner is closed"), {"field": None}),
        (MechanismError("NEURON does not know tm_gabaa"), {"field": None}),
    ]


@pytest.mark.parametrize(("error", "fields"), _examples(), ids=lambda e: type(e).__name__)
def test_errors_pickle_with_their_fields(error: IsfError, fields: dict[str, object]) -> None:
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error)
    assert str(again) == str(error)
    for name, value in fields.items():
        assert getattr(again, name) == value, name


def _raise_in_worker(bin_ms: float) -> None:
    from isf.analysis.psth import psth

    psth([np.array([1.0])], bin_ms=bin_ms)


def test_an_error_raised_in_a_joblib_worker_arrives_whole() -> None:
    joblib = pytest.importorskip("joblib")
    with pytest.raises(ArgumentValueError) as info:
        joblib.Parallel(n_jobs=2, backend="loky")(joblib.delayed(_raise_in_worker)(b) for b in (1.0, 0.0))
    assert info.value.field == "bin_ms" and info.value.value == 0.0 and "bin_ms must be > 0" in str(info.value)


def test_missing_and_unknown_names_read_as_sentences() -> None:
    error = UnknownNameError("no column 'n' in the table")
    assert str(error) == "no column 'n' in the table"  # not KeyError's repr of the key
    assert str(MissingFileError("file not found: x", "x")) == "file not found: x"


def test_real_raises_are_isf_errors(tmp_path: Path) -> None:
    from isf.analysis.psth import psth
    from isf.dsl.swc import read_swc
    from isf.dsl.syn_file import format_syn
    from isf.plot.network import synapses_by_celltype
    from isf.synapse_tuner import tm_release

    with pytest.raises(IsfError) as info:
        psth([np.array([1.0])], bin_ms=0.0)
    assert isinstance(info.value, ValueError) and info.value.field == "bin_ms"

    with pytest.raises(IsfError) as info:
        tm_release([1.0, 2.0], use=1.5, dep_ms=100.0, fac_ms=0.0)
    assert (info.value.field, info.value.value) == ("use", 1.5)

    with pytest.raises(IsfError) as info:
        read_swc(tmp_path / "missing.swc")
    assert isinstance(info.value, FileNotFoundError) and "missing.swc" in str(info.value)

    with pytest.raises(IsfError) as info:
        format_syn({"with space": ([0], [0.5])}, "cell")
    assert isinstance(info.value, ValueError)

    stats = pd.DataFrame({"n_synapses": [3, 4]}, index=["L5tt", "L1"])
    with pytest.raises(IsfError) as info:
        synapses_by_celltype(stats, value="n_cells")
    assert isinstance(info.value, KeyError) and info.value.value == "n_cells"


def test_builder_type_errors_and_closed_tuner_are_isf_errors() -> None:
    from isf.data import cell86
    from isf.dsl.builder import CellBuilder
    from isf.model.mechanism import Mechanism

    with pytest.raises(ModelTypeError, match="either a Mechanism"):
        CellBuilder.from_hoc(cell86("86_C2_center.hoc")).insert("soma", Mechanism("pas"), g=1.0)

    pytest.importorskip("neuron")
    from isf.synapse_tuner import ConnectionSettings, SynapseTuner

    tuner = SynapseTuner(ConnectionSettings("tm_gabaa"))
    tuner.close()
    with pytest.raises(SimulationError, match="closed"):
        tuner.single_event()
