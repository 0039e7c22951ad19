"""What NEURON knows about a compiled point process: its parameters with their defaults, its other
RANGE variables, and whether a ``NetCon`` can deliver events (a ``NET_RECEIVE`` block) to it.

Read from NEURON's own introspection (``MechanismType``, ``MechanismStandard``), so a user's
mechanism is described exactly as compiled; a misspelt parameter is reported with the allowed names.
"""

from __future__ import annotations

import attrs

from isf.errors import MechanismError, UnknownNameError

__all__ = ["PointProcessInfo", "netcon_targets", "point_process_info"]


@attrs.frozen
class PointProcessInfo:
    """A compiled point process as NEURON describes it.

    Attributes:
        name: the ``POINT_PROCESS`` name.
        parameters: ``PARAMETER`` RANGE variables and their defaults (the mod file's units).
        assigned: ``ASSIGNED`` RANGE variables (currents, conductances, …).
        states: ``STATE`` variables.
        netcon_target: whether it has a ``NET_RECEIVE`` block (can be driven by a ``NetCon``).
        n_weights: number of ``NET_RECEIVE`` arguments (the NetCon weight vector's length).
    """

    name: str
    parameters: dict[str, float]
    assigned: tuple[str, ...]
    states: tuple[str, ...]
    netcon_target: bool
    n_weights: int

    @property
    def variables(self) -> tuple[str, ...]:
        """Every RANGE variable that can be recorded (parameters, assigned, states)."""
        return (*self.parameters, *self.assigned, *self.states)


def _point_processes() -> dict[str, bool]:
    """Point-process names NEURON knows now → whether each accepts NetCon events."""
    from neuron import h

    out: dict[str, bool] = {}
    selected = h.ref("")
    mt = h.MechanismType(1)
    for i in range(int(mt.count())):
        mt.select(i)
        mt.selected(selected)
        out[str(selected[0])] = bool(mt.is_netcon_target(i)) and not bool(mt.is_artificial(i))
    return out


def netcon_targets() -> tuple[str, ...]:
    """Names of the (non-artificial) point processes with a ``NET_RECEIVE`` block, sorted."""
    return tuple(sorted(name for name, target in _point_processes().items() if target))


def _names(name: str, vartype: int) -> list[str]:
    from neuron import h

    ms = h.MechanismStandard(name, vartype)
    out = []
    for j in range(int(ms.count())):
        ref = h.ref("")
        ms.name(ref, j)
        out.append(str(ref[0]))
    return out


def point_process_info(name: str) -> PointProcessInfo:
    """Describe the compiled point process ``name`` (load its mechanisms first).

    Raises:
        UnknownNameError: NEURON knows no point process ``name``; the message lists the ones that
            accept NetCon events.
        MechanismError: ``name`` has no ``NET_RECEIVE`` block (cannot be a synapse driven by spikes).
    """
    from neuron import h

    known = _point_processes()
    if name not in known:
        raise UnknownNameError(
            f"no point process {name!r} is loaded in NEURON; synapses (point processes with "
            f"NET_RECEIVE) known now: {', '.join(netcon_targets())}. A user mechanism must be "
            "compiled and loaded first (mechanisms_dir)."
        )
    ms = h.MechanismStandard(name, 1)
    parameters = {}
    for j in range(int(ms.count())):
        ref = h.ref("")
        ms.name(ref, j)
        parameters[str(ref[0])] = float(ms.get(str(ref[0])))
    n_weights = 0
    if known[name]:
        # the weight vector of a NetCon onto the target has one entry per NET_RECEIVE argument
        probe_section = h.Section(name="isf_point_process_probe")
        try:
            target = getattr(h, name)(probe_section(0.5))
            n_weights = int(h.NetCon(None, target).wcnt())
            del target
        finally:
            del probe_section
    else:
        raise MechanismError(
            f"point process {name!r} has no NET_RECEIVE block, so a NetCon cannot drive it; "
            f"synapses known now: {', '.join(netcon_targets())}"
        )
    return PointProcessInfo(
        name=name,
        parameters=parameters,
        assigned=tuple(_names(name, 2)),
        states=tuple(_names(name, 3)),
        netcon_target=True,
        n_weights=n_weights,
    )
