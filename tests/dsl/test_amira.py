"""ASCII AmiraMesh scalar fields: round trip, ISF's voxel conventions, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from isf.data import synthetic_connectome
from isf.dsl.amira import (
    format_amira_field,
    parse_amira_field,
    read_amira_field,
    write_amira_field,
)
from isf.errors import LegacyFormatError
from isf.model.density_field import ScalarField

LEGACY = """# AmiraMesh 3D ASCII 2.0

define Lattice 2 3 2

Parameters {
    Content "2x3x2 float, uniform coordinates",
    BoundingBox 25 75 -25 75 0 50,
    CoordType "uniform",
    Spacing 50 50 50
}

Lattice { float Data } @1

# Data section follows
@1
0
1
2
3
4
5
6
7
8
9
10
11
"""


def test_legacy_conventions() -> None:
    field = parse_amira_field(LEGACY)
    assert field.shape == (2, 3, 2)
    assert field.origin_um == (
        0.0,
        -50.0,
        -25.0,
    )  # bounding box of voxel centres minus half a voxel
    assert (
        field.values[1, 0, 0] == 1
        and field.values[0, 1, 0] == 2
        and field.values[0, 0, 1] == 6
    )  # x fastest
    assert field.sample(np.array([[60.0, -40.0, -20.0]]))[0] == 1.0
    assert np.isnan(field.sample(np.array([[101.0, 0.0, 0.0]]))[0])
    assert (
        field.sample(np.array([[100.0, 100.0, 75.0]]))[0] == 11.0
    )  # the upper face belongs to the last voxel


def test_spacing_derived_without_spacing_line() -> None:
    field = parse_amira_field(LEGACY.replace("    Spacing 50 50 50\n", ""))
    assert field.spacing_um == (50.0, 50.0, 50.0)


@settings(max_examples=50, deadline=None)
@given(
    values=arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)),
        elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    ),
    origin=st.tuples(*(st.integers(-40, 40).map(lambda v: v * 25.0) for _ in range(3))),
    spacing=st.sampled_from([10.0, 25.0, 50.0, 12.5]),
)
def test_round_trip(values, origin, spacing) -> None:
    field = ScalarField(origin, (spacing, spacing, spacing), values)
    assert parse_amira_field(format_amira_field(field)) == field


def test_write_read(tmp_path) -> None:
    field = ScalarField(
        (0, 0, 0), (50, 50, 50), np.arange(24, dtype=float).reshape(2, 3, 4)
    )
    write_amira_field(tmp_path / "f.am", field)
    assert read_amira_field(tmp_path / "f.am") == field


def test_shipped_field_reads() -> None:
    field = read_amira_field(synthetic_connectome("PST/EXNormalizationPSTs.am"))
    assert field.spacing_um == (50.0, 50.0, 50.0) and field.values.min() > 0


def test_cropped() -> None:
    values = np.zeros((5, 5, 5))
    values[1:3, 2, 4] = 1.0
    cropped = ScalarField((0, 0, 0), (10, 10, 10), values).cropped()
    assert cropped.shape == (2, 1, 1) and cropped.origin_um == (10.0, 20.0, 40.0)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            LEGACY.replace("define Lattice 2 3 2", "define Lattice 2 3"),
            "Lattice needs 3 numbers",
        ),
        (LEGACY.replace("    BoundingBox 25 75 -25 75 0 50,\n", ""), "no 'BoundingBox"),
        (LEGACY.replace("@1\n0\n", "\n0\n"), "no data section"),
        (LEGACY.replace("\n7\n", "\nseven\n"), "'seven' is not a number"),
        (LEGACY.replace("\n11\n", "\n"), "needs 12 values, found 11"),
        (LEGACY.replace("Spacing 50 50 50", "Spacing 50 0 50"), "spacing_um"),
    ],
)
def test_errors(text: str, reason: str) -> None:
    with pytest.raises(LegacyFormatError, match=reason):
        parse_amira_field(text, "x.am")


def test_field_validation() -> None:
    from isf.errors import ModelValueError

    with pytest.raises(ModelValueError, match="ScalarField.values"):
        ScalarField((0, 0, 0), (1, 1, 1), np.zeros((2, 2)))
    with pytest.raises(ModelValueError, match="ScalarField.spacing_um"):
        ScalarField((0, 0, 0), (1, -1, 1), np.zeros((2, 2, 2)))
