"""Typed fitting parameters applied to the L5tt template's base cell: the same cells as the old path
(dotted names patched into the legacy dict and re-parsed), ISF's naming, errors."""

from __future__ import annotations

import json
import pickle
from functools import cache
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isf.data import hay89
from isf.dsl.hoc import read_hoc
from isf.errors import FittingError
from isf.fitting.cell_parameters import (
    DistributionParameter,
    HotZoneParameter,
    LinkedParameter,
    RangeParameter,
    RegionProperty,
    ScaleApicalParameter,
)
from isf.fitting.legacy_names import legacy_parameter
from isf.fitting.parameters import hay_parameter_space
from isf.fitting.setup import HaySetup, example_models, morphology89_setup
from isf.fitting.template import l5tt_template, read_template
from isf.model.axon import with_hay2013_axon
from isf.model.cell import Cell
from isf.model.discretization import Discretization
from isf.model.distribution import DISTRIBUTIONS, Exponential, Linear, Uniform, UniformRange
from isf.model.mechanism import Mechanism
from isf.model.modifier import MODIFIERS, ScaleApical
from isf.model.region import Region, Spines

#: cells the old fitting path built (isf 528001d), encoded field by field
OLD_PATH_CELLS = Path(__file__).parent / "data" / "l5tt_old_path_cells.json"
_DISTRIBUTION_CLASSES = {c.__name__: c for c in DISTRIBUTIONS.values()}
_MODIFIER_CLASSES = {c.__name__: c for c in MODIFIERS.values()}


@cache
def _setups() -> dict[str, HaySetup]:
    v2 = morphology89_setup()
    v1 = HaySetup(v2.morphology, v2.fixed, space=hay_parameter_space("CaDynamics_E2", v2_extras=False),
                  template=l5tt_template(v2=False))
    return {"v2": v2, "v1": v1}


@cache
def _old_path_cases() -> list[dict[str, Any]]:
    return list(json.loads(OLD_PATH_CELLS.read_text())["cases"])


def _region(data: dict[str, Any]) -> Region:
    mechanisms = []
    for m in data["mechanisms"]:
        fields = {k: v for k, v in m["distribution"].items() if k != "class"}
        mechanisms.append(Mechanism(m["name"], m["parameters"], _DISTRIBUTION_CLASSES[m["distribution"]["class"]](**fields)))
    return Region(data["ra_ohm_cm"], data["cm_uF_per_cm2"], data["ions"], tuple(mechanisms), data["other_properties"],
                  None if data["spines"] is None else Spines(**data["spines"]))


def _old_path_cell(data: dict[str, Any]) -> Cell:
    morphology = with_hay2013_axon(read_hoc(hay89("89_C2.hoc")))
    modifiers = tuple(_MODIFIER_CLASSES[m["class"]](**{k: v for k, v in m.items() if k != "class"})
                      for m in data["modifiers"])
    return Cell(morphology, {k: _region(v) for k, v in data["regions"].items()}, Discretization(**data["discretization"]),
                modifiers, data["mechanism_globals"], data["name"])


@pytest.mark.parametrize("index", range(23))
def test_cells_equal_the_old_path(index: int) -> None:
    """The five example models of morphology 89, seeded random vectors of the v2 and v1 spaces, fixed
    hot-zone overrides, ``params.*`` and ``many_params.*``: equal cells (attrs value equality)."""
    case = _old_path_cases()[index]
    cell = _setups()[case["template"]].cell(case["params"])
    assert cell == _old_path_cell(case["cell"]), case["case"]


def test_the_old_path_cases_cover_the_example_models() -> None:
    cases = _old_path_cases()
    assert len(cases) == 23
    models = example_models()
    for (label, row), case in zip(models.iterrows(), cases):
        assert case["case"] == f"example model {label}"
        assert case["params"] == {k: float(v) for k, v in row.items()}
    space = hay_parameter_space()
    randoms = [c for c in cases if c["case"].startswith("v2 random")]
    assert len(randoms) == 12 and all(space.contains(space.vector(c["params"])) for c in randoms)


