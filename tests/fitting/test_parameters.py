"""Parameter space, the L5tt v2 template and ISF's parameter naming mapped onto the typed cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from isf.fitting.errors import FittingError
from isf.fitting.parameters import (
    ParameterSpace,
    apply_parameters,
    hay_parameter_space,
    l5tt_template,
    unset_values,
)
from isf.fitting.setup import example_models, morphology89_setup
from isf.model.distribution import Exponential, Linear, UniformRange


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


def test_apply_parameters_follows_the_legacy_naming() -> None:
    neuron = apply_parameters(l5tt_template(), {
        "ephys.none.soma.g_pas": 3e-5, "ephys.NaTa_t.axon.gNaTa_tbar": 2.0, "ephys.SKv3_1.apic.slope": -2.0,
        "scale_apical.scale": 1.5, "hot_zone.min_": 100.0, "hot_zone.max_": 200.0,
        "hot_zone.outsidescale_sections": "3 4", "bAP.hay_measure.recSite1": 5.0,
        "params.Soma.properties.cm": 1.5, "many_params.x": 7.0, "many_params.x.Dendrite.properties.Ra": 0,
    })
    assert neuron["Soma"]["mechanisms"]["range"]["pas"]["g"] == 3e-5
    assert neuron["AIS"]["mechanisms"]["range"]["NaTa_t"]["gNaTa_tbar"] == 2.0
    assert neuron["ApicalDendrite"]["mechanisms"]["range"]["SKv3_1"]["slope"] == -2.0
    assert neuron["cell_modify_functions"] == {"scale_apical": {"scale": 1.5}}
    hot = neuron["ApicalDendrite"]["mechanisms"]["range"]["Ca_LVAst"]
    assert (hot["begin"], hot["end"], hot["outsidescale_sections"]) == (100.0, 200.0, [3, 4])
    assert neuron["Soma"]["properties"]["cm"] == 1.5 and neuron["Dendrite"]["properties"]["Ra"] == 7.0
    assert "ApicalDendrite.mechanisms.range.Im.gImbar" in unset_values(neuron)
    # the template is not modified
    assert l5tt_template()["Soma"]["mechanisms"]["range"]["pas"]["g"] is None


@pytest.mark.parametrize(("name", "message"), [
    ("ephys.Foo.soma.gbar", "no Soma mechanism 'Foo'"),
    ("ephys.NaTa_t.tuft.gNaTa_tbar", "region 'tuft'"),
    ("ephys.NaTa_t.soma", "expected ephys"),
    ("hot_zone.middle", "allowed are hot_zone"),
    ("nonsense.x", "unknown stage"),
])
def test_bad_parameter_names(name: str, message: str) -> None:
    with pytest.raises(FittingError, match=message):
        apply_parameters(l5tt_template(), {name: 1.0})


def test_model_0_cell_of_morphology_89() -> None:
    setup = morphology89_setup()
    params = example_models().iloc[0]
    cell = setup.cell(params)
    apical = cell.regions["apic"]
    mechs = {m.name: m for m in apical.mechanisms}
    assert isinstance(mechs["SKv3_1"].distribution, Linear) and mechs["SKv3_1"].distribution.relative
    assert isinstance(mechs["Ih"].distribution, Exponential)
    hot = mechs["Ca_LVAst"].distribution
    assert isinstance(hot, UniformRange) and hot.begin_um == pytest.approx(384.8203371921156)
    assert 23 in hot.outside_sections and len(hot.outside_sections) == 27
    assert "CaDynamics_E2_v2" in mechs and "ais" in cell.regions and "myelin" in cell.regions
    with pytest.raises(FittingError, match="unset"):
        setup.cell(pd.Series({"scale_apical.scale": 1.0}))
