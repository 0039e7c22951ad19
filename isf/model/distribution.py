"""Spatial distributions of mechanism parameters over a region.

Each distribution maps a nominal value ``ḡ`` and the segments of a region to
one value per segment, following the formulas ISF's code computes
(LEGACY_FORMATS §3.4, which differ from its docstrings in places). The
``legacy_name`` of each class is the ``spatial`` key of legacy ``.param``
files.

Distances are in µm; with ``relative=True`` they are divided by the region's
maximal distance (``SomaDistances.max_root_distance``), which makes them
unitless. Exponential rates are therefore per µm (absolute) or per unit of
relative distance.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Union

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.soma_distance import SomaDistances
from isf.model.validation import fail, finite, identifier, non_negative_int, positive, to_float, to_tuple

#: The legacy ``spatial`` name of a distribution (the key of :data:`DISTRIBUTIONS`).
DistributionKind = Literal["uniform", "uniform_range", "linear", "linear_capped", "exponential",
                           "exponential_by_z_dist", "capped_exponential", "sigmoid"]


class SegmentContext:
    """The segments of one region and their distances, computed on demand.

    Attributes:
        distances: distance calculator of the discretised cell.
        label: canonical region label.
        section_ids: section ID of every segment.
        x: relative centre position of every segment.
    """

    def __init__(self, distances: SomaDistances, label: str) -> None:
        self.distances = distances
        self.label = label
        ids = distances.morphology.ids_with_label(label)
        self.section_ids, self.x = distances.segment_table(ids)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @functools.cached_property
    def root_um(self) -> NDArray[np.float64]:
        """``D_root`` of every segment centre, µm."""
        return np.array([self.distances.root(self.label, int(s), float(x)) for s, x in zip(self.section_ids, self.x)])

    @functools.cached_property
    def soma0_um(self) -> NDArray[np.float64]:
        """``D_soma0`` of every segment centre, µm."""
        return np.array([self.distances.soma0(int(s), float(x)) for s, x in zip(self.section_ids, self.x)])

    @functools.cached_property
    def z_um(self) -> NDArray[np.float64]:
        """z of every segment centre relative to the soma centre, µm."""
        return np.array([self.distances.z_offset(int(s), float(x)) for s, x in zip(self.section_ids, self.x)])

    @functools.cached_property
    def max_distance_um(self) -> float:
        """The region's maximal ``D_root`` (ISF ``max_distance``), µm."""
        return self.distances.max_root_distance(self.label)


@attrs.frozen
class Uniform:
    """The nominal value everywhere (legacy ``uniform``)."""

    legacy_name: ClassVar[DistributionKind] = "uniform"

    def scale(self, nominal: float, ctx: SegmentContext) -> NDArray[np.float64]:
        """Value per segment for nominal value ``nominal``."""
        return np.full(len(ctx), nominal, dtype=float)


def _check_sorted_ids(instance: Any, attribute: attrs.Attribute[Any], value: tuple[int, ...]) -> None:
    for item in value:
        non_negative_int(instance, attribute, item)


@attrs.frozen
class UniformRange:
    """``ḡ`` where ``begin ≤ D_root ≤ end`` (inclusive, µm, never relative), else ``ḡ·outside_scale``;
    sections listed in ``outside_sections`` always get ``ḡ·outside_scale`` (legacy ``uniform_range``,
    the Hay calcium hot zone).

    Attributes:
        begin_um: start of the range, µm of ``D_root``.
        end_um: end of the range, µm of ``D_root``.
        outside_scale: factor applied outside the range.
        outside_sections: section IDs forced outside the range.
    """

    legacy_name: ClassVar[DistributionKind] = "uniform_range"
    begin_um: float = attrs.field(converter=to_float, validator=finite)
    end_um: float = attrs.field(converter=to_float, validator=finite)
    outside_scale: float = attrs.field(converter=to_float, validator=finite)
    outside_sections: tuple[int, ...] = attrs.field(default=(), converter=to_tuple, validator=_check_sorted_ids)

    def scale(self, nominal: float, ctx: SegmentContext) -> NDArray[np.float64]:
        """Value per segment for nominal value ``nominal``."""
        d = ctx.root_um
        inside = (d >= self.begin_um) & (d <= self.end_um)
        if self.outside_sections:
            inside &= ~np.isin(ctx.section_ids, np.asarray(self.outside_sections))
        return np.where(inside, nominal, nominal * self.outside_scale)