def test_hay_space_as_typed_parameters() -> None:
    setup = morphology89_setup()
    params = {p.name: p for p in setup.parameters}
    assert len(params) == 35
    assert params["ephys.NaTa_t.soma.gNaTa_tbar"] == RangeParameter(
        "ephys.NaTa_t.soma.gNaTa_tbar", "soma", "NaTa_t", "gNaTa_tbar", (0.0, 4.0))
    assert params["ephys.none.axon.g_pas"] == RangeParameter("ephys.none.axon.g_pas", "ais", "pas", "g", (2e-05, 5e-05))
    assert params["ephys.SKv3_1.apic.slope"] == DistributionParameter(
        "ephys.SKv3_1.apic.slope", "apic", "SKv3_1", "slope", (-3.0, 0.0))
    assert params["scale_apical.scale"] == ScaleApicalParameter("scale_apical.scale", bounds=(0.333, 3.0))
    # the fixed hot zone is in the base cell; the modifier and conductances are unset there
    hot = setup.cell_template.base.regions["apic"].mechanism("Ca_HVA").distribution
    assert isinstance(hot, UniformRange) and hot.begin_um == setup.fixed.hot_zone_min_um
    assert ("apic", "mechanism", "Ca_HVA", "begin_um") not in setup.cell_template.unset
    assert setup.cell_template.unset[("modifier", "ScaleApical", "scale")] == "cell_modify_functions.scale_apical.scale"


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=35, max_size=35))
def test_every_value_lands_where_its_name_says(unit: list[float]) -> None:
    setup = _setups()["v2"]
    base = setup.cell_template.base
    values = setup.space.series(setup.space.denormalize(np.array(unit)))
    cell = setup.cell(values)
    for parameter in setup.parameters:
        value = float(values[parameter.name])
        if isinstance(parameter, ScaleApicalParameter):
            assert cell.modifiers == (ScaleApical(value),)
            continue
        mech = cell.regions[parameter.region].mechanism(parameter.mechanism)
        if isinstance(parameter, RangeParameter):
            assert mech.parameters[parameter.parameter] == value
        else:
            assert isinstance(parameter, DistributionParameter)
            assert getattr(mech.distribution, parameter.field) == value
    # the base cell is a value: applying parameters never changes it
    assert setup.cell_template.base is base and base.modifiers == (ScaleApical(1.0),)
    assert cell.morphology is base.morphology


def test_each_parameter_kind_applies_itself() -> None:
    base = _setups()["v2"].cell_template.base
    linear = Linear(slope=-1.0, offset=0.5, relative=True)
    cell = RangeParameter("g", "soma", "NaTa_t", "gNaTa_tbar", distribution=linear).apply(base, 2.0)
    assert cell.regions["soma"].mechanism("NaTa_t") == Mechanism("NaTa_t", {"gNaTa_tbar": 2.0}, linear)
    assert cell.regions["soma"].mechanisms.index(cell.regions["soma"].mechanism("NaTa_t")) == \
        base.regions["soma"].mechanisms.index(base.regions["soma"].mechanism("NaTa_t"))
    cell = HotZoneParameter("hz", "end_um").apply(base, 700.0)
    assert {cell.regions["apic"].mechanism(m).distribution.end_um for m in ("Ca_HVA", "Ca_LVAst")} == {700.0}
    cell = HotZoneParameter("hz", "outside_sections").apply(base, "3 4")
    assert cell.regions["apic"].mechanism("Ca_HVA").distribution.outside_sections == (3, 4)
    assert RegionProperty("cm", "dend", "cm_uF_per_cm2").apply(base, 1.5).regions["dend"].cm_uF_per_cm2 == 1.5
    assert RegionProperty("ek", "soma", "ions", "ek").apply(base, -80.0).regions["soma"].ions == {"ek": -80.0, "ena": 50.0}
    assert ScaleApicalParameter(compartment="trunk").apply(base, 2.0).modifiers == (ScaleApical(2.0, "trunk"),)
    no_modifier = attrs.evolve(base, modifiers=())
    assert ScaleApicalParameter().apply(no_modifier, 2.0).modifiers == (ScaleApical(2.0),)
    link = LinkedParameter("many_params.x.Dendrite.properties.Ra", "many_params.x", RegionProperty("Ra", "dend", "ra_ohm_cm"))
    assert link.apply(base, 80.0).regions["dend"].ra_ohm_cm == 80.0 and link.targets == (("dend", "ra_ohm_cm"),)
    assert isinstance(base.regions["apic"].mechanism("Ih").distribution, Exponential)
    assert isinstance(base.regions["dend"].mechanism("Ih").distribution, Uniform)


