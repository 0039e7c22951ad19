"""Tests of the Amira ``.landmarkAscii`` reader/writer (LEGACY_FORMATS §5.6)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from isf.dsl.landmark import format_landmarks, landmark_sites, parse_landmarks, read_landmarks, write_landmarks
from isf.errors import LegacyFormatError
from isf.model.site import Landmark


@pytest.mark.shared
def test_shared_landmark_file(landmark_path: Path) -> None:
    points = read_landmarks(landmark_path)
    # the file declares "define Markers 2" but holds one point: the count is not checked
    assert "define Markers 2" in landmark_path.read_text()
    assert points.shape == (1, 3)
    np.testing.assert_array_equal(points[0], [-7.780574035644531e01, 4.308837585449219e02, 3.106405334472656e02])


@pytest.mark.shared
def test_shared_landmark_sites(landmark_path: Path) -> None:
    sites = landmark_sites(landmark_path)
    assert sites == (
        Landmark(-77.80574035644531, 430.8837585449219, 310.6405334472656,
                 name="apical_proximal_distal_rec_sites", index=0),
    )


def test_format_layout() -> None:
    text = format_landmarks(np.array([[1.0, -2.5, 3.1234567], [0.0, 0.0, 1e-7]]))
    lines = text.splitlines()
    assert lines[0] == "# AmiraMesh 3D ASCII 2.0"
    assert "define Markers 2" in lines
    assert "\tContentType \"LandmarkSet\"" in lines
    data = lines[lines.index("@1") + 1:]
    assert data == ["1.000000 -2.500000 3.123457", "0.000000 0.000000 0.000000"]


def test_parse_everything_after_first_at1_line() -> None:
    text = "header @1 not at line start\n@1x\n1 2 3 extra columns\n\n  4 5 6\n"
    np.testing.assert_array_equal(parse_landmarks(text), [[1, 2, 3], [4, 5, 6]])


def test_empty_data_section() -> None:
    points = parse_landmarks("# AmiraMesh\n@1\n")
    assert points.shape == (0, 3)


def test_missing_at1_is_an_error() -> None:
    with pytest.raises(LegacyFormatError) as info:
        parse_landmarks("# AmiraMesh 3D ASCII 2.0\nMarkers { float[3] Coordinates } @1\n1 2 3\n", "sites.landmarkAscii")
    assert info.value.filename == "sites.landmarkAscii"
    assert "@1" in info.value.reason


def test_bad_rows_have_line_numbers() -> None:
    with pytest.raises(LegacyFormatError) as info:
        parse_landmarks("@1\n1 2 3\n4 5\n")
    assert info.value.line == 3
    with pytest.raises(LegacyFormatError) as info:
        parse_landmarks("@1\n1 2 three\n")
    assert info.value.line == 2


def test_write_read_file(tmp_path: Path) -> None:
    pts = np.array([[1.5, 2.25, -3.0], [10.0, 20.0, 30.0]])
    path = tmp_path / "sites.landmarkAscii"
    write_landmarks(pts, path)
    np.testing.assert_array_equal(read_landmarks(path), pts)
    sites = landmark_sites(path)
    assert [s.name for s in sites] == ["sites", "sites"]
    assert [s.index for s in sites] == [0, 1]
    assert (sites[1].x_um, sites[1].y_um, sites[1].z_um) == (10.0, 20.0, 30.0)


def test_read_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_landmarks(tmp_path / "absent.landmarkAscii")


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(0, 8), st.just(3)),
                  elements=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)))
def test_round_trip(points: np.ndarray) -> None:
    back = parse_landmarks(format_landmarks(points))
    assert back.shape == points.shape
    # %.6f: at most half a unit of the 6th decimal (plus the float spacing of large values)
    np.testing.assert_allclose(back, points, rtol=1e-15, atol=5e-7 + 1e-15)
    # and writing again is stable
    assert format_landmarks(back) == format_landmarks(points)
