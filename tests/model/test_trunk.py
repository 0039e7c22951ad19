"""Apical trunk location (LEGACY_FORMATS §8.2) and recording-site labels (§3.9) on cell 86."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from isf.dsl.landmark import landmark_sites
from isf.model.cell import Cell
from isf.model.morphology import Morphology, Section
from isf.model.site import ApicalTrunk, Landmark, SectionSite, Soma
from isf.model.soma_distance import SomaDistances
from isf.model.trunk import detailed_labels, main_bifurcation, nearest_segment_x, trunk_connected, trunk_site

TRUNK_86 = [6, 12, 13, 15, 19, 21, 25, 26, 32, 36, 38]


def _candidates(cell: Cell) -> list[int]:
    """Trunk-connected sections, computed here: apical, ending beyond 1000 µm or with such an apical child."""
    morph, dist = cell.morphology, cell.distances
    memo: dict[int, bool] = {}

    def q(sid: int) -> bool:
        if sid not in memo:
            memo[sid] = morph.labels[sid] == "apic" and (
                dist.soma0(sid, 1.0) > 1000.0 or any(q(c) for c in morph.children[sid]))
        return memo[sid]

    return [s for s in range(len(morph)) if q(s)]


def _expected_site(cell: Cell, d: float) -> tuple[int, float]:
    dist = cell.distances
    ends = {dist.soma0(s, 1.0): s for s in _candidates(cell)}
    end = min(e for e in ends if e > d)
    sid = ends[end]
    return sid, (d - dist.soma0(sid, 0.0)) / cell.morphology.lengths[sid]


@pytest.mark.shared
def test_trunk_connected_86(cell86: Cell) -> None:
    got = trunk_connected(cell86.distances)
    assert list(got) == _candidates(cell86)
    assert len(got) == 55
    assert got[:11] == tuple(TRUNK_86)


@pytest.mark.shared
@pytest.mark.parametrize("d", [15.0, 100.0, 277.0, 500.0, 620.0, 835.0, 920.7, 975.0, 1000.0, 1015.0, 1500.0, 1587.0])
def test_apical_trunk_resolve(cell86: Cell, d: float) -> None:
    sid, x = _expected_site(cell86, d)
    got_sid, got_x = ApicalTrunk(d).resolve(cell86, snap=False)
    assert got_sid == sid
    assert got_x == pytest.approx(x, rel=1e-12)
    assert 0.0 <= got_x <= 1.0
    assert cell86.distances.starts[sid] + got_x * cell86.morphology.lengths[sid] == pytest.approx(d, rel=1e-12)
    snapped = ApicalTrunk(d).resolve(cell86, snap=True)
    nseg = cell86.nseg[sid]
    centres = (np.arange(nseg) + 0.5) / nseg
    assert snapped == (sid, float(centres[np.argmin(np.abs(centres - x))]))


@pytest.mark.shared
def test_apical_trunk_known_sites(cell86: Cell) -> None:
    assert cell86.nseg[38] == 35
    sid, x = ApicalTrunk(620.0).resolve(cell86, snap=False)
    assert sid == 38 and x == pytest.approx(0.494713, abs=1e-6)
    assert ApicalTrunk(620.0).resolve(cell86, snap=True) == (38, 0.5)
    assert ApicalTrunk(920.7).resolve(cell86, snap=True) == (38, pytest.approx(32.5 / 35))
    # beyond the main bifurcation the candidate with the nearest end wins, here a tuft branch
    assert ApicalTrunk(1000.0).resolve(cell86, snap=False)[0] == 66
    assert ApicalTrunk(1015.0).resolve(cell86, snap=True) == (66, pytest.approx(3.5 / 15))


@pytest.mark.shared
def test_apical_trunk_out_of_range(cell86: Cell) -> None:
    with pytest.raises(ValueError, match="farthest: 1587.6"):
        ApicalTrunk(1600.0).resolve(cell86, snap=False)
    # before the first apical section (within the soma) there is no trunk point
    assert cell86.distances.soma0(6, 0.0) == pytest.approx(cell86.morphology.lengths[0] / 2)
    with pytest.raises(ValueError, match="before the apical trunk"):
        ApicalTrunk(5.0).resolve(cell86, snap=True)


@pytest.mark.shared
def test_main_bifurcation_and_detailed_labels(cell86: Cell) -> None:
    dist = cell86.distances
    morph = cell86.morphology
    assert main_bifurcation(dist) == 38
    labels = detailed_labels(dist)
    assert [i for i, lab in enumerate(labels) if lab == "trunk"] == TRUNK_86
    # the trunk is the path from the main bifurcation to the soma
    path, sid = [], 38
    while sid != 0:
        path.append(sid)
        sid = morph.sections[sid].parent
    assert sorted(path) == TRUNK_86
    tuft = [i for i, lab in enumerate(labels) if lab == "tuft"]
    assert tuft == sorted(set(morph.subtree(38)) - {38})
    assert len(tuft) == 44
    assert labels.count("oblique") == 79 - 11 - 44
    assert labels.count("basal") == 87
    assert labels[0] == "soma" and labels[167:] == ("ais", "ais", "myelin")


@pytest.mark.shared
def test_landmark_recording_label(cell86: Cell, landmark_path: Path) -> None:
    (site,) = landmark_sites(landmark_path)
    assert site.legacy_label(cell86) == "apical_proximal_distal_rec_sites_ID_000_sec_038_seg_032_x_0.929_somaDist_920.7"
    assert site.resolve(cell86) == (38, pytest.approx(32.5 / 35))
    assert site.label == "apical_proximal_distal_rec_sites_ID_000"


@pytest.mark.shared
def test_landmark_nearest_point(cell86: Cell, landmark_path: Path) -> None:
    (site,) = landmark_sites(landmark_path)
    target = np.array([site.x_um, site.y_um, site.z_um])
    best = min(((float(np.min(np.linalg.norm(s.points - target, axis=1))), i)
                for i, s in enumerate(cell86.morphology.sections)))
    assert best[1] == 38
    assert best[0] == pytest.approx(6.8552, abs=1e-4)


@pytest.mark.shared
def test_landmark_in_param(cell86_param) -> None:  # type: ignore[no-untyped-def]
    (site,) = cell86_param.recording_sites
    assert site.legacy_label(cell86_param.cell).endswith("sec_038_seg_032_x_0.929_somaDist_920.7")


# ----------------------------------------------------------------------------- hand-made


def _y_cell() -> Cell:
    def line(name: str, label: str, parent: int | None, a: list[float], b: list[float], n: int = 3) -> Section:
        return Section(name, label, parent, 0.0 if parent is None else (0.5 if parent == 0 else 1.0),
                       np.linspace(a, b, n), np.full(n, 2.0))

    return Cell(Morphology((
        line("soma", "soma", None, [0, -5, 0], [0, 5, 0]),
        line("apical_1", "apic", 0, [0, 5, 0], [0, 605, 0]),
        line("apical_2", "apic", 1, [0, 605, 0], [0, 1205, 0]),
        line("apical_3", "apic", 1, [0, 605, 0], [100, 605, 0]),
        line("apical_4", "apic", 2, [0, 1205, 0], [0, 1405, 0]),
        line("dend_1", "dend", 0, [0, -5, 0], [0, -100, 0]),
    )))


def test_hand_made_trunk() -> None:
    cell = _y_cell()
    dist = cell.distances
    assert trunk_connected(dist) == (1, 2, 4)
    assert main_bifurcation(dist) == 2  # first apical section ending beyond 1000 µm
    assert trunk_site(dist, 305.0) == (1, pytest.approx(0.5))
    assert trunk_site(dist, 905.0) == (2, pytest.approx(0.5))
    assert trunk_site(dist, 1305.0) == (4, pytest.approx(0.5))
    assert detailed_labels(dist) == ("soma", "trunk", "trunk", "oblique", "tuft", "basal")
    with pytest.raises(ValueError, match="no apical trunk"):
        trunk_site(dist, 2000.0)


def test_no_main_bifurcation() -> None:
    cell = _y_cell()
    # soma, one 600 µm apical section and a dendrite: nothing reaches 1000 µm
    short = Morphology(cell.morphology.sections[:2] + (cell.morphology.sections[5],))
    dist = SomaDistances(short, (1, 1, 1))
    with pytest.raises(ValueError, match="no main bifurcation"):
        main_bifurcation(dist)
    with pytest.raises(ValueError, match="no apical trunk"):
        trunk_site(dist, 100.0)


def test_nearest_segment_x_first_wins() -> None:
    assert nearest_segment_x(0.5, 2) == 0.25  # tie between 0.25 and 0.75
    assert nearest_segment_x(0.0, 3) == pytest.approx(1 / 6)
    assert nearest_segment_x(1.0, 3) == pytest.approx(5 / 6)


def test_other_sites() -> None:
    cell = _y_cell()
    assert Soma().resolve(cell, snap=True) == (0, 0.5)
    assert Soma(0.2).resolve(cell, snap=False) == (0, 0.2)
    assert SectionSite(2, 0.3).resolve(cell, snap=False) == (2, 0.3)
    with pytest.raises(ValueError, match="0..5"):
        SectionSite(9, 0.3).resolve(cell, snap=False)
    lm = Landmark(0.0, 1205.0, 0.0, name="tip")
    assert lm.resolve(cell) == (2, pytest.approx(1 - 0.5 / cell.nseg[2]))