@pytest.mark.parametrize(("name", "message"), [
    ("ephys.Foo.soma.gbar", "no Soma mechanism 'Foo'"),
    ("ephys.NaTa_t.soma.gbar", "no Soma mechanism 'NaTa_t' with key 'gbar'"),
    ("ephys.NaTa_t.tuft.gNaTa_tbar", "region 'tuft'"),
    ("ephys.NaTa_t.soma", "expected ephys"),
    ("hot_zone.middle", "allowed are hot_zone"),
    ("params.Axon.properties.cm", "no block 'Axon'"),
    ("params.Soma.mechanisms.range.pas.spatial", "no Soma mechanism 'pas' with key 'spatial'"),
    ("params.Soma.properties", "only numeric values"),
    ("nonsense.x", "unknown stage"),
])
def test_bad_parameter_names(name: str, message: str) -> None:
    with pytest.raises(FittingError, match=message):
        legacy_parameter(name, _setups()["v2"].cell_template.base)


def test_resolution_of_other_names() -> None:
    base = _setups()["v2"].cell_template.base
    assert legacy_parameter("ephys.Ih.apic._lambda", base) == DistributionParameter("ephys.Ih.apic._lambda", "apic", "Ih", "rate")
    assert legacy_parameter("params.AIS.properties.ions.ek", base) == RegionProperty("params.AIS.properties.ions.ek", "ais", "ions", "ek")
    assert legacy_parameter("morphology.filename", base) is None and legacy_parameter("many_params.x", base) is None
    assert legacy_parameter("hot_zone.outsidescale_sections", base) == HotZoneParameter("hot_zone.outsidescale_sections",
                                                                                         "outside_sections")


def test_bad_values_and_unset_slots() -> None:
    setup = morphology89_setup()
    with pytest.raises(FittingError, match=r"unset: .*ApicalDendrite\.mechanisms\.range\.Im\.gImbar"):
        setup.cell(pd.Series({"scale_apical.scale": 1.0}))
    params = {**example_models().iloc[0].to_dict(), "scale_apical.scale": -1.0}
    with pytest.raises(FittingError, match="scale_apical.scale"):
        setup.cell(params)
    with pytest.raises(FittingError, match="no value many_params.y"):
        setup.cell({**example_models().iloc[0].to_dict(), "many_params.y.Soma.properties.cm": 1.0})
    with pytest.raises(FittingError, match="not UniformRange"):
        HotZoneParameter("hz", "begin_um", mechanisms=("NaTa_t",)).apply(setup.cell_template.base, 1.0)
    with pytest.raises(FittingError, match="no region 'myelin'|has no mechanism"):
        RangeParameter("x", "apic", "Nope", "g").apply(setup.cell_template.base, 1.0)


def test_model_0_cell_of_morphology_89() -> None:
    setup = morphology89_setup()
    cell = setup.cell(example_models().iloc[0])
    mechs = {m.name: m for m in cell.regions["apic"].mechanisms}
    assert isinstance(mechs["SKv3_1"].distribution, Linear) and mechs["SKv3_1"].distribution.relative
    assert isinstance(mechs["Ih"].distribution, Exponential)
    hot = mechs["Ca_LVAst"].distribution
    assert isinstance(hot, UniformRange) and hot.begin_um == pytest.approx(384.8203371921156)
    assert 23 in hot.outside_sections and len(hot.outside_sections) == 27
    assert "CaDynamics_E2_v2" in mechs and "ais" in cell.regions and "myelin" in cell.regions


def test_the_template_is_read_once_and_the_setup_pickles() -> None:
    setup = morphology89_setup(protocols=("bAP",))
    params = example_models().iloc[2]
    again = pickle.loads(pickle.dumps(setup))
    assert again.cell(params) == setup.cell(params)
    # reading the template does not modify it; a template read on its own has every slot unset
    template = l5tt_template()
    read_template(template, setup.morphology)
    assert template == l5tt_template()
    # 32 Hay values + SKv3_1 slope/offset + scale_apical + the begin and end of both hot-zone channels
    assert len(read_template(template, setup.morphology).unset) == 39
