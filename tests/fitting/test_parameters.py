"""The parameter space (ISF naming, Hay bounds)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from isf.errors import FittingError
from isf.fitting.cell_parameters import RangeParameter
from isf.fitting.parameters import ParameterSpace, hay_parameter_space
from isf.fitting.setup import example_models, morphology89_setup


def test_hay_space_has_the_35_v2_parameters() -> None:
    space = hay_parameter_space()
    assert len(space) == 35
    assert set(space.names) == set(example_models().columns)
    table = space.table()
    assert table.loc["ephys.CaDynamics_E2_v2.apic.decay"].tolist() == [20.0, 200.0]
    assert table.loc["scale_apical.scale"].tolist() == [0.333, 3.0]
    assert ParameterSpace.from_table(table) == space
    assert len(hay_parameter_space("CaDynamics_E2", v2_extras=False)) == 32
    for _, row in example_models().iterrows():
        assert space.contains(space.vector(row))


@given(st.lists(st.floats(0, 1), min_size=35, max_size=35))
def test_normalize_roundtrip(unit: list[float]) -> None:
    space = hay_parameter_space()
    values = space.denormalize(np.array(unit))
    assert space.contains(values)
    assert np.allclose(space.normalize(values), unit, atol=1e-9)


def test_space_validation() -> None:
    with pytest.raises(FittingError, match="min <= max"):
        ParameterSpace(("a",), [1.0], [0.0])
    with pytest.raises(FittingError, match="unique"):
        ParameterSpace(("a", "a"), [0, 0], [1, 1])
    with pytest.raises(FittingError, match="lacks"):
        hay_parameter_space().vector({"scale_apical.scale": 1.0})


def test_space_of_typed_parameters() -> None:
    setup = morphology89_setup()
    assert ParameterSpace.from_parameters(setup.parameters) == setup.space
    with pytest.raises(FittingError, match="without bounds"):
        ParameterSpace.from_parameters([RangeParameter("ephys.NaTa_t.soma.gNaTa_tbar", "soma", "NaTa_t", "gNaTa_tbar")])