def _relative(d: NDArray[np.float64], relative: bool, ctx: SegmentContext) -> NDArray[np.float64]:
    return d / ctx.max_distance_um if relative else d


@attrs.frozen
class Linear:
    """``max(ḡ·(1 + slope·d), ḡ·offset)`` with ``d = D_soma0`` (legacy ``linear``).

    With ``relative``, ``d`` is divided by the region's maximal ``D_root``.

    Attributes:
        slope: per µm (absolute) or per unit relative distance.
        offset: lower bound as a fraction of ``ḡ``.
        relative: use relative distance.
    """

    legacy_name: ClassVar[DistributionKind] = "linear"
    slope: float = attrs.field(converter=to_float, validator=finite)
    offset: float = attrs.field(converter=to_float, validator=finite)
    relative: bool = False

    def scale(self, nominal: float, ctx: SegmentContext) -> NDArray[np.float64]:
        """Value per segment for nominal value ``nominal``."""
        d = _relative(ctx.soma0_um, self.relative, ctx)
        return np.maximum(nominal * (1.0 + self.slope * d), nominal * self.offset)


@attrs.frozen
class LinearCapped:
    """Sets only ``parameter``: ``prox + (dist − prox)·d/dist_distance`` for ``d < dist_distance``,
    else ``dist`` — absolute values, no nominal value (legacy ``linear_capped``, ``d = D_soma0``).

    Attributes:
        parameter: the RANGE parameter set (legacy ``param_name``).
        proximal_value: value at ``d = 0`` (legacy ``prox_value``).
        distal_value: value from ``distal_distance`` on (legacy ``dist_value``).
        distal_distance: distance where the cap starts, µm or relative (legacy ``dist_value_distance``).
        relative: use relative distance.
    """

    legacy_name: ClassVar[DistributionKind] = "linear_capped"
    parameter: str = attrs.field(validator=identifier)
    proximal_value: float = attrs.field(converter=to_float, validator=finite)
    distal_value: float = attrs.field(converter=to_float, validator=finite)
    distal_distance: float = attrs.field(converter=to_float, validator=positive)
    relative: bool = False

    def scale(self, nominal: float, ctx: SegmentContext) -> NDArray[np.float64]:
        """Value per segment (``nominal`` is ignored: the values are absolute)."""
        d = _relative(ctx.soma0_um, self.relative, ctx)
        ramp = self.proximal_value + (self.distal_value - self.proximal_value) * d / self.distal_distance
        return np.where(d < self.distal_distance, ramp, self.distal_value)


@attrs.frozen
class _ExponentialShape:
    """Shared fields of the exponential distributions (see :class:`Exponential`)."""

    offset: float = attrs.field(converter=to_float, validator=finite)
    lin_scale: float = attrs.field(converter=to_float, validator=finite)
    rate: float = attrs.field(converter=to_float, validator=finite)
    x_offset: float = attrs.field(converter=to_float, validator=finite)

    def _curve(self, nominal: float, d: NDArray[np.float64]) -> NDArray[np.float64]:
        with np.errstate(over="ignore"):
            return nominal * (self.offset + self.lin_scale * np.exp(self.rate * (d - self.x_offset)))


