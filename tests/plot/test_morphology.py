"""Morphology plots of cell 86 from the shipped files: geometry, colouring by label / density /
voltage, synapse markers, and images that are really drawn."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection

import isf
from isf.data import cell86, network_c2
from isf.model.result import Result
from isf.model.segment_table import segment_key, segment_table
from isf.plot import (
    LABEL_COLORS,
    mechanism_density,
    morphology_geometry,
    plot_morphology,
    segment_values_at,
    synapse_positions,
)


@pytest.fixture(scope="module")
def cell() -> isf.Cell:
    return isf.read_cell_param(cell86("86_C2_center.param")).cell


def ink(path: Path) -> np.ndarray:
    image = mpimg.imread(path)
    pixels = image.reshape(-1, image.shape[-1])[:, :3]
    assert (
        np.mean(np.all(pixels < 0.9, axis=1)) > 0.005
    )  # the cell is drawn, not a blank canvas
    return pixels


def test_geometry_covers_every_segment_in_order(cell: isf.Cell) -> None:
    geom = morphology_geometry(cell)
    assert geom.pieces.shape[1:] == (2, 3)
    # each piece continues the previous one within a section
    same = geom.section[1:] == geom.section[:-1]
    assert np.allclose(geom.pieces[1:, 0][same], geom.pieces[:-1, 1][same])
    # every segment owns at least one piece, unless its section has fewer points than segments
    owned = np.zeros(cell.n_segments, bool)
    owned[geom.segment] = True
    sid, _ = segment_table(cell)
    for s in np.unique(sid[~owned]):
        assert cell.final_morphology.sections[s].n_points - 1 < cell.nseg[s]
    assert owned.mean() > 0.5
    assert set(geom.labels) == {"soma", "dend", "apic", "ais", "myelin"}
    only = morphology_geometry(cell, labels=("ApicalDendrite",))
    assert set(only.labels) == {"apic"}


def test_ih_density_follows_the_exponential_rise(cell: isf.Cell) -> None:
    density = mechanism_density(cell, "Ih", "gIhbar")
    sid, x = segment_table(cell)
    labels = np.array([cell.morphology.sections[s].label for s in sid])
    apic = labels == "apic"
    dist = np.array([cell.distances.soma0(s, xx) for s, xx in zip(sid, x)])
    # myelin has no Ih: NaN (drawn grey)
    assert np.isnan(density[labels == "myelin"]).all()
    # Hay's apical Ih grows with distance: correlation of density with distance is strongly positive
    assert np.corrcoef(dist[apic], density[apic])[0, 1] > 0.9
    assert np.allclose(density[labels == "dend"], 2e-4)
    with pytest.raises(ValueError, match="no region of the cell has mechanism 'Kv7'"):
        mechanism_density(cell, "Kv7")
    with pytest.raises(ValueError, match="has no parameter 'gbar'"):
        mechanism_density(cell, "Ih", "gbar")


@pytest.mark.parametrize("projection", ["xy", "xz", "yz", "3d"])
def test_projections_by_label(cell: isf.Cell, projection: str, tmp_path: Path) -> None:
    fig = plot_morphology(cell, projection=projection)
    ax = fig.axes[0]
    fig.savefig(
        tmp_path / "m.png", dpi=60
    )  # draws (3D collections project their segments then)
    collections = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert (
        len(collections) == 1
        and len(collections[0].get_segments())
        == morphology_geometry(cell).pieces.shape[0]
    )
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["soma", "dend", "apic", "ais", "myelin"]
    pixels = ink(tmp_path / "m.png")
    if projection != "3d":
        # apical red and basal blue are both on the picture
        for colour in (LABEL_COLORS["apic"], LABEL_COLORS["dend"]):
            rgb = np.array(matplotlib.colors.to_rgb(colour))
            assert np.any(np.all(np.abs(pixels - rgb) < 0.1, axis=1))


def test_colour_by_density_and_by_voltage(cell: isf.Cell, tmp_path: Path) -> None:
    density = mechanism_density(cell, "Ih", "gIhbar")
    fig = plot_morphology(
        cell, values=density, value_label="gIhbar (S/cm²)", projection="xz"
    )
    assert (
        len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "gIhbar (S/cm²)"
    )  # colour bar
    colours = fig.axes[0].collections[0].get_colors()
    assert np.unique(colours.round(3), axis=0).shape[0] > 20
    fig.savefig(tmp_path / "d.png", dpi=60)
    ink(tmp_path / "d.png")
    # a hand-made per-segment result: voltage = soma distance / 10 at t = 1 ms
    sid, x = segment_table(cell)
    dist = np.array([cell.distances.soma0(s, xx) for s, xx in zip(sid, x)])
    offsets = np.concatenate([[0], np.cumsum(cell.nseg)])
    traces = {
        segment_key(int(s), int(i - offsets[s])): np.array([0.0, d / 10.0])
        for i, (s, d) in enumerate(zip(sid, dist))
    }
    result = Result(t_ms=[0.0, 1.0], traces=traces)
    assert np.allclose(segment_values_at(result, cell, 0.9), dist / 10.0)
    with pytest.raises(ValueError, match="outside the recorded"):
        segment_values_at(result, cell, 5.0)
    with pytest.raises(ValueError, match="values has 3 entries"):
        plot_morphology(cell, values=[1, 2, 3])


def test_synapse_markers_by_population(cell: isf.Cell, tmp_path: Path) -> None:
    network = isf.read_network_param(
        network_c2("network.param"), cell.morphology, search_roots=[network_c2()]
    ).network
    pop = network["L5tt_C2"]
    xyz = synapse_positions(cell.morphology, pop.synapses)
    # every synapse lies on its section's polyline bounding box
    for s, p in zip(pop.synapses.section_id[:50], xyz[:50]):
        pts = cell.morphology.sections[int(s)].points
        assert np.all(p >= pts.min(0) - 1e-9) and np.all(p <= pts.max(0) + 1e-9)
    fig = plot_morphology(
        cell,
        synapses={
            "L5tt_C2": pop.synapses,
            "SymLocal1_C2": network["SymLocal1_C2"].synapses,
        },
    )
    scatters = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)]
    assert [len(s.get_offsets()) for s in scatters] == [
        len(pop.synapses),
        len(network["SymLocal1_C2"].synapses),
    ]
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert f"L5tt ({len(pop.synapses)})" in legend
    fig = plot_morphology(cell, synapses=network, projection="3d")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(t.startswith("EXC synapses") for t in legend) and any(
        t.startswith("INH synapses") for t in legend
    )
    fig.savefig(tmp_path / "s.png", dpi=60)
    ink(tmp_path / "s.png")


def test_bad_projection(cell: isf.Cell) -> None:
    with pytest.raises(ValueError, match="projection = 'zx' is invalid"):
        plot_morphology(cell, projection="zx")  # type: ignore[arg-type]
