"""Readable reprs and notebook HTML of cells, morphologies, networks and results (cell 86 and its
C2 network from the shipped files)."""

from __future__ import annotations

import numpy as np
import pytest

import isf
from isf.data import cell86, network_c2
from isf.model.trial_input import TrialInput, realize_population
from isf.model.trial_result import TrialResult


@pytest.fixture(scope="module")
def cell() -> isf.Cell:
    return isf.read_cell_param(cell86("86_C2_center.param")).cell


@pytest.fixture(scope="module")
def network(cell: isf.Cell) -> isf.Network:
    return isf.read_network_param(
        network_c2("network.param"), cell.morphology, search_roots=[network_c2()]
    ).network


def test_cell(cell: isf.Cell) -> None:
    text = repr(cell)
    assert text.startswith("Cell('hay_2011_dend_test', 170 sections, 1142 segments;")
    assert "apic: 9 mech" in text and "ScaleApicalMorph86" in text and len(text) < 300
    html = cell._repr_html_()
    assert "<table" in html and "<td style='padding:2px 8px'>apic</td>" in html
    assert "Ih" in html and "Exponential" in html
    n_mech = sum(len(r.mechanisms) for r in cell.regions.values())
    assert f"{n_mech} mechanisms in 5 regions" in html


def test_morphology(cell: isf.Cell) -> None:
    morph = isf.read_hoc(cell86("86_C2_center.hoc"))
    text = repr(morph)
    assert (
        text.startswith("Morphology(167 sections: soma 1, dend 87, apic 79;")
        and "86_C2_center.hoc" in text
    )
    html = morph._repr_html_()
    assert html.count("<tr>") == 1 + 3  # header + soma, dend, apic
    assert f"{morph.lengths.sum():.0f} µm" in html


def test_network(network: isf.Network) -> None:
    assert (
        repr(network)
        == "Network(278 populations of 22 cell types, 24780 presynaptic cells, 24780 synapses)"
    )
    html = network._repr_html_()
    assert "populations (first 40 of 278)" in html
    assert "<td style='padding:2px 8px'>L34</td>" in html and "glutamate_syn" in html


def test_result_and_trial_result(network: isf.Network) -> None:
    t = np.arange(0.0, 10.0, 0.5)
    v = np.where((t > 3) & (t < 4), 20.0, -70.0)
    result = isf.Result(
        t_ms=t, traces={"soma": v, "dend": v - 5}, sites={"soma": (0, 0.5)}
    )
    assert repr(result) == "Result(20 samples, 0–9.5 ms; traces: soma, dend)"
    html = result._repr_html_()
    assert (
        "<td style='padding:2px 8px'>soma</td><td style='padding:2px 8px'>-70</td>"
        in html
    )
    rng = np.random.default_rng(0)
    pops = tuple(realize_population(p, 50.0, rng) for p in network.populations[:3])
    trial = TrialResult(
        trial_index=2,
        run_seed=9,
        t_ms=t,
        traces={"soma": v},
        spike_times_ms=np.array([3.5]),
        input=TrialInput(pops),
    )
    releases = sum(int(p.release_counts.sum()) for p in pops)
    assert (
        repr(trial)
        == f"TrialResult(trial 2, run seed 9, 0–9.5 ms, 1 soma spikes, {releases} synaptic releases)"
    )
    assert "3.50" in trial._repr_html_()