@attrs.frozen
class Exponential(_ExponentialShape):
    """``ḡ·(offset + lin_scale·exp(rate·(d − x_offset)))`` with ``d = D_root`` (legacy ``exponential``;
    ``rate`` is the legacy ``_lambda`` — note the ``+`` sign, as ISF computes it).

    Attributes:
        offset, lin_scale: unitless.
        rate: per µm (absolute) or per unit relative distance (legacy ``_lambda``).
        x_offset: µm or relative (legacy ``xOffset``).
        relative: use relative distance.
    """

    legacy_name: ClassVar[DistributionKind] = "exponential"
    relative: bool = False

    def scale(self, nominal: float, ctx: SegmentContext) -> NDArray[np.float64]:
        """Value per segment for nominal value ``nominal``."""
        return self._curve(nominal, _relative(ctx.root_um, self.relative, ctx))


@attrs.frozen
class ExponentialByZDist(_ExponentialShape):
    """The exponential formula with ``d`` = z offset from the soma centre on apical dendrites
    (``D_root`` elsewhere); absolute distances are in mm (divided by 1000), relative ones divided
    by the region's maximal distance (legacy ``exponential_by_z_dist``)."""

    legacy_name: ClassVar[DistributionKind] = "exponential_by_z_dist"
    relative: bool = False

    def scale(self, nominal: float, ctx: SegmentContext) -> NDArray[np.float64]:
        """Value per segment for nominal value ``nominal``."""
        d = ctx.z_um if ctx.label == "apic" else ctx.root_um
        d = d / ctx.max_distance_um if self.relative else d / 1000.0
        return self._curve(nominal, d)


@attrs.frozen
class CappedExponential(_ExponentialShape):
    """``min(ḡ·(offset + lin_scale·exp(rate·(d − x_offset))), max_value)`` with ``d = D_root``
    (legacy ``capped_exponential``; ``max_value`` is absolute, legacy ``max_g``)."""

    legacy_name: ClassVar[DistributionKind] = "capped_exponential"
    max_value: float = attrs.field(converter=to_float, validator=finite)
    relative: bool = False

    def scale(self, nominal: float, ctx: SegmentContext) -> NDArray[np.float64]:
        """Value per segment for nominal value ``nominal``."""
        d = _relative(ctx.root_um, self.relative, ctx)
        return np.minimum(self._curve(nominal, d), self.max_value)


@attrs.frozen
class Sigmoid:
    """``ḡ·(offset + lin_scale / (1 + exp((d − x_offset)/width)))`` with ``d = D_root`` (legacy ``sigmoid``).

    Attributes:
        width: µm or relative; must not be 0.
    """

    legacy_name: ClassVar[DistributionKind] = "sigmoid"
    offset: float = attrs.field(converter=to_float, validator=finite)
    lin_scale: float = attrs.field(converter=to_float, validator=finite)
    x_offset: float = attrs.field(converter=to_float, validator=finite)
    width: float = attrs.field(converter=to_float, validator=finite)
    relative: bool = False

    @width.validator
    def _nonzero(self, attribute: attrs.Attribute[float], value: float) -> None:
        if value == 0:
            fail(self, attribute, value, "a non-zero width")

    def scale(self, nominal: float, ctx: SegmentContext) -> NDArray[np.float64]:
        """Value per segment for nominal value ``nominal``."""
        d = _relative(ctx.root_um, self.relative, ctx)
        with np.errstate(over="ignore"):
            return nominal * (self.offset + self.lin_scale / (1.0 + np.exp((d - self.x_offset) / self.width)))


Distribution = Union[Uniform, UniformRange, Linear, LinearCapped, Exponential, ExponentialByZDist,
                     CappedExponential, Sigmoid]
#: Every distribution class, by its legacy ``spatial`` name.
DISTRIBUTIONS: Mapping[str, type[Distribution]] = {
    cls.legacy_name: cls
    for cls in (Uniform, UniformRange, Linear, LinearCapped, Exponential, ExponentialByZDist,
                CappedExponential, Sigmoid)
}

