"""A scalar field on a regular 3D lattice: bouton or postsynaptic-target densities (LEGACY_FORMATS §5.9).

Voxel ``(i, j, k)`` spans ``[origin + (i, j, k)·spacing, origin + (i+1, j+1, k+1)·spacing)`` in µm;
its centre is ``origin + (i + ½, j + ½, k + ½)·spacing``. Amira files state the bounding box of the
voxel *centres*; :mod:`isf.dsl.amira` converts between the two.
"""

from __future__ import annotations

import functools
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.validation import fail

__all__ = ["ScalarField"]

#: Tolerance of the "inside the field" test, µm (ISF's 1e-6).
INSIDE_TOLERANCE_UM = 1e-6


def _vector3(value: Any) -> tuple[float, float, float]:
    try:
        x, y, z = (float(v) for v in value)
    except (TypeError, ValueError):
        return value  # the validator reports it
    return (x, y, z)


def _check_origin(
    instance: ScalarField, attribute: attrs.Attribute[Any], value: Any
) -> None:
    if not isinstance(value, tuple) or len(value) != 3 or not all(np.isfinite(value)):
        fail(instance, attribute, value, "three finite coordinates (x, y, z) in µm")


def _check_spacing(
    instance: ScalarField, attribute: attrs.Attribute[Any], value: Any
) -> None:
    if (
        not isinstance(value, tuple)
        or len(value) != 3
        or not all(np.isfinite(v) and v > 0 for v in value)
    ):
        fail(
            instance,
            attribute,
            value,
            "three finite voxel sizes > 0 (dx, dy, dz) in µm",
        )


def _frozen_values(value: Any) -> NDArray[np.float64]:
    array = np.array(value, dtype=np.float64, copy=True)
    array.setflags(write=False)
    return array


def _check_values(
    instance: ScalarField, attribute: attrs.Attribute[Any], value: NDArray[np.float64]
) -> None:
    if value.ndim != 3 or min(value.shape) < 1:
        fail(
            instance,
            attribute,
            value.shape,
            "a 3D array (nx, ny, nz) with every size >= 1",
        )
    if not np.all(np.isfinite(value)):
        fail(instance, attribute, "non-finite value", "finite values")


def _values_eq(a: NDArray[np.float64], b: NDArray[np.float64]) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b))


@attrs.frozen
class ScalarField:
    """Values on a regular lattice of voxels.

    Attributes:
        origin_um: lower corner of voxel (0, 0, 0), µm.
        spacing_um: voxel size along x, y, z, µm.
        values: value of every voxel, indexed ``[i, j, k]`` (x, y, z). Units are the caller's:
            boutons per voxel for axon fields, postsynaptic targets per voxel for PST fields.
    """

    origin_um: tuple[float, float, float] = attrs.field(
        converter=_vector3, validator=_check_origin
    )
    spacing_um: tuple[float, float, float] = attrs.field(
        converter=_vector3, validator=_check_spacing
    )
    values: NDArray[np.float64] = attrs.field(
        converter=_frozen_values,
        validator=_check_values,
        eq=attrs.cmp_using(eq=_values_eq),
        hash=False,
    )

    @property
    def shape(self) -> tuple[int, int, int]:
        """Number of voxels along x, y, z."""
        nx, ny, nz = self.values.shape
        return (nx, ny, nz)

    @functools.cached_property
    def lower_um(self) -> NDArray[np.float64]:
        """Lower corner of the lattice (= origin), µm."""
        return np.array(self.origin_um)

    @functools.cached_property
    def upper_um(self) -> NDArray[np.float64]:
        """Upper corner of the lattice, µm."""
        return self.lower_um + np.array(self.spacing_um) * np.array(self.shape)

    @property
    def centre_bounds_um(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Centres of the first and last voxel (Amira's ``BoundingBox``), µm."""
        half = np.array(self.spacing_um) / 2
        return self.lower_um + half, self.upper_um - half

    def voxel_index(
        self, points: NDArray[np.float64]
    ) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """Voxel ``(i, j, k)`` of every point (shape (n, 3)) and whether the point lies in the field.

        A point on the upper face of the lattice (within 1e-6 µm) belongs to the last voxel, as in ISF.
        """
        points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        inside = np.all(
            (points >= self.lower_um - INSIDE_TOLERANCE_UM)
            & (points <= self.upper_um + INSIDE_TOLERANCE_UM),
            axis=1,
        )
        index = np.floor((points - self.lower_um) / np.array(self.spacing_um)).astype(
            np.int64
        )
        index = np.clip(index, 0, np.array(self.shape) - 1)
        return index, inside

    def sample(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """Value of the voxel holding each point (shape (n, 3), µm); NaN outside the field."""
        index, inside = self.voxel_index(points)
        out = self.values[index[:, 0], index[:, 1], index[:, 2]]
        return np.where(inside, out, np.nan)

    def cropped(self) -> ScalarField:
        """The smallest sub-lattice holding every non-zero voxel (ISF ``resize_mesh``); unchanged if all are 0."""
        nonzero = np.argwhere(self.values != 0)
        if nonzero.size == 0:
            return self
        lo, hi = nonzero.min(axis=0), nonzero.max(axis=0) + 1
        origin = self.lower_um + lo * np.array(self.spacing_um)
        return ScalarField(
            tuple(origin),
            self.spacing_um,
            self.values[lo[0] : hi[0], lo[1] : hi[1], lo[2] : hi[2]],
        )
