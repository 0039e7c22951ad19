"""JSON/YAML round trips of model values: ``load(dump(x)) == x``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import isf
from isf.data import cell86
from isf.dsl.serialization import dumps, loads, read_envelope, save_envelope
from isf.errors import FileFormatError
from isf.model import distribution as dist


@pytest.fixture(scope="module")
def params() -> isf.CellParameterFile:
    return isf.read_cell_param(cell86("86_C2_center.param"))


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_cell86_round_trip(params: isf.CellParameterFile, fmt: str) -> None:
    text = dumps(params.cell, fmt)
    back = loads(text, isf.Cell, fmt)
    assert back == params.cell
    assert back.nseg == params.cell.nseg


def test_experiment_round_trip_through_files(params: isf.CellParameterFile, tmp_path: Path) -> None:
    exp = isf.Experiment(
        params.cell,
        isf.Simulation(600, cvode=True),
        [isf.CurrentStep(1.9, 295, 5), isf.EPSPCurrent(0.5, 300, 1, 5, isf.ApicalTrunk(835))],
        [isf.Recording(isf.Soma()), isf.Recording(params.recording_sites[0], name="dend"),
         isf.Recording(isf.SectionSite(38, 0.5), variable="cai")],
    )
    for name in ("exp.json", "exp.yaml"):
        isf.save(exp, tmp_path / name)
        assert isf.load(tmp_path / name) == exp


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)
positive = st.floats(min_value=1e-3, max_value=1e4)
distributions = st.one_of(
    st.just(dist.Uniform()),
    st.builds(dist.UniformRange, finite, finite, finite, st.lists(st.integers(0, 500), max_size=5)),
    st.builds(dist.Linear, finite, finite, st.booleans()),
    st.builds(dist.LinearCapped, st.just("gIhbar"), finite, finite, positive, st.booleans()),
    st.builds(dist.Exponential, finite, finite, finite, finite, st.booleans()),
    st.builds(dist.ExponentialByZDist, finite, finite, finite, finite, st.booleans()),
    st.builds(dist.CappedExponential, finite, finite, finite, finite, finite, st.booleans()),
    st.builds(dist.Sigmoid, finite, finite, finite, positive, st.booleans()),
)
mechanisms = st.builds(
    isf.Mechanism,
    st.sampled_from(["pas", "NaTa_t", "Ih", "Ca_HVA"]),
    st.dictionaries(st.sampled_from(["g", "e", "gbar", "gamma"]), finite, max_size=3),
    distributions,
)


@settings(max_examples=60, deadline=None)
@given(mechanisms)
def test_mechanism_round_trip(mech: isf.Mechanism) -> None:
    assert loads(dumps(mech), isf.Mechanism) == mech
    assert loads(dumps(mech, "yaml"), isf.Mechanism, "yaml") == mech


@settings(max_examples=40, deadline=None)
@given(st.builds(isf.Region, st.none() | positive, st.none() | positive,
                 st.dictionaries(st.sampled_from(["ek", "ena", "eca"]), finite, max_size=2),
                 st.lists(mechanisms, max_size=3, unique_by=lambda m: m.name).map(tuple)))
def test_region_round_trip(region: isf.Region) -> None:
    assert loads(dumps(region), isf.Region) == region


def test_plain_tables_share_the_envelope(tmp_path: Path) -> None:
    table = {"cell_name": "86", "populations": {"L5tt_C2": {"section_id": [1, 2], "x": [0.25, 0.5]}}}
    for name in ("t.json", "t.yaml"):
        save_envelope("SynapseLocations", table, tmp_path / name)
        assert read_envelope(tmp_path / name) == ("SynapseLocations", table)
    isf.save(isf.Simulation(100), tmp_path / "sim.json")
    assert read_envelope(tmp_path / "sim.json")[0] == "Simulation"
    (tmp_path / "bad.json").write_text('{"type": "Cell"}')
    with pytest.raises(FileFormatError, match="bad.json: not an isf model file"):
        read_envelope(tmp_path / "bad.json")


def test_arrays_are_compact_and_exact(params: isf.CellParameterFile) -> None:
    text = dumps(params.cell.morphology)
    back = loads(text, isf.Morphology)
    assert np.array_equal(back.sections[5].points, params.cell.morphology.sections[5].points)
    assert text.count("\n") < 20000
