"""What to record during a simulation."""

from __future__ import annotations

from typing import Any

import attrs

from isf.model.site import Site, Soma
from isf.model.stimulus import _check_site
from isf.model.validation import fail


def _check_variable(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value.isidentifier():
        fail(instance, attribute, value,
             "a NEURON range variable name: 'v', 'cai', 'ina', or '<var>_<mechanism>' such as 'gIh_Ih'")


@attrs.frozen
class Recording:
    """A range variable recorded at a site (snapped to the nearest segment centre).

    Attributes:
        site: where.
        variable: NEURON range variable: ``v`` (mV), ``cai`` (mM), ``ik`` (mA/cm²),
            or ``<name>_<mechanism>`` such as ``gIh_Ih`` (S/cm²).
        name: key of the trace in the result (default ``<site label>`` for ``v``,
            ``<site label>.<variable>`` otherwise).
    """

    site: Site = attrs.field(factory=Soma, validator=_check_site)
    variable: str = attrs.field(default="v", validator=_check_variable)
    name: str | None = None

    @property
    def key(self) -> str:
        """Name of the trace in a :class:`~isf.model.result.Result`."""
        if self.name:
            return self.name
        return self.site.label if self.variable == "v" else f"{self.site.label}.{self.variable}"
