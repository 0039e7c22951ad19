"""Segment clipping conserves length and area and puts every piece inside its voxel."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from isf.embedding.clipping import clip_segments, cone_area

coords = st.floats(-200, 200, allow_nan=False, allow_infinity=False)
radii = st.floats(0, 10, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(
    start=arrays(np.float64, (6, 3), elements=coords),
    end=arrays(np.float64, (6, 3), elements=coords),
    r0=arrays(np.float64, 6, elements=radii),
    r1=arrays(np.float64, 6, elements=radii),
    spacing=st.floats(5, 80),
    offset=arrays(np.float64, 3, elements=st.floats(-30, 30)),
)
def test_pieces_conserve_length_and_area(start, end, r0, r1, spacing, offset) -> None:
    origin = np.full(3, -200.0) + offset - spacing
    shape = tuple(int(np.ceil((400 + 2 * spacing + 60) / spacing)) for _ in range(3))
    pieces = clip_segments(start, end, r0, r1, origin, np.full(3, spacing), shape)
    length = np.linalg.norm(end - start, axis=1)
    per_segment = np.bincount(pieces.segment, pieces.length_um, minlength=6)
    np.testing.assert_allclose(per_segment, length, rtol=1e-9, atol=1e-9)
    area = np.bincount(pieces.segment, pieces.area_um2, minlength=6)
    moving = length > 0
    np.testing.assert_allclose(
        area[moving], cone_area(length, r0, r1)[moving], rtol=1e-9, atol=1e-7
    )


def test_piece_ends_inside_their_voxel() -> None:
    rng = np.random.default_rng(3)
    start, end = rng.uniform(0, 100, (50, 3)), rng.uniform(0, 100, (50, 3))
    r = np.ones(50)
    pieces = clip_segments(
        start, end, r, r, np.zeros(3), np.full(3, 10.0), (10, 10, 10)
    )
    # reconstruct each piece's end points by walking the segment in piece order
    walked = np.zeros(50)
    for seg, voxel, length in zip(pieces.segment, pieces.voxel, pieces.length_um):
        total = np.linalg.norm(end[seg] - start[seg])
        a = start[seg] + (end[seg] - start[seg]) * walked[seg] / total
        walked[seg] += length
        b = start[seg] + (end[seg] - start[seg]) * walked[seg] / total
        for p in (a, b):
            assert np.all(p >= voxel * 10.0 - 1e-9) and np.all(
                p <= (voxel + 1) * 10.0 + 1e-9
            )
    np.testing.assert_allclose(walked, np.linalg.norm(end - start, axis=1))


def test_segment_across_three_voxels() -> None:
    pieces = clip_segments(
        np.array([[5.0, 5, 5]]),
        np.array([[25.0, 5, 5]]),
        np.array([1.0]),
        np.array([3.0]),
        np.zeros(3),
        np.full(3, 10.0),
        (3, 1, 1),
    )
    np.testing.assert_allclose(pieces.length_um, [5, 10, 5])
    assert pieces.voxel[:, 0].tolist() == [0, 1, 2]
    np.testing.assert_allclose(
        pieces.area_um2[0], cone_area(np.array(5.0), np.array(1.0), np.array(1.5))
    )
