"""A density mechanism (NMODL SUFFIX) with its parameters and spatial distribution."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.distribution import DISTRIBUTIONS, Distribution, LinearCapped, SegmentContext, Uniform
from isf.model.validation import fail, finite_mapping, identifier, to_float_dict


def _check_distribution(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, tuple(DISTRIBUTIONS.values())):
        fail(instance, attribute, value, "one of " + ", ".join(c.__name__ for c in DISTRIBUTIONS.values()))


@attrs.frozen
class Mechanism:
    """A density mechanism inserted in every segment of a region.

    Attributes:
        name: NMODL SUFFIX (``NaTa_t``, ``pas``, ``CaDynamics_E2`` …).
        parameters: RANGE parameter name (without suffix, as in the mod file:
            ``gNaTa_tbar``, ``g``, ``e``, ``gamma``) → nominal value, in the
            mod file's units (S/cm² for conductances, mV, ms …).
        distribution: how the nominal values vary over the region; every
            parameter of the mechanism shares it (as in ISF).
    """

    name: str = attrs.field(validator=identifier)
    parameters: dict[str, float] = attrs.field(factory=dict, converter=to_float_dict, validator=finite_mapping)
    distribution: Distribution = attrs.field(factory=Uniform, validator=_check_distribution)

    def segment_values(self, ctx: SegmentContext) -> dict[str, NDArray[np.float64]]:
        """Value of every parameter this mechanism sets, per segment of ``ctx``."""
        if isinstance(self.distribution, LinearCapped):
            return {self.distribution.parameter: self.distribution.scale(0.0, ctx)}
        return {name: self.distribution.scale(value, ctx) for name, value in self.parameters.items()}
